/**
 * h2serve/hpack: the HPACK header compression (RFC 7541) that h2serve's
 * HTTP/2 stack uses, with the same bounds: an encoder with a capped table,
 * Huffman choice and never-indexed fields, and a decoder that bounds the
 * header list and the number of fields.
 *
 * ```ts
 * import { HpackDecoder, HpackEncoder } from "./hpack.ts";
 * const block = new HpackEncoder().encode([[":method", "GET"], ["cookie", "a=1"]]);
 * new HpackDecoder().decode(block); // [[":method", "GET"], ["cookie", "a=1"]]
 * ```
 *
 * @module
 */
export {
  HpackDecoder,
  type HpackDecoderOptions,
  HpackEncoder,
  type HpackEncoderOptions,
} from "./src/http2/api/hpack.ts";
export {
  COMPRESSION_ERROR_CODE,
  CompressionError,
  HeaderListTooLargeError,
} from "./src/http2/core/hpack/errors.ts";
