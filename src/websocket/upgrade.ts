/**
 * `upgradeWebSocket(req, options)`: the shape of `Deno.upgradeWebSocket`,
 * for requests served by h2serve over HTTP/1.1 (Upgrade) and HTTP/2
 * (RFC 8441 extended CONNECT).
 *
 * @module
 */
import { DEFAULT_MAX_MESSAGE_BYTES } from "./constants.ts";

/** Default of UpgradeWebSocketOptions.maxBufferedBytes (as Bun's backpressureLimit). */
const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
import { negotiateDeflate, parseExtensions } from "./extensions.ts";
import type { DeflateMemory } from "./deflate.ts";
import {
  acceptKey,
  type HandshakeRejection,
  selectProtocol,
  validateUpgradeRequest,
} from "./handshake.ts";
import { isUpgraded, markUpgrade, upgradeTargetOf } from "./registry.ts";
import { WebSocketSession } from "./session.ts";
import { ServerWebSocket } from "./socket.ts";

/**
 * Options of upgradeWebSocket.
 *
 * @example
 * ```ts
 * import { serve, upgradeWebSocket, type UpgradeWebSocketOptions } from "@h2serve/h2serve";
 * const options: UpgradeWebSocketOptions = {
 *   protocol: "chat",
 *   compress: true,
 *   maxMessageBytes: 1 << 20,
 *   idleTimeout: 30,
 * };
 * serve((req) => upgradeWebSocket(req, options).response);
 * ```
 */
export interface UpgradeWebSocketOptions {
  /** The subprotocol to select; it must be one the client offered (else a TypeError). */
  protocol?: string;
  /**
   * Accept permessage-deflate (RFC 7692) when the client offers it. Default
   * false. `true` is `{ memory: "balanced" }`; see `WebSocketCompressOptions`
   * for what each choice costs in memory per connection.
   */
  compress?: boolean | WebSocketCompressOptions;
  /** Largest message, after inflation, in bytes. Over it: close 1009. Default 16 MiB. */
  maxMessageBytes?: number;
  /**
   * Seconds, as in Deno: after idleTimeout/2 to idleTimeout without any frame
   * from the client a ping is sent (one process-wide timer ticks every
   * idleTimeout/2 for all sockets); without a frame in the next idleTimeout/2
   * the socket closes with 1001 (error and close events fire). 0 disables.
   * Default 120.
   */
  idleTimeout?: number;
  /** Seconds to wait for the client's close frame after ours before dropping. Default 5. */
  closeTimeout?: number;
  /**
   * Bytes sent (`send()` or a topic's published messages) that the client
   * may leave unread (`bufferedAmount`) before the socket is closed with
   * 1008, so a client that stops reading costs bounded memory. A single
   * larger message still goes out when nothing is buffered. Default 16 MiB.
   */
  maxBufferedBytes?: number;
}

/**
 * How permessage-deflate trades memory for compression ratio. A zlib
 * deflater costs about 190 to 250 KiB and an inflater about 35 KiB of
 * native memory while it exists; none exists until a message needs it.
 *
 * - `"balanced"` (what `compress: true` means): the negotiation follows the
 *   client's offer, and no connection has a zlib context of its own: the
 *   process's shared ones serve all, and each connection keeps the bytes its
 *   peer may refer back to (what the client sent, up to its window of at
 *   most 32 KiB; what we sent, up to 8 KiB, as we deflate with a 13-bit
 *   window), which prime the shared context when its turn comes. The ratio
 *   is close to `"ratio"`'s (1 to 1.5 points lower on small messages); the
 *   price is CPU when many connections interleave (500 echoing connections
 *   took 1.1x the time of `"ratio"` on Deno, 1.7x on Bun).
 * - `"ratio"`: each connection keeps its contexts for its life, as most
 *   servers do: the best ratio and the least CPU, about 280 KiB per
 *   connection once both directions carried a compressed message.
 * - `"low"`: the answer adds `server_no_context_takeover` and
 *   `client_no_context_takeover` (RFC 7692 lets the server ask for both), so
 *   each message is compressed on its own and all connections share one
 *   inflater and one deflater per window size (as uWS's shared compressor):
 *   no zlib memory per connection, a lower ratio for small messages that
 *   repeat earlier ones, and published messages compressed once for all
 *   subscribers. Compression work is serialized across connections.
 *
 * @example
 * ```ts
 * import { serve, upgradeWebSocket, type WebSocketCompressOptions } from "@h2serve/h2serve";
 * const compress: WebSocketCompressOptions = { memory: "low" };
 * serve((req) => upgradeWebSocket(req, { compress }).response);
 * ```
 */
