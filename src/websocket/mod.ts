/**
 * WebSocket for h2serve: the public `upgradeWebSocket` and, for the
 * connection drivers, the seam (`registerUpgradeTarget`, `resolveUpgrade`,
 * `WebSocketChannel`, `WebSocketSessionHandle`, `validateConnectRequest`).
 * docs/design.md ("How WebSocket is wired") says how the drivers use it.
 *
 * ```ts
 * import { upgradeWebSocket } from "./mod.ts";
 * function handler(req: Request): Response {
 *   const { socket, response } = upgradeWebSocket(req);
 *   socket.onmessage = (e) => socket.send(e.data);
 *   return response;
 * }
 * ```
 *
 * @module
 */
export { upgradeWebSocket, WebSocketHandshakeError } from "./upgrade.ts";
export type {
  UpgradeWebSocketOptions,
  WebSocketCompressOptions,
  WebSocketUpgrade,
} from "./upgrade.ts";
export { ServerWebSocket } from "./socket.ts";
export type {
  WebSocketCloseInfo,
  WebSocketEventHandler,
  WebSocketStreamConnection,
  WebSocketStreamView,
} from "./socket.ts";
export type { WebSocketChannel, WebSocketSessionHandle } from "./channel.ts";
export { foreignUpgradeError, registerUpgradeTarget, resolveUpgrade } from "./registry.ts";
export type { PendingUpgrade, UpgradeDecision, UpgradeTarget } from "./registry.ts";
export { validateConnectRequest, validateUpgradeRequest } from "./handshake.ts";
export type { HandshakeRejection, HandshakeRequest } from "./handshake.ts";
export { CloseCode, DEFAULT_MAX_MESSAGE_BYTES } from "./constants.ts";
export type { PublishOptions } from "./topics.ts";
