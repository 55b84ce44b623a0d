/**
 * WebSocket over one HTTP/2 stream (RFC 8441): the extended CONNECT presented
 * to the handler as an HTTP/1.1 Upgrade GET, the 200 that accepts it, and the
 * stream as the session's channel. Writes are DATA within the stream and
 * connection windows; pause withholds the stream's WINDOW_UPDATE (bytes are
 * delivered, and credited on resume); end is END_STREAM, abort RST_STREAM
 * CANCEL.
 *
 * @module
 */
import type { PendingUpgrade } from "../../websocket/registry.ts";
import type { WebSocketChannel, WebSocketSessionHandle } from "../../websocket/channel.ts";
import { ErrorCode } from "../core/errors.ts";
import type { HeaderList } from "../core/events.ts";
import type { RequestParts } from "./request_parts.ts";
import type { DriverStream } from "./exchange_stream.ts";

/**
 * What an extended CONNECT asks for: `websocket` (the parts now read as the
 * GET of an HTTP/1.1 Upgrade, so one handler serves both), a refusal status,
 * or neither (not an extended CONNECT).
 */
export function extendedConnect(
  parts: RequestParts | null,
  endStream: boolean,
): "websocket" | "400" | "501" | null {
  // The core let :protocol through only if we advertised SETTINGS_ENABLE_CONNECT_PROTOCOL.
  if (parts == null || parts.protocol == null) return null;
  // A protocol we do not implement is well-formed, only unsupported: 501 (RFC 9110 §15.6.2).
  if (parts.protocol.toLowerCase() !== "websocket") return "501";
  if (endStream) return "400"; // a tunnel closed before it opened
  parts.method = "GET";
  parts.headers.upgrade = "websocket";
  parts.headers.connection = "upgrade";
  return "websocket";
}

/**
 * The handler accepted the WebSocket: HEADERS 200 without END_STREAM, then
 * the stream's DATA belongs to the session (DATA that came early first).
 */
export function acceptWebSocket(
  s: DriverStream,
  accept: PendingUpgrade,
): WebSocketSessionHandle | null {
  const early = s.wsEarly;
  if (!s.canSend || early === null) return null;
  s.wsEarly = null;
  s.headSent = true;
  const d = s.host;
  const fields: HeaderList = [[":status", "200"]];
  for (const h of accept.headers) fields.push(h);
  d.conn.sendHeaders(s.id, fields, false);
  d.flushSoon();
  const session = accept.open(channel(s));
  s.ws = session;
  d.webSocketOpened(s, session);
  for (const b of early) receiveWebSocketData(s, b);
  return session;
}

/**
 * Stream DATA for the session; credited at once unless the session paused inbound.
 */
export function receiveWebSocketData(s: DriverStream, bytes: Uint8Array): void {
  s.ws!.receive(bytes);
  if (s.wsPaused) s.wsOwed += bytes.byteLength;
  else if (s.live) s.host.conn.consumed(s.id, bytes.byteLength);
  s.host.flushSoon();
}

/**
 * An extended CONNECT answered without switching: DATA that came early is
 * credited, the rest is discarded as it comes.
 */
export function declineWebSocket(s: DriverStream): void {
  const early = s.wsEarly;
  if (early === null) return;
  s.wsEarly = null;
  s.discard = true;
  let n = 0;
  for (const b of early) n += b.byteLength;
  if (n > 0 && s.live) s.host.conn.consumed(s.id, n);
}

function channel(s: DriverStream): WebSocketChannel {
  const d = s.host;
  return {
    write: (bytes) => s.body(bytes),
    drain: () => s.ready(),
    pause: () => (s.wsPaused = true),
    resume: () => {
      s.wsPaused = false;
      const owed = s.wsOwed;
      s.wsOwed = 0;
      if (owed > 0 && s.live) {
        d.conn.consumed(s.id, owed);
        d.flushSoon();
      }
    },
    end: () => {
      s.wsDone = true;
      s.end();
    },
    abort: () => {
      s.wsDone = true;
      if (!s.canSend) return;
      d.conn.resetStream(s.id, ErrorCode.CANCEL);
      d.lost(s, new Error("WebSocket aborted"));
      d.flushSoon();
    },
    failed: (code, reason) => d.report("websocket", new Error(reason), code),
  };
}
