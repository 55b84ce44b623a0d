/**
 * HPACK string literals (RFC 7541 §5.2) and the octet ↔ string mapping.
 *
 * Header names and values are octets, not text (RFC 9110 §5.5), so they map
 * to JavaScript strings as latin1: one character U+0000..U+00FF per octet.
 * That round-trips every octet sequence, matches the ByteString convention of
 * the fetch `Headers` class. Short strings are built with `fromCharCode`;
 * longer pure-ASCII ones with the native UTF-8 `TextDecoder`, which agrees
 * with latin1 on ASCII. (`TextDecoder("latin1")` would not do: WHATWG maps
 * that label to windows-1252.)
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

/** Arguments per `String.fromCharCode` call, well under engines' argument limits. */
const CHUNK = 4096;

const ascii = new TextDecoder();

const fromCharCode = String.fromCharCode;

/**
 * Up to eight octets as one flat string, passing them as arguments: measured
 * faster than concatenation, `apply` or `TextDecoder` for the short names and
 * values that dominate header blocks.
 */
function short(b: Uint8Array, s: number, n: number): string {
  switch (n) {
    case 0:
      return "";
    case 1:
      return fromCharCode(b[s]!);
    case 2:
      return fromCharCode(b[s]!, b[s + 1]!);
    case 3:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    default:
      return fromCharCode(
        b[s]!,
        b[s + 1]!,
        b[s + 2]!,
        b[s + 3]!,
        b[s + 4]!,
        b[s + 5]!,
        b[s + 6]!,
        b[s + 7]!,
      );
  }
}

/** Returns the octets `src[start..end)` as a latin1 string. */
export function latin1Decode(src: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 8) return short(src, start, n);
  if (n <= 16) return short(src, start, 8) + short(src, start + 8, n - 8);
  // Longer ASCII (nearly every header) goes through the native UTF-8 decoder,
  // as fast as fromCharCode on V8 and faster on JavaScriptCore. (TextDecoder
  // rejects views of a SharedArrayBuffer; those take the slow path.)
  let high = 0;
  for (let i = start; i < end; i++) high |= src[i]!;
  if (high < 0x80 && src.buffer instanceof ArrayBuffer) {
    return ascii.decode(src.subarray(start, end));
  }
  let s = "";
  for (let i = start; i < end; i += CHUNK) {
    const to = Math.min(i + CHUNK, end);
    s += fromCharCode.apply(null, src.subarray(i, to) as unknown as number[]);
  }
  return s;
}

/**
 * Writes `str` as latin1 octets at `dst[pos]` and returns the position after
 * them. The caller guarantees room (`str.length` octets).
 *
 * @throws {TypeError} if `str` has a character above U+00FF.
 */
export function latin1Encode(dst: Uint8Array, pos: number, str: string): number {
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c > 0xff) {
      throw new TypeError(`header string has a character above U+00FF: ${JSON.stringify(str)}`);
    }
    dst[pos++] = c;
  }
  return pos;
}

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
  if (!huffman) return latin1Decode(src, start, start + len);
  const max = huffmanDecodedMaxLength(len);
  if (scratch.length < max) scratch = new Uint8Array(max);
  const n = huffmanDecode(src, start, start + len, scratch, 0);
  return latin1Decode(scratch, 0, n);
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
  return latin1Encode(dst, encodeInteger(dst, pos, raw, 7, 0), str);
}
