/**
 * The types of the stream view `ServerWebSocket.stream()` returns.
 *
 * @module
 */
import type { BufferSourceLike } from "../web_types.ts";

/**
 * What `closed` of the stream view resolves to.
 *
 * @example
 * ```ts
 * import { serve, upgradeWebSocket } from "@h2serve/h2serve";
 * serve((req) => {
 *   const { socket, response } = upgradeWebSocket(req);
 *   socket.stream().closed.then(({ closeCode, reason }) => console.log(closeCode, reason));
 *   return response;
 * });
 * ```
 */
export interface WebSocketCloseInfo {
  /** The close code (1005 when the peer sent none, 1006 when the connection dropped). */
  closeCode: number;
  /** The close reason. */
  reason: string;
}

/**
 * What `opened` of the stream view resolves to.
 *
 * @example
 * ```ts
 * import { serve, upgradeWebSocket } from "@h2serve/h2serve";
 * serve((req) => {
 *   const { socket, response } = upgradeWebSocket(req);
 *   // opened resolves after the handler has returned the response: do not await it here.
 *   socket.stream().opened.then(({ protocol }) => console.log("open", protocol));
 *   return response;
 * });
 * ```
 */
export interface WebSocketStreamConnection {
  /** Messages from the peer: strings for text, Uint8Array for binary. */
  readable: ReadableStream<string | Uint8Array>;
  /** Messages to the peer; `write()` resolves once the channel can take more. */
  writable: WritableStream<string | BufferSourceLike>;
  /** The selected subprotocol ("" when none). */
  protocol: string;
  /** The negotiated extensions ("" when none). */
  extensions: string;
}

/**
 * The WebSocketStream-like view returned by `socket.stream()`.
 *
 * @example
 * ```ts
 * import { serve, upgradeWebSocket } from "@h2serve/h2serve";
 * serve((req) => {
 *   const { socket, response } = upgradeWebSocket(req);
 *   const view = socket.stream();
 *   (async () => {
 *     const { readable, writable } = await view.opened;
 *     await readable.pipeTo(writable);
 *     console.log(await view.closed);
 *   })();
 *   return response;
 * });
 * ```
 */
export interface WebSocketStreamView {
  /** Resolves when the connection is open, which is after the handler returned the response. */
  opened: Promise<WebSocketStreamConnection>;
  /** Resolves when the connection closed (never rejects). */
  closed: Promise<WebSocketCloseInfo>;
  /** Starts the close handshake. */
  close(info?: { closeCode?: number; reason?: string }): void;
}
