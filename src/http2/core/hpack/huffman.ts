/**
 * The HPACK Huffman code (RFC 7541 §5.2, Appendix B).
 *
 * Decoding is table-driven: the generated 4-bit automaton in
 * `huffman_table.ts`, composed at load time into a byte-at-a-time table, so
 * each input octet costs one lookup; no per-bit branching, no tree walk.
 *
 * @module
 */

import { CompressionError } from "./errors.ts";
import {
  HUFFMAN_ACCEPT,
  HUFFMAN_CODES,
  HUFFMAN_DECODE,
  HUFFMAN_EMIT,
  HUFFMAN_FAIL,
  HUFFMAN_LENGTHS,
} from "./huffman_table.ts";

/**
 * Upper bound of the decoded length of `encodedLength` Huffman octets (the
 * shortest code is five bits). Size output buffers with it.
 */
export function huffmanDecodedMaxLength(encodedLength: number): number {
  return Math.floor((encodedLength * 8) / 5);
}

// Byte-at-a-time automaton, composed at load time from the generated 4-bit
// one (two nibble steps per entry; 65536 entries, 256 KiB): one lookup per
// input octet instead of two. A byte completes at most two symbols, since
// codes are at least five bits long.
// Entry: next state (bits 0..7), first symbol (8..15), second symbol
// (16..23), symbol count (24..25), FAIL (26), ACCEPT (27).
const BYTE_FAIL = 1 << 26;
const BYTE_ACCEPT = 1 << 27;
const BYTE_DECODE = new Uint32Array(256 * 256);
for (let state = 0; state < 256; state++) {
  for (let byte = 0; byte < 256; byte++) {
    const hi = HUFFMAN_DECODE[(state << 4) | (byte >> 4)]!;
    const lo = hi & HUFFMAN_FAIL
      ? HUFFMAN_FAIL
      : HUFFMAN_DECODE[((hi & 0xff) << 4) | (byte & 0xf)]!;
    let entry: number;
    if (lo & HUFFMAN_FAIL) {
      entry = BYTE_FAIL;
    } else {
      let count = 0;
      let symbols = 0;
      if (hi & HUFFMAN_EMIT) symbols |= ((hi >> 8) & 0xff) << (8 * count++);
      if (lo & HUFFMAN_EMIT) symbols |= ((lo >> 8) & 0xff) << (8 * count++);
      entry = (lo & 0xff) | (symbols << 8) | (count << 24) |
        (lo & HUFFMAN_ACCEPT ? BYTE_ACCEPT : 0);
    }
    BYTE_DECODE[(state << 8) | byte] = entry;
  }
}

/**
 * Decodes the Huffman-coded octets `src[start..end)` into `dst` from
 * `dstPos` and returns the position after the last decoded octet. `dst` must
 * have room for {@linkcode huffmanDecodedMaxLength} octets.
 *
 * @throws {CompressionError} when the input contains EOS, or ends in padding
 * longer than seven bits or not made of one-bits.
 */
export function huffmanDecode(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dstPos: number,
): number {
  let state = 0;
  let entry = BYTE_ACCEPT; // the empty string is valid
  let n = dstPos;
  for (let i = start; i < end; i++) {
    entry = BYTE_DECODE[(state << 8) | src[i]!]!;
    if (entry & BYTE_FAIL) throw new CompressionError("Huffman string contains EOS");
    const count = (entry >>> 24) & 3;
    if (count !== 0) {
      dst[n++] = entry >> 8; // the store keeps the low 8 bits
      if (count === 2) dst[n++] = entry >> 16;
    }
    state = entry & 0xff;
  }
  if ((entry & BYTE_ACCEPT) === 0) throw new CompressionError("invalid Huffman padding");
  return n;
}

/**
 * Length in octets of `str` (a latin1 string: one octet per character)
 * once Huffman-coded.
 *
 * @throws {TypeError} if `str` has a character above U+00FF, which no header
 * octet can carry.
 */
export function huffmanEncodedLength(str: string): number {
  let bits = 0;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c > 0xff) throw nonLatin1(str);
    bits += HUFFMAN_LENGTHS[c]!;
  }
  return (bits + 7) >> 3;
}

/**
 * Huffman-codes `str` (a latin1 string) into `dst` at `pos`, pads the last
 * octet with one-bits, and returns the position after it. The caller
 * guarantees room ({@linkcode huffmanEncodedLength}).
 *
 * @throws {TypeError} if `str` has a character above U+00FF.
 */
export function huffmanEncode(dst: Uint8Array, pos: number, str: string): number {
  // `acc` holds `n` < 8 pending bits between symbols; a symbol adds ≤ 30 bits,
  // so only codes of 26+ bits can overflow 32 bits and are added in two parts.
  let acc = 0;
  let n = 0;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c > 0xff) throw nonLatin1(str);
    let code = HUFFMAN_CODES[c]!;
    let len = HUFFMAN_LENGTHS[c]!;
    if (n + len > 32) {
      const high = len - 16;
      acc = (acc << high) | (code >>> 16);
      n += high;
      while (n >= 8) dst[pos++] = acc >>> (n -= 8);
      code &= 0xffff;
      len = 16;
    }
    acc = (acc << len) | code;
    n += len;
    while (n >= 8) dst[pos++] = acc >>> (n -= 8);
    acc &= (1 << n) - 1;
  }
  if (n > 0) dst[pos++] = (acc << (8 - n)) | (0xff >> n);
  return pos;
}

function nonLatin1(str: string): TypeError {
  return new TypeError(`header string has a character above U+00FF: ${JSON.stringify(str)}`);
}
