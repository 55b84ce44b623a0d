/**
 * How the Deno and Bun transports tell that a connection closed: `closed` is
 * made only when asked for, and watchers (the drivers) are told a microtask
 * after the close, in order, as reactions to `closed` would run. An idle
 * connection then holds no promise, reaction or closure for it. A base class
 * rather than a member, so that a connection costs no extra object.
 *
 * @module
 */
import type { CloseWatcher } from "./types.ts";

/** The close half of a transport: `closed`, watchClose, unwatchClose. */
export abstract class CloseNotifier {
  #fired = false;
  #closed: Promise<void> | null = null;
  #resolveClosed: (() => void) | null = null;
  /** One watcher as it is (the usual case: the driver), more in an array. */
  #watchers: CloseWatcher | CloseWatcher[] | null = null;

  /** Resolves once the connection is fully closed. */
  get closed(): Promise<void> {
    if (this.#closed === null) {
      this.#closed = this.#fired
        ? Promise.resolve()
        : new Promise((r) => (this.#resolveClosed = r));
    }
    return this.#closed;
  }

  /** Tells `watcher` once the connection is fully closed (a microtask later if it already is). */
  watchClose(watcher: CloseWatcher): void {
    const w = this.#watchers;
    if (this.#fired) queueMicrotask(() => watcher.transportClosed());
    else if (w === null) this.#watchers = watcher;
    else if (Array.isArray(w)) w.push(watcher);
    else this.#watchers = [w, watcher];
  }

  /** Forgets a watcher that no longer needs telling. */
  unwatchClose(watcher: CloseWatcher): void {
    const w = this.#watchers;
    if (w === watcher) this.#watchers = null;
    else if (Array.isArray(w)) {
      const i = w.indexOf(watcher);
      if (i >= 0) w.splice(i, 1);
    }
  }

  /** The connection is fully closed: resolve `closed` and tell the watchers (once). */
  protected announceClosed(): void {
    if (this.#fired) return;
    this.#fired = true;
    this.#resolveClosed?.();
    const held = this.#watchers;
    if (held === null) return;
    this.#watchers = null;
    const watchers = Array.isArray(held) ? held : [held];
    queueMicrotask(() => {
      for (const w of watchers) {
        try {
          w.transportClosed();
        } catch (e) {
          queueMicrotask(() => {
            throw e; // reported as an uncaught reaction would be; the others still run
          });
        }
      }
    });
  }
}
