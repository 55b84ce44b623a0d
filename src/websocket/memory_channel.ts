/**
 * An in-memory WebSocketChannel for tests: records what the session wrote,
 * reports backpressure past a settable high-water mark, and drains on demand.
 *
 * @module
 */
import type { WebSocketChannel } from "./channel.ts";

/**
 * A channel that keeps written bytes in memory.
 */
export class MemoryChannel implements WebSocketChannel {
  /** Bytes written and not yet taken. */
  output: Uint8Array[] = [];
  /** Buffered bytes since the last drain. */
  buffered = 0;
  /** write() returns false once `buffered` exceeds this. Default Infinity. */
  highWaterMark: number;
  /** True while the session asked inbound to pause. */
  paused = false;
  /** "open", "ended" (graceful) or "aborted". */
  status: "open" | "ended" | "aborted" = "open";
  /** Counts of pause()/resume() calls. */
  pauses = 0;
  #waiters: (() => void)[] = [];

  /** A channel with an optional high-water mark in bytes. */
  constructor(highWaterMark = Infinity) {
    this.highWaterMark = highWaterMark;
  }

  /** Every array passed to write(), by reference (identity checks: frames shared across sockets). */
  written: Uint8Array[] = [];

  /** Records `bytes`; false above the high-water mark. */
  write(bytes: Uint8Array): boolean {
    if (this.status !== "open") return true;
    this.written.push(bytes);
    this.output.push(bytes.slice());
    this.buffered += bytes.length;
    return this.buffered <= this.highWaterMark;
  }
  /** Resolves at the next `flush()` (at once when below the mark). */
  drain(): Promise<void> {
    if (this.buffered <= this.highWaterMark) return Promise.resolve();
    return new Promise((r) => this.#waiters.push(r));
  }
  /** Marks inbound as paused. */
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  /** Marks inbound as resumed. */
  resume(): void {
    this.paused = false;
  }
  /** Ends gracefully. */
  end(): void {
    if (this.status === "open") this.status = "ended";
  }
  /** Aborts. */
  abort(): void {
    if (this.status === "open") this.status = "aborted";
  }
  /** Pretends the peer read everything: resets the buffer count and wakes drain(). */
  flush(): void {
    this.buffered = 0;
    for (const w of this.#waiters.splice(0)) w();
  }
  /** Returns and forgets the output so far, joined. */
  takeOutput(): Uint8Array {
    let n = 0;
    for (const o of this.output) n += o.length;
    const out = new Uint8Array(n);
    let p = 0;
    for (const o of this.output) {
      out.set(o, p);
      p += o.length;
    }
    this.output = [];
    return out;
  }
}
