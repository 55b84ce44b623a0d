/**
 * Errors raised by the HPACK codec.
 *
 * Two kinds, because they have different blast radii in HTTP/2: a malformed
 * block corrupts the shared compression context and must kill the connection
 * (COMPRESSION_ERROR), while an oversized but well-formed header list leaves
 * the context intact and only that stream is refused (431 / RST_STREAM).
 *
 * @module
 */

/**
 * HTTP/2 error code COMPRESSION_ERROR (RFC 9113 §7).
 */
export const COMPRESSION_ERROR_CODE = 0x9;

/**
 * A header block could not be decoded (RFC 7541 §2.3, RFC 9113 §4.3): the
 * connection's compression context is unusable and the connection must end
 * with a GOAWAY carrying {@linkcode CompressionError.code}.
 */
export class CompressionError extends Error {
  /** The HTTP/2 error code to send: COMPRESSION_ERROR (0x9). */
  readonly code: typeof COMPRESSION_ERROR_CODE = COMPRESSION_ERROR_CODE;

  /** Creates the error with a human-readable reason. */
  constructor(message: string) {
    super(message);
    this.name = "CompressionError";
  }
}

/**
 * A well-formed header block decoded to more than the configured header list
 * size or field count. The whole block was still processed, so the dynamic
 * table is consistent and the connection can continue; only the stream that
 * carried the block should be answered with 431 or reset.
 */
export class HeaderListTooLargeError extends Error {
  /** Which limit was exceeded. */
  readonly limit: "maxHeaderListSize" | "maxFields";

  /** Creates the error naming the limit that was exceeded. */
  constructor(limit: "maxHeaderListSize" | "maxFields", message: string) {
    super(message);
    this.name = "HeaderListTooLargeError";
    this.limit = limit;
  }
}
