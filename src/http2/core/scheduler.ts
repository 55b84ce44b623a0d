/**
 * Write scheduling: control frames first, in the order they
 * were queued; then DATA shared round-robin between streams, one frame per
 * stream per turn, within the stream and connection send windows and split
 * at the peer's MAX_FRAME_SIZE. A batch is written into one buffer.
 *
 * @module
 */
import { writeBytes } from "../../bytes/slab.ts";
import { putAscii } from "../../bytes/ascii.ts";

import { ByteWriter, writeFrameHeader } from "./frame/encoder.ts";
import {
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW_SIZE,
  Flags,
  FRAME_HEADER_SIZE,
  FrameType,
} from "./frame/types.ts";
import type { HeaderList } from "./events.ts";

/**
 * The outgoing side of one stream: its send window and what waits for it.
 */
export class SendQueue {
  /** Stream id. */
  readonly streamId: number;
  /** Stream send window (may be negative after a SETTINGS change, §6.9.2). */
  window: number;
  /** Queued, unsent DATA bytes. */
  queued = 0;
  /** END_STREAM goes on the last queued DATA (or an empty DATA). */
  endStream = false;
  /** Trailers to send (HEADERS + END_STREAM) once the data is out. */
  trailers: HeaderList | null = null;
  /** In the scheduler's active list. */
  active = false;
  /** END_STREAM has been written. */
  finished = false;
  /** Bytes, or ASCII text whose chars are its bytes (encoded as it is written). */
  #chunks: (Uint8Array | string)[] = [];
  #head = 0;
  #offset = 0;

  /** Creates the queue of `streamId` with the peer's initial window. */
  constructor(streamId: number, window: number) {
    this.streamId = streamId;
    this.window = window;
  }

  /** Whether anything (data, END_STREAM, trailers) is still to be written. */
  get pending(): boolean {
    return this.queued > 0 || this.endStream || this.trailers !== null;
  }

  /**
   * Appends data (kept by reference, not copied). A string must be all ASCII
   * (src/bytes/ascii.ts): it is encoded straight into the frames, so a large
   * text body needs no bytes of its own while it waits.
   */
  push(data: Uint8Array | string): void {
    if (data.length === 0) return;
    this.#chunks.push(data);
    this.queued += data.length;
  }

