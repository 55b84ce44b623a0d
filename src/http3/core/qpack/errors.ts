/**
 * QPACK error codes (RFC 9204 §6) and the one error type the codec throws.
 *
 * @module
 */

/** QPACK_DECOMPRESSION_FAILED: a field section could not be decoded. */
export const QPACK_DECOMPRESSION_FAILED = 0x200;
/** QPACK_ENCODER_STREAM_ERROR: bad instruction on the peer's encoder stream. */
export const QPACK_ENCODER_STREAM_ERROR = 0x201;
/** QPACK_DECODER_STREAM_ERROR: bad instruction on the peer's decoder stream. */
export const QPACK_DECODER_STREAM_ERROR = 0x202;

/**
 * A QPACK failure. {@linkcode QpackError.code} is the HTTP/3 error code to
 * close the connection with: QPACK state is shared by every stream, so every
 * QPACK error is a connection error (RFC 9204 §2.2.3, §4.1).
 */
export class QpackError extends Error {
  /** 0x200 decompression failed, 0x201 encoder stream error, 0x202 decoder stream error. */
  readonly code: number;

  /** Creates the error with its code and a human-readable reason. */
  constructor(code: number, message: string) {
    super(message);
    this.name = "QpackError";
    this.code = code;
  }
}

/**
 * A well-formed field section whose decoded size (RFC 9114 §4.2.2: name +
 * value + 32 per field) exceeds `maxFieldSectionSize`. The dynamic table is
 * untouched and the section has been acknowledged or cancelled on the decoder
 * stream, so a caller that checks for this subclass may refuse just the stream
 * (e.g. a 431) instead of closing the connection with the inherited code.
 */
export class FieldSectionTooLargeError extends QpackError {
  /** The stream whose section was too large. */
  readonly streamId: number;

  /** Creates the error for `streamId`, with code QPACK_DECOMPRESSION_FAILED. */
  constructor(streamId: number, message: string) {
    super(QPACK_DECOMPRESSION_FAILED, message);
    this.name = "FieldSectionTooLargeError";
    this.streamId = streamId;
  }
}
