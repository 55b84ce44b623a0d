/**
 * Encoded field sections (RFC 9204 §4.5): the prefix (Required Insert Count
 * and Base) and the five field line representations, parsed into a neutral
 * form the decoder resolves against its tables.
 *
 * @module
 */

import { QPACK_DECOMPRESSION_FAILED, QpackError } from "./errors.ts";
import { type Reader, readInt, readString, type Writer } from "./wire.ts";

/** What a field line's index refers to. */
export type Ref = "static" | "relative" | "postBase" | "none";

/** One parsed field line. */
export interface FieldLine {
  /** Table the index addresses; "none" for a literal name. */
  ref: Ref;
  /** Static index, relative index (Base - 1 - abs) or post-base index (abs - Base). */
  index: number;
  /** The literal name, when `ref` is "none". */
  name: string;
  /** The literal value; undefined for an indexed line (the value comes from the table). */
  value: string | undefined;
  /** The N bit: intermediaries must not index this field (RFC 9204 §4.5.4). */
  neverIndex: boolean;
}

/**
 * Encodes a Required Insert Count for the wire (§4.5.1.1). `maxEntries` is
 * ⌊decoder's SETTINGS_QPACK_MAX_TABLE_CAPACITY / 32⌋.
 */
export function encodeRequiredInsertCount(ric: number, maxEntries: number): number {
  return ric === 0 ? 0 : (ric % (2 * maxEntries)) + 1;
}

/**
 * Recovers the Required Insert Count from its wrapped encoding (§4.5.1.1),
 * given the decoder's insert count. Values no correct encoder can produce
 * are QPACK_DECOMPRESSION_FAILED.
 */
export function decodeRequiredInsertCount(
  encoded: number,
  maxEntries: number,
  totalInserts: number,
): number {
  if (encoded === 0) return 0;
  const fullRange = 2 * maxEntries;
  if (encoded > fullRange) {
    throw new QpackError(QPACK_DECOMPRESSION_FAILED, "Required Insert Count out of range");
  }
  const maxValue = totalInserts + maxEntries;
  const maxWrapped = Math.floor(maxValue / fullRange) * fullRange;
  let ric = maxWrapped + encoded - 1;
  if (ric > maxValue) {
    if (ric <= fullRange) {
      throw new QpackError(QPACK_DECOMPRESSION_FAILED, "Required Insert Count out of range");
    }
    ric -= fullRange;
  }
  if (ric === 0) throw new QpackError(QPACK_DECOMPRESSION_FAILED, "Required Insert Count is 0");
  return ric;
}

/** Reads the section prefix: the encoded Required Insert Count, and the Base given the decoded count. */
export function readPrefix(
  r: Reader,
  decodeRic: (encoded: number) => number,
): { ric: number; base: number } {
  const ric = decodeRic(readInt(r, 8));
  if (r.pos >= r.end) throw new QpackError(r.code, "truncated section prefix");
  const negative = (r.buf[r.pos]! & 0x80) !== 0;
  const delta = readInt(r, 7);
  // §4.5.1.2: a negative Base is an error; ric - delta - 1 < 0 only when delta >= ric.
  if (negative && delta >= ric) throw new QpackError(r.code, "negative Base");
  return { ric, base: negative ? ric - delta - 1 : ric + delta };
}

/** Writes the section prefix. */
export function writePrefix(w: Writer, ric: number, maxEntries: number, base: number): void {
  w.int(encodeRequiredInsertCount(ric, maxEntries), 8, 0);
  if (base >= ric) w.int(base - ric, 7, 0);
  else w.int(ric - base - 1, 7, 0x80);
}

/** Parses one field line at `r.pos`; its name and value together are bounded by `maxString`. */
export function readFieldLine(r: Reader, maxString: number): FieldLine {
  const b = r.buf[r.pos]!; // the caller checked r.pos < r.end
  if (b & 0x80) {
    const ref = b & 0x40 ? "static" : "relative";
    return { ref, index: readInt(r, 6), name: "", value: undefined, neverIndex: false };
  }
  if (b & 0x40) {
    const ref = b & 0x10 ? "static" : "relative";
    const neverIndex = (b & 0x20) !== 0;
    const index = readInt(r, 4);
    return { ref, index, name: "", value: readString(r, 7, maxString), neverIndex };
  }
  if (b & 0x20) {
    const neverIndex = (b & 0x10) !== 0;
    const name = readString(r, 3, maxString);
    const value = readString(r, 7, maxString - name.length);
    return { ref: "none", index: 0, name, value, neverIndex };
  }
  if (b & 0x10) {
    return { ref: "postBase", index: readInt(r, 4), name: "", value: undefined, neverIndex: false };
  }
  const neverIndex = (b & 0x08) !== 0;
  const index = readInt(r, 3);
  return { ref: "postBase", index, name: "", value: readString(r, 7, maxString), neverIndex };
}

/** Writes an Indexed Field Line (static index or relative dynamic index). */
export function writeIndexed(w: Writer, isStatic: boolean, index: number): void {
  w.int(index, 6, isStatic ? 0xc0 : 0x80);
}

/** Writes an Indexed Field Line with Post-Base Index. */
export function writeIndexedPostBase(w: Writer, index: number): void {
  w.int(index, 4, 0x10);
}

/** Writes a Literal Field Line with Name Reference (static or relative dynamic). */
export function writeLiteralNameRef(
  w: Writer,
  neverIndex: boolean,
  isStatic: boolean,
  index: number,
  value: string,
  huffman: boolean,
): void {
  w.int(index, 4, 0x40 | (neverIndex ? 0x20 : 0) | (isStatic ? 0x10 : 0));
  w.string(value, 7, 0, huffman);
}

/** Writes a Literal Field Line with Post-Base Name Reference. */
export function writeLiteralPostBaseNameRef(
  w: Writer,
  neverIndex: boolean,
  index: number,
  value: string,
  huffman: boolean,
): void {
  w.int(index, 3, neverIndex ? 0x08 : 0);
  w.string(value, 7, 0, huffman);
}

/** Writes a Literal Field Line with Literal Name. */
export function writeLiteralName(
  w: Writer,
  neverIndex: boolean,
  name: string,
  value: string,
  huffman: boolean,
): void {
  w.string(name, 3, 0x20 | (neverIndex ? 0x10 : 0), huffman);
  w.string(value, 7, 0, huffman);
}
