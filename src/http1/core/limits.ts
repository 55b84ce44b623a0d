/**
 * Size limits enforced by the HTTP/1.1 request parser. Every limit fails with a defined status
 * (carried by {@linkcode HttpParseError}) instead of buffering without bound.
 *
 * @module
 */

/**
 * Limits for {@linkcode RequestParser}; pass a partial object to override the defaults.
 *
 * @example
 * ```ts
 * import type { Http1Limits } from "@h2serve/h2serve";
 * const strict: Partial<Http1Limits> = { maxHeaderBytes: 8 * 1024, maxBodyBytes: 1024 * 1024 };
 * ```
 */
export interface Http1Limits {
  /**
   * Longest request-line in bytes, excluding its CRLF. Default 8192. A longer line is rejected
   * with 414 URI Too Long as soon as more than this many bytes are buffered without a line end.
   */
  maxRequestLineBytes: number;
  /**
   * Total bytes of the header section (every field line with its CRLF plus the final empty
   * line), including the trailer section of a chunked body. Default 16384. Exceeding it gets
   * 431 Request Header Fields Too Large, detected before the offending line is complete.
   */
  maxHeaderBytes: number;
  /**
   * Most field lines in the header section plus the trailer section. Default 100. One more gets
   * 431 Request Header Fields Too Large.
   */
  maxHeaderCount: number;
  /**
   * Largest request body in bytes. Default `Infinity` (no limit). A larger `Content-Length` is
   * rejected up-front, and a chunked body as soon as a chunk-size would pass the limit, with
   * 413 Content Too Large.
   */
  maxBodyBytes: number;
  /**
   * Longest chunk-extension part of one chunk-size line (everything after the hex size), in
   * bytes. Default 1024. Longer gets 400 Bad Request.
   */
  maxChunkExtensionBytes: number;
  /**
   * Require exactly one `Host` field in HTTP/1.1 requests, as RFC 9112 §3.2 mandates (missing
   * → 400). Default `true`. Only tests and conformance runs turn it off; duplicate Host fields
   * are rejected with 400 either way.
   */
  requireHost: boolean;
}

/**
 * The default {@linkcode Http1Limits}.
 */
export const DEFAULT_HTTP1_LIMITS: Readonly<Http1Limits> = Object.freeze({
  maxRequestLineBytes: 8192,
  maxHeaderBytes: 16384,
  maxHeaderCount: 100,
  maxBodyBytes: Infinity,
  maxChunkExtensionBytes: 1024,
  requireHost: true,
});
