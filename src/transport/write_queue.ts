/**
 * Write batching shared by the runtime transports: chunks written in one
 * event-loop turn are coalesced so that a response head and its body leave in
 * one socket write. Pure logic over byte arrays; the transports own the I/O.
 *
 * Small coalesced pieces are cut from a shared slab (one allocation per many
 * responses); large ones are built in pooled buffers, which the transport
 * gives back with releaseBytes() once the socket has taken the bytes, so a large
 * transfer does not allocate and zero-fill a buffer per write.
 *
 * @module
 */
import { isPooled, releaseBytes, writeBytes } from "../bytes/slab.ts";

/**
 * Above this many queued bytes, write() reports backpressure.
 */
export const HIGH_WATER_MARK = 256 * 1024;

/** Never build a coalesced piece larger than this. */
const COALESCE_LIMIT = 256 * 1024;
/** Pieces smaller than this are always glued to their neighbours (a syscall costs more than the copy). */
const SMALL = 16 * 1024;
/** Chunks kept by reference while this few wait; small ones behind them are copied. */
const BY_REFERENCE_MAX = 2;
/** Chunks up to this size may be copied into the queue's own tail buffer. */
const TAIL_COPY_MAX = 4 * 1024;
const TAIL_SIZE = 4 * 1024;

/**
 * How a queue glues chunks together.
 */
export interface WriteQueueOptions {
  /**
   * Glue large chunks too, up to 256 KiB per piece. Worth it where each
   * socket write is an asynchronous operation with a high fixed cost (Deno):
   * one 256 KiB write instead of four 64 KiB ones is faster despite the copy.
   */
  glueLarge?: boolean;
}

/**
 * A FIFO of byte chunks with a running total.
 */
export class WriteQueue {
  #chunks: Uint8Array[] = [];
  #head = 0;
  #small: number;
  /** The queue's own buffer for small chunks; its used part is the last chunk. */
  #tail: Uint8Array | null = null;
  #tailLength = 0;
  /** Bytes queued. */
  size = 0;
  #drain: Deferred | null = null;

  constructor(options: WriteQueueOptions = {}) {
    this.#small = options.glueLarge ? COALESCE_LIMIT : SMALL;
  }

  /**
   * Appends a chunk. The first few are kept by reference (callers hand over
   * ownership); small ones queued behind them are copied into a buffer of the
   * queue's own. Small chunks are often slab pieces, and each pins its whole
   * 64 KiB slab: a client that stops reading must not make thousands of them
   * wait in its queue.
   */
  push(chunk: Uint8Array): void {
    const n = chunk.byteLength;
    if (n === 0) return;
    this.size += n;
    if (n <= TAIL_COPY_MAX && this.#chunks.length - this.#head >= BY_REFERENCE_MAX) {
      this.#append(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#tail = null;
  }

  /** Copies a small chunk into the tail buffer, whose used part is the last chunk. */
  #append(chunk: Uint8Array): void {
    const n = chunk.byteLength;
    const tail = this.#tail;
    if (tail !== null && this.#tailLength + n <= tail.byteLength) {
      tail.set(chunk, this.#tailLength);
      this.#tailLength += n;
      this.#chunks[this.#chunks.length - 1] = tail.subarray(0, this.#tailLength);
      return;
    }
    const fresh = new Uint8Array(Math.max(TAIL_SIZE, n));
    fresh.set(chunk);
    this.#tail = fresh;
    this.#tailLength = n;
    this.#chunks.push(fresh.subarray(0, n));
  }

  /**
   * Puts back what is left of a piece taken by take() after `sent` bytes of it
   * were written. A pooled piece's tail is copied out, so that the piece can
   * be released at once.
   */
  putBack(piece: Uint8Array, sent: number): void {
    const chunk = isPooled(piece) ? piece.slice(sent) : piece.subarray(sent);
    if (chunk.byteLength === 0) return;
    if (this.#head > 0) this.#chunks[--this.#head] = chunk;
    else this.#chunks.unshift(chunk);
    this.size += chunk.byteLength;
  }

  /**
   * Removes and returns the next piece to write: a large chunk as it is, or
   * several chunks copied into one piece (slab or pooled). Null when empty.
   * Pass the piece to releaseBytes() once the socket no longer reads it.
   */
  take(): Uint8Array | null {
    const chunks = this.#chunks;
    if (this.#head >= chunks.length) return null;
    const first = chunks[this.#head]!;
    const small = this.#small;
    let end = this.#head + 1;
    let total = first.byteLength;
    while (end < chunks.length) {
      const next = chunks[end]!.byteLength;
      // A large chunk is never copied only to put a small head in front of it:
      // the copy (and zero-filling a fresh buffer) costs more than a second write.
      if (next >= SMALL && (total < SMALL || total >= small)) break;
      if (total + next > COALESCE_LIMIT) break;
      total += next;
      end++;
    }
    let out: Uint8Array;
    if (end === this.#head + 1) {
      out = first;
    } else {
      out = writeBytes(total);
      let off = 0;
      for (let i = this.#head; i < end; i++) {
        const c = chunks[i]!;
        out.set(c, off);
        off += c.byteLength;
        releaseBytes(c); // copied: a pooled chunk goes back to the pool
      }
    }
    // The tail's bytes may now be in flight: append no more to it.
    if (end === chunks.length) this.#tail = null;
    this.#head = end;
    if (this.#head === chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head > 1024) {
      this.#chunks = chunks.slice(this.#head);
      this.#head = 0;
    }
    this.size -= total;
    return out;
  }

  /** Resolves once fewer than HIGH_WATER_MARK bytes are queued (at once if that is so already). */
  drained(): Promise<void> {
    if (this.size < HIGH_WATER_MARK) return Promise.resolve();
    this.#drain ??= deferred();
    return this.#drain.promise;
  }

  /**
   * Settles the drained() waiters if the queue is below the high-water mark,
   * or whatever it holds with `always` (the socket is done or gone).
   */
  wake(always = false): void {
    const d = this.#drain;
    if (d === null || (!always && this.size >= HIGH_WATER_MARK)) return;
    this.#drain = null;
    d.resolve();
  }

  /** Drops everything; pooled pieces go back to the pool. */
  clear(): void {
    for (let i = this.#head; i < this.#chunks.length; i++) releaseBytes(this.#chunks[i]!);
    this.#chunks = [];
    this.#head = 0;
    this.#tail = null;
    this.size = 0;
  }
}

/**
 * A promise with its resolver exposed, reused by transports for drain/resume waits.
 */
export interface Deferred {
  /** The promise. */
  promise: Promise<void>;
  /** Settles it. */
  resolve: () => void;
}

/**
 * Creates a Deferred.
 */
export function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
