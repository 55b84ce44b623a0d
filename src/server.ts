/**
 * serve(): the listener (and HTTP/3's beside it, server_http3.ts), graceful
 * shutdown and its deadline, the server's stats. accept.ts picks each
 * connection's driver; connections.ts tracks them and sweeps their
 * deadlines. Everything runtime-specific stays behind the Transport.
 *
 * @module
 */
import { currentRuntime, type Runtime } from "./transport/mod.ts";
import type { Addr, TlsCertificate, UnixAddr } from "./transport/types.ts";
import type { Handler, ListenInfo, Server, ServerStats, ShutdownOptions } from "./types.ts";
import type { ServeOptions, ServeUnixOptions } from "./serve_options.ts";
import { ClientErrors } from "./client_errors.ts";
import { validateOptions } from "./options/validate.ts";
import { resolveProtocols } from "./options/protocols.ts";
import type { ClientErrorKind } from "./types.ts";
import { withExpect } from "./fetch/expect.ts";
import { withCompression } from "./compression/compress.ts";
import { resolveCompression } from "./compression/options.ts";
import { defaultOnError, type ErrorHandler } from "./fetch/exchange.ts";
import type { LiveConnection, ServerHost } from "./fetch/host.ts";
import type { ConnectionFacts } from "./fetch/info.ts";
import { DEFAULT_HTTP1_OPTIONS } from "./http1/server/options.ts";
import { resolveHttp2Options } from "./http2/server/options.ts";
import { resolveTlsInput } from "./options/tls_input.ts";
import { ServerHandle } from "./server_handle.ts";
import { listenOrExplain } from "./listen_error.ts";
import { checkTopic, type PublishOptions, shareTopics, topicsOf } from "./websocket/topics.ts";
import { Acceptor } from "./accept.ts";
import { LiveConnections } from "./connections.ts";
import { Http3Listener } from "./server_http3.ts";

/**
 * Deadline of a shutdown nobody gave a timeout (see ServeOptions.shutdownTimeout):
 * well inside the 30 s Kubernetes allows between SIGTERM and SIGKILL, leaving
 * room for a drain delay before it.
 */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * After terminate(), how long sockets get to report closed before `finished`
 * settles anyway: a transport that never reports its close must not hold a
 * deploy hostage.
 */
const TERMINATE_GRACE_MS = 1_000;

/** The server's working parts; users get a {@link ServerHandle} in front of it. */
export class ServerImpl implements ServerHost {
  readonly addr: Addr;
  readonly url: URL;
  readonly finished: Promise<void>;
  /** Whether the listener keeps the process alive. */
  readonly ref: (keep: boolean) => void;
  readonly handler: Handler;
  readonly onError: ErrorHandler;
  shuttingDown = false;

  #runtime: Runtime;
  #listenerClose: () => void;
  readonly #conns: LiveConnections;
  readonly #acceptor: Acceptor;
  #resolveFinished!: () => void;
  #errors: ClientErrors;
  #shutdownTimeout: number;
  /** When the running shutdown aborts what is left (ms epoch), Infinity for never. */
  #shutdownAt = Infinity;
  #shutdownTimer: ReturnType<typeof setTimeout> | null = null;
  #terminated = false;

