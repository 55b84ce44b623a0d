/**
 * Public HPACK (RFC 7541) codec wrappers over the core's encoder and
 * decoder, with the server's limits as defaults.
 *
 * @module
 */
import { Decoder } from "../core/hpack/decoder.ts";
import { Encoder } from "../core/hpack/encoder.ts";
import { DEFAULT_H2_OPTIONS } from "../core/conn_options.ts";

/**
 * Options of {@link HpackEncoder}.
 *
 * @example
 * ```ts
 * import { HpackEncoder, type HpackEncoderOptions } from "../../../hpack.ts";
 * const options: HpackEncoderOptions = { huffman: false };
 * new HpackEncoder(options);
 * ```
 */
export interface HpackEncoderOptions {
  /** The decoder's SETTINGS_HEADER_TABLE_SIZE (the table we may use). Default 4096. */
  maxTableSize?: number;
  /** The most table memory we use whatever the peer allows. Default 4096. */
  tableSizeLimit?: number;
  /** Huffman-code strings when that is shorter. Default true. */
  huffman?: boolean;
  /** Names always sent never-indexed. Default authorization, proxy-authorization, cookie, set-cookie. */
  neverIndex?: Iterable<string>;
}

/**
 * Encodes header lists into HPACK blocks; one encoder per connection direction.
 *
 * @example
 * ```ts
 * import { HpackDecoder, HpackEncoder } from "../../../hpack.ts";
 * const block = new HpackEncoder().encode([[":status", "200"], ["x-token", "t", true]]);
 * new HpackDecoder().decode(block); // [[":status", "200"], ["x-token", "t"]]
 * ```
 */
export class HpackEncoder {
  readonly #e: Encoder;

  /** Creates an encoder. */
  constructor(options: HpackEncoderOptions = {}) {
    this.#e = new Encoder({
      maxTableSize: options.maxTableSize,
      tableSizeLimit: options.tableSizeLimit ?? DEFAULT_H2_OPTIONS.maxEncoderTableSize,
      huffman: options.huffman,
      neverIndex: options.neverIndex,
    });
  }

  /** Encodes `[name, value, sensitive?]` fields (a sensitive one is never indexed). */
  encode(
    headers: ReadonlyArray<readonly [name: string, value: string, sensitive?: boolean]>,
  ): Uint8Array {
    return this.#e.encode(headers);
  }

  /** The peer's new SETTINGS_HEADER_TABLE_SIZE: a size update goes in the next block. */
  set maxTableSize(n: number) {
    this.#e.setMaxTableSize(n);
  }

  /** The table size in use (at most tableSizeLimit). */
  get maxTableSize(): number {
    return this.#e.maxTableSize;
  }

  /** Bytes the dynamic table holds now. */
  get tableSize(): number {
    return this.#e.tableSize;
  }
}

/**
 * Options of {@link HpackDecoder}.
 *
 * @example
 * ```ts
 * import { HpackDecoder, type HpackDecoderOptions } from "../../../hpack.ts";
 * const options: HpackDecoderOptions = { maxHeaderListSize: 16384 };
 * new HpackDecoder(options);
 * ```
 */
export interface HpackDecoderOptions {
  /** Our SETTINGS_HEADER_TABLE_SIZE: the largest table the peer may make us keep. Default 4096. */
  maxTableSize?: number;
  /** Largest decoded list (RFC 9113 size: name + value + 32 per field). Default 64 KiB. */
  maxHeaderListSize?: number;
  /** Most fields in one list. Default 200. */
  maxFields?: number;
}

/**
 * Decodes HPACK blocks; throws a `CompressionError` on a malformed block (the
 * connection must then end with COMPRESSION_ERROR) and a
 * `HeaderListTooLargeError` past the bounds (the table stays in sync).
 *
 * @example
 * ```ts
 * import { HpackDecoder } from "../../../hpack.ts";
 * new HpackDecoder().decode(new Uint8Array([0x82, 0x86, 0x84])); // [[":method","GET"],[":scheme","http"],[":path","/"]]
 * ```
 */
export class HpackDecoder {
  readonly #d: Decoder;

  /** Creates a decoder with the server's bounds unless given. */
  constructor(options: HpackDecoderOptions = {}) {
    this.#d = new Decoder({
      maxTableSize: options.maxTableSize ?? 4096,
      maxHeaderListSize: options.maxHeaderListSize ?? DEFAULT_H2_OPTIONS.maxHeaderListSize,
      maxFields: options.maxFields ?? DEFAULT_H2_OPTIONS.maxHeaderFields,
    });
  }

  /** Decodes one whole header block into `[name, value]` pairs in order. */
  decode(block: Uint8Array): Array<[string, string]> {
    return this.#d.decode(block);
  }

  /** Changes our SETTINGS_HEADER_TABLE_SIZE (once the peer acknowledged it). */
  set maxTableSize(n: number) {
    this.#d.setMaxTableSize(n);
  }

  /** Our table size limit. */
  get maxTableSize(): number {
    return this.#d.table.maxSize;
  }
}
