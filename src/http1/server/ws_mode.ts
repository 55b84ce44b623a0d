/**
 * An HTTP/1.1 connection after `101 Switching Protocols`: the socket belongs
 * to the WebSocket session. The driver hands the connection over whole, as
 * for h2c: this object becomes the transport's sink, its close watcher and
 * the server's live connection, so the HTTP/1.1 driver (parser, request
 * reader, response writer, the upgrade's Request) is garbage once the 101 is
 * out. What the connection hears from then on (bytes, the end of input, the
 * send timeout, shutdown, the socket closing, the shutdown deadline) goes to
 * the session.
 *
 * @module
 */
import type { CloseWatcher, Transport, TransportSink } from "../../transport/types.ts";
import { watchClosed } from "../../transport/types.ts";
import type { ConnectionFacts } from "../../fetch/info.ts";
import type { LiveConnection, ServerHost } from "../../fetch/host.ts";
import type { PendingUpgrade } from "../../websocket/registry.ts";
import type { SessionCloseWatcher, WebSocketSessionHandle } from "../../websocket/channel.ts";
import { type ChannelHooks, socketChannel, switchingProtocols } from "./ws_channel.ts";

/**
 * The WebSocket session that owns an HTTP/1.1 connection's socket.
 */
export class WebSocketConnection
  implements LiveConnection, TransportSink, CloseWatcher, ChannelHooks, SessionCloseWatcher {
  /** When `http1.sendTimeout` ends a stalled drain (ms epoch), 0 for none. */
  deadline = 0;
  /** The session. */
  readonly session: WebSocketSessionHandle;
  readonly #t: Transport;
  readonly #host: ServerHost;
  readonly #facts: ConnectionFacts;
  /** `http1.sendTimeout` in ms (0: none). */
  readonly #sendTimeout: number;

  /**
   * Writes the 101 and opens the session on the socket; counted in `stats`
   * until it closes. `sendTimeout`: ms a drain may take (0: unbounded).
   */
  constructor(
    t: Transport,
    host: ServerHost,
    facts: ConnectionFacts,
    sendTimeout: number,
    accept: PendingUpgrade,
  ) {
    this.#t = t;
    this.#host = host;
    this.#facts = facts;
    this.#sendTimeout = sendTimeout > 0 && Number.isFinite(sendTimeout) ? sendTimeout : 0;
    t.write(switchingProtocols(accept.headers));
    const session = accept.open(socketChannel(t, this));
    this.session = session;
    facts.stats.websockets++;
    session.watchClosed(this);
  }

  /** The session closed: it no longer counts in `stats`. */
  sessionClosed(): void {
    this.#facts.stats.websockets--;
  }

  /**
   * Takes the connection over: the server tracks it, the transport reads
   * into it. `leftover` (bytes read past the handshake) are the session's
   * first; `peerEnded`: the client already half-closed.
   */
  start(leftover: Uint8Array, peerEnded: boolean): void {
    const t = this.#t, session = this.session;
    this.#host.add(this);
    watchClosed(t, this);
    if (leftover.byteLength > 0) session.receive(leftover);
    t.start(this);
    if (peerEnded) {
      // The client half-closed right behind its handshake: nothing more will come.
      session.peerEnded();
      t.close();
      return;
    }
    t.resume();
    if (this.#host.shuttingDown) session.goingAway();
  }

  /** Bytes from the socket. */
  data(chunk: Uint8Array): void {
    this.session.receive(chunk);
  }

  /** The input ended: without a close frame first this is an abnormal closure (1006); after one, a no-op. */
  end(error?: unknown): void {
    const reason = error === undefined
      ? undefined
      : error instanceof Error
      ? error
      : new Error(String(error));
    this.session.peerEnded(reason);
    if (error === undefined) this.#t.close();
    else this.#t.abort();
  }

  /** The socket closed. */
  transportClosed(): void {
    this.deadline = 0;
    this.#host.remove(this);
    this.session.peerEnded(new Error("connection closed"));
  }

  /** A drain is awaited: start `http1.sendTimeout`. */
  armSendTimeout(): void {
    if (this.#sendTimeout > 0) this.deadline = Date.now() + this.#sendTimeout;
  }

  /** The socket drained. */
  clearSendTimeout(): void {
    this.deadline = 0;
  }

  /** The session failed the connection for the client's fault (its close code). */
  failed(code: number, reason: string): void {
    this.#host.clientError("websocket", new Error(reason), this.#facts, code);
  }

  /** `http1.sendTimeout` fired while a drain was awaited: the client does not read. */
  onDeadline(now: number): void {
    if (this.deadline === 0 || now < this.deadline) return;
    this.deadline = 0;
    const error = new Error("send timeout");
    this.#host.clientError("timeout", error, this.#facts, undefined, "http1.sendTimeout");
    this.#t.abort();
    this.session.peerEnded(new Error("send timeout: the client does not read"));
  }

  /** Graceful shutdown: close 1001. */
  shutdown(): void {
    this.session.goingAway();
  }

  /** The shutdown deadline passed: drop the socket. */
  terminate(): void {
    this.#t.abort();
    this.session.peerEnded(new Error("server shutdown deadline passed"));
  }
}
