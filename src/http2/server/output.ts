/**
 * The output side of one HTTP/2 connection: the core's frames written to the
 * transport in one flush per event-loop turn (a microtask), the socket's
 * backpressure, and the streams that wait for it: parked until writable
 * (woken after a flush) or holding their response HEADERS back (released
 * before every flush).
 *
 * @module
 */
import type { Transport } from "../../transport/types.ts";
import type { H2Connection } from "../core/connection.ts";
import type { DriverStream as Stream } from "./exchange_stream.ts";
import type { DriverTimers } from "./timers.ts";

/**
 * What the output asks of its connection.
 */
export interface OutputOwner {
  /** The socket closed: nothing is written any more. */
  closed(): boolean;
  /** The socket is closing: held HEADERS are let go, nothing more is written. */
  closing(): boolean;
  /** The core closed and its final frames are out: close the socket. */
  close(): void;
  /** Sends the due resets of answered uploads; true if any (the flush takes one more pass). */
  resetAnswered(): boolean;
  /** A flush ended (the send watch forgets streams whose DATA is all out). */
  flushed(): void;
}

/**
 * Outputs that asked for a flush this turn. One microtask flushes them all, in the order they
 * asked, instead of a bound task per connection held for its whole life.
 */
let due: ConnOutput[] = [];

function flushDue(): void {
  const list = due;
  due = [];
  for (let i = 0; i < list.length; i++) {
    try {
      list[i]!.flush();
    } catch (e) {
      // As if each flush were its own microtask: the error is reported, the others still run.
      queueMicrotask(() => {
        throw e;
      });
    }
  }
}

/**
 * Writes the core's output and tells waiting streams when there is room.
 */
export class ConnOutput {
  // Two scheduling facts stay flags, not driver states: they say what to do next, not
  // where the connection is, and they flip many times while the state stays put.
  // #queued de-duplicates the per-turn flush microtask (true and false within one
  // READY turn); #blocked is the socket's backpressure (set by a refused write, cleared by
  // its drain), which gates writes and the waking of streams in HANDSHAKE and READY alike.
  // As states they would double every lifecycle state twice and put no new row to use.
  #queued = false;
  #blocked = false;
  #waiting: Stream[] = [];
  /** Streams holding response HEADERS back (released before every flush). */
  #held: Stream[] = [];
  readonly #conn: H2Connection;
  readonly #transport: Transport;
  readonly #highWaterMark: number;
  readonly #timers: DriverTimers;
  readonly #owner: OutputOwner;

  /** `highWaterMark`: `http2.streamHighWaterMark`; `timers` meter how long the socket is blocked. */
  constructor(
    conn: H2Connection,
    transport: Transport,
    highWaterMark: number,
    timers: DriverTimers,
    owner: OutputOwner,
  ) {
    this.#conn = conn;
    this.#transport = transport;
    this.#highWaterMark = highWaterMark;
    this.#timers = timers;
    this.#owner = owner;
  }

  /** The socket refused a write and has not drained yet. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** A stream holds its HEADERS back until its body is known; the flush releases them. */
  hold(s: Stream): void {
    this.#held.push(s);
  }

  /** Whether a stream may queue more DATA now. */
  writable(s: Stream): boolean {
    return !this.#blocked && this.#conn.queuedBytes(s.id) < this.#highWaterMark;
  }

  /** Parks a stream until writable (woken after a flush). */
  wait(s: Stream): void {
    this.#waiting.push(s);
  }

  /** Schedules one flush of the core's output for the end of this turn. */
  soon(): void {
    if (this.#queued || this.#owner.closed()) return;
    this.#queued = true;
    if (due.push(this) === 1) queueMicrotask(flushDue);
  }

  /** The socket drained after refusing a write. */
  #drained(): void {
    this.#blocked = false;
    this.#timers.blockedSince = 0;
    this.flush();
  }

  /** Writes what the core has (within the socket's backpressure), then wakes waiting streams. */
  flush(): void {
    this.#queued = false;
    const owner = this.#owner;
    if (owner.closed()) return;
    const held = this.#held;
    if (held.length > 0) {
      for (let i = 0; i < held.length; i++) held[i]!.release();
      held.length = 0;
    }
    const conn = this.#conn;
    const t = this.#transport;
    if (owner.closing()) return;
    if (conn.closed) {
      // Final frames (GOAWAY, last DATA) go out whatever the backpressure; then close.
      for (let out = conn.takeOutput(); out !== null; out = conn.takeOutput()) t.write(out);
      owner.close();
      return;
    }
    if (!this.#blocked) {
      for (let pass = 0; pass < 2; pass++) {
        for (;;) {
          const out = conn.takeOutput();
          if (out === null) break;
          if (!t.write(out)) {
            this.#blocked = true;
            this.#timers.blocked(Date.now());
            t.drain().then(() => this.#drained());
            break;
          }
        }
        if (this.#blocked || !owner.resetAnswered()) break;
      }
      if (conn.closed) {
        owner.close();
        return;
      }
    }
    owner.flushed();
    if (!this.#blocked) this.#wake();
  }

  #wake(): void {
    const list = this.#waiting;
    if (list.length === 0) return;
    const conn = this.#conn;
    const hwm = this.#highWaterMark;
    let keep = 0;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const w = s.waiter;
      if (w === null) continue;
      if (!s.canSend || conn.queuedBytes(s.id) < hwm) {
        s.waiter = null;
        w();
      } else {
        list[keep++] = s;
      }
    }
    list.length = keep;
  }
}
