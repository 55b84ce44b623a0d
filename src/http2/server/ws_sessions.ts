/**
 * The WebSocket sessions open on one HTTP/2 connection (RFC 8441): counted
 * in the server's stats while open, and told to go away (close 1001) when
 * the server shuts down; each finishes its stream's exchange when it closes.
 *
 * @module
 */
import type { Counters } from "../../fetch/info.ts";
import type { WebSocketSessionHandle } from "../../websocket/channel.ts";

/**
 * One connection's open WebSocket sessions.
 */
export class WsSessions {
  /** Made with the first session: most connections never open one. */
  #open: Set<WebSocketSessionHandle> | null = null;
  readonly #stats: Counters;

  constructor(stats: Counters) {
    this.#stats = stats;
  }

  /**
   * A stream became a WebSocket: count it until it closes, then run
   * `closed`. A server already shutting down asks it to go away at once.
   */
  opened(session: WebSocketSessionHandle, shuttingDown: boolean, closed: () => void): void {
    const stats = this.#stats;
    stats.websockets++;
    const open = this.#open ??= new Set();
    open.add(session);
    session.closed.then(() => {
      stats.websockets--;
      open.delete(session);
      closed();
    });
    if (shuttingDown) session.goingAway();
  }

  /** Graceful shutdown: every session finishes its close handshake (1001). */
  goingAway(): void {
    if (this.#open !== null) { for (const session of this.#open) session.goingAway(); }
  }
}
