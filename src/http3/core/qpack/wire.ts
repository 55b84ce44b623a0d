/**
 * Prefixed integers and string literals as QPACK uses them (RFC 9204 §4.1):
 * HPACK's coding with prefixes of any size, and the Huffman flag just above a
 * string's length prefix. Encoding reuses the HPACK integer and Huffman code;
 * decoding has its own integer reader because instruction streams arrive in
 * pieces and must tell "need more bytes" apart from "malformed", and every
 * failure must carry the QPACK code of the stream it happened on.
 *
 * @module
 */

import { encodeInteger, integerLength } from "../../../http2/core/hpack/integer.ts";
import {
  huffmanDecode,
  huffmanDecodedMaxLength,
  huffmanEncode,
  huffmanEncodedLength,
} from "../../../http2/core/hpack/huffman.ts";
import { decodeLatin1, putLatin1Strict } from "../../../bytes/latin1.ts";
import { QpackError } from "./errors.ts";

/**
 * Thrown (not an Error, never escapes the codec) when an instruction runs
 * past the bytes received so far. Stream parsers wait for more; a field
 * section, which arrives whole, turns it into QPACK_DECOMPRESSION_FAILED.
 */
export const TRUNCATED: unique symbol = Symbol("qpack truncated");

/**
 * Thrown (never escapes the codec) when a string literal exceeds the bound
 * its caller gave: the owner decides whether that is an oversize entry
 * (encoder stream error) or an oversize field section (refuse the stream).
 */
export const TOO_LONG: unique symbol = Symbol("qpack string too long");

/** Largest integer accepted: every legitimate value (a length, an index, a stream id) fits. */
export const MAX_INT = Number.MAX_SAFE_INTEGER;

/** A read position in a byte array, and the QPACK code for malformed input there. */
export interface Reader {
  /** The bytes. */
  buf: Uint8Array;
  /** Next unread offset. */
  pos: number;
  /** End of the readable bytes. */
  end: number;
  /** Error code for malformed input: 0x200, 0x201 or 0x202 by stream. */
  code: number;
}

/** Reads an integer with an N-bit prefix (1 ≤ N ≤ 8), ignoring the high bits of the first octet. */
export function readInt(r: Reader, prefixBits: number): number {
  if (r.pos >= r.end) throw TRUNCATED;
  const max = (1 << prefixBits) - 1;
  let value = r.buf[r.pos++]! & max;
  if (value < max) return value;
  let multiplier = 1;
  // Eight continuation octets carry 56 bits; more can only overflow or pad.
  for (let i = 0; i < 8; i++) {
    if (r.pos >= r.end) throw TRUNCATED;
    const b = r.buf[r.pos++]!;
    value += (b & 0x7f) * multiplier;
    if (value > MAX_INT) throw new QpackError(r.code, "integer too large");
    if ((b & 0x80) === 0) return value;
    multiplier *= 128;
  }
  throw new QpackError(r.code, "integer too long");
}

let scratch = new Uint8Array(256);

/**
 * Reads a string literal whose length has an N-bit prefix and whose Huffman
 * flag is the bit just above it. `maxLength` bounds the decoded length, and
 * is checked on the declared length before waiting for the body, so a peer
 * cannot make us buffer a string we would refuse anyway.
 */
export function readString(r: Reader, prefixBits: number, maxLength: number): string {
  if (r.pos >= r.end) throw TRUNCATED;
  const huffman = (r.buf[r.pos]! & (1 << prefixBits)) !== 0;
  const len = readInt(r, prefixBits);
  // Huffman codes are at most 30 bits, so len octets decode to at least ⌊8·len/30⌋.
  if ((huffman ? Math.floor((len * 8) / 30) : len) > maxLength) throw TOO_LONG;
  if (len > r.end - r.pos) throw TRUNCATED;
  const start = r.pos;
  r.pos += len;
  if (!huffman) return decodeLatin1(r.buf, start, start + len);
  const max = huffmanDecodedMaxLength(len);
  if (scratch.length < max) scratch = new Uint8Array(max);
  let n: number;
  try {
    n = huffmanDecode(r.buf, start, start + len, scratch, 0);
  } catch {
    throw new QpackError(r.code, "malformed Huffman string");
  }
  if (n > maxLength) throw TOO_LONG;
  return decodeLatin1(scratch, 0, n);
}

/** A growable output buffer for instructions and field sections. */
export class Writer {
  #buf = new Uint8Array(64);
  #len = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  /** Writes `value` with an N-bit prefix, OR-ing `flags` into the first octet. */
  int(value: number, prefixBits: number, flags: number): void {
    this.#room(integerLength(value, prefixBits));
    this.#len = encodeInteger(this.#buf, this.#len, value, prefixBits, flags);
  }

  /**
   * Writes a string literal with an N-bit length prefix; the Huffman flag is
   * bit N of the first octet, set when `huffman` and the coded form is shorter.
   *
   * @throws {TypeError} if `str` has a character above U+00FF.
   */
  string(str: string, prefixBits: number, flags: number, huffman: boolean): void {
    if (huffman && str.length > 1) {
      const coded = huffmanEncodedLength(str);
      if (coded < str.length) {
        this.int(coded, prefixBits, flags | (1 << prefixBits));
        this.#room(coded);
        this.#len = huffmanEncode(this.#buf, this.#len, str);
        return;
      }
    }
    this.int(str.length, prefixBits, flags);
    this.#room(str.length);
    this.#len = putLatin1Strict(this.#buf, this.#len, str);
  }

  /** Appends raw bytes. */
  bytes(b: Uint8Array): void {
    this.#room(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }

  /** Returns a copy of the bytes written and empties the writer. */
  take(): Uint8Array {
    const out = this.#buf.slice(0, this.#len);
    this.#len = 0;
    return out;
  }
}

/** Joins a partial leftover with new bytes (either may be empty). */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
