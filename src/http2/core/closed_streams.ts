/**
 * The closed-stream memory: for the most recently closed streams, how each
 * closed (END_STREAM both ways, our RST_STREAM, the peer's RST_STREAM) and
 * the send window it had. Late frames are judged from this history, so the
 * answer does not depend on whether our response finished before the
 * peer's frames arrived. A stream we reset for an error keeps no window
 * (`null`): what the peer still sends on it is ignored (§5.1). Bounded: the
 * oldest entry is dropped first.
 *
 * @module
 */
import type { StreamState } from "./stream_table.ts";

/**
 * A bounded map of closed stream id → (closing state, send window).
 */
export class ClosedStreams {
  readonly #limit: number;
  /**
   * An open-addressing table (linear probing, deletion by backward shift):
   * stream ids in `#keys` (0: empty slot), state + 8 × untracked + 16 × window
   * in `#values` (windows may be negative, §6.9.2). No allocation per stream, where a Map
   * costs a delete per eviction (slow on JSC) and boxes large values on V8.
   * It starts small and doubles, up to twice the limit.
   */
  #keys = new Uint32Array(4);
  #values = new Float64Array(4);
  /** 32 − log2(table size): a home slot is the top bits of a multiplicative hash. */
  #shift = 30;
  #count = 0;
  /** Ids in the order remembered (a ring of `limit` slots). */
  readonly #order: number[] = [];
  #at = 0;

  /** @param limit how many closed streams to remember (0: none; Infinity: all). */
  constructor(limit: number) {
    this.#limit = Math.floor(limit);
  }

  /** How a remembered stream closed, or undefined once it is forgotten. */
  state(id: number): StreamState | undefined {
    const i = this.#find(id);
    return i < 0 ? undefined : stateOf(this.#values[i]!);
  }

  /**
   * The send window a remembered stream had when it closed (updated by later
   * WINDOW_UPDATEs); null when it is not tracked (reset by us for an error)
   * or the stream is not remembered.
   */
  window(id: number): number | null {
    const i = this.#find(id);
    return i < 0 ? null : windowOf(this.#values[i]!);
  }

  /** Records a later WINDOW_UPDATE on a remembered stream whose window is tracked. */
  setWindow(id: number, window: number): void {
    const i = this.#find(id);
    if (i >= 0 && windowOf(this.#values[i]!) !== null) {
      this.#values[i] = pack(stateOf(this.#values[i]!), window);
    }
  }

  /**
   * Records (or updates) how a stream closed, with its send window (null: no
   * longer tracked); the oldest entry goes when full.
   */
  remember(id: number, state: StreamState, window: number | null): void {
    const limit = this.#limit;
    if (limit <= 0) return;
    const found = this.#find(id);
    if (found >= 0) {
      this.#values[found] = pack(state, window);
      return;
    }
    const ring = this.#order;
    if (ring.length < limit) {
      if (limit !== Infinity) ring.push(id);
    } else {
      this.#delete(ring[this.#at]!);
      ring[this.#at] = id;
      this.#at = (this.#at + 1) % limit;
    }
    if ((this.#count + 1) * 2 > this.#keys.length) this.#grow();
    const keys = this.#keys;
    const mask = keys.length - 1;
    let i = home(id, this.#shift);
    while (keys[i] !== 0) i = (i + 1) & mask;
    keys[i] = id;
    this.#values[i] = pack(state, window);
    this.#count++;
  }

  #find(id: number): number {
    const keys = this.#keys;
    const mask = keys.length - 1;
    for (let i = home(id, this.#shift);; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === id) return i;
      if (k === 0) return -1;
    }
  }

  #delete(id: number): void {
    let i = this.#find(id);
    if (i < 0) return;
    const keys = this.#keys;
    const values = this.#values;
    const mask = keys.length - 1;
    // Backward shift: move up every later entry of the run whose home slot is not in (i, j].
    for (let j = (i + 1) & mask; keys[j] !== 0; j = (j + 1) & mask) {
      const h = home(keys[j]!, this.#shift);
      const stays = i <= j ? i < h && h <= j : i < h || h <= j;
      if (stays) continue;
      keys[i] = keys[j]!;
      values[i] = values[j]!;
      i = j;
    }
    keys[i] = 0;
    this.#count--;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    const size = oldKeys.length * 2;
    const keys = new Uint32Array(size);
    const values = new Float64Array(size);
    const mask = size - 1;
    const shift = this.#shift - 1;
    this.#shift = shift;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j]!;
      if (k === 0) continue;
      let i = home(k, shift);
      while (keys[i] !== 0) i = (i + 1) & mask;
      keys[i] = k;
      values[i] = oldValues[j]!;
    }
    this.#keys = keys;
    this.#values = values;
  }
}

/**
 * The home slot of an id: Fibonacci hashing scatters consecutive ids, so the
 * runs a deletion walks stay short (with `id & mask`, the sliding window of
 * remembered ids would be one long run).
 */
function home(id: number, shift: number): number {
  return Math.imul(id, 0x9e3779b1) >>> shift;
}

function pack(state: number, window: number | null): number {
  return window === null ? state + 8 : state + 16 * window;
}

function windowOf(e: number): number | null {
  const w = Math.floor(e / 8);
  // An odd multiple of 8 marks "untracked"; tracked windows are stored as 16 × window.
  return (w & 1) === 1 ? null : w / 2;
}

function stateOf(e: number): StreamState {
  return (e - 8 * Math.floor(e / 8)) as StreamState;
}
