/**
 * Public types of h2serve: the handler, its info argument, what a client
 * error report says, and the server handle (serve()'s options:
 * serve_options.ts). They mirror Deno.serve and Bun.serve where those agree.
 *
 * @module
 */
import type { Addr, NetAddr, TlsCertificate, UnixAddr } from "./transport/types.ts";
import type { PublishOptions } from "./websocket/topics.ts";

export type { Addr, NetAddr, TlsCertificate, UnixAddr };

/**
 * The application protocol of a request.
 *
 * @example
 * ```ts
 * import type { Protocol } from "./types.ts";
 * const p: Protocol = "h2c";
 * ```
 */
export type Protocol = "http/1.1" | "h2" | "h2c" | "h3";

/**
 * How a response ended: fully sent, or cut short (client gone, stream reset, error).
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * serve({ port: 0 }, (_req, info) => {
 *   info.completed.then((c) => console.log(c)); // "sent" or "aborted"
 *   return new Response("ok");
 * });
 * ```
 */
export type Completion = "sent" | "aborted";

/**
 * The connection a request arrived on.
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * serve<{ hits: number }>({
 *   port: 0,
 *   onConnection: () => ({ hits: 0 }),
 *   fetch: (_req, info) => new Response(`request ${++info.connection.context.hits}`),
 * });
 * ```
 */
export interface ConnectionInfo<C extends object = Record<string, unknown>> {
  /** Process-unique connection id; the same for every request of one connection. */
  readonly id: number;
  /** A per-connection object the application may fill; shared by all requests of the connection. */
  readonly context: C;
}

/**
 * The second argument of the handler.
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * serve({ port: 0 }, (_req, info) => new Response(`${info.protocol} secure=${info.secure}`));
 * ```
 */
export interface ServeInfo<C extends object = Record<string, unknown>> {
  /** The peer's address. */
  readonly remoteAddr: Addr;
  /** The address the request arrived on. */
  readonly localAddr: Addr;
  /** "http/1.1", "h2" (HTTP/2 over TLS) or "h2c" (HTTP/2 over cleartext). */
  readonly protocol: Protocol;
  /** True when the connection is TLS. */
  readonly secure: boolean;
  /** The SNI name the client asked for, where the runtime exposes it; otherwise null. */
  readonly serverName: string | null;
  /** The connection: its id and its shared context object. */
  readonly connection: ConnectionInfo<C>;
  /** Settles when the response has been fully sent ("sent") or cut short ("aborted"). Never rejects. */
  readonly completed: Promise<Completion>;
  /**
   * The request's header fields exactly as received: in order, duplicates
   * kept. HTTP/1.1: names in their original case, values without the
   * surrounding whitespace. HTTP/2: the decoded field list, pseudo-headers
   * first as sent, cookie crumbs as separate fields. Request trailers are not
   * included (see requestTrailers). Built on first access, frozen.
   */
  readonly rawHeaders: ReadonlyArray<readonly [string, string]>;
}

/**
 * A request handler, as in Deno.serve and Bun.serve.
 *
 * @example
 * ```ts
 * import type { Handler } from "./types.ts";
 * const hello: Handler = (req) => new Response(`hello ${new URL(req.url).pathname}`);
 * ```
 */
export type Handler<C extends object = Record<string, unknown>> = (
  request: Request,
  info: ServeInfo<C>,
) => Response | Promise<Response>;

/**
 * What the onConnection hook learns about a new connection.
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * serve({
 *   port: 0,
 *   onConnection: (hello) => ({ alpn: hello.alpn, since: Date.now() }),
 *   fetch: () => new Response("ok"),
 * });
 * ```
 */
export interface ConnectionHello {
  /** The connection id (info.connection.id of its requests). */
  readonly id: number;
  /** The peer's address. */
  readonly remoteAddr: Addr;
  /** Our address. */
  readonly localAddr: Addr;
  /** The protocol chosen (an h1 connection may later switch to h2c by Upgrade). */
  readonly protocol: Protocol;
  /** TLS or not. */
  readonly secure: boolean;
  /** The ALPN result, or null. */
  readonly alpn: string | null;
  /** The SNI name, where known. */
  readonly serverName: string | null;
}