export interface WebSocketCompressOptions {
  /** `"low"`, `"balanced"` (default) or `"ratio"`. */
  memory?: "low" | "balanced" | "ratio";
}

const MEMORY_MODES: readonly string[] = ["low", "balanced", "ratio"];

/**
 * What upgradeWebSocket returns.
 *
 * @example
 * ```ts
 * import { serve, upgradeWebSocket, type WebSocketUpgrade } from "@h2serve/h2serve";
 * serve((req) => {
 *   const { socket, response }: WebSocketUpgrade = upgradeWebSocket(req);
 *   socket.onopen = () => socket.send("hello");
 *   return response;
 * });
 * ```
 */
export interface WebSocketUpgrade {
  /** The server side of the connection; usable at once (it opens after the response). */
  socket: ServerWebSocket;
  /** Return this from the handler. */
  response: Response;
}

/**
 * Thrown by upgradeWebSocket for a request that is a malformed WebSocket
 * handshake; `status` (400 or 426) and `headers` are the answer the server
 * sends when the handler lets it propagate.
 *
 * @example
 * ```ts
 * import { serve, upgradeWebSocket, WebSocketHandshakeError } from "@h2serve/h2serve";
 * serve((req) => {
 *   try {
 *     return upgradeWebSocket(req).response;
 *   } catch (e) {
 *     if (!(e instanceof WebSocketHandshakeError)) throw e;
 *     return new Response(e.message, { status: e.status, headers: e.headers });
 *   }
 * });
 * ```
 */
export class WebSocketHandshakeError extends TypeError {
  /** 400 (malformed handshake), or 426 (not an upgrade, or an unsupported version). */
  readonly status: number;
  /** Headers for the refusal (426: `upgrade: websocket` and/or `sec-websocket-version: 13`). */
  readonly headers: [string, string][];
  /** Builds it from a handshake rejection. */
  constructor(r: HandshakeRejection) {
    super(`upgradeWebSocket: not a valid WebSocket handshake: ${r.reason}`);
    this.name = "WebSocketHandshakeError";
    this.status = r.status;
    this.headers = r.headers;
  }
}

function checkOptions(o: UpgradeWebSocketOptions) {
  const bad = (name: string, v: unknown, want: string) =>
    new TypeError(`upgradeWebSocket: option "${name}" must be ${want}, got ${String(v)}`);
  if (o.protocol !== undefined && typeof o.protocol !== "string") {
    throw bad("protocol", o.protocol, "a string");
  }
  let memory: DeflateMemory | undefined;
  const c = o.compress;
  if (typeof c === "object" && c !== null && !Array.isArray(c)) {
    for (const k of Object.keys(c)) {
      if (k !== "memory") {
        throw new TypeError(
          `upgradeWebSocket: option "compress" has an unknown key "${k}" (its only key is "memory")`,
        );
      }
    }
    memory = c.memory ?? "balanced";
    if (!MEMORY_MODES.includes(memory)) {
      throw bad("compress.memory", c.memory, '"low", "balanced" or "ratio"');
    }
  } else if (c === true) memory = "balanced";
  else if (c !== undefined && c !== false) {
    throw bad("compress", c, 'a boolean or { memory: "low" | "balanced" | "ratio" }');
  }
  const max = o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw bad("maxMessageBytes", o.maxMessageBytes, "a positive integer");
  }
  const idle = o.idleTimeout ?? 120;
  if (typeof idle !== "number" || !Number.isFinite(idle) || idle < 0) {
    throw bad("idleTimeout", o.idleTimeout, "a number of seconds >= 0");
  }
  const closeT = o.closeTimeout ?? 5;
  if (typeof closeT !== "number" || !Number.isFinite(closeT) || closeT <= 0) {
    throw bad("closeTimeout", o.closeTimeout, "a number of seconds > 0");
  }
  const buffered = o.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  if (!Number.isSafeInteger(buffered) || buffered < 1) {
    throw bad("maxBufferedBytes", o.maxBufferedBytes, "a positive integer");
  }
  return { max, idle, closeMs: closeT * 1000, buffered, memory };
}

