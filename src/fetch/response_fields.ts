/**
 * The fields of a Response as the writers take them: [name, value] pairs
 * with lower-case names, each set-cookie on its own, and Content-Length
 * taken apart (the exchange checks the body against it; the writer frames
 * the length itself).
 *
 * @module
 */

/** A Response's fields, Content-Length apart. */
export interface ResponseFields {
  /** Every field but Content-Length. */
  headers: Array<[string, string]>;
  /** The handler's Content-Length, or -1 (absent or not a plain number). */
  declared: number;
}

/** Reads `response`'s fields once. */
export function responseFields(response: Response): ResponseFields {
  const headers: Array<[string, string]> = [];
  let declared = -1;
  // forEach is much cheaper than the iterator on some runtimes; set-cookie is
  // the one field that must not be joined, so it is taken separately.
  let cookies = false;
  response.headers.forEach((value, name) => {
    if (name === "content-length") declared = /^\d{1,15}$/.test(value) ? Number(value) : -1;
    else if (name === "set-cookie") cookies = true;
    else headers.push([name, value]);
  });
  if (cookies) {
    for (const c of response.headers.getSetCookie()) headers.push(["set-cookie", c]);
  }
  return { headers, declared };
}