/**
 * An Expect: 100-continue filter: sees the request head before any body
 * byte; returning a Response answers the request instead of the handler.
 *
 * @example
 * ```ts
 * import type { ExpectHook } from "./types.ts";
 * const noBigUploads: ExpectHook = (req) =>
 *   Number(req.headers.get("content-length")) > 1e6 ? new Response(null, { status: 413 }) : undefined;
 * ```
 */
export type ExpectHook<C extends object = Record<string, unknown>> = (
  request: Request,
  info: ServeInfo<C>,
) => Response | void | undefined | Promise<Response | void | undefined>;

/**
 * Where the server listens, passed to onListen.
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * serve({ port: 0, onListen: ({ hostname, port }) => console.log(`http://${hostname}:${port}/`) }, () =>
 *   new Response("ok"));
 * ```
 */
export interface ListenInfo {
  /** The bound address (0.0.0.0 or the given hostname); "localhost" on a Unix socket. */
  hostname: string;
  /** The bound port (the real one when 0 was asked); 0 on a Unix socket. */
  port: number;
  /** The socket file, when listening on a Unix socket (`path`). */
  path?: string;
}

/**
 * What went wrong with a client:
 * - "bad-request": an HTTP/1.1 request the parser refused (a 4xx/5xx answer, then close);
 * - "goaway": an HTTP/2 connection we closed with GOAWAY and an error code;
 * - "reset": an HTTP/2 stream we reset for a protocol error (RST_STREAM);
 * - "tls": a failed TLS handshake (a bad ClientHello, no certificate for the name, a client
 *   gone mid-handshake);
 * - "proxy": with `proxyProtocol`, a connection closed unserved for a malformed, oversized or
 *   missing PROXY header;
 * - "timeout": a timeout fired (`info.timeout` names the option; a stalled TLS handshake is
 *   "tlsHandshakeTimeout", a late PROXY header "http1.headersTimeout");
 * - "aborted": a response cut short after it started (client gone, stream reset by the peer,
 *   a send timeout);
 * - "websocket": a WebSocket we closed for the client's fault (`code` is the close code: 1002
 *   protocol error, 1007 invalid UTF-8, 1009 message too big, 1008 ping flood, 1001 no
 *   answer to the idle ping).
 *
 * @example
 * ```ts
 * import type { ClientErrorKind } from "./types.ts";
 * const kind: ClientErrorKind = "timeout";
 * ```
 */
export type ClientErrorKind =
  | "bad-request"
  | "goaway"
  | "reset"
  | "tls"
  | "proxy"
  | "timeout"
  | "aborted"
  | "websocket";

/**
 * The second argument of `onClientError`.
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * serve({
 *   port: 0,
 *   onClientError: (err, info) => console.warn(info.kind, info.code ?? "", err.message),
 *   fetch: () => new Response("ok"),
 * });
 * ```
 */
export interface ClientErrorInfo {
  /** What went wrong. */
  readonly kind: ClientErrorKind;
  /** The peer's address, or null when it is not known. */
  readonly remoteAddr: Addr | null;
  /** The protocol of the connection, or null before it is known (TLS handshake). */
  readonly protocol: Protocol | null;
  /**
   * The HTTP status answered (bad-request), HTTP/2 error code sent (goaway, reset) or
   * WebSocket close code sent (websocket).
   */
  readonly code?: number;
  /** For "timeout": the option that fired, e.g. "http1.headersTimeout". */
  readonly timeout?: string;
}

/**
 * Options of `server.shutdown()`.
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * const server = serve({ port: 0 }, () => new Response("ok"));
 * await server.shutdown({ timeout: 5_000 }); // then in-flight requests are cut
 * ```
 */
export interface ShutdownOptions {
  /**
   * Milliseconds in-flight requests get to finish; then every `req.signal`
   * aborts, HTTP/2 streams are reset (CANCEL) and connections are closed.
   * Default: the server's `shutdownTimeout` (10 s).
   */
  timeout?: number;
}

/**
 * A snapshot of a server's activity, for monitoring and leak checks.
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * await using server = serve({ port: 0 }, () => new Response("ok"));
 * const { connections, inflight, requests } = server.stats();
 * ```
 */
