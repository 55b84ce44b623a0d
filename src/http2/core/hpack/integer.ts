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
 *
 * @example
 * ```ts
 * import { MAX_INTEGER } from "./integer.ts";
 * MAX_INTEGER; // 2^31-1
 * ```
 */
export const MAX_INTEGER = 0x7fffffff;

/**
 * Most continuation octets accepted after the prefix. Five carry 35 bits,
 * enough for {@linkcode MAX_INTEGER} under any prefix; more can only be
 * padding with zero groups, which we refuse rather than loop over.
 *
 * @example
 * ```ts
 * import { MAX_INTEGER_CONTINUATION_BYTES } from "./integer.ts";
 * MAX_INTEGER_CONTINUATION_BYTES; // 5
 * ```
 */
export const MAX_INTEGER_CONTINUATION_BYTES = 5;

/**
 * A mutable read position, advanced by the primitive decoders.
 *
 * @example
 * ```ts
 * import { type Cursor, decodeInteger } from "./integer.ts";
 * const c: Cursor = { pos: 0 };
 * decodeInteger(new Uint8Array([0x0a]), c, 5); // 10; c.pos is now 1
 * ```
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
 *
 * @example
 * ```ts
 * import { decodeInteger } from "./integer.ts";
 * decodeInteger(new Uint8Array([0x1f, 0x9a, 0x0a]), { pos: 0 }, 5); // 1337 (RFC 7541 C.1.2)
 * ```
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
 *
 * @example
 * ```ts
 * import { decodeIntegerTail } from "./integer.ts";
 * decodeIntegerTail(new Uint8Array([0x1f, 0x9a, 0x0a]), { pos: 1 }, 3, 31); // 1337
 * ```
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
 *
 * @example
 * ```ts
 * import { integerLength } from "./integer.ts";
 * integerLength(10, 5); // 1
 * integerLength(1337, 5); // 3
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeInteger } from "./integer.ts";
 * const out = new Uint8Array(3);
 * encodeInteger(out, 0, 1337, 5, 0); // 3; out is 1f 9a 0a
 * ```
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
