/**
 * What a request's authority (Host, :authority) may hold before we put it
 * into a URL: a reg-name, an IP literal, and an optional port.
 *
 * @module
 */

/**
 * `host [":" port]` with only the characters RFC 3986 §3.2.2 allows in a reg-name or IP literal.
 *
 * @example
 * ```ts
 * import { AUTHORITY_RE } from "./authority.ts";
 * console.assert(AUTHORITY_RE.test("example.com:8080") && AUTHORITY_RE.test("[::1]:80"));
 * console.assert(!AUTHORITY_RE.test("a/b"));
 * ```
 */
export const AUTHORITY_RE: RegExp =
  /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d*)?$/;

/**
 * True when `value` may be used as the authority of a request URL.
 *
 * @example
 * ```ts
 * isAuthority("example.com:8080"); // true
 * isAuthority("a/b"); // false
 * ```
 */
export function isAuthority(value: string): boolean {
  return AUTHORITY_RE.test(value);
}
