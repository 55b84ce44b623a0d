/**
 * The open streams of one HTTP/2 connection, by id. A stream is forgotten
 * only once its life is FINISHED (nothing owed either way); the first stream
 * opened and the last forgotten are the connection's busy and idle edges,
 * which start and stop its timers.
 *
 * @module
 */
import { LifeEvent, StreamLife } from "./stream_life.ts";
import type { DriverStream as Stream } from "./exchange_stream.ts";

/**
 * The connection's streams that are not finished yet.
 */
export class OpenStreams {
  readonly #streams = new Map<number, Stream>();
  readonly #busy: () => void;
  readonly #idle: () => void;

  /** `busy`: a first stream opened; `idle`: the last one was forgotten. */
  constructor(busy: () => void, idle: () => void) {
    this.#busy = busy;
    this.#idle = idle;
  }

  /** How many streams are open. */
  get size(): number {
    return this.#streams.size;
  }

  /** The stream with this id, if open. */
  get(id: number): Stream | undefined {
    return this.#streams.get(id);
  }

  /** The open streams' ids, as a copy. */
  ids(): number[] {
    return [...this.#streams.keys()];
  }

  add(s: Stream): void {
    const streams = this.#streams;
    if (streams.size === 0) this.#busy();
    streams.set(s.id, s);
  }

  /** Forgets a stream once nothing is owed either way (its life is FINISHED). */
  settle(s: Stream): void {
    if (s.life !== StreamLife.FINISHED) return;
    const streams = this.#streams;
    if (streams.get(s.id) !== s) return;
    streams.delete(s.id);
    if (streams.size === 0) this.#idle();
  }

  /** The stream died on the wire (reset, or our own reset): abort its exchange and body. */
  lost(s: Stream, reason: Error): void {
    s.step(LifeEvent.LOST);
    s.ws?.peerEnded(reason);
    s.reqBody?.error(reason);
    s.trailerSlot?.fail(reason);
    s.exchange?.cancel(reason);
    const w = s.waiter;
    if (w !== null) {
      s.waiter = null;
      w();
    }
    this.settle(s);
  }

  /** The connection is gone: every stream is lost. */
  abortAll(reason: unknown): void {
    const err = reason instanceof Error ? reason : new Error(String(reason));
    for (const s of [...this.#streams.values()]) this.lost(s, err);
  }
}
