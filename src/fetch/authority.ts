/**
 * What a request's authority (Host, :authority) may hold before we put it
 * into a URL: a reg-name, an IP literal, and an optional port.
 *
 * @module
 */

/**
 * `host [":" port]` with only the characters RFC 3986 §3.2.2 allows in a reg-name or IP literal.
 */
export const AUTHORITY_RE: RegExp =
  /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d*)?$/;

/**
 * True when `value` may be used as the authority of a request URL.
 */
export function isAuthority(value: string): boolean {
  return AUTHORITY_RE.test(value);
}
