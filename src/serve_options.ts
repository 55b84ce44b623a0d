/**
 * The options of serve(): ServeOptions (TCP) and ServeUnixOptions (a Unix
 * socket), every listener, protocol, limit and hook a server takes. Their
 * defaults and ranges live in src/options/schema.ts.
 *
 * @module
 */
import type { Http1Options } from "./http1/server/options.ts";
import type { Http2Options } from "./http2/server/options.ts";
import type { Http3Options } from "./http3/server/options.ts";
import type { CompressionOptions } from "./compression/options.ts";
import type { ListenerProtocol } from "./options/protocols.ts";
import type { ResponseInfo } from "./app/access_log.ts";
import type { TlsCertificateInput } from "./options/tls_input.ts";
import type { ClientErrorInfo, ConnectionHello, ExpectHook, Handler, ListenInfo } from "./types.ts";

/**
 * Options of serve().
 *
 * @example
 * ```ts
 * import { serve, type ServeOptions } from "@h2serve/h2serve";
 * const options: ServeOptions = { port: 0, hostname: "127.0.0.1", http1: { maxBodyBytes: 1e6 } };
 * await using server = serve(options, () => new Response("ok"));
 * ```
 */
export interface ServeOptions<C extends object = Record<string, unknown>> {
  /** TCP port; 0 picks a free one. Default 8000 (as Deno.serve). */
  port?: number;
  /** Interface to bind. Default "0.0.0.0". */
  hostname?: string;
  /**
   * PEM certificate and key: serve HTTPS, offering h2 and http/1.1 by ALPN.
   * A list with a `serverName` on each entry picks the certificate by SNI on
   * one port (through node:tls, which both runtimes ship); a client that
   * matches no entry gets the one without a serverName, or a failed handshake.
   * `cert` and `key` may be PEM text, its bytes (`readFileSync(path)`) or a
   * `Bun.file(path)`, read once at start.
   */
  tls?: TlsCertificateInput | TlsCertificateInput[];
  /** Sets SO_REUSEPORT so several processes can share the port (Linux). */
  reusePort?: boolean;
  /**
   * The protocols this listener accepts. Defaults: with `tls`, `h2` and
   * `http/1.1` by ALPN; cleartext, `http/1.1` and `h2c` with prior knowledge
   * (the client preface is sniffed). A request carrying `Upgrade: h2c` is
   * served as plain HTTP/1.1, as Deno.serve and Bun.serve do; WebSocket's
   * `Upgrade: websocket` is not affected.
   *
   * `"h2c-upgrade"` turns on the deprecated `Upgrade: h2c` switch (RFC 7540
   * §3.2). **Do not list it behind a reverse proxy** that forwards Upgrade
   * headers (HAProxy in http mode, nginx configured for WebSocket, many
   * others): a client then switches its proxied connection to HTTP/2 and
   * sends requests the proxy never sees, past its access rules ("h2c
   * smuggling"; tests/h2c_smuggling_test.ts shows it through HAProxy).
   *
   * `["h2c"]` makes an h2c-only listener (an invalid preface gets GOAWAY
   * PROTOCOL_ERROR); `["http/1.1"]` never looks for a preface. A list that
   * leaves a TLS listener nothing to offer by ALPN, `"h2"` without `tls`,
   * `"h2c"`/`"h2c-upgrade"` with it, `"h2c-upgrade"` without `"http/1.1"`, or
   * HTTP/2 entries with `http2: false` fail at start.
   *
   * @example
   * ```ts
   * import { serve } from "../mod.ts";
   * // Only for direct clients, never behind a proxy: see above.
   * await using _ = serve({ port: 0, protocols: ["http/1.1", "h2c", "h2c-upgrade"] }, () =>
   *   new Response("ok"));
   * ```
   */
  protocols?: ListenerProtocol[];
  /**
   * Every connection must begin with a PROXY protocol header (v1 text or v2
   * binary, told apart automatically), as HAProxy `send-proxy`/`send-proxy-v2`,
   * nginx `proxy_protocol on` and cloud L4 balancers send it. `info.remoteAddr`
   * and `info.localAddr` then come from the header (a v2 LOCAL header, as in
   * health checks, or v1 UNKNOWN keeps the socket's). A connection without a
   * valid header within `http1.headersTimeout` is closed unserved, so only
   * turn this on where every client is the balancer. The header is read
   * before TLS. Default false.
   */
  proxyProtocol?: boolean;
  /**
   * A TLS handshake not finished this many ms after it starts is abandoned
   * and its socket closed. Default: `http1.headersTimeout` (30 s). `0` sets
   * no bound; on Deno that serves through Deno.listenTls, about 10% faster
   * for new connections but unable to close a stalled handshake, so every
   * peer that stalls mid-handshake holds a socket until it leaves: use it
   * only behind something that bounds handshakes itself.
   */
  tlsHandshakeTimeout?: number;
  /** The handler (or pass it as the second argument). */
  fetch?: Handler<C>;
  /** Called once the listener is bound. Default: logs the URL. */
  onListen?: (info: ListenInfo) => void;
  /**
   * Turns a handler failure (a throw, a rejected promise, a non-Response) into
   * a response. Default: a plain 500.
   */
  onError?: (error: unknown, request: Request) => Response | Promise<Response>;
  /** Aborting it shuts the server down gracefully. */
  signal?: AbortSignal;
  /**
   * Called for each new connection once its protocol is known. The object it
   * returns becomes `info.connection.context` for every request on that
   * connection (HTTP/1.1 keep-alive and all HTTP/2 streams). Throwing refuses
   * the connection.
   */
  onConnection?: (connection: ConnectionHello) => C | void;
  /**
   * Expect: 100-continue filters, run in order on the request head before any
   * body byte is read; the first Response returned answers the request
   * (for example 401 for a bad token, 413 for a too-large Content-Length).
   */
  expect?: ExpectHook<C> | ExpectHook<C>[];
  /** HTTP/1.1 limits and timeouts. */
  http1?: Partial<Http1Options>;
  /**
   * HTTP/2: `false` turns it off (no preface sniffing, no h2c Upgrade, ALPN
   * offers only http/1.1); otherwise its settings, limits and timeouts
   * (max concurrent streams, initial stream and connection windows, max
   * frame size, max header list size, header table size, idle and PING
   * timeouts...). Defaults: {@link DEFAULT_HTTP2_OPTIONS}.
   */
  http2?: false | Partial<Http2Options>;
  /**
   * HTTP/3 over QUIC, Deno only (2.9+, `--unstable-net`); needs `tls`. Listens
   * on UDP at the TLS port, and the TLS listener then advertises it with
   * `alt-svc: h3=":PORT"; ma=altSvcMaxAge`. `true` takes the defaults; an
   * object sets limits (maxConcurrentStreams, maxFieldSectionSize,
   * qpackMaxTableCapacity, ...). On Bun and Node it fails at start: they
   * have no QUIC yet.
   */
  http3?: boolean | Partial<Http3Options>;
  /**
   * Response compression, off by default. `true` takes the defaults: zstd
   * (where the runtime has it), br and gzip negotiated by Accept-Encoding,
   * compressible types only, bodies of 1 KiB and more, streams flushed per
   * chunk so Server-Sent Events stay live. See {@link CompressionOptions}.
   */
  compression?: boolean | CompressionOptions;
  /**
   * Hears protocol errors of clients: malformed requests, GOAWAY and
   * RST_STREAM we send for protocol errors, failed TLS handshakes, timeouts
   * fired and responses cut short. Called synchronously; keep it cheap (it
   * runs under attack too) and do not throw. Default: nothing (see `debug`).
   */
  onClientError?: (error: Error, info: ClientErrorInfo) => void;
  /**
   * Called once per finished exchange, on every protocol (WebSocket
   * included, when it closes): method, URL, status, bytes, duration, how it
   * ended. `accessLog()` is a ready one. Unset, nothing is measured.
   */
  onResponse?: (info: ResponseInfo) => void;
  /**
   * Prints one line per client protocol error to stderr, at most
   * {@link DEBUG_LINES_PER_SECOND} a second and then one summary line a
   * second with the count left out. Default false.
   */
  debug?: boolean;
  /**
   * Deadline (ms) of shutdowns nobody gave a timeout: the `signal` option,
   * `await using`, and `shutdown()` without one. In-flight requests get this
   * long to finish, then they are aborted. Default 10 s, well inside the
   * 30 s Kubernetes grants between SIGTERM and SIGKILL. Infinity waits for ever.
   */
  shutdownTimeout?: number;
}

/**
 * Options of serve() on a Unix socket: those of {@link ServeOptions} without
 * port, hostname and reusePort, plus `path`.
 *
 * @example
 * ```ts ignore
 * const server = serve({ path: "/run/app.sock" }, () => new Response("hi"));
 * server.addr; // { transport: "unix", path: "/run/app.sock" }
 * ```
 */
export interface ServeUnixOptions<C extends object = Record<string, unknown>>
  extends Omit<ServeOptions<C>, "port" | "hostname" | "reusePort"> {
  /**
   * Listen on this Unix socket path instead of hostname/port (HTTP/1.1 and
   * h2c are told apart as on TCP). A socket file left by a dead server is
   * replaced; a live socket or any other file at the path fails the start.
   * The file is created with the process umask (h2serve sets none):
   * `Deno.umask(0o077)`/`process.umask(0o077)` before serve() lets only the
   * server's user connect, `0o007` its group too (a front end in that
   * group); or chmod it after onListen, or put it in a directory only the
   * front end can reach.
   * `server.url` is then `http://localhost/` and `server.addr` is
   * `{ transport: "unix", path }`.
   */
  path: string;
}