  constructor(options: ServeOptions & { path?: string }, handler: Handler) {
    const hooks = options.expect === undefined ? [] : [options.expect].flat();
    const compression = resolveCompression(options.compression);
    // Compression wraps the application's handler; the Expect filter runs before both.
    const inner = compression !== null ? withCompression(compression, handler) : handler;
    this.handler = hooks.length > 0 ? withExpect(hooks, inner) : inner;
    this.onError = options.onError ?? defaultOnError;
    const http1 = { ...DEFAULT_HTTP1_OPTIONS, ...options.http1 };
    const protocols = resolveProtocols(options);
    this.#runtime = currentRuntime();
    this.#conns = new LiveConnections((id) => this.#runtime.unrefTimer(id));
    this.#acceptor = new Acceptor(this, {
      http1,
      http2: options.http2 === false ? null : resolveHttp2Options(options.http2),
      protocols,
      onConnection: options.onConnection ?? null,
      onResponse: options.onResponse ?? null,
      counters: this.#conns.counters,
    });
    this.#shutdownTimeout = options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    this.#errors = new ClientErrors(
      options.onClientError ?? null,
      options.debug === true,
      (id) => this.#runtime.unrefTimer(id),
    );
    this.finished = new Promise((r) => (this.#resolveFinished = r));
    const hostname = options.hostname ?? "0.0.0.0";
    const port = options.port ?? 8000;
    const h3 = Http3Listener.prepare(options);
    if (h3 !== null) this.handler = h3.advertise(this.handler);
    const listener = listenOrExplain(hostname, port, () =>
      this.#runtime.listen({
        hostname,
        port,
        path: options.path,
        reusePort: options.reusePort,
        tls: options.tls as TlsCertificate | TlsCertificate[] | undefined,
        // A TLS handshake is part of getting a request head: same bound as a slow head.
        handshakeTimeout: options.tlsHandshakeTimeout ?? http1.headersTimeout,
        proxyProtocol: options.proxyProtocol,
        proxyTimeout: http1.headersTimeout,
        onHandshakeError: (stage, e, remoteAddr, timedOut) => {
          const kind = timedOut ? "timeout" : stage;
          // The options that bound these stages, as the user would set them.
          const option = stage === "tls" ? "tlsHandshakeTimeout" : "http1.headersTimeout";
          this.#errors.report(kind, e, remoteAddr, null, undefined, timedOut ? option : undefined);
        },
        alpnProtocols: options.tls ? [...protocols.alpn] : undefined,
      }, (t) => this.#acceptor.accept(t)));
    this.addr = listener.addr;
    this.#listenerClose = () => listener.close();
    this.ref = (keep) => listener.ref(keep);
    if (h3 !== null && listener.addr.transport === "tcp") {
      this.#listenH3(h3, hostname, options.tls as TlsCertificate | TlsCertificate[], listener);
    }
    const scheme = options.tls ? "https" : "http";
    const addr = this.addr;
    let info: ListenInfo;
    if (addr.transport === "unix") {
      // As curl --unix-socket spells it: the socket carries the URL's requests.
      this.url = new URL(`${scheme}://localhost/`);
      info = { hostname: "localhost", port: 0, path: addr.path };
    } else {
      const shown = hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname;
      const host = shown.includes(":") ? `[${shown}]` : shown;
      this.url = new URL(`${scheme}://${host}:${addr.port}/`);
      info = { hostname: addr.hostname, port: addr.port };
    }
    if (options.onListen) options.onListen(info);
    else if (info.path !== undefined) console.log(`Listening on unix:${info.path}`);
    else console.log(`Listening on ${this.url.href}`);
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) this.shutdown();
      else signal.addEventListener("abort", () => void this.shutdown(), { once: true });
    }
  }

  /** HTTP/3 on the TLS listener's port (UDP); its failure closes the TCP listener too. */
  #listenH3(
    h3: Http3Listener,
    hostname: string,
    tls: TlsCertificate | TlsCertificate[],
    tcp: { close(): void },
  ): void {
    const port = (this.addr as { port: number }).port;
    try {
      const quic = h3.listen(hostname, port, tls, (s) => this.#acceptor.acceptQuic(s, h3.options));
      this.#listenerClose = () => {
        tcp.close();
        quic.stop();
      };
      // The endpoint (UDP socket) outlives the listener until its connections are gone.
      this.finished.then(() => quic.close());
    } catch (e) {
      tcp.close();
      throw e;
    }
  }

  add(conn: LiveConnection): void {
    this.#conns.add(conn);
  }

  remove(conn: LiveConnection): void {
    this.#conns.remove(conn);
    if (this.#conns.size === 0 && this.shuttingDown) this.#settle();
  }

  clientError(
    kind: ClientErrorKind,
    error: unknown,
    facts: ConnectionFacts | null,
    code?: number,
    timeout?: string,
  ): void {
    this.#errors.report(
      kind,
      error,
      facts?.remoteAddr ?? null,
      facts?.protocol ?? null,
      code,
      timeout,
    );
  }

  publish(
    topic: string,
    data: string | ArrayBufferLike | ArrayBufferView,
    options?: PublishOptions,
  ): number {
    return topicsOf(this).publish(topic, data, options);
  }

  subscriberCount(topic: string): number {
    checkTopic(topic);
    return topicsOf(this).subscriberCount(topic);
  }

  stats(): ServerStats {
    return this.#conns.stats(this.#errors);
  }

  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const timeout = options.timeout ?? this.#shutdownTimeout;
    if (!(typeof timeout === "number" && timeout >= 0)) {
      throw new RangeError(
        `shutdown({ timeout }) must be a non-negative number of milliseconds, got ${timeout}`,
      );
    }
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      this.#listenerClose();
      for (const c of this.#conns.list()) c.shutdown();
    }
    if (this.#conns.size === 0) {
      this.#settle();
      return this.finished;
    }
    // A later call may bring the deadline forward, never push it back.
    const at = Date.now() + timeout;
    if (!this.#terminated && at < this.#shutdownAt) {
      this.#shutdownAt = at;
      if (this.#shutdownTimer !== null) clearTimeout(this.#shutdownTimer);
      this.#shutdownTimer = null;
      if (timeout === 0) this.#terminate();
      else if (Number.isFinite(timeout)) {
        this.#shutdownTimer = setTimeout(() => this.#terminate(), timeout);
        this.#runtime.unrefTimer(this.#shutdownTimer);
      }
    }
    return this.finished;
  }

  /** The shutdown deadline passed: abort every connection left. */
  #terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#shutdownTimer = null;
    for (const c of this.#conns.list()) c.terminate();
    if (this.#conns.size === 0) {
      this.#settle();
      return;
    }
    const grace = setTimeout(() => this.#settle(), TERMINATE_GRACE_MS);
    this.#runtime.unrefTimer(grace);
    this.finished.then(() => clearTimeout(grace));
  }

  #settle(): void {
    if (this.#shutdownTimer !== null) {
      clearTimeout(this.#shutdownTimer);
      this.#shutdownTimer = null;
    }
    this.#resolveFinished();
  }
}

