/**
 * HPACK prefixed integers (RFC 7541 §5.1).
 *
 * @module
 */

import { CompressionError } from "./errors.ts";

/**
 * Largest integer the decoder accepts (2^31 - 1). Every legitimate HPACK
 * integer (an index, a string length, a table size we allow) is far below it;
 * anything larger is an attack or garbage, and rejecting it keeps all
 * arithmetic in exact small integers.
 */
export const MAX_INTEGER = 0x7fffffff;

/**
 * Most continuation octets accepted after the prefix. Five carry 35 bits,
 * enough for {@linkcode MAX_INTEGER} under any prefix; more can only be
 * padding with zero groups, which we refuse rather than loop over.
 */
export const MAX_INTEGER_CONTINUATION_BYTES = 5;

/**
 * A mutable read position, advanced by the primitive decoders.
 */
export interface Cursor {
  /** Offset of the next unread octet. */
  pos: number;
}

/**
 * Decodes an integer with an N-bit prefix (1 ≤ N ≤ 8) at `cursor.pos`,
 * ignoring the octet's high 8 - N bits, and advances the cursor past it.
 *
 * @throws {CompressionError} when truncated before `end`, longer than
 * {@linkcode MAX_INTEGER_CONTINUATION_BYTES}, or above {@linkcode MAX_INTEGER}.
 */
export function decodeInteger(
  src: Uint8Array,
  cursor: Cursor,
  prefixBits: number,
  end: number = src.length,
): number {
  const pos = cursor.pos;
  if (pos >= end) throw new CompressionError("truncated integer");
  const max = (1 << prefixBits) - 1;
  const value = src[pos]! & max;
  cursor.pos = pos + 1;
  return value === max ? decodeIntegerTail(src, cursor, end, max) : value;
}

/**
 * Decodes the continuation octets of an integer whose prefix was full
 * (`base` = 2^N - 1), starting at `cursor.pos`. Split out so callers can
 * handle the one-octet case inline.
 *
 * @throws {CompressionError} as {@linkcode decodeInteger}.
 */
export function decodeIntegerTail(
  src: Uint8Array,
  cursor: Cursor,
  end: number,
  base: number,
): number {
  let pos = cursor.pos;
  let value = base;
  let multiplier = 1;
  for (let i = 0; i < MAX_INTEGER_CONTINUATION_BYTES; i++) {
    if (pos >= end) throw new CompressionError("truncated integer");
    const b = src[pos++]!;
    // Multiplication, not shifts: the fifth group reaches bit 34.
    value += (b & 0x7f) * multiplier;
    if ((b & 0x80) === 0) {
      if (value > MAX_INTEGER) throw new CompressionError("integer overflow");
      cursor.pos = pos;
      return value;
    }
    multiplier *= 128;
  }
  throw new CompressionError("integer too long");
}

/**
 * Number of octets {@linkcode encodeInteger} writes for `value` with an N-bit prefix.
 */
export function integerLength(value: number, prefixBits: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) return 1;
  let n = 2;
  for (value -= max; value >= 128; value = Math.floor(value / 128)) n++;
  return n;
}

/**
 * Writes `value` (a non-negative integer ≤ 2^53) with an N-bit prefix at
 * `dst[pos]`, OR-ing `flags` into the first octet's high bits, and returns the
 * position after it. The caller guarantees room ({@linkcode integerLength}).
 */
export function encodeInteger(
  dst: Uint8Array,
  pos: number,
  value: number,
  prefixBits: number,
  flags: number,
): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    dst[pos++] = flags | value;
    return pos;
  }
  dst[pos++] = flags | max;
  value -= max;
  while (value >= 128) {
    dst[pos++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  dst[pos++] = value;
  return pos;
}
