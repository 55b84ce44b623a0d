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
 * The socket as a WebSocket session's channel.
 */
export function socketChannel(t: Transport, hooks: ChannelHooks): WebSocketChannel {
  return {
    write: (bytes) => t.write(bytes),
    drain: () => {
      if (t.queued === 0) return Promise.resolve();
      hooks.armSendTimeout();
      return t.drain().then(() => hooks.clearSendTimeout());
    },
    pause: () => t.pause(),
    resume: () => t.resume(),
    end: () => t.close(),
    abort: () => t.abort(),
    failed: (code, reason) => hooks.failed(code, reason),
  };
}
