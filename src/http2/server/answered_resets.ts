/**
 * Answered uploads the client is still sending: once our END_STREAM is out,
 * the client is asked to stop with RST_STREAM NO_ERROR (RFC 9113 §8.1);
 * until then its DATA is drained. Which of the two applies is read from the
 * stream's §5.1 state in the core, not from a flag of our own.
 *
 * @module
 */
import type { H2Connection } from "../core/connection.ts";
import { ErrorCode } from "../core/errors.ts";
import { StreamState } from "../core/stream_table.ts";
import { LifeEvent, StreamLife } from "./stream_life.ts";
import type { DriverStream } from "./exchange_stream.ts";

/**
 * Streams waiting for their RST_STREAM NO_ERROR.
 */
export class AnsweredResets {
  readonly #list: DriverStream[] = [];

  /** How many streams wait. */
  get size(): number {
    return this.#list.length;
  }

  /** `s` was answered while its request body was still coming. */
  add(s: DriverStream): void {
    this.#list.push(s);
  }

  /**
   * Resets the streams whose END_STREAM has left the core (half-closed local)
   * and lets go of those closed meanwhile; each one let go has its life moved
   * to WIRE_CLOSED and is passed to `settled`. True if a frame was queued.
   */
  sendDue(conn: H2Connection, settled: (s: DriverStream) => void): boolean {
    const list = this.#list;
    let keep = 0;
    let sent = false;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.life !== StreamLife.ANSWERED) continue;
      const state = conn.streamState(s.id);
      if (state === StreamState.OPEN || state === StreamState.HALF_CLOSED_REMOTE) {
        list[keep++] = s; // our END_STREAM is still queued (flow control)
        continue;
      }
      if (state === StreamState.HALF_CLOSED_LOCAL) {
        if (conn.resetStream(s.id, ErrorCode.NO_ERROR)) sent = true;
      }
      s.step(LifeEvent.WIRE_CLOSED);
      settled(s);
    }
    list.length = keep;
    return sent;
  }
}
