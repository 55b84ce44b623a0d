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
import { TokenBucket } from "./flow.ts";
import type { H2Options } from "./conn_options.ts";

/**
 * The budgets, refilled by the clock when `now` is given, else by progress.
 */
export class FloodGuard {
  readonly #reset: TokenBucket;
  readonly #useless: TokenBucket;
  readonly #maxReplies: number;
  #replies = 0;

  constructor(o: Readonly<H2Options>) {
    this.#reset = new TokenBucket(o.resetBurst, o.resetRefillPerSecond, o.now);
    this.#useless = new TokenBucket(o.uselessFrameBurst, o.uselessFrameRefillPerSecond, o.now);
    this.#maxReplies = o.maxQueuedControlFrames;
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
    if (!this.#useless.timed) this.#useless.credit(1);
  }

  /** Spends one reset token; throws with `reason` when the budget is spent. */
  reset(reason: string): void {
    if (!this.#reset.take()) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, reason);
  }

  /** A stream completed normally (refills the reset budget when there is no clock). */
  completed(): void {
    if (!this.#reset.timed) this.#reset.credit(1);
  }
}
