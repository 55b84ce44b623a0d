/**
 * QUIC variable-length integers (RFC 9000 §16), used by every HTTP/3 frame
 * and stream type. Values are JS numbers: exact up to 2^53, which covers
 * every length and id we accept; larger ones only fail limits.
 *
 * @module
 */

/**
 * Largest value a varint can carry (2^62 - 1), as a number.
 */
export const MAX_VARINT = 2 ** 62 - 1;

/**
 * Bytes the encoding of `v` takes (1, 2, 4 or 8).
 */
export function varintLength(v: number): number {
  if (v < 0x40) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x40000000) return 4;
  return 8;
}

/**
 * Writes `v` at `pos` in `dst`; returns the position after it.
 */
export function writeVarint(dst: Uint8Array, pos: number, v: number): number {
  if (!(v >= 0 && v <= MAX_VARINT) || !Number.isInteger(v)) {
    throw new RangeError(`varint out of range: ${v}`);
  }
  const n = varintLength(v);
  if (n === 1) {
    dst[pos] = v;
  } else if (n === 2) {
    dst[pos] = 0x40 | (v >>> 8);
    dst[pos + 1] = v & 0xff;
  } else if (n === 4) {
    dst[pos] = 0x80 | (v >>> 24);
    dst[pos + 1] = (v >>> 16) & 0xff;
    dst[pos + 2] = (v >>> 8) & 0xff;
    dst[pos + 3] = v & 0xff;
  } else {
    const hi = Math.floor(v / 2 ** 32);
    const lo = v >>> 0;
    dst[pos] = 0xc0 | (hi >>> 24);
    dst[pos + 1] = (hi >>> 16) & 0xff;
    dst[pos + 2] = (hi >>> 8) & 0xff;
    dst[pos + 3] = hi & 0xff;
    dst[pos + 4] = lo >>> 24;
    dst[pos + 5] = (lo >>> 16) & 0xff;
    dst[pos + 6] = (lo >>> 8) & 0xff;
    dst[pos + 7] = lo & 0xff;
  }
  return pos + n;
}

/**
 * The encoding of `v` as its own bytes.
 */
export function encodeVarint(v: number): Uint8Array {
  const b = new Uint8Array(varintLength(v));
  writeVarint(b, 0, v);
  return b;
}

/**
 * Reads a varint at `pos`: `[value, next position]`, or null when the bytes
 * end inside it (wait for more).
 */
export function readVarint(src: Uint8Array, pos: number): [number, number] | null {
  if (pos >= src.length) return null;
  const first = src[pos]!;
  const n = 1 << (first >> 6);
  if (pos + n > src.length) return null;
  let v = first & 0x3f;
  for (let i = 1; i < n; i++) v = v * 256 + src[pos + i]!;
  return [v, pos + n];
}
