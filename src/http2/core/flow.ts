/**
 * Flow-control windows (RFC 9113 §5.2, §6.9).
 *
 * Send windows are plain numbers on the connection and each stream (they
 * may go negative after a SETTINGS_INITIAL_WINDOW_SIZE decrease, §6.9.2).
 * Receive windows are {@link RecvWindow}s: data received shrinks them, and
 * only data the application has *consumed* is given back with WINDOW_UPDATE,
 * which is how a slow reader slows the peer down (backpressure).
 *
 * @module
 */

/**
 * A receive window with deferred replenishment.
 */
export class RecvWindow {
  /** Bytes the peer may still send. */
  window: number;
  /** The window we keep open for the peer. */
  target: number;
  /** Received and not yet consumed by the application. */
  unconsumed = 0;
  /** Consumed but not yet announced with WINDOW_UPDATE. */
  credit = 0;

  /** Creates a window of `initial` bytes that we keep at `target`. */
  constructor(initial: number, target: number = initial) {
    this.window = initial;
    this.target = target;
  }

  /** Accounts `n` received bytes; false when they exceed the window (FLOW_CONTROL_ERROR). */
  receive(n: number): boolean {
    if (n > this.window) return false;
    this.window -= n;
    this.unconsumed += n;
    return true;
  }

  /**
   * Marks up to `n` received bytes as consumed (clamped to what is unconsumed,
   * so a double report cannot over-open the window). Returns the increment to
   * announce now, or 0 while the credit is under half the target (few, large
   * WINDOW_UPDATEs).
   */
  consume(n: number): number {
    if (n > this.unconsumed) n = this.unconsumed;
    if (n <= 0) return 0;
    this.unconsumed -= n;
    this.credit += n;
    return this.flush(false);
  }

  /** Returns the increment to announce (all credit when `force`), and applies it to the window. */
  flush(force: boolean): number {
    const credit = this.credit;
    if (credit === 0) return 0;
    if (!force && credit < Math.max(1, this.target >>> 1) && this.window > 0) return 0;
    this.credit = 0;
    this.window += credit;
    return credit;
  }

  /** Moves the target (a SETTINGS_INITIAL_WINDOW_SIZE change takes effect) by shifting the window too. */
  retarget(target: number): void {
    this.window += target - this.target;
    this.target = target;
  }
}