/**
 * Starts a server. Call it as `serve(handler)`, `serve(options, handler)` or
 * `serve({ ...options, fetch })`.
 *
 * @example
 * ```ts
 * const server = serve({ port: 8080 }, () => new Response("hello"));
 * await server.shutdown();
 * ```
 */
export function serve<C extends object = Record<string, unknown>>(
  handler: Handler<C>,
): Server;
/**
 * Starts a server with options and a separate handler.
 *
 * @example
 * ```ts
 * const server = serve({ port: 0, hostname: "127.0.0.1" }, () => new Response("hello"));
 * await server.shutdown();
 * ```
 */
export function serve<C extends object = Record<string, unknown>>(
  options: ServeUnixOptions<C>,
  handler: Handler<C>,
): Server<UnixAddr>;
/**
 * Starts a server on a Unix socket whose options carry the handler as `fetch`.
 *
 * @example
 * ```ts
 * const server = serve({ path: "/tmp/h2serve.sock", fetch: () => new Response("hello") });
 * await server.shutdown();
 * ```
 */
export function serve<C extends object = Record<string, unknown>>(
  options: ServeUnixOptions<C> & { fetch: Handler<C> },
): Server<UnixAddr>;
/**
 * Starts a server with options and a separate handler.
 *
 * @example
 * ```ts
 * const server = serve({ port: 0, hostname: "127.0.0.1" }, () => new Response("hello"));
 * await server.shutdown();
 * ```
 */
export function serve<C extends object = Record<string, unknown>>(
  options: ServeOptions<C>,
  handler: Handler<C>,
): Server;
/**
 * Starts a server whose options carry the handler as `fetch`.
 *
 * @example
 * ```ts
 * const server = serve({ port: 0, fetch: () => new Response("hello") });
 * await server.shutdown();
 * ```
 */
export function serve<C extends object = Record<string, unknown>>(
  options: ServeOptions<C> & { fetch: Handler<C> },
): Server;
export function serve(
  a: Handler | ServeOptions | ServeUnixOptions,
  b?: Handler,
): Server<Addr> {
  let options: ServeOptions & { path?: string };
  let handler: Handler | undefined;
  if (typeof a === "function") {
    options = {};
    handler = a;
  } else {
    // cert and key as bytes or a file become text first, so everything after sees PEM.
    options = a.tls === undefined
      ? a
      : { ...a, tls: resolveTlsInput(a.tls) as ServeOptions["tls"] };
    validateOptions(options);
    handler = b ?? a.fetch;
  }
  if (typeof handler !== "function") {
    throw new TypeError(
      "serve() needs a handler: serve(handler), serve(options, handler) or serve({ fetch })",
    );
  }
  const impl = new ServerImpl(options, handler);
  const handle = new ServerHandle(impl);
  shareTopics(handle, impl); // serveWorkers relays the handle's topics
  return handle;
}
