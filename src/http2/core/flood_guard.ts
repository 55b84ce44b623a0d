/**
 * Flood budgets of one HTTP/2 connection: the rapid-reset budget
 * (CVE-2023-44487, and CVE-2025-8671 "MadeYouReset" for resets the peer
 * provokes), the useless-frame budget, and the cap on control replies owed
 * but not yet written. Each throws a ConnectionError ENHANCE_YOUR_CALM when
 * exhausted; the connection turns it into GOAWAY.
 *
 * @module
 */
import { ConnectionError, ErrorCode } from "./errors.ts";
import type { H2Options } from "./conn_options.ts";

/**
 * A token bucket for flood budgets. With a clock it refills
 * `refillPerSecond` tokens per second; without one, only {@link credit}
 * refills it (the caller credits progress instead of time).
 */
export class TokenBucket {
  /** Tokens left. */
  tokens: number;
  readonly #burst: number;
  readonly #rate: number;
  readonly #now: (() => number) | undefined;
  #last: number;

  /** Creates a full bucket of `burst` tokens. */
  constructor(burst: number, refillPerSecond: number, now?: () => number) {
    this.tokens = burst;
    this.#burst = burst;
    this.#rate = refillPerSecond / 1000;
    this.#now = now;
    this.#last = now ? now() : 0;
  }

  /** Whether the bucket refills by time. */
  get timed(): boolean {
    return this.#now !== undefined;
  }

  /** Spends one token; false when the budget is exhausted. */
  take(): boolean {
    if (this.#now) {
      const t = this.#now();
      const dt = t - this.#last;
      if (dt > 0) {
        this.tokens = Math.min(this.#burst, this.tokens + dt * this.#rate);
        this.#last = t;
      }
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Gives back `n` tokens (progress-based refill), capped at the burst. */
  credit(n = 1): void {
    this.tokens = Math.min(this.#burst, this.tokens + n);
  }
}

/**
 * The budgets, refilled by the clock when `now` is given, else by progress.
 */
export class FloodGuard {
  readonly #o: Readonly<H2Options>;
  // Made on first use: a fresh bucket is full, so one made late is the one made at the start
  // (a full bucket stays full over time), and most connections never spend from either.
  #resetBucket: TokenBucket | null = null;
  #uselessBucket: TokenBucket | null = null;
  readonly #maxReplies: number;
  #replies = 0;

  constructor(o: Readonly<H2Options>) {
    this.#o = o;
    this.#maxReplies = o.maxQueuedControlFrames;
  }

  get #reset(): TokenBucket {
    const o = this.#o;
    return this.#resetBucket ??= new TokenBucket(o.resetBurst, o.resetRefillPerSecond, o.now);
  }

  get #useless(): TokenBucket {
    const o = this.#o;
    return this.#uselessBucket ??= new TokenBucket(
      o.uselessFrameBurst,
      o.uselessFrameRefillPerSecond,
      o.now,
    );
  }

  /** A control reply is owed (PING ACK, SETTINGS ACK, RST_STREAM); throws past the cap. */
  queueReply(): void {
    if (++this.#replies > this.#maxReplies) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many queued control frames");
    }
  }

  /** The outbox was written: no reply is owed any more. */
  written(): void {
    this.#replies = 0;
  }

  /** A frame that did nothing useful arrived; throws when the budget is spent. */
  useless(): void {
    if (!this.#useless.take()) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many useless frames");
    }
  }

  /** A useful frame arrived (refills the useless budget when there is no clock). */
  useful(): void {
    const b = this.#uselessBucket; // none yet: full, nothing to give back
    if (b !== null && !b.timed) b.credit(1);
  }

  /** Spends one reset token; throws with `reason` when the budget is spent. */
  reset(reason: string): void {
    if (!this.#reset.take()) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, reason);
  }

  /** A stream completed normally (refills the reset budget when there is no clock). */
  completed(): void {
    const b = this.#resetBucket;
    if (b !== null && !b.timed) b.credit(1);
  }
}
