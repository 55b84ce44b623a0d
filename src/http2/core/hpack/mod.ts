/**
 * HPACK, header compression for HTTP/2 (RFC 7541): a sans-IO encoder and
 * decoder, plus the primitives they are built from.
 *
 * Names and values are latin1 strings, one character per octet, so any octet
 * sequence round-trips (see `string.ts`).
 *
 * ```ts
 * import { Decoder, Encoder } from "./mod.ts";
 * const block = new Encoder().encode([[":status", "200"], ["content-type", "text/plain"]]);
 * new Decoder().decode(block); // [[":status", "200"], ["content-type", "text/plain"]]
 * ```
 *
 * @module
 */

export { COMPRESSION_ERROR_CODE, CompressionError, HeaderListTooLargeError } from "./errors.ts";
export {
  Decoder,
  type DecoderOptions,
  DEFAULT_MAX_FIELDS,
  DEFAULT_MAX_HEADER_LIST_SIZE,
} from "./decoder.ts";
export { DEFAULT_NEVER_INDEX, Encoder, type EncoderOptions, type HeaderField } from "./encoder.ts";
export {
  DEFAULT_TABLE_SIZE,
  DynamicTable,
  ENTRY_OVERHEAD,
  type ReadonlyDynamicTable,
} from "./dynamic_table.ts";
export {
  type Cursor,
  decodeInteger,
  decodeIntegerTail,
  encodeInteger,
  integerLength,
  MAX_INTEGER,
  MAX_INTEGER_CONTINUATION_BYTES,
} from "./integer.ts";
export { decodeString, encodeString, stringLiteralMaxLength } from "./string.ts";
export {
  huffmanDecode,
  huffmanDecodedMaxLength,
  huffmanEncode,
  huffmanEncodedLength,
} from "./huffman.ts";
export { STATIC_TABLE, STATIC_TABLE_LENGTH } from "./static_table.ts";
