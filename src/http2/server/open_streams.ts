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

/** Told of the busy and idle edges (the driver's link: one object, no closures). */
export interface BusyEdges {
  /** A first stream opened. */
  becameBusy(): void;
  /** The last stream was forgotten. */
  becameIdle(): void;
}

/**
 * The connection's streams that are not finished yet.
 */
export class OpenStreams {
  /** Null while no stream is open: an idle connection holds no map. */
  #streams: Map<number, Stream> | null = null;
  readonly #edges: BusyEdges;

  constructor(edges: BusyEdges) {
    this.#edges = edges;
  }

  /** How many streams are open. */
  get size(): number {
    return this.#streams === null ? 0 : this.#streams.size;
  }

  /** The stream with this id, if open. */
  get(id: number): Stream | undefined {
    return this.#streams?.get(id);
  }

  /** The open streams' ids, as a copy. */
  ids(): number[] {
    return this.#streams === null ? [] : [...this.#streams.keys()];
  }

  add(s: Stream): void {
    let streams = this.#streams;
    if (streams === null || streams.size === 0) {
      this.#edges.becameBusy();
      streams = this.#streams ??= new Map();
    }
    streams.set(s.id, s);
  }

  /** Forgets a stream once nothing is owed either way (its life is FINISHED). */
  settle(s: Stream): void {
    if (s.life !== StreamLife.FINISHED) return;
    const streams = this.#streams;
    if (streams === null || streams.get(s.id) !== s) return;
    streams.delete(s.id);
    if (streams.size === 0) {
      this.#streams = null;
      this.#edges.becameIdle();
    }
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
    if (this.#streams !== null) { for (const s of [...this.#streams.values()]) this.lost(s, err); }
  }
}
