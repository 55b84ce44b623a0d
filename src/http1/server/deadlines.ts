/**
 * The timers of one HTTP/1.1 connection: which timeout runs now (idle,
 * headers, body or send) and the minimum request data rate, folded into the
 * one absolute deadline the server's sweep checks.
 *
 * The rate is measured per request, and time counts only while we want data
 * from the client (reading a head, or a body the handler is pulling), so a
 * handler that thinks for a while does not make its client look slow.
 *
 * @module
 */

/**
 * Which timeout is running.
 */
export type DeadlineKind = "none" | "idle" | "headers" | "body" | "send";

/**
 * Timeout and minimum-rate bookkeeping for one connection; reads no clock of
 * its own (every call is given `now`).
 */
export class Deadlines {
  /** When something is due (ms epoch), 0 for never. */
  at = 0;
  /** The timeout running now. */
  kind: DeadlineKind = "none";
  /** When the running kind's timeout fires (ms epoch), 0 for none. */
  #kindAt = 0;
  /** Start of the counted segment running now (0: not counting). */
  #rateFrom = 0;
  /** Counted ms of this request before the running segment. */
  #rateMs = 0;
  /** Bytes received since this request began. */
  #rateBytes = 0;
  readonly #minRate: number;
  readonly #grace: number;

  /**
   * @param minRate Bytes per second a client must keep up while we want data (0: off).
   * @param grace Milliseconds always allowed, whatever the rate.
   */
  constructor(minRate: number, grace: number) {
    this.#minRate = minRate;
    this.#grace = grace;
  }

  /**
   * Starts `kind`'s timeout of `ms` (0 or Infinity: none). `idle` begins a
   * new request cycle for the rate; `counting` says whether we want data now.
   */
  set(kind: DeadlineKind, ms: number, counting: boolean, now: number): void {
    this.kind = kind;
    this.#kindAt = ms > 0 && Number.isFinite(ms) ? now + ms : 0;
    if (kind === "idle") this.#rateFrom = this.#rateMs = this.#rateBytes = 0;
    else if (counting) {
      if (this.#rateFrom === 0) this.#rateFrom = now;
    } else this.#pauseRate(now);
    this.#arm();
  }

  /** Stops the running timeout (only if it is `kind`, when given) and the rate clock. */
  clear(kind: DeadlineKind | undefined, now: number): void {
    if (kind !== undefined && this.kind !== kind) return;
    this.kind = "none";
    this.#kindAt = 0;
    this.#pauseRate(now);
    this.#arm();
  }

  /** Bytes arrived from the client. */
  received(n: number): void {
    this.#rateBytes += n;
    if (this.#rateFrom !== 0) this.#arm();
  }

  /** Whether the last kind `due()` returned fired because the data rate fell too low. */
  dueByRate = false;

  /**
   * The kind that is due at `now` (the rate counts as the running kind), or
   * null when bytes arrived since and nothing is due yet. A due kind is cleared.
   */
  due(now: number): DeadlineKind | null {
    const r = this.#rateAt();
    if ((this.#kindAt === 0 || this.#kindAt > now) && (r === 0 || r > now)) {
      this.#arm();
      return null;
    }
    const kind = this.kind;
    this.dueByRate = r !== 0 && r <= now;
    this.clear(undefined, now);
    return kind;
  }

  #pauseRate(now: number): void {
    if (this.#rateFrom === 0) return;
    this.#rateMs += now - this.#rateFrom;
    this.#rateFrom = 0;
  }

  /** When the minimum data rate is violated if no more bytes arrive (0: not counting). */
  #rateAt(): number {
    const rate = this.#minRate;
    if (this.#rateFrom === 0 || !(rate > 0)) return 0;
    const allowed = Math.max(this.#grace, (this.#rateBytes * 1000) / rate);
    return this.#rateFrom + allowed - this.#rateMs;
  }

  #arm(): void {
    const k = this.#kindAt;
    const r = this.#rateAt();
    this.at = k === 0 ? r : r === 0 ? k : Math.min(k, r);
  }
}