  /** Copies the next `n` queued bytes into `out` at `off`. */
  copyOut(out: Uint8Array, off: number, n: number): void {
    const chunks = this.#chunks;
    while (n > 0) {
      const c = chunks[this.#head]!;
      const at = this.#offset;
      const take = Math.min(n, c.length - at);
      if (typeof c === "string") {
        putAscii(out, off, take === c.length ? c : c.substring(at, at + take));
      } else out.set(take === c.length ? c : c.subarray(at, at + take), off);
      off += take;
      n -= take;
      this.#offset += take;
      if (this.#offset === c.length) {
        chunks[this.#head++] = EMPTY;
        this.#offset = 0;
      }
    }
    if (this.#head === chunks.length) {
      chunks.length = 0;
      this.#head = 0;
    } else if (this.#head > 64) {
      chunks.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** Drops everything queued (the stream was reset). */
  clear(): void {
    // Most queues are empty when their stream closes; an array length write is not free on JSC.
    if (this.#chunks.length !== 0) this.#chunks.length = 0;
    this.#head = 0;
    this.#offset = 0;
    this.queued = 0;
    this.endStream = false;
    this.trailers = null;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Encodes a trailer list into an HPACK block at write time (so HPACK order = wire order).
 */
export interface BlockEncoder {
  /** A header list → a complete block the caller may keep. */
  encode(headers: HeaderList): Uint8Array;
}

/**
 * Writes a field block as HEADERS + CONTINUATION frames of at most `maxFrame` bytes each.
 */
export function writeHeaderBlock(
  w: ByteWriter,
  streamId: number,
  block: Uint8Array,
  endStream: boolean,
  maxFrame: number,
): void {
  let off = 0;
  let type: number = FrameType.HEADERS;
  do {
    const n = Math.min(maxFrame, block.length - off);
    const last = off + n === block.length;
    let flags = last ? Flags.END_HEADERS : 0;
    if (type === FrameType.HEADERS && endStream) flags |= Flags.END_STREAM;
    w.frameWith(type, flags, streamId, n === block.length ? block : block.subarray(off, off + n));
    off += n;
    type = FrameType.CONTINUATION;
  } while (off < block.length);
}

// The plan of one batch and its trailer blocks: take() fills and empties them
// in one synchronous call, so every connection of the process shares them.
const PLAN_Q: SendQueue[] = [];
const PLAN_LEN: number[] = [];
const PLAN_FLAGS: number[] = [];
const TRAILERS = new ByteWriter(256);

/**
 * Holds the control outbox and the active stream queues; builds output batches.
 */
export class WriteScheduler {
  /**
   * Control frames (and response HEADERS) in queue order. It starts empty and
   * grows on first use: an idle connection holds no 4 KiB outbox.
   */
  readonly control: ByteWriter = new ByteWriter(0);
  /** Connection send window. */
  connWindow = DEFAULT_WINDOW_SIZE;
  /** Peer SETTINGS_MAX_FRAME_SIZE. */
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  /** Max DATA bytes per batch. */
  batchSize: number;
  /** Queues whose END_STREAM went out in the last batch (the connection reaps them). */
  readonly finished: SendQueue[] = [];
  #active: SendQueue[] = [];
  #cursor = 0;

  /** Creates a scheduler with the given DATA batch size. */
  constructor(batchSize: number) {
    this.batchSize = batchSize;
  }

  /** Marks a queue as having something to write. */
  activate(q: SendQueue): void {
    if (!q.active && !q.finished) {
      q.active = true;
      this.#active.push(q);
    }
  }

  /** Number of queues with pending output. */
  get activeCount(): number {
    return this.#active.length;
  }

  /** Whether a batch would contain anything. */
  get hasOutput(): boolean {
    if (this.control.length > 0) return true;
    for (const q of this.#active) if (this.#sendable(q)) return true;
    return false;
  }

  #sendable(q: SendQueue): boolean {
    if (q.queued > 0) return q.window > 0 && this.connWindow > 0;
    return q.endStream || q.trailers !== null;
  }

  /**
   * Builds the next batch: all control bytes, then DATA (and trailers)
   * round-robin. Returns null when there is nothing to write.
   */
  take(encoder: BlockEncoder): Uint8Array | null {
    const list = this.#active;
    const planQ = PLAN_Q;
    const planLen = PLAN_LEN;
    const planFlags = PLAN_FLAGS;
    const tw = TRAILERS;
    tw.length = 0;
    let total = this.control.length;
    let budget = this.batchSize;
    let planned = 0;
    let n = list.length;
    if (n > 0) {
      let i = this.#cursor % n;
      let idle = 0;
      while (idle < n && budget > 0) {
        const q = list[i]!;
        let len = -1;
        let flags = 0;
        if (q.queued > 0) {
          len = Math.min(q.queued, q.window, this.connWindow, this.maxFrameSize, budget);
          if (len > 0) {
            q.window -= len;
            this.connWindow -= len;
            budget -= len;
            q.queued -= len;
            if (q.queued === 0 && q.endStream && q.trailers === null) {
              flags = Flags.END_STREAM;
              q.endStream = false;
            }
          } else {
            len = -1;
          }
        } else if (q.trailers !== null) {
          // Trailers are encoded now so that HPACK state follows wire order.
          const before = tw.length;
          writeHeaderBlock(tw, q.streamId, encoder.encode(q.trailers), true, this.maxFrameSize);
          total += tw.length - before;
          q.trailers = null;
          q.endStream = false;
          len = 0;
          flags = 0x100; // marker: trailer bytes live in the trailer writer
          planLen[planned] = tw.length - before;
        } else if (q.endStream) {
          len = 0;
          flags = Flags.END_STREAM;
          q.endStream = false;
        }
        if (len >= 0) {
          planQ[planned] = q;
          if (flags !== 0x100) {
            planLen[planned] = len;
            total += FRAME_HEADER_SIZE + len;
          }
          planFlags[planned] = flags;
          planned++;
          idle = 0;
          if ((flags & 0x101) !== 0) q.finished = true;
        } else {
          idle++;
        }
        i = (i + 1) % n;
      }
      this.#cursor = i;
    }
    if (total === 0) return null;
    // Goes straight to the socket's write queue, which releases pooled pieces.
    const out = writeBytes(total);
    out.set(this.control.buf.subarray(0, this.control.length));
    let off = this.control.length;
    this.control.length = 0;
    let toff = 0;
    for (let k = 0; k < planned; k++) {
      const q = planQ[k]!;
      const flags = planFlags[k]!;
      const len = planLen[k]!;
      if (flags === 0x100) {
        out.set(tw.buf.subarray(toff, toff + len), off);
        toff += len;
        off += len;
      } else {
        writeFrameHeader(out, off, len, FrameType.DATA, flags, q.streamId);
        off += FRAME_HEADER_SIZE;
        if (len > 0) q.copyOut(out, off, len);
        off += len;
      }
      planQ[k] = undefined as unknown as SendQueue;
      if ((flags & 0x101) !== 0) this.finished.push(q);
    }
    tw.length = 0;
    // Drop queues with nothing left; keep the cursor on the same next stream.
    if (planned > 0 || n > 0) {
      let w = 0;
      let cursor = this.#cursor;
      for (let r = 0; r < n; r++) {
        const q = list[r]!;
        if (q.pending && !q.finished) list[w++] = q;
        else {
          q.active = false;
          if (r < this.#cursor) cursor--;
        }
      }
      list.length = w;
      n = w;
      this.#cursor = n === 0 ? 0 : Math.max(0, cursor) % n;
    }
    return out;
  }

  /** Removes a queue (its stream was reset); its data is dropped. */
  remove(q: SendQueue): void {
    q.clear();
    if (!q.active) return;
    const i = this.#active.indexOf(q);
    if (i >= 0) {
      this.#active.splice(i, 1);
      if (i < this.#cursor) this.#cursor--;
    }
    q.active = false;
  }
}
