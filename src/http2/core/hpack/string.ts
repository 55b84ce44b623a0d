/**
 * HPACK string literals (RFC 7541 §5.2). Header names and values are octets,
 * not text (RFC 9110 §5.5): they map to JavaScript strings of one char per
 * octet through `src/bytes/latin1.ts`, which round-trips every octet sequence and
 * matches the ByteString convention of the fetch `Headers` class.
 *
 * @module
 */

import { CompressionError } from "./errors.ts";
import {
  huffmanDecode,
  huffmanDecodedMaxLength,
  huffmanEncode,
  huffmanEncodedLength,
} from "./huffman.ts";
import { type Cursor, decodeInteger, encodeInteger, integerLength } from "./integer.ts";
import { decodeLatin1, putLatin1Strict } from "../../../bytes/latin1.ts";

let scratch = new Uint8Array(256);

/**
 * Whether the string literal starting at `src[pos]` is Huffman-coded (the H
 * bit, §5.2).
 *
 * @throws {CompressionError} when the literal is missing (`pos >= end`).
 */
export function isHuffman(src: Uint8Array, pos: number, end: number): boolean {
  if (pos >= end) throw new CompressionError("truncated string literal");
  return (src[pos]! & 0x80) !== 0;
}

/**
 * Reads the length prefix of the string literal at `cursor.pos` and leaves
 * the cursor on its first octet. The decoder locates literals this way and
 * turns them into strings only when they are kept.
 *
 * @throws {CompressionError} when the literal is truncated or runs past `end`.
 */
export function stringLiteralLength(src: Uint8Array, cursor: Cursor, end: number): number {
  const len = decodeInteger(src, cursor, 7, end);
  if (len > end - cursor.pos) throw new CompressionError("string literal runs past the block");
  return len;
}

/**
 * Decodes a string literal at `cursor.pos` (Huffman or raw) into a latin1
 * string and advances the cursor past it.
 *
 * @throws {CompressionError} when the length runs past `end` or the Huffman
 * data is invalid.
 */
export function decodeString(src: Uint8Array, cursor: Cursor, end: number = src.length): string {
  const huffman = isHuffman(src, cursor.pos, end);
  const len = stringLiteralLength(src, cursor, end);
  const start = cursor.pos;
  cursor.pos = start + len;
  if (!huffman) return decodeLatin1(src, start, start + len);
  const max = huffmanDecodedMaxLength(len);
  if (scratch.length < max) scratch = new Uint8Array(max);
  const n = huffmanDecode(src, start, start + len, scratch, 0);
  return decodeLatin1(scratch, 0, n);
}

/**
 * Most octets {@linkcode encodeString} can write for `str`: the raw length
 * plus its length prefix (Huffman is only chosen when shorter).
 */
export function stringLiteralMaxLength(str: string): number {
  return integerLength(str.length, 7) + str.length;
}

/**
 * Writes `str` as a string literal at `dst[pos]` and returns the position
 * after it. With `huffman` (the default) the Huffman form is used only when
 * strictly shorter than the raw one. The caller guarantees room
 * ({@linkcode stringLiteralMaxLength}).
 *
 * @throws {TypeError} if `str` has a character above U+00FF.
 */
export function encodeString(dst: Uint8Array, pos: number, str: string, huffman = true): number {
  const raw = str.length;
  // One octet never shrinks (every code is at least 5 bits): skip the measuring.
  if (huffman && raw > 1) {
    const coded = huffmanEncodedLength(str);
    if (coded < raw) return huffmanEncode(dst, encodeInteger(dst, pos, coded, 7, 0x80), str);
  }
  return putLatin1Strict(dst, encodeInteger(dst, pos, raw, 7, 0), str);
}
