/**
 * What the HTTP/3 core needs from QPACK (RFC 9204), as structural types: the
 * codec in `qpack/mod.ts` satisfies them, and tests may pass a static-only
 * stand-in. The core never constructs a codec itself.
 *
 * @module
 */

/**
 * A field line: `[name, value]`.
 */
export type Field = [name: string, value: string];

/**
 * The decoder side: request field sections in, decoder-stream bytes out.
 * `decodeSection` returns a non-array marker when the section is blocked.
 */
export interface FieldDecoder {
  /**
   * Encoder-stream instructions; returns sections they unblocked (`error`
   * set when one decoded past maxFieldSectionSize).
   */
  encoderStream(bytes: Uint8Array): { streamId: number; fields: Field[]; error?: unknown }[];
  /** A field section, or a marker (not an array) when it waits for inserts. */
  decodeSection(streamId: number, bytes: Uint8Array): Field[] | symbol;
  /** The stream was reset or abandoned: forget its blocked section. */
  cancelStream(streamId: number): void;
  /** Bytes owed on our decoder stream (may be empty). */
  decoderStream(): Uint8Array;
}

/**
 * The encoder side: response field sections out, encoder-stream bytes out,
 * the peer's decoder-stream bytes in.
 */
export interface FieldEncoder {
  /** The peer's QPACK settings, once its SETTINGS arrive. */
  setPeerSettings(s: { maxTableCapacity: number; blockedStreams: number }): void;
  /** One encoded field section for stream `streamId`. */
  encodeSection(streamId: number, fields: Field[]): Uint8Array;
  /** Bytes owed on our encoder stream (may be empty). */
  encoderStream(): Uint8Array;
  /** The peer's decoder-stream instructions. */
  decoderStream(bytes: Uint8Array): void;
}

/**
 * Both sides, for one connection.
 */
export interface QpackPair {
  /** Decodes what the peer sends. */
  decoder: FieldDecoder;
  /** Encodes what we send. */
  encoder: FieldEncoder;
}

/**
 * Whether an exception is the decoder's "section too large" (its name is
 * FieldSectionTooLargeError): the stream alone is refused with 431.
 */
export function isSectionTooLarge(e: unknown): boolean {
  return (e as { name?: unknown } | null)?.name === "FieldSectionTooLargeError";
}

/**
 * The QPACK error code an exception carries (QpackError has `code`), else
 * QPACK_DECOMPRESSION_FAILED.
 */
export function qpackErrorCode(e: unknown, fallback = 0x200): number {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : fallback;
}
