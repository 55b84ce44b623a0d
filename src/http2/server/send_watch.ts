/**
 * The HTTP/2 send timeout's watch list: streams with response DATA handed to
 * the core, and whether each has moved since it was last looked at. A stream
 * whose queued DATA has not moved for `http2.sendTimeout` (the client keeps
 * its window shut) is given back to the driver to reset.
 *
 * @module
 */

/**
 * What the watch reads and writes on a stream: its id, the DATA bytes handed
 * to the core (`out`), and when it was last seen making progress.
 */
export interface Watched {
  /** The stream id. */
  readonly id: number;
  /** Response DATA bytes handed to the core (sent = out - queued). */
  out: number;
  /** Bytes sent when the stream was last seen making progress (-1: never looked at). */
  stallSent: number;
  /** Since when it has not moved (0: not stalled). */
  stallSince: number;
  /** The response is in progress and the stream is live on the wire. */
  readonly canSend: boolean;
}

/**
 * How many DATA bytes the core still holds for a stream.
 */
export interface QueuedBytes {
  /** DATA bytes queued in the core for the stream. */
  queuedBytes(id: number): number;
}

/**
 * Streams watched by the send timeout.
 */
export class SendWatch<S extends Watched = Watched> {
  /** Made when the first stream is watched; an idle connection holds none. */
  #set: Set<S> | null = null;

  /** How many streams are watched. */
  get size(): number {
    return this.#set === null ? 0 : this.#set.size;
  }

  /** Watches a stream that just queued DATA (no-op if already watched). */
  add(s: S): void {
    (this.#set ??= new Set()).add(s);
  }

  /** Forgets every stream (the connection closed). */
  clear(): void {
    this.#set = null;
  }

  /**
   * Streams whose DATA has all left the core leave at once (a later DATA adds
   * them back): otherwise every answered stream, with its exchange, would
   * live until the next check, or forever when sendTimeout is 0.
   */
  prune(core: QueuedBytes): void {
    const set = this.#set;
    if (set === null) return;
    for (const s of set) {
      if (core.queuedBytes(s.id) === 0) {
        s.stallSince = 0;
        set.delete(s);
      }
    }
  }

  /**
   * Looks at every watched stream: one whose queued DATA has not moved for
   * `ms` leaves the watch and is handed to `stalled`. True if any was.
   */
  check(core: QueuedBytes, now: number, ms: number, stalled: (s: S) => void): boolean {
    let any = false;
    const set = this.#set;
    if (set === null) return false;
    for (const s of set) {
      const q = core.queuedBytes(s.id);
      if (q === 0) {
        if (!s.canSend) set.delete(s);
        s.stallSince = 0;
        continue;
      }
      const sent = s.out - q;
      if (sent !== s.stallSent || s.stallSince === 0) {
        s.stallSent = sent;
        s.stallSince = now;
      } else if (now - s.stallSince >= ms) {
        set.delete(s);
        stalled(s);
        any = true;
      }
    }
    return any;
  }
}
