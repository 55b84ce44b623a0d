/**
 * A WebSocket over an HTTP/1.1 connection after `101 Switching Protocols`:
 * the 101 head, and the socket as the session's channel. A client that stops
 * reading holds our writes in the transport's queue; the session then stops
 * reading it, and `http1.sendTimeout` (armed while a drain is awaited) ends
 * the connection if the queue does not drain in time.
 *
 * @module
 */
import type { Transport } from "../../transport/types.ts";
import type { WebSocketChannel } from "../../websocket/channel.ts";

const textEncoder = new TextEncoder();

/**
 * The `101 Switching Protocols` head with the handshake's fields.
 */
export function switchingProtocols(
  headers: ReadonlyArray<readonly [string, string]>,
): Uint8Array {
  let head = "HTTP/1.1 101 Switching Protocols\r\n";
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  return textEncoder.encode(head + "\r\n");
}

/**
 * What the channel needs from the connection besides its socket.
 */
export interface ChannelHooks {
  /** A drain is awaited: start `http1.sendTimeout`. */
  armSendTimeout(): void;
  /** The socket drained. */
  clearSendTimeout(): void;
  /** The session failed the connection for the client's fault (its close code). */
  failed(code: number, reason: string): void;
}

/**
 * The socket as a WebSocket session's channel (a class: an idle socket holds
 * one object, not eight closures).
 */
export function socketChannel(t: Transport, hooks: ChannelHooks): WebSocketChannel {
  return new SocketChannel(t, hooks);
}

class SocketChannel implements WebSocketChannel {
  readonly #t: Transport;
  readonly #hooks: ChannelHooks;
  constructor(t: Transport, hooks: ChannelHooks) {
    this.#t = t;
    this.#hooks = hooks;
  }
  write(bytes: Uint8Array): boolean {
    return this.#t.write(bytes);
  }
  drain(): Promise<void> {
    if (this.#t.queued === 0) return Promise.resolve();
    this.#hooks.armSendTimeout();
    return this.#t.drain().then(() => this.#hooks.clearSendTimeout());
  }
  pause(): void {
    this.#t.pause();
  }
  resume(): void {
    this.#t.resume();
  }
  end(): void {
    this.#t.close();
  }
  abort(): void {
    this.#t.abort();
  }
  failed(code: number, reason: string): void {
    this.#hooks.failed(code, reason);
  }
}
