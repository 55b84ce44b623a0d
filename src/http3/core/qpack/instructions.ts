/**
 * Encoder-stream instructions (RFC 9204 §4.3) and decoder-stream
 * instructions (§4.4): one parser and one writer per instruction, no state.
 * Parsers throw {@linkcode TRUNCATED} when the instruction is incomplete, so
 * the stream owner can wait for more bytes and re-parse from its start.
 *
 * @module
 */

import { type Reader, readInt, readString, type Writer } from "./wire.ts";

/** One encoder-stream instruction. */
export type EncoderInstruction =
  | { kind: "capacity"; capacity: number }
  | { kind: "insertNameRef"; isStatic: boolean; index: number; value: string }
  | { kind: "insertLiteral"; name: string; value: string }
  | { kind: "duplicate"; index: number };

/** One decoder-stream instruction. */
export type DecoderInstruction =
  | { kind: "ack"; streamId: number }
  | { kind: "cancel"; streamId: number }
  | { kind: "increment"; increment: number };

/**
 * Parses one encoder instruction at `r.pos`. `maxString` bounds each string
 * (an entry must fit the table, so no string can exceed the capacity).
 */
export function readEncoderInstruction(r: Reader, maxString: number): EncoderInstruction {
  const b = r.buf[r.pos]!; // the caller checked r.pos < r.end
  if (b & 0x80) {
    const isStatic = (b & 0x40) !== 0;
    const index = readInt(r, 6);
    return { kind: "insertNameRef", isStatic, index, value: readString(r, 7, maxString) };
  }
  if (b & 0x40) {
    const name = readString(r, 5, maxString);
    // Name and value share one entry, so the value gets what the name left.
    return { kind: "insertLiteral", name, value: readString(r, 7, maxString - name.length) };
  }
  if (b & 0x20) return { kind: "capacity", capacity: readInt(r, 5) };
  return { kind: "duplicate", index: readInt(r, 5) };
}

/** Writes Set Dynamic Table Capacity. */
export function writeSetCapacity(w: Writer, capacity: number): void {
  w.int(capacity, 5, 0x20);
}

/** Writes Insert With Name Reference (static or dynamic relative index). */
export function writeInsertNameRef(
  w: Writer,
  isStatic: boolean,
  index: number,
  value: string,
  huffman: boolean,
): void {
  w.int(index, 6, isStatic ? 0xc0 : 0x80);
  w.string(value, 7, 0, huffman);
}

/** Writes Insert With Literal Name. */
export function writeInsertLiteral(w: Writer, name: string, value: string, huffman: boolean): void {
  w.string(name, 5, 0x40, huffman);
  w.string(value, 7, 0, huffman);
}

/** Writes Duplicate (relative index). */
export function writeDuplicate(w: Writer, index: number): void {
  w.int(index, 5, 0);
}

/** Parses one decoder instruction at `r.pos`. */
export function readDecoderInstruction(r: Reader): DecoderInstruction {
  const b = r.buf[r.pos]!; // the caller checked r.pos < r.end
  if (b & 0x80) return { kind: "ack", streamId: readInt(r, 7) };
  if (b & 0x40) return { kind: "cancel", streamId: readInt(r, 6) };
  return { kind: "increment", increment: readInt(r, 6) };
}

/** Writes Section Acknowledgement. */
export function writeSectionAck(w: Writer, streamId: number): void {
  w.int(streamId, 7, 0x80);
}

/** Writes Stream Cancellation. */
export function writeStreamCancel(w: Writer, streamId: number): void {
  w.int(streamId, 6, 0x40);
}

/** Writes Insert Count Increment. */
export function writeInsertCountIncrement(w: Writer, increment: number): void {
  w.int(increment, 6, 0);
}
