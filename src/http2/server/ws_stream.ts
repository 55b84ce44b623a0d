/**
 * WebSocket over one HTTP/2 stream (RFC 8441): the extended CONNECT presented
 * to the handler as an HTTP/1.1 Upgrade GET, the 200 that accepts it, and the
 * stream as the session's channel. Writes are DATA within the stream and
 * connection windows; pause withholds the stream's WINDOW_UPDATE (bytes are
 * delivered, and credited on resume); end is END_STREAM, abort RST_STREAM
 * CANCEL. A DriverStream that carries an extended CONNECT owns one WsStream;
 * this module knows the stream only through WsStreamOwner, so it does not
 * import exchange_stream.ts.
 *
 * @module
 */
import type { PendingUpgrade } from "../../websocket/registry.ts";
import type { WebSocketChannel, WebSocketSessionHandle } from "../../websocket/channel.ts";
import { ErrorCode } from "../core/errors.ts";
import type { HeaderList } from "../core/events.ts";
import type { RequestParts } from "./request_parts.ts";
import type { H2Connection } from "../core/connection.ts";
import type { ClientErrorKind } from "../../types.ts";

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

/** What the WebSocket side asks of its connection driver (Http2Driver implements it). */
export interface WsHost {
  /** The protocol core. */
  readonly conn: H2Connection;
  /** Schedules one flush of the core's output for the end of this turn. */
  flushSoon(): void;
  /** A stream became a WebSocket. */
  webSocketOpened(s: WsStreamOwner, session: WebSocketSessionHandle): void;
  /** The stream died on the wire: abort its exchange and body. */
  lost(s: WsStreamOwner, reason: Error): void;
  /** Tells the server about a client error on this connection. */
  report(kind: ClientErrorKind, error: unknown, code?: number): void;
}

/** What the WebSocket side asks of its stream (DriverStream implements it). */
export interface WsStreamOwner {
  readonly id: number;
  readonly host: WsHost;
  /** The stream may still send. */
  readonly canSend: boolean;
  /** The stream is open on the wire (its DATA may be credited). */
  readonly live: boolean;
  headSent: boolean;
  discard: boolean;
  body(bytes: Uint8Array): boolean;
  ready(): Promise<void>;
  end(): void;
}

/** The WebSocket side of one stream that carries an RFC 8441 extended CONNECT. */
export class WsStream implements WebSocketChannel {
  readonly #s: WsStreamOwner;
  /**
   * DATA that arrives before the handler answered: kept here (uncredited, so
   * bounded by the stream window). Null once accepted or declined.
   */
  #early: Uint8Array[] | null = [];
  /** After the 200: the WebSocket session that owns the stream. */
  session: WebSocketSessionHandle | null = null;
  /** The session asked to pause: DATA is delivered but not credited (the peer's window shuts). */
  #paused = false;
  /** DATA bytes delivered while paused, credited on resume. */
  #owed = 0;
  /** The session ended or aborted its side of the stream. */
  done = false;

  constructor(s: WsStreamOwner) {
    this.#s = s;
  }

  /** Whether the stream's DATA is this side's: the session's, or early. */
  get takesData(): boolean {
    return this.session !== null || this.#early !== null;
  }

  /** Stream DATA: the session's (credited at once unless it paused inbound), or kept until the handler answers. */
  receive(bytes: Uint8Array): void {
    if (this.session === null) {
      this.#early?.push(bytes);
      return;
    }
    const s = this.#s;
    this.session.receive(bytes);
    if (this.#paused) this.#owed += bytes.byteLength;
    else if (s.live) s.host.conn.consumed(s.id, bytes.byteLength);
    s.host.flushSoon();
  }

  /** The peer ended or reset the stream: the session (if any) hears it. */
  peerEnded(reason?: Error): void {
    this.session?.peerEnded(reason);
  }

  /**
   * The handler accepted the WebSocket: HEADERS 200 without END_STREAM, then
   * the stream's DATA belongs to the session (DATA that came early first).
   */
  accept(accept: PendingUpgrade): WebSocketSessionHandle | null {
    const s = this.#s;
    const early = this.#early;
    if (!s.canSend || early === null) return null;
    this.#early = null;
    s.headSent = true;
    const d = s.host;
    const fields: HeaderList = [[":status", "200"]];
    for (const h of accept.headers) fields.push(h);
    d.conn.sendHeaders(s.id, fields, false);
    d.flushSoon();
    const session = accept.open(this);
    this.session = session;
    d.webSocketOpened(s, session);
    for (const b of early) this.receive(b);
    return session;
  }

  /** The session closed: a side it never ended (the peer's END_STREAM came without a close frame) ends now. */
  sessionClosed(): void {
    const s = this.#s;
    if (!this.done && s.canSend) {
      this.done = true;
      s.end();
    }
  }

  /**
   * Answered without switching: DATA that came early is credited, the rest
   * is discarded as it comes.
   */
  decline(): void {
    const s = this.#s;
    const early = this.#early;
    if (early === null) return;
    this.#early = null;
    s.discard = true;
    let n = 0;
    for (const b of early) n += b.byteLength;
    if (n > 0 && s.live) s.host.conn.consumed(s.id, n);
  }

  // ---- the session's channel (this object: no closures per WebSocket) ----

  /** DATA within the windows; false above the stream's buffer mark. */
  write(bytes: Uint8Array): boolean {
    return this.#s.body(bytes);
  }

  drain(): Promise<void> {
    return this.#s.ready();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    const s = this.#s;
    this.#paused = false;
    const owed = this.#owed;
    this.#owed = 0;
    if (owed > 0 && s.live) {
      s.host.conn.consumed(s.id, owed);
      s.host.flushSoon();
    }
  }

  end(): void {
    this.done = true;
    this.#s.end();
  }

  abort(): void {
    const s = this.#s;
    this.done = true;
    if (!s.canSend) return;
    s.host.conn.resetStream(s.id, ErrorCode.CANCEL);
    s.host.lost(s, new Error("WebSocket aborted"));
    s.host.flushSoon();
  }

  failed(code: number, reason: string): void {
    this.#s.host.report("websocket", new Error(reason), code);
  }
}
