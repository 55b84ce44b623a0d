/**
 * Write batching shared by the runtime transports: chunks written in one
 * event-loop turn are coalesced so that a response head and its body leave in
 * one socket write. Pure logic over byte arrays; the transports own the I/O.
 *
 * @module
 */

/** Above this many queued bytes, write() reports backpressure. */
export const HIGH_WATER_MARK = 256 * 1024;

/** A piece smaller than this is always glued to its neighbours (a syscall costs more than the copy). */
const SMALL = 16 * 1024;
/** Never build a coalesced piece larger than this. */
const COALESCE_LIMIT = 256 * 1024;

/** A FIFO of byte chunks with a running total. */
export class WriteQueue {
  #chunks: Uint8Array[] = [];
  #head = 0;
  /** Bytes queued. */
  size = 0;

  /** Appends a chunk (kept by reference: callers hand over ownership). */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#chunks.push(chunk);
    this.size += chunk.byteLength;
  }

  /** Puts back the unsent tail of a chunk taken by take(). */
  unshift(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    if (this.#head > 0) this.#chunks[--this.#head] = chunk;
    else this.#chunks.unshift(chunk);
    this.size += chunk.byteLength;
  }

  /**
   * Removes and returns the next piece to write: a large chunk as it is, or
   * several small ones copied into one buffer. Null when empty.
   */
  take(): Uint8Array | null {
    const chunks = this.#chunks;
    if (this.#head >= chunks.length) return null;
    const first = chunks[this.#head]!;
    let end = this.#head + 1;
    let total = first.byteLength;
    while (end < chunks.length) {
      const next = chunks[end]!.byteLength;
      if (total >= SMALL && next >= SMALL) break;
      if (total + next > COALESCE_LIMIT) break;
      total += next;
      end++;
    }
    let out: Uint8Array;
    if (end === this.#head + 1) {
      out = first;
    } else {
      out = new Uint8Array(total);
      let off = 0;
      for (let i = this.#head; i < end; i++) {
        const c = chunks[i]!;
        out.set(c, off);
        off += c.byteLength;
      }
    }
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

  /** Drops everything. */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.size = 0;
  }
}

/** A promise with its resolver exposed, reused by transports for drain/resume waits. */
export interface Deferred {
  /** The promise. */
  promise: Promise<void>;
  /** Settles it. */
  resolve: () => void;
}

/** Creates a Deferred. */
export function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
