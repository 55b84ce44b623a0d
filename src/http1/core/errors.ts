/**
 * Errors raised by the sans-IO HTTP/1.1 codec.
 *
 * @module
 */

/**
 * A request that cannot be parsed. `status` is the response status the connection driver should
 * answer with (followed by `Connection: close` and closing the connection):
 *
 * - 400 Bad Request: malformed syntax, framing conflicts (smuggling vectors), missing Host.
 * - 413 Content Too Large: the body exceeds `maxBodyBytes`.
 * - 414 URI Too Long: the request-line exceeds `maxRequestLineBytes`.
 * - 417 Expectation Failed: an `Expect` other than `100-continue`.
 * - 431 Request Header Fields Too Large: header section bytes or field count over the limit.
 * - 501 Not Implemented: a transfer coding other than `chunked`.
 * - 505 HTTP Version Not Supported: a well-formed version other than HTTP/1.0 and HTTP/1.1.
 */
export class HttpParseError extends Error {
  /**
   * @param status HTTP status code to respond with (400, 413, 414, 417, 431, 501 or 505).
   * @param message Human-readable reason, safe to log (never echoes request bytes).
   */
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "HttpParseError";
  }
}
