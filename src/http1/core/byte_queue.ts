/**
 * The parser's input: received chunks in order, read through one contiguous
 * region at a time. Body bytes are handed out as views of the chunks (no
 * copies); a line that spans chunks is merged into a small owned buffer (the
 * stash) whose size the caller bounds.
 *
 * @module
 */

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = new Uint8Array(0);

/**
 * A queue of received byte chunks with line finding.
 */
export class ByteQueue {
  /** The current contiguous region; `buf[pos..]` is unread. */
  buf: Uint8Array = EMPTY;
  /** Read position in `buf`. */
  pos = 0;
  /** `buf` is a view of the stash, which is reused: data handed out from it must be copied. */
  inStash = false;
  #queue: (Uint8Array | undefined)[] = [];
  #qHead = 0;
  #queuedBytes = 0;
  /** Owned buffer where a line that spans chunks is merged. */
  #stash: Uint8Array | null = null;
  /** Bytes after `pos` already known to contain no LF. */
  #scanned = 0;

  /** Appends a chunk; the queue keeps a reference to it. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.pos === this.buf.length && this.#qHead === this.#queue.length) {
      this.#setRegion(chunk, false);
    } else {
      this.#queue.push(chunk);
      this.#queuedBytes += chunk.length;
    }
  }

  /** Bytes pushed and not yet read. */
  get buffered(): number {
    return this.buf.length - this.pos + this.#queuedBytes;
  }

  /** Removes and returns every unread byte, copied into one array. */
  takeAll(): Uint8Array {
    const out = new Uint8Array(this.buffered);
    out.set(this.buf.subarray(this.pos), 0);
    let o = this.buf.length - this.pos;
    for (let i = this.#qHead; i < this.#queue.length; i++) {
      const c = this.#queue[i]!;
      out.set(c, o);
      o += c.length;
    }
    this.#setRegion(EMPTY, false);
    this.#queue = [];
    this.#qHead = 0;
    this.#queuedBytes = 0;
    return out;
  }

  /** Moves to the next queued chunk once the current region is read; false when none. */
  advance(): boolean {
    if (this.#qHead === this.#queue.length) return false;
    const c = this.#queue[this.#qHead]!;
    this.#dequeue();
    this.#queuedBytes -= c.length;
    this.#setRegion(c, false);
    return true;
  }

  /**
   * Index in `buf` of the LF ending the line that starts at `pos`, or -1 when it has not
   * arrived. `cap` is the most bytes before the LF that the line may have; a longer line is
   * merged only up to `cap + 1` bytes, enough for a validator to reject it.
   */
  findLF(cap: number): number {
    for (;;) {
      const buf = this.buf;
      const i = buf.indexOf(LF, this.pos + this.#scanned);
      if (i >= 0) {
        this.#scanned = 0;
        return i;
      }
      const partial = buf.length - this.pos;
      this.#scanned = partial;
      if (this.#qHead === this.#queue.length || partial > cap) return -1;
      this.#merge(cap, partial);
    }
  }

  /** End of the content of a partial line: its length, minus a trailing CR that may end it. */
  partialEnd(): number {
    const buf = this.buf;
    const n = buf.length;
    return n > this.pos && buf[n - 1] === CR ? n - 1 : n;
  }

  /** Lets go of the current region once it is read to its end (its buffer may be taken over). */
  release(): void {
    if (this.pos === this.buf.length) this.#setRegion(EMPTY, false);
  }

  #setRegion(buf: Uint8Array, inStash: boolean): void {
    this.buf = buf;
    this.pos = 0;
    this.inStash = inStash;
    this.#scanned = 0;
  }

  #dequeue(): void {
    this.#queue[this.#qHead++] = undefined;
    if (this.#qHead === this.#queue.length) {
      this.#queue.length = 0;
      this.#qHead = 0;
    }
  }

  /** Appends (part of) the next queued chunk to the partial line, in the stash. */
  #merge(cap: number, partial: number): void {
    const next = this.#queue[this.#qHead]!;
    const lf = next.indexOf(LF);
    let take = lf >= 0 ? lf + 1 : next.length;
    const room = cap + 1 - partial;
    if (take > room) take = room;
    const need = partial + take;
    let stash = this.#stash;
    if (stash === null || stash.length < need) {
      const fresh = new Uint8Array(Math.max(need, Math.min(Math.max(need * 2, 256), cap + 2)));
      fresh.set(this.buf.subarray(this.pos), 0);
      this.#stash = stash = fresh;
    } else if (this.inStash) {
      if (this.pos > 0) stash.copyWithin(0, this.pos, this.buf.length);
    } else {
      stash.set(this.buf.subarray(this.pos), 0);
    }
    stash.set(take === next.length ? next : next.subarray(0, take), partial);
    this.buf = stash.subarray(0, need);
    this.pos = 0;
    this.inStash = true;
    this.#queuedBytes -= take;
    if (take === next.length) this.#dequeue();
    else this.#queue[this.#qHead] = next.subarray(take);
  }
}
