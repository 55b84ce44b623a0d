/**
 * An HTTP/1.1 connection in WEBSOCKET, after `101 Switching Protocols`: the
 * socket belongs to the session, and whatever the connection hears from then
 * on (bytes, the end of input, the send timeout, shutdown, the socket
 * closing, the shutdown deadline) is passed on to the session.
 *
 * @module
 */
import type { Transport } from "../../transport/types.ts";
import type { Counters } from "../../fetch/info.ts";
import type { PendingUpgrade } from "../../websocket/registry.ts";
import type { WebSocketSessionHandle } from "../../websocket/channel.ts";
import { type ChannelHooks, socketChannel, switchingProtocols } from "./ws_channel.ts";

/**
 * The WebSocket session that owns an HTTP/1.1 connection's socket.
 */
export class WebSocketMode {
  /** The session. */
  readonly session: WebSocketSessionHandle;
  readonly #transport: Transport;

  /** Writes the 101 and opens the session on the socket; counted in `stats` until it closes. */
  constructor(t: Transport, accept: PendingUpgrade, hooks: ChannelHooks, stats: Counters) {
    this.#transport = t;
    t.write(switchingProtocols(accept.headers));
    const session = accept.open(socketChannel(t, hooks));
    this.session = session;
    stats.websockets++;
    session.closed.then(() => stats.websockets--);
  }

  /**
   * Starts reading: `leftover` (bytes read past the handshake) are the
   * session's first; `peerEnded`: the client already half-closed;
   * `shuttingDown`: the session goes away at once.
   */
  start(leftover: Uint8Array, peerEnded: boolean, shuttingDown: boolean): void {
    const session = this.session;
    if (leftover.byteLength > 0) session.receive(leftover);
    if (peerEnded) {
      // The client half-closed right behind its handshake: nothing more will come.
      session.peerEnded();
      this.#transport.close();
      return;
    }
    this.#transport.resume();
    if (shuttingDown) session.goingAway();
  }

  /** Bytes from the socket. */
  receive(chunk: Uint8Array): void {
    this.session.receive(chunk);
  }

  /** The input ended: without a close frame first this is an abnormal closure (1006); after one, a no-op. */
  ended(error?: unknown): void {
    const reason = error === undefined
      ? undefined
      : error instanceof Error
      ? error
      : new Error(String(error));
    this.session.peerEnded(reason);
    if (error === undefined) this.#transport.close();
    else this.#transport.abort();
  }

  /** `http1.sendTimeout` fired while a drain was awaited: the client does not read. */
  sendTimedOut(): void {
    this.#transport.abort();
    this.session.peerEnded(new Error("send timeout: the client does not read"));
  }

  /** Graceful shutdown: close 1001. */
  shutdown(): void {
    this.session.goingAway();
  }

  /** The socket closed. */
  socketClosed(): void {
    this.session.peerEnded(new Error("connection closed"));
  }

  /** The shutdown deadline passed: drop the socket. */
  terminate(): void {
    this.#transport.abort();
    this.session.peerEnded(new Error("server shutdown deadline passed"));
  }
}