export interface ServerStats {
  /** Open connections (any protocol, including ones still being identified). */
  connections: number;
  /** Requests in flight: received, response not yet fully sent or aborted. */
  inflight: number;
  /** Requests received since the server started. */
  requests: number;
  /**
   * Open WebSockets. An upgraded request also stays counted in `inflight`
   * until its WebSocket closes, and an upgraded HTTP/1.1 connection in `connections`.
   */
  websockets: number;
  /** Client protocol errors since the server started, by kind (see `onClientError`). */
  clientErrors: Record<ClientErrorKind, number>;
  /** Timeouts fired since the server started, by option name ("http1.headersTimeout": 3). */
  timeouts: Record<string, number>;
}

/**
 * A running server; `A` is its address type (a Unix socket server has a UnixAddr).
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * const server = serve({ port: 0, hostname: "127.0.0.1" }, () => new Response("ok"));
 * console.log(server.url.href);
 * await server.shutdown();
 * await server.finished;
 * ```
 */
export interface Server<A extends Addr = NetAddr> extends AsyncDisposable {
  /** Current counts of connections and requests. */
  stats(): ServerStats;
  /** Where it listens. */
  readonly addr: A;
  /** Its base URL, e.g. http://127.0.0.1:8000/ */
  readonly url: URL;
  /** Resolves when the server has shut down and every connection has closed. */
  readonly finished: Promise<void>;
  /**
   * Graceful shutdown with a deadline: stop accepting, send HTTP/2 GOAWAY and
   * HTTP/1.1 `Connection: close`, let in-flight responses finish, close idle
   * connections; when `timeout` passes, abort what is left. Resolves like
   * `finished`. A second call returns the same promise and may only shorten
   * the deadline.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /** The listener keeps the process alive again, as it does from the start. */
  ref(): void;
  /**
   * The listener stops keeping the process alive: the process may exit once
   * nothing else (open connections, timers) holds it, as `Deno.serve` and
   * `Bun.serve`'s `unref()`.
   */
  unref(): void;
  /**
   * Cuts the response to `request` off `seconds` from now unless it has
   * completed by then: `request.signal` aborts; a client still waiting for
   * the head gets `503 Service Unavailable` (and HTTP/1.1 closes the
   * connection), one receiving the body is cut off (HTTP/1.1: the connection
   * closes; HTTP/2: RST_STREAM). A deadline from the call, not an idle timer;
   * a second call replaces the first, 0 clears it. As Bun's
   * `server.timeout(req, seconds)`, except that Bun just closes the request:
   * an HTTP status tells the client what happened when one can still be sent.
   *
   * Why 503: the server gave up waiting for its own handler. 500 would say
   * the handler failed; 504 Gateway Timeout is for an upstream that did not
   * answer (nginx and Envoy send it for proxied requests), which h2serve
   * cannot know; 408 Request Timeout says the client was too slow to send its
   * request, the opposite case. 503 is the status for "the server cannot
   * answer this now", retryable, and what Envoy sends when it stops a request
   * of its own. HTTP/3 resets the stream (H3_INTERNAL_ERROR) instead.
   */
  timeout(request: Request, seconds: number): void;
  /**
   * Sends `data` (a string as text, bytes as binary) to every WebSocket
   * subscribed to `topic` (`socket.subscribe(topic)`), over HTTP/1.1 and
   * HTTP/2 alike. The message is framed once, and compressed once for the
   * subscribers whose permessage-deflate keeps no server context
   * (per socket otherwise). A subscriber whose unread bytes pass its
   * `maxBufferedBytes` is closed with 1008; the others are not held up.
   * Under serveWorkers the message also reaches the other workers'
   * subscribers (see docs/websocket.md). Returns how many of this
   * server's sockets it was queued on.
   *
   * @example
   * ```ts
   * import { serve, upgradeWebSocket } from "@h2serve/h2serve";
   * const server = serve((req) => {
   *   const { socket, response } = upgradeWebSocket(req);
   *   socket.subscribe("news");
   *   return response;
   * });
   * setInterval(() => server.publish("news", new Date().toISOString()), 1000);
   * ```
   */
  publish(
    topic: string,
    data: string | ArrayBufferLike | ArrayBufferView,
    options?: PublishOptions,
  ): number;
  /**
   * How many of this server's WebSockets are subscribed to `topic` (this
   * worker's only, under serveWorkers).
   *
   * @example
   * ```ts
   * import { serve } from "@h2serve/h2serve";
   * const server = serve(() => new Response("hi"));
   * console.log(server.subscriberCount("news")); // 0
   * ```
   */
  subscriberCount(topic: string): number;
}
