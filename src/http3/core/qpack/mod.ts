/**
 * QPACK, field compression for HTTP/3 (RFC 9204): a sans-IO encoder and
 * decoder. The HTTP/3 layer carries their bytes: field sections in HEADERS
 * frames, and instructions on the two unidirectional QPACK streams.
 *
 * @module
 */

export {
  FieldSectionTooLargeError,
  QPACK_DECODER_STREAM_ERROR,
  QPACK_DECOMPRESSION_FAILED,
  QPACK_ENCODER_STREAM_ERROR,
  QpackError,
} from "./errors.ts";
export {
  BLOCKED,
  QpackDecoder,
  type QpackDecoderOptions,
  type UnblockedSection,
} from "./decoder.ts";
export {
  type EncodeSectionOptions,
  QpackEncoder,
  type QpackEncoderOptions,
  type QpackPeerSettings,
} from "./encoder.ts";
export { STATIC_TABLE } from "./static_table.ts";
export type { Field } from "./types.ts";