/**
 * Accepts a WebSocket handshake. Call it from the handler and return its
 * `response`; the same code serves HTTP/1.1 Upgrade and HTTP/2 extended
 * CONNECT (which h2serve presents as a GET with `upgrade: websocket`).
 * Throws a `WebSocketHandshakeError` (a TypeError) when the request is not
 * a WebSocket handshake: left uncaught, the server answers it 426 Upgrade
 * Required with `Upgrade: websocket` for a plain request, 400 for a
 * malformed handshake, 426 with `Sec-WebSocket-Version: 13` for another
 * version. Throws a plain TypeError when the request did not come from an
 * h2serve server or was already upgraded, and when an option is invalid.
 *
 * For an upgraded request the exchange lasts as long as the WebSocket:
 * `info.completed` settles when it closes, `"sent"` after a clean close
 * handshake and `"aborted"` otherwise (peer vanished, RST_STREAM, close or
 * send timeout, protocol error), and `req.signal` aborts only in that second
 * case, so resources tied to it (an interval pushing messages) stop when the
 * client disappears. `server.shutdown()` closes the socket with 1001.
 *
 * @example
 * ```ts
 * import { serve, upgradeWebSocket } from "@h2serve/h2serve";
 * serve((req) => {
 *   if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("hi");
 *   const { socket, response } = upgradeWebSocket(req, { protocol: "chat", compress: true });
 *   socket.onmessage = (e) => socket.send(e.data);
 *   return response;
 * });
 * ```
 */
export function upgradeWebSocket(
  req: Request,
  options: UpgradeWebSocketOptions = {},
): WebSocketUpgrade {
  const limits = checkOptions(options);
  const target = upgradeTargetOf(req);
  if (!target) {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      // A plain request to a WebSocket endpoint: 426 names the protocol to switch to (RFC 9110 15.5.22).
      throw new WebSocketHandshakeError({
        ok: false,
        status: 426,
        headers: [["upgrade", "websocket"], ["connection", "Upgrade"], [
          "sec-websocket-version",
          "13",
        ]],
        reason: "the request is not a WebSocket upgrade (no `Upgrade: websocket`)",
      });
    }
    // A driver registers only a well-formed Upgrade (Connection lists it): say what is wrong.
    const hs = validateUpgradeRequest(req.method, req.headers);
    if (!hs.ok) throw new WebSocketHandshakeError(hs);
    throw new TypeError(
      "upgradeWebSocket: the request did not come from an h2serve server " +
        "(pass the handler's own Request object, not a copy)",
    );
  }
  if (isUpgraded(req)) throw new TypeError("upgradeWebSocket: the request was already upgraded");
  const h1 = target.protocol === "http/1.1";
  // Over h2 the driver checked :protocol and presents the CONNECT as a GET with `upgrade: websocket`.
  const hs = validateUpgradeRequest(
    req.method,
    h1 ? req.headers : withH2Defaults(req.headers),
  );
  if (!hs.ok) throw new WebSocketHandshakeError(hs);
  const protocol = selectProtocol(hs.protocols, options.protocol);
  let deflate;
  let extensions = "";
  if (limits.memory) {
    const offers = parseExtensions(hs.extensions);
    const n = offers && negotiateDeflate(offers, limits.memory === "low");
    if (n) {
      deflate = n.params;
      extensions = n.response;
    }
  }
  const headers: [string, string][] = [];
  if (h1) {
    headers.push(["upgrade", "websocket"], ["connection", "Upgrade"]);
    headers.push(["sec-websocket-accept", acceptKey(hs.key!)]);
  }
  if (protocol) headers.push(["sec-websocket-protocol", protocol]);
  if (extensions) headers.push(["sec-websocket-extensions", extensions]);

  const url = new URL(req.url);
  url.protocol = target.secure || url.protocol === "https:" ? "wss:" : "ws:";
  const socket = new ServerWebSocket(url.href, protocol, extensions);
  const session = new WebSocketSession({
    maxMessageBytes: limits.max,
    idleTimeout: limits.idle,
    closeTimeoutMs: limits.closeMs,
    deflate,
    deflateMemory: limits.memory,
    maxBufferedBytes: limits.buffered,
  }, socket.listener());
  socket.bind(session, target.topics);
  const response = new Response(null, { status: 200 });
  markUpgrade(response, {
    request: req,
    status: h1 ? 101 : 200,
    headers,
    open: (channel) => session.attach(channel),
    abandon: (reason) => session.abandon(reason),
  });
  return { socket, response };
}

// RFC 8441 carries no Connection header and no key; fill what the h1 check requires.
function withH2Defaults(h: Headers): Headers {
  const out = new Headers(h);
  out.set("connection", "upgrade");
  out.set("upgrade", "websocket");
  out.set("sec-websocket-key", "AAAAAAAAAAAAAAAAAAAAAA==");
  return out;
}
