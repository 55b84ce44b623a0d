/**
 * The QPACK decoder (RFC 9204 §2.2): applies the peer's encoder stream to
 * its dynamic table, decodes field sections (holding blocked ones until
 * their inserts arrive), and produces our decoder stream.
 *
 * @module
 */

import {
  FieldSectionTooLargeError,
  QPACK_DECOMPRESSION_FAILED,
  QPACK_ENCODER_STREAM_ERROR,
  QpackError,
} from "./errors.ts";
import { decodeRequiredInsertCount, readFieldLine, readPrefix } from "./field_lines.ts";
import {
  type EncoderInstruction,
  readEncoderInstruction,
  writeInsertCountIncrement,
  writeSectionAck,
  writeStreamCancel,
} from "./instructions.ts";
import { DynamicTable, entrySize } from "./dynamic_table.ts";
import { staticEntry } from "./static_table.ts";
import { ENTRY_OVERHEAD, type Field } from "./types.ts";
import { concat, type Reader, TOO_LONG, TRUNCATED, Writer } from "./wire.ts";

/** Returned by {@linkcode QpackDecoder.decodeSection} when the section waits for inserts. */
export const BLOCKED: unique symbol = Symbol("qpack blocked");

/** Limits of a {@linkcode QpackDecoder}; the first two are what we advertise in SETTINGS. */
export interface QpackDecoderOptions {
  /** SETTINGS_QPACK_MAX_TABLE_CAPACITY we sent; 0 allows the static table only. */
  maxTableCapacity: number;
  /** SETTINGS_QPACK_BLOCKED_STREAMS we sent. */
  maxBlockedStreams: number;
  /** Largest decoded field section (name + value + 32 per field, RFC 9114 §4.2.2). */
  maxFieldSectionSize: number;
}

/** A section that became decodable after encoder-stream input. */
export interface UnblockedSection {
  /** The stream it belongs to. */
  streamId: number;
  /** Its fields; empty when `error` is set. */
  fields: Field[];
  /** Set when the section exceeded `maxFieldSectionSize`: refuse the stream only. */
  error?: FieldSectionTooLargeError;
}

interface Pending {
  ric: number;
  bytes: Uint8Array;
}

type Queued = { kind: "ack"; streamId: number; ric: number } | { kind: "cancel"; streamId: number };

// A stream carries few field sections (interim responses, headers, trailers);
// more than this waiting behind a blocked one is abuse, not HTTP.
const MAX_PENDING_PER_STREAM = 8;

/**
 * Decodes QPACK field sections. Sans-IO: the caller feeds the peer's encoder
 * stream and each HEADERS payload, and sends {@linkcode decoderStream} bytes.
 * Every failure is a {@linkcode QpackError}; its code closes the connection.
 */
export class QpackDecoder {
  readonly #table = new DynamicTable();
  readonly #maxCapacity: number;
  readonly #maxEntries: number;
  readonly #maxBlocked: number;
  readonly #maxSection: number;
  #partial: Uint8Array = new Uint8Array(0);
  // Insertion order = order sections blocked, so they unblock fairly.
  readonly #blocked = new Map<number, Pending[]>();
  #queued: Queued[] = [];
  // Known Received Count as the encoder will compute it from what we have sent.
  #acknowledged = 0;
  readonly #out = new Writer();

  /** Creates a decoder with the limits we advertise and enforce. */
  constructor(opts: QpackDecoderOptions) {
    this.#maxCapacity = opts.maxTableCapacity;
    this.#maxEntries = Math.floor(opts.maxTableCapacity / ENTRY_OVERHEAD);
    this.#maxBlocked = opts.maxBlockedStreams;
    this.#maxSection = opts.maxFieldSectionSize;
  }

  /** Entries inserted so far (the Insert Count of RFC 9204 §3.2.4). */
  get insertCount(): number {
    return this.#table.insertCount;
  }

  /** Number of streams with a section waiting for inserts. */
  get blockedStreams(): number {
    return this.#blocked.size;
  }

