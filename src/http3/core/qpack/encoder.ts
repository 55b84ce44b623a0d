/**
 * The QPACK encoder (RFC 9204 §2.1): chooses a representation per field,
 * inserts into the dynamic table through the encoder stream, and tracks the
 * peer's acknowledgements so that it never blocks more streams than the peer
 * allows nor evicts an entry an unacknowledged section still references.
 *
 * @module
 */

import { QPACK_DECODER_STREAM_ERROR, QpackError } from "./errors.ts";
import {
  writeIndexed,
  writeIndexedPostBase,
  writeLiteralName,
  writeLiteralNameRef,
  writeLiteralPostBaseNameRef,
  writePrefix,
} from "./field_lines.ts";
import {
  type DecoderInstruction,
  readDecoderInstruction,
  writeDuplicate,
  writeInsertLiteral,
  writeInsertNameRef,
  writeSetCapacity,
} from "./instructions.ts";
import { DynamicTable, entrySize } from "./dynamic_table.ts";
import { findStatic, findStaticName } from "./static_table.ts";
import { ENTRY_OVERHEAD, type Field } from "./types.ts";
import { concat, type Reader, TRUNCATED, Writer } from "./wire.ts";

/** Options of a {@linkcode QpackEncoder}. */
export interface QpackEncoderOptions {
  /** Our own cap on the dynamic table we use, below the peer's limit (default 4096). */
  maxTableCapacity?: number;
  /** Huffman-code strings when shorter (default true). */
  huffman?: boolean;
}

/** The peer's QPACK settings, from its SETTINGS frame. */
export interface QpackPeerSettings {
  /** SETTINGS_QPACK_MAX_TABLE_CAPACITY. */
  maxTableCapacity: number;
  /** SETTINGS_QPACK_BLOCKED_STREAMS. */
  blockedStreams: number;
}

/** Options of one {@linkcode QpackEncoder.encodeSection} call. */
export interface EncodeSectionOptions {
  /** Fields whose name this returns true for are sent as never-indexed literals (N bit). */
  neverIndex?: (name: string) => boolean;
}

/** An encoded section the peer has not acknowledged yet. */
interface Section {
  ric: number;
  /** Smallest absolute index it references: nothing from there on may be evicted. */
  smallest: number;
}

/** Largest entry we insert, as a share of the capacity: bigger ones would flush the table. */
const MAX_INSERT_SHARE = 0.75;

/**
 * Most unacknowledged sections we track. A peer that never acknowledges
 * would otherwise grow our bookkeeping with every response; past this we
 * encode without the dynamic table, which needs no tracking.
 */
const MAX_UNACKED_SECTIONS = 1024;

/**
 * Encodes QPACK field sections. Sans-IO: the caller sends the returned
 * sections in HEADERS frames, {@linkcode encoderStream} bytes on our encoder
 * stream, and feeds the peer's decoder stream to {@linkcode decoderStream}.
 * Until {@linkcode setPeerSettings} it uses the static table only.
 */
export class QpackEncoder {
  readonly #ownCapacity: number;
  readonly #huffman: boolean;
  readonly #table = new DynamicTable(true);
  #peerKnown = false;
  #maxEntries = 0;
  #maxBlocked = 0;
  // Known Received Count (§2.1.4): entries the decoder is known to have.
  #known = 0;
  readonly #sections = new Map<number, Section[]>();
  #unacked = 0; // sections across #sections
  readonly #out = new Writer();
  #partial: Uint8Array = new Uint8Array(0);

  /** Creates an encoder; it uses the static table only until {@linkcode setPeerSettings}. */
  constructor(opts: QpackEncoderOptions = {}) {
    this.#ownCapacity = opts.maxTableCapacity ?? 4096;
    this.#huffman = opts.huffman ?? true;
  }

  /** Entries inserted so far. */
  get insertCount(): number {
    return this.#table.insertCount;
  }

  /** Known Received Count: inserts the peer has acknowledged. */
  get knownReceivedCount(): number {
    return this.#known;
  }

