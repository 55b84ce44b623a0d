/**
 * The send windows the peer grants us (RFC 9113 §6.9): WINDOW_UPDATE on the
 * connection and on streams (live ones, and recently closed ones through the
 * closed-stream memory, so a late update is judged the same whether or not
 * our response has finished), and the §6.9.2 shift of every stream window
 * when the peer changes SETTINGS_INITIAL_WINDOW_SIZE.
 *
 * @module
 */
import { ConnectionError, ErrorCode, StreamError } from "./errors.ts";
import { MAX_WINDOW_SIZE } from "./frame/types.ts";
import type { H2Stream } from "./stream.ts";
import type { WriteScheduler } from "./scheduler.ts";
import { isActiveState } from "./stream_table.ts";
import type { StreamStore } from "./stream_store.ts";

/**
 * Applies window increments, rejecting zero increments and overflows.
 */
export class SendWindows {
  readonly #store: StreamStore;
  readonly #sched: WriteScheduler;

  constructor(store: StreamStore, sched: WriteScheduler) {
    this.#store = store;
    this.#sched = sched;
  }

  /** A connection WINDOW_UPDATE; throws a ConnectionError for 0 or an overflow. */
  growConnection(increment: number): void {
    if (increment === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
    const w = this.#sched.connWindow + increment;
    if (w > MAX_WINDOW_SIZE) {
      throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window overflow");
    }
    this.#sched.connWindow = w;
  }

  /**
   * A stream WINDOW_UPDATE, on a live stream `s` or (undefined) a remembered
   * one; throws a StreamError for 0 or an overflow. A remembered stream whose
   * window is not tracked (reset by us for an error, or forgotten) is left
   * alone. True if a live window grew.
   */
  growStream(id: number, s: H2Stream | undefined, increment: number): boolean {
    if (increment === 0) throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
    const closed = this.#store.closed;
    const was = s === undefined ? closed.window(id) : s.send.window;
    if (was === null) return false;
    const w = was + increment;
    if (w > MAX_WINDOW_SIZE) {
      throw new StreamError(id, ErrorCode.FLOW_CONTROL_ERROR, "stream window overflow");
    }
    if (s === undefined) {
      closed.setWindow(id, w);
      return false;
    }
    s.send.window = w;
    if (s.send.pending) this.#sched.activate(s.send);
    return true;
  }

  /**
   * §6.9.2: shifts every live stream's window by `delta` (it may go
   * negative); `grown.windowGrew` is called for each open stream whose window grew.
   * Throws a ConnectionError FLOW_CONTROL_ERROR if a window would overflow.
   */
  shift(delta: number, grown: { windowGrew(id: number, delta: number): void }): void {
    if (delta === 0) return;
    for (const s of this.#store.live.values()) {
      const w = s.send.window + delta;
      if (w > MAX_WINDOW_SIZE) {
        throw new ConnectionError(
          ErrorCode.FLOW_CONTROL_ERROR,
          "INITIAL_WINDOW_SIZE overflows a window",
        );
      }
      s.send.window = w;
      if (delta > 0 && isActiveState(s.state)) {
        if (s.send.pending) this.#sched.activate(s.send);
        grown.windowGrew(s.id, delta);
      }
    }
  }
}