  /**
   * Feeds bytes of the peer's encoder stream, split anywhere. Returns the
   * sections the new inserts unblocked, in the order they blocked.
   *
   * @throws {QpackError} 0x201 for a bad instruction or an over-long partial
   * one; 0x200 if an unblocked section fails to decode.
   */
  encoderStream(bytes: Uint8Array): UnblockedSection[] {
    const buf = concat(this.#partial, bytes);
    const r: Reader = { buf, pos: 0, end: buf.length, code: QPACK_ENCODER_STREAM_ERROR };
    const before = this.#table.insertCount;
    while (r.pos < r.end) {
      const start = r.pos;
      let inst: EncoderInstruction;
      try {
        inst = readEncoderInstruction(r, Math.max(0, this.#table.capacity - ENTRY_OVERHEAD));
      } catch (e) {
        if (e === TOO_LONG) throw encoderError("insert larger than the table capacity");
        if (e !== TRUNCATED) throw e;
        r.pos = start;
        break;
      }
      this.#apply(inst);
    }
    // Strings are checked against the capacity as soon as their length is
    // read, so a legitimate partial instruction is at most its Huffman-coded
    // entry (≤ 30/8 of the capacity) plus a few integers.
    if (r.end - r.pos > 4 * this.#table.capacity + 64) {
      throw encoderError("partial encoder instruction too long");
    }
    this.#partial = r.pos === r.end ? new Uint8Array(0) : buf.slice(r.pos);
    return this.#table.insertCount === before ? [] : this.#unblock();
  }

  /**
   * Decodes one whole encoded field section (a HEADERS frame payload) on
   * `streamId`, or returns {@linkcode BLOCKED} when it references inserts not
   * yet received; it is then returned later by {@linkcode encoderStream}.
   *
   * @throws {FieldSectionTooLargeError} when the section exceeds
   * `maxFieldSectionSize` (the stream may be refused alone).
   * @throws {QpackError} 0x200 when the section is malformed, references an
   * evicted or missing entry, or would block too many streams.
   */
  decodeSection(streamId: number, bytes: Uint8Array): Field[] | typeof BLOCKED {
    const r: Reader = { buf: bytes, pos: 0, end: bytes.length, code: QPACK_DECOMPRESSION_FAILED };
    let ric: number;
    try {
      ric = readPrefix(r, (encoded) =>
        decodeRequiredInsertCount(encoded, this.#maxEntries, this.#table.insertCount)).ric;
    } catch (e) {
      throw e === TRUNCATED ? decompressionError("truncated section prefix") : e;
    }
    const queue = this.#blocked.get(streamId);
    if (queue === undefined && ric <= this.#table.insertCount) {
      return this.#decode(streamId, bytes);
    }
    // Sections on one stream are decoded in order, so one behind a blocked one waits too.
    if (queue === undefined && this.#blocked.size >= this.#maxBlocked) {
      throw decompressionError("too many blocked streams");
    }
    if (queue !== undefined && queue.length >= MAX_PENDING_PER_STREAM) {
      throw decompressionError("too many sections waiting on one stream");
    }
    // A field line costs at most 4 octets per octet of its size (Huffman codes
    // are ≤ 30 bits, integers ≤ 9 octets, size ≥ 32), so this section cannot
    // fit; refuse it now rather than hold its bytes.
    if (bytes.length > 4 * this.#maxSection + 64) {
      if (ric > 0 && this.#maxCapacity > 0) this.#queued.push({ kind: "cancel", streamId });
      throw new FieldSectionTooLargeError(streamId, "field section too large");
    }
    const pending = { ric, bytes: bytes.slice() };
    if (queue === undefined) this.#blocked.set(streamId, [pending]);
    else queue.push(pending);
    return BLOCKED;
  }

  /**
   * Forgets `streamId` (reset, or its reading abandoned): drops its blocked
   * sections and any Section Acknowledgement not yet sent, and queues a
   * Stream Cancellation so the encoder releases its references.
   */
  cancelStream(streamId: number): void {
    this.#blocked.delete(streamId);
    this.#queued = this.#queued.filter((q) => q.streamId !== streamId);
    // §4.4.2: with no dynamic table there is nothing to release.
    if (this.#maxCapacity > 0) this.#queued.push({ kind: "cancel", streamId });
  }

  /**
   * Bytes to send on our decoder stream: queued Section Acknowledgements and
   * Stream Cancellations, then an Insert Count Increment for inserts not yet
   * acknowledged. Empty when there is nothing to send.
   */
  decoderStream(): Uint8Array {
    for (const q of this.#queued) {
      if (q.kind === "cancel") {
        writeStreamCancel(this.#out, q.streamId);
      } else {
        writeSectionAck(this.#out, q.streamId);
        this.#acknowledged = Math.max(this.#acknowledged, q.ric);
      }
    }
    this.#queued = [];
    const count = this.#table.insertCount;
    if (count > this.#acknowledged) {
      writeInsertCountIncrement(this.#out, count - this.#acknowledged);
      this.#acknowledged = count;
    }
    return this.#out.take();
  }

  #apply(inst: EncoderInstruction): void {
    const table = this.#table;
    switch (inst.kind) {
      case "capacity":
        if (inst.capacity > this.#maxCapacity) {
          throw encoderError("table capacity above SETTINGS_QPACK_MAX_TABLE_CAPACITY");
        }
        table.setCapacity(inst.capacity);
        return;
      case "insertLiteral":
        return this.#insert(inst.name, inst.value);
      case "insertNameRef": {
        const entry = inst.isStatic
          ? staticEntry(inst.index)
          : table.get(table.insertCount - 1 - inst.index);
        if (entry === undefined) throw encoderError("insert references a missing entry");
        return this.#insert(entry[0], inst.value);
      }
      case "duplicate": {
        const entry = table.get(table.insertCount - 1 - inst.index);
        if (entry === undefined) throw encoderError("duplicate of a missing entry");
        return this.#insert(entry[0], entry[1]);
      }
    }
  }

  #insert(name: string, value: string): void {
    if (entrySize(name, value) > this.#table.capacity) {
      throw encoderError("insert larger than the table capacity");
    }
    this.#table.insert(name, value);
  }

  #unblock(): UnblockedSection[] {
    const out: UnblockedSection[] = [];
    const count = this.#table.insertCount;
    for (const [streamId, queue] of this.#blocked) {
      while (queue.length > 0 && queue[0]!.ric <= count) {
        const { bytes } = queue.shift()!;
        try {
          out.push({ streamId, fields: this.#decode(streamId, bytes) });
        } catch (e) {
          if (!(e instanceof FieldSectionTooLargeError)) throw e;
          out.push({ streamId, fields: [], error: e });
        }
      }
      if (queue.length === 0) this.#blocked.delete(streamId);
    }
    return out;
  }

  /** Decodes a section whose Required Insert Count has been reached. */
  #decode(streamId: number, bytes: Uint8Array): Field[] {
    const r: Reader = { buf: bytes, pos: 0, end: bytes.length, code: QPACK_DECOMPRESSION_FAILED };
    const table = this.#table;
    const fields: Field[] = [];
    let ric = 0;
    let size = 0;
    let largest = -1;
    try {
      const prefix = readPrefix(
        r,
        (encoded) => decodeRequiredInsertCount(encoded, this.#maxEntries, table.insertCount),
      );
      ric = prefix.ric;
      const base = prefix.base;
      while (r.pos < r.end) {
        const line = readFieldLine(r, this.#maxSection - size - ENTRY_OVERHEAD);
        let name = line.name;
        let value = line.value;
        if (line.ref === "static") {
          const entry = staticEntry(line.index);
          if (entry === undefined) throw decompressionError("static index out of range");
          name = entry[0];
          value ??= entry[1];
        } else if (line.ref !== "none") {
          const abs = line.ref === "relative" ? base - 1 - line.index : base + line.index;
          // §2.2.3: at or above the Required Insert Count, or evicted, is an error.
          const entry = abs < ric ? table.get(abs) : undefined;
          if (entry === undefined) throw decompressionError("reference to a missing entry");
          if (abs > largest) largest = abs;
          name = entry[0];
          value ??= entry[1];
        }
        size += name.length + value!.length + ENTRY_OVERHEAD;
        if (size > this.#maxSection) throw TOO_LONG;
        fields.push([name, value!]);
      }
    } catch (e) {
      if (e === TRUNCATED) throw decompressionError("truncated field line");
      if (e !== TOO_LONG) throw e;
      // The table is untouched; release the encoder's references before refusing.
      if (ric > 0) this.#queued.push({ kind: "ack", streamId, ric });
      throw new FieldSectionTooLargeError(streamId, "field section too large");
    }
    // §4.5.1.1: the encoder sets it to one past the largest reference; more is a lie.
    if (ric !== largest + 1) throw decompressionError("Required Insert Count not matched");
    if (ric > 0) this.#queued.push({ kind: "ack", streamId, ric });
    return fields;
  }
}

function encoderError(message: string): QpackError {
  return new QpackError(QPACK_ENCODER_STREAM_ERROR, message);
}

function decompressionError(message: string): QpackError {
  return new QpackError(QPACK_DECOMPRESSION_FAILED, message);
}
