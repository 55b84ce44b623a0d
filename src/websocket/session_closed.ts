/**
 * The close notification of a WebSocket session: `wasClean`, `closed` (a promise made
 * only when asked for) and `watchClosed` (told a microtask after the close,
 * as a reaction to `closed` would be, without a promise, its reactions and
 * their closures per socket). The drivers and the exchange watch; the
 * promise is for whoever asks.
 *
 * @module
 */
import type { SessionCloseWatcher } from "./channel.ts";

/**
 * The part of a session that says it closed (the session extends it).
 */
export class SessionClosedSignal {
  /** The session reached CLOSED and its watchers were told. */
  #ended = false;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  #watchers: SessionCloseWatcher[] | undefined;
  #wasClean = false;

  /** After `closed` settled: true when the close handshake completed (no error, no timeout). */
  get wasClean(): boolean {
    return this.#wasClean;
  }

  /** Settles when the session reached CLOSED. */
  get closed(): Promise<void> {
    return this.#closed ??= this.#ended
      ? Promise.resolve()
      : new Promise((r) => (this.#resolveClosed = r));
  }

  /** Tells `watcher` a microtask after the session reached CLOSED (as a reaction to `closed`). */
  watchClosed(watcher: SessionCloseWatcher): void {
    if (this.#ended) queueMicrotask(() => watcher.sessionClosed());
    else (this.#watchers ??= []).push(watcher);
  }

  /** The session reached CLOSED (`wasClean`: its close handshake completed): tell everyone. */
  protected signalClosed(wasClean: boolean): void {
    this.#wasClean = wasClean;
    this.#ended = true;
    this.#resolveClosed?.();
    const watchers = this.#watchers;
    this.#watchers = undefined;
    if (watchers !== undefined) queueMicrotask(() => tellClosed(watchers));
  }
}

function tellClosed(watchers: SessionCloseWatcher[]): void {
  for (const w of watchers) {
    try {
      w.sessionClosed();
    } catch (e) {
      queueMicrotask(() => {
        throw e; // reported as an uncaught reaction would be; the others are still told
      });
    }
  }
}
