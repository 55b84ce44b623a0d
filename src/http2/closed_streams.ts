/**
 * The closed-stream memory: for the most recently closed streams, how each
 * closed (END_STREAM both ways, our RST_STREAM, the peer's RST_STREAM) and
 * the send window it had. Late frames are judged from this history, so the
 * answer does not depend on whether our response finished before the
 * peer's frames arrived. Bounded: the oldest entry is dropped first.
 *
 * @module
 */
import type { StreamState } from "./stream_state.ts";

/**
 * A bounded map of closed stream id → (closing state, send window).
 *
 * @example
 * ```ts
 * import { ClosedStreams } from "./closed_streams.ts";
 * import { StreamState } from "./stream_state.ts";
 * const m = new ClosedStreams(1000);
 * m.remember(1, StreamState.CLOSED, 65535);
 * m.state(1); // StreamState.CLOSED
 * ```
 */
export class ClosedStreams {
  readonly #limit: number;
  /**
   * id → state + 8 × window: one Map entry per stream. Windows may be negative
   * (§6.9.2); usual ones keep the value a small integer, which V8 stores
   * without allocating.
   */
  readonly #entries = new Map<number, number>();
  /** Ids in the order remembered (a ring of `limit` slots: no Map iterator per close). */
  readonly #order: number[] = [];
  #at = 0;

  /** @param limit how many closed streams to remember (0: none; Infinity: all). */
  constructor(limit: number) {
    this.#limit = Math.floor(limit);
  }

  /** How a remembered stream closed, or undefined once it is forgotten. */
  state(id: number): StreamState | undefined {
    const e = this.#entries.get(id);
    return e === undefined ? undefined : stateOf(e);
  }

  /** The send window a remembered stream had when it closed (updated by later WINDOW_UPDATEs). */
  window(id: number): number {
    const e = this.#entries.get(id);
    return e === undefined ? 0 : Math.floor(e / 8);
  }

  /** Records a later WINDOW_UPDATE on a remembered stream. */
  setWindow(id: number, window: number): void {
    const e = this.#entries.get(id);
    if (e !== undefined) this.#entries.set(id, pack(stateOf(e), window));
  }

  /** Records (or updates) how a stream closed; the oldest entry goes when full. */
  remember(id: number, state: StreamState, window: number): void {
    const limit = this.#limit;
    if (limit <= 0) return;
    const m = this.#entries;
    const known = m.has(id);
    m.set(id, pack(state, window));
    if (known || limit === Infinity) return;
    const ring = this.#order;
    if (ring.length < limit) {
      ring.push(id);
      return;
    }
    m.delete(ring[this.#at]!);
    ring[this.#at] = id;
    this.#at = (this.#at + 1) % limit;
  }
}

function pack(state: number, window: number): number {
  return state + 8 * window;
}

function stateOf(e: number): StreamState {
  return (e - 8 * Math.floor(e / 8)) as StreamState;
}