  /** Streams whose unacknowledged sections may be blocked at the peer. */
  get blockedStreams(): number {
    let n = 0;
    for (const sections of this.#sections.values()) if (this.#blocks(sections)) n++;
    return n;
  }

  /**
   * Applies the peer's SETTINGS (once per connection): the table capacity we
   * use is the smaller of ours and theirs, announced on the encoder stream.
   *
   * @throws {Error} when called a second time.
   */
  setPeerSettings(s: QpackPeerSettings): void {
    if (this.#peerKnown) throw new Error("QPACK peer settings are applied once per connection");
    this.#peerKnown = true;
    this.#maxEntries = Math.floor(s.maxTableCapacity / ENTRY_OVERHEAD);
    this.#maxBlocked = s.blockedStreams;
    const capacity = Math.min(this.#ownCapacity, s.maxTableCapacity);
    if (capacity > 0) {
      writeSetCapacity(this.#out, capacity);
      this.#table.setCapacity(capacity);
    }
  }

  /**
   * Encodes `fields` for `streamId` as one field section (a HEADERS frame
   * payload). Send {@linkcode encoderStream} bytes before or with it.
   *
   * @throws {TypeError} if a name or value has a character above U+00FF.
   */
  encodeSection(streamId: number, fields: Field[], opts?: EncodeSectionOptions): Uint8Array {
    const table = this.#table;
    const huffman = this.#huffman;
    const base = table.insertCount;
    const dynamic = table.capacity > 0 && this.#unacked < MAX_UNACKED_SECTIONS;
    const unacked = this.#sections.get(streamId);
    // A stream already blocking costs nothing more; a new one needs budget (§2.1.2).
    const mayBlock = this.#maxBlocked > 0 &&
      ((unacked !== undefined && this.#blocks(unacked)) || this.blockedStreams < this.#maxBlocked);
    const usable = (abs: number) => table.has(abs) && (abs < this.#known || mayBlock);
    const lines = new Writer();
    let largest = -1;
    let smallest = Infinity;
    const use = (abs: number) => {
      if (abs > largest) largest = abs;
      if (abs < smallest) smallest = abs;
    };
    const protect = () => Math.min(smallest, this.#oldestReferenced());

    for (const [name, value] of fields) {
      const s = findStatic(name, value);
      if (s >= 0) {
        writeIndexed(lines, true, s);
        continue;
      }
      const sensitive = opts?.neverIndex?.(name) ?? false;
      if (!sensitive && dynamic) {
        let abs = table.findPair(name, value);
        // An entry about to be evicted is refreshed by a Duplicate (§2.1.1.1).
        if (abs >= 0 && mayBlock && this.#draining(abs)) {
          const copy = this.#duplicate(abs, protect());
          if (copy >= 0) abs = copy;
        }
        if (abs < 0) abs = this.#insert(name, value, protect());
        if (abs >= 0 && usable(abs)) {
          use(abs);
          if (abs < base) writeIndexed(lines, false, base - 1 - abs);
          else writeIndexedPostBase(lines, abs - base);
          continue;
        }
      }
      const sn = findStaticName(name);
      const dn = sn < 0 && dynamic ? table.findName(name) : -1;
      if (sn >= 0) {
        writeLiteralNameRef(lines, sensitive, true, sn, value, huffman);
      } else if (dn >= 0 && usable(dn)) {
        use(dn);
        if (dn < base) writeLiteralNameRef(lines, sensitive, false, base - 1 - dn, value, huffman);
        else writeLiteralPostBaseNameRef(lines, sensitive, dn - base, value, huffman);
      } else {
        writeLiteralName(lines, sensitive, name, value, huffman);
      }
    }

    const ric = largest + 1;
    if (ric > 0) {
      this.#unacked++;
      const section = { ric, smallest };
      if (unacked === undefined) this.#sections.set(streamId, [section]);
      else unacked.push(section);
    }
    const out = new Writer();
    writePrefix(out, ric, this.#maxEntries, base);
    out.bytes(lines.take());
    return out.take();
  }

  /** Bytes to send on our encoder stream; empty when none. */
  encoderStream(): Uint8Array {
    return this.#out.take();
  }

  /**
   * Feeds bytes of the peer's decoder stream, split anywhere.
   *
   * @throws {QpackError} 0x202 for a malformed instruction, a Section
   * Acknowledgement with nothing to acknowledge, or a bad Insert Count Increment.
   */
  decoderStream(bytes: Uint8Array): void {
    const buf = concat(this.#partial, bytes);
    const r: Reader = { buf, pos: 0, end: buf.length, code: QPACK_DECODER_STREAM_ERROR };
    while (r.pos < r.end) {
      const start = r.pos;
      let inst: DecoderInstruction;
      try {
        inst = readDecoderInstruction(r);
      } catch (e) {
        if (e !== TRUNCATED) throw e;
        r.pos = start;
        break;
      }
      this.#apply(inst);
    }
    // readInt refuses more than 9 octets, so a partial instruction is shorter.
    this.#partial = r.pos === r.end ? new Uint8Array(0) : buf.slice(r.pos);
  }

  #apply(inst: DecoderInstruction): void {
    switch (inst.kind) {
      case "ack": {
        const sections = this.#sections.get(inst.streamId);
        const section = sections?.shift();
        if (section === undefined) throw decoderError("Section Acknowledgement for no section");
        this.#unacked--;
        if (sections!.length === 0) this.#sections.delete(inst.streamId);
        this.#known = Math.max(this.#known, section.ric);
        return;
      }
      case "cancel":
        this.#unacked -= this.#sections.get(inst.streamId)?.length ?? 0;
        this.#sections.delete(inst.streamId);
        return;
      case "increment":
        if (inst.increment === 0 || this.#known + inst.increment > this.#table.insertCount) {
          throw decoderError("invalid Insert Count Increment");
        }
        this.#known += inst.increment;
        return;
    }
  }

  /** Whether any of a stream's unacknowledged sections may be blocked at the peer. */
  #blocks(sections: Section[]): boolean {
    for (const s of sections) if (s.ric > this.#known) return true;
    return false;
  }

  /** Smallest absolute index any unacknowledged section references, or Infinity. */
  #oldestReferenced(): number {
    let min = Infinity;
    for (const sections of this.#sections.values()) {
      for (const s of sections) if (s.smallest < min) min = s.smallest;
    }
    return min;
  }

  /** Whether inserting another quarter of the capacity would evict `abs`. */
  #draining(abs: number): boolean {
    const table = this.#table;
    const evictable = table.size - (table.capacity * 3) / 4;
    let bytes = 0;
    for (let i = table.dropped; i <= abs && bytes <= evictable; i++) bytes += table.sizeOf(i);
    return bytes <= evictable;
  }

  /**
   * Whether an entry of `size` fits once the oldest entries below `protect`
   * are evicted. Only those, and only entries whose insert the peer has
   * acknowledged (§2.1.1): the peer's insert count then stays within
   * MaxEntries of any Required Insert Count we send, which its decoding of
   * the wrapped count relies on (§4.5.1.1).
   */
  #canMakeRoom(size: number, protect: number): boolean {
    const table = this.#table;
    if (size > table.capacity * MAX_INSERT_SHARE) return false;
    let free = table.capacity - table.size;
    for (let abs = table.dropped; free < size; abs++) {
      if (abs >= protect || abs >= this.#known) return false;
      free += table.sizeOf(abs);
    }
    return true;
  }

  /** Inserts a field through the encoder stream; returns its absolute index, or -1. */
  #insert(name: string, value: string, protect: number): number {
    const table = this.#table;
    if (!this.#canMakeRoom(entrySize(name, value), protect)) return -1;
    const sn = findStaticName(name);
    const dn = sn < 0 ? table.findName(name) : -1;
    if (sn >= 0) writeInsertNameRef(this.#out, true, sn, value, this.#huffman);
    else if (dn >= 0) {
      writeInsertNameRef(this.#out, false, table.insertCount - 1 - dn, value, this.#huffman);
    } else writeInsertLiteral(this.#out, name, value, this.#huffman);
    return table.insert(name, value);
  }

  /** Re-inserts the entry at `abs` with a Duplicate; returns the copy's index, or -1. */
  #duplicate(abs: number, protect: number): number {
    const table = this.#table;
    if (!this.#canMakeRoom(table.sizeOf(abs), protect)) return -1;
    const [name, value] = table.get(abs)!;
    writeDuplicate(this.#out, table.insertCount - 1 - abs);
    return table.insert(name, value);
  }
}

function decoderError(message: string): QpackError {
  return new QpackError(QPACK_DECODER_STREAM_ERROR, message);
}
