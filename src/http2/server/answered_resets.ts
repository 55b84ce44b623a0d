/**
 * Answered uploads the client is still sending. Once our END_STREAM is out
 * the stream is half-closed (local) and stays so while the client may just
 * be finishing (END_STREAM, trailers): the core keeps judging every frame on
 * it, so a malformed one gets its own stream error whether it came before or
 * after our answer. The client is asked to stop with RST_STREAM NO_ERROR
 * (RFC 9113 §8.1) only when it shows it keeps uploading: more than
 * {@link UPLOAD_ALLOWANCE} DATA bytes after the answer, a wait of `maxWait`
 * without its END_STREAM, or a graceful shutdown. Until then its DATA is
 * discarded and credited (the driver's discard path), so nothing is buffered
 * and the connection window stays open; the wait counts against
 * MAX_CONCURRENT_STREAMS like any open stream.
 *
 * @module
 */
import type { H2Connection } from "../core/connection.ts";
import { ErrorCode } from "../core/errors.ts";
import { StreamState } from "../core/stream_table.ts";
import { LifeEvent, StreamLife } from "./stream_life.ts";
import type { DriverStream } from "./exchange_stream.ts";

/** DATA bytes an answered upload may still send before it is reset (one default-size frame). */
export const UPLOAD_ALLOWANCE = 16_384;

interface Waiting {
  readonly s: DriverStream;
  /** DATA bytes received since the answer. */
  bytes: number;
  /** When our END_STREAM was seen out (ms epoch), 0 while still queued. */
  since: number;
}

/** Forgets a stream whose life is FINISHED (the connection's OpenStreams). */
export interface Settles {
  settle(s: DriverStream): void;
}

/**
 * Streams answered while their request body was still coming.
 */
export class AnsweredResets {
  readonly #list: Waiting[] = [];
  /** Made on the first answered upload: most connections never have one. */
  #byId: Map<number, Waiting> | null = null;
  readonly #maxWait: number;
  #hurry = false;

  /** `maxWait`: how long (ms) a half-closed stream may wait for the client's END_STREAM; 0 for ever. */
  constructor(maxWait: number) {
    this.#maxWait = maxWait;
  }

  /** How many streams wait. */
  get size(): number {
    return this.#list.length;
  }

  /** `s` was answered while its request body was still coming. */
  add(s: DriverStream): void {
    const w: Waiting = { s, bytes: 0, since: 0 };
    this.#list.push(w);
    (this.#byId ??= new Map()).set(s.id, w);
  }

  /** DATA arrived (and was discarded) on a stream; true if it is one of ours and now due. */
  received(id: number, n: number): boolean {
    const w = this.#byId?.get(id);
    if (w === undefined) return false;
    w.bytes += n;
    return w.bytes > UPLOAD_ALLOWANCE;
  }

  /** Shutting down: every waiting stream is reset at the next {@link sendDue}. */
  hurry(): void {
    this.#hurry = true;
  }

  /**
   * Resets the half-closed (local) streams that are due, and lets go of those
   * closed meanwhile (the client's END_STREAM, a stream error, its reset).
   * Each one let go has its life moved to WIRE_CLOSED and is passed to
   * `open.settle`. True if a frame was queued.
   */
  sendDue(conn: H2Connection, open: Settles, now: number): boolean {
    const list = this.#list;
    const max = this.#maxWait;
    let keep = 0;
    let sent = false;
    for (let i = 0; i < list.length; i++) {
      const w = list[i]!;
      const s = w.s;
      if (s.life === StreamLife.ANSWERED) {
        const state = conn.streamState(s.id);
        if (state === StreamState.OPEN || state === StreamState.HALF_CLOSED_REMOTE) {
          list[keep++] = w; // our END_STREAM is still queued (flow control)
          continue;
        }
        if (state === StreamState.HALF_CLOSED_LOCAL) {
          if (w.since === 0) w.since = now;
          const due = this.#hurry || w.bytes > UPLOAD_ALLOWANCE ||
            (max > 0 && now - w.since >= max);
          if (!due) {
            list[keep++] = w; // the client may be finishing: its frames are still judged
            continue;
          }
          if (conn.resetStream(s.id, ErrorCode.NO_ERROR)) sent = true;
        }
        s.step(LifeEvent.WIRE_CLOSED);
        open.settle(s);
      }
      this.#byId!.delete(s.id);
    }
    list.length = keep;
    return sent;
  }
}
