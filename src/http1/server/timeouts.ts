/**
 * The HTTP/1.1 driver's use of its {@link Deadlines}: each kind's length
 * from its option, the clock read once per parse pass, the request data
 * rate counted for a body only while it flows (not while a 100-continue is
 * owed), and the option a fired timeout is reported under.
 *
 * @module
 */
import { type DeadlineKind, Deadlines } from "./deadlines.ts";
import type { Http1Options } from "./options.ts";

/** A timeout that can run. */
export type TimeoutKind = Exclude<DeadlineKind, "none">;

/** The option that sets each kind's length. */
const OPTION = {
  idle: "keepAliveTimeout",
  headers: "headersTimeout",
  body: "bodyTimeout",
  send: "sendTimeout",
} as const;

/**
 * One connection's timeouts.
 */
export class Timeouts {
  readonly #d: Deadlines;
  readonly #o: Http1Options;
  /** The clock of the parse pass running now, 0 outside one. */
  #passNow = 0;

  constructor(options: Http1Options) {
    this.#o = options;
    this.#d = new Deadlines(options.minRequestRate, options.minRequestRateGrace);
  }

  /** When something is due (ms epoch), 0 for never. */
  get at(): number {
    return this.#d.at;
  }

  /** The timeout running now. */
  get kind(): DeadlineKind {
    return this.#d.kind;
  }

  /** Whether the last kind `due()` returned fired because the data rate fell too low. */
  get dueByRate(): boolean {
    return this.#d.dueByRate;
  }

  /** A parse pass begins: the clock is read once for it (a request's timers and date need no finer one). */
  beginPass(): void {
    this.#passNow = Date.now();
  }

  /** The parse pass ended. */
  endPass(): void {
    this.#passNow = 0;
  }

  /** The time: the parse pass's, or the clock's. */
  now(): number {
    return this.#passNow !== 0 ? this.#passNow : Date.now();
  }

  /** Starts `kind`'s timeout; `bodyFlows`: the body is wanted from the client now. */
  start(kind: TimeoutKind, bodyFlows = false): void {
    const counting = kind === "headers" || (kind === "body" && bodyFlows);
    this.#d.set(kind, this.#o[OPTION[kind]], counting, this.now());
  }

  /** The idle timeout again, due at `at` (ms epoch, 0: never), as it ran before the connection rested. */
  resumeIdle(at: number): void {
    const now = this.now();
    // One already due still fires (at the next sweep), rather than becoming none.
    this.#d.set("idle", at === 0 ? 0 : Math.max(1, at - now), false, now);
  }

  /** `kind`'s length in ms, from its option (0 or Infinity: none). */
  length(kind: TimeoutKind): number {
    return this.#o[OPTION[kind]];
  }

  /** Stops the running timeout (only if it is `kind`, when given). */
  stop(kind?: TimeoutKind): void {
    this.#d.clear(kind, this.now());
  }

  /** Bytes arrived from the client. */
  received(n: number): void {
    this.#d.received(n);
  }

  /** The kind due at `now` (then cleared), or null. */
  due(now: number): DeadlineKind | null {
    return this.#d.due(now);
  }

  /** The option a fired timeout is named by: the data rate's, or the kind's. */
  option(kind: DeadlineKind, byRate: boolean): string {
    return byRate ? "http1.minRequestRate" : `http1.${kind}Timeout`;
  }
}
