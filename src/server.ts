/**
 * serve(): listeners, protocol selection per connection, timeouts and
 * graceful shutdown. Everything runtime-specific stays behind the Transport.
 *
 * @module
 */
import { currentRuntime, type Runtime, type Transport } from "./transport/mod.ts";
import type { Addr, UnixAddr } from "./transport/types.ts";
import type {
  ConnectionHello,
  Handler,
  ListenInfo,
  Protocol,
  ServeOptions,
  Server,
  ServerStats,
  ServeUnixOptions,
  ShutdownOptions,
} from "./types.ts";
import { ClientErrors } from "./client_errors.ts";
import { validateOptions } from "./options/validate.ts";
import { type ResolvedProtocols, resolveProtocols } from "./options/protocols.ts";
import type { ClientErrorKind } from "./types.ts";
import { withExpect } from "./fetch/expect.ts";
import { withCompression } from "./compression/compress.ts";
import { resolveCompression } from "./compression/options.ts";
import { defaultOnError, type ErrorHandler } from "./fetch/exchange.ts";
import type { LiveConnection, ServerHost } from "./fetch/host.ts";
import { Connection } from "./fetch/info.ts";
import { Http1Driver } from "./http1/server/driver.ts";
import { DEFAULT_HTTP1_OPTIONS, type Http1Options } from "./http1/server/options.ts";
import { Http2Driver } from "./http2/server/driver.ts";
import { type Http2Options, resolveHttp2Options } from "./http2/server/options.ts";
import { h2cUpgrade } from "./http2/server/h2c_upgrade.ts";
import { PrefaceSniffer } from "./sniff.ts";
import type { ConnectionFacts, Counters } from "./fetch/info.ts";
import { OptionError } from "./options/validate.ts";
import { listenQuic, quicUnsupported } from "./transport/deno_quic.ts";
import type { QuicSession } from "./transport/quic_types.ts";
import { Http3Driver } from "./http3/server/driver.ts";
import { type Http3Options, resolveHttp3Options } from "./http3/server/options.ts";
import { altSvcValue, withAltSvc } from "./http3/server/alt_svc.ts";
import { checkTopic, type PublishOptions, topicsOf } from "./websocket/topics.ts";

/** How often deadlines are checked; timeouts are accurate to about this. */
const TICK_MS = 500;

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

class ServerImpl implements Server<Addr>, ServerHost {
  readonly addr: Addr;
  readonly url: URL;
  readonly finished: Promise<void>;
  readonly handler: Handler;
  readonly onError: ErrorHandler;
  shuttingDown = false;

  #runtime: Runtime;
  #listenerClose: () => void;
  #conns = new Set<LiveConnection>();
  #counters: Counters = { requests: 0, inflight: 0, websockets: 0 };
  #resolveFinished!: () => void;
  #errors: ClientErrors;
  #shutdownTimeout: number;
  /** When the running shutdown aborts what is left (ms epoch), Infinity for never. */
  #shutdownAt = Infinity;
  #shutdownTimer: ReturnType<typeof setTimeout> | null = null;
  #terminated = false;
  #tick: ReturnType<typeof setInterval> | null = null;
  #http1: Http1Options;
  #onConnection: ((hello: ConnectionHello) => object | void) | null;
  #tls: ServeOptions["tls"] | null;
  /** Resolved HTTP/2 options, or null when HTTP/2 is turned off. */
  #http2: Http2Options | null;
  /** What this listener accepts (the `protocols` option with its defaults). */
  #protocols: ResolvedProtocols;

  constructor(options: ServeOptions & { path?: string }, handler: Handler) {
    const hooks = options.expect === undefined ? [] : [options.expect].flat();
    const compression = resolveCompression(options.compression);
    // Compression wraps the application's handler; the Expect filter runs before both.
    const inner = compression !== null ? withCompression(compression, handler) : handler;
    this.handler = hooks.length > 0 ? withExpect(hooks, inner) : inner;
    this.#onConnection = options.onConnection ?? null;
    this.#tls = options.tls ?? null;
    this.onError = options.onError ?? defaultOnError;
    this.#http1 = { ...DEFAULT_HTTP1_OPTIONS, ...options.http1 };
    this.#http2 = options.http2 === false ? null : resolveHttp2Options(options.http2);
    this.#protocols = resolveProtocols(options);
    this.#runtime = currentRuntime();
    this.#shutdownTimeout = options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    this.#errors = new ClientErrors(
      options.onClientError ?? null,
      options.debug === true,
      (id) => this.#runtime.unrefTimer(id),
    );
    this.finished = new Promise((r) => (this.#resolveFinished = r));
    const hostname = options.hostname ?? "0.0.0.0";
    const port = options.port ?? 8000;
    const h3 = options.http3 ? resolveHttp3Options(options.http3) : null;
    if (h3 !== null) {
      // Checked before anything binds, so a refused start leaves no listener behind.
      if (!options.tls || options.path !== undefined) {
        throw new OptionError("http3", "http3 needs tls (and a TCP port): QUIC is always TLS");
      }
      const why = quicUnsupported();
      if (why !== null) throw new Error(why);
      let altSvc = "";
      this.handler = withAltSvc(this.handler, () => altSvc);
      this.#altSvc = (p) => (altSvc = altSvcValue(p, h3.altSvcMaxAge));
    }
    const listener = listenOrExplain(hostname, port, () =>
      this.#runtime.listen({
        hostname,
        port,
        path: options.path,
        reusePort: options.reusePort,
        tls: options.tls,
        // A TLS handshake is part of getting a request head: same bound as a slow head.
        handshakeTimeout: options.tlsHandshakeTimeout ?? this.#http1.headersTimeout,
        proxyProtocol: options.proxyProtocol,
        proxyTimeout: this.#http1.headersTimeout,
        onHandshakeError: (stage, e, remoteAddr, timedOut) => {
          const kind = timedOut ? "timeout" : stage;
          // The options that bound these stages, as the user would set them.
          const option = stage === "tls" ? "tlsHandshakeTimeout" : "http1.headersTimeout";
          this.#errors.report(kind, e, remoteAddr, null, undefined, timedOut ? option : undefined);
        },
        alpnProtocols: options.tls ? [...this.#protocols.alpn] : undefined,
      }, (t) => this.#accept(t)));
    this.addr = listener.addr;
    this.#listenerClose = () => listener.close();
    if (h3 !== null && listener.addr.transport === "tcp") this.#listenH3(h3, hostname, listener);
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

  #altSvc: (port: number) => void = () => {};

  /** HTTP/3 on the TLS listener's port (UDP); its failure closes the TCP listener too. */
  #listenH3(h3: Http3Options, hostname: string, tcp: { close(): void }): void {
    const port = (this.addr as { port: number }).port;
    const tls = [this.#tls].flat()[0]!;
    try {
      const quic = listenQuic({
        hostname,
        port,
        cert: tls.cert,
        key: tls.key,
        maxConcurrentStreams: h3.maxConcurrentStreams,
        // Silence past our idle GOAWAY (checked every TICK_MS) ends the connection anyway.
        idleTimeout: h3.idleTimeout > 0 ? h3.idleTimeout + 5_000 : 30_000,
      }, (session) => this.#acceptQuic(session, h3));
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
    this.#altSvc(port);
  }

  #acceptQuic(session: QuicSession, h3: Http3Options): void {
    if (this.shuttingDown) {
      session.close(0x100, "shutting down");
      return;
    }
    const t = { ...session, secure: true, alpn: "h3", abort: () => session.close(0x100, "") };
    const facts = this.#facts(t as unknown as Transport, "h3");
    if (facts !== null) new Http3Driver(session, this, facts, h3).start();
  }

  #accept(t: Transport): void {
    if (this.shuttingDown) {
      t.abort();
      return;
    }
    const h2 = this.#http2;
    const p = this.#protocols;
    if (t.secure) {
      // TLS: ALPN decides, among what the listener offers. No ALPN is HTTP/1.1 when it is served
      // (h2-only: HTTP/2, whose core answers anything but the preface with GOAWAY).
      const h2tls = h2 !== null && (t.alpn === "h2" || (t.alpn !== "http/1.1" && !p.http1));
      const facts = this.#facts(t, h2tls ? "h2" : "http/1.1");
      if (facts === null) return;
      if (h2tls) new Http2Driver(t, this, facts, h2).start();
      else new Http1Driver(t, this, facts, this.#http1).start();
    } else if (h2 === null || !p.h2c) {
      // HTTP/1.1 only: no preface sniffing; h2c by Upgrade only where it was asked for.
      const facts = this.#facts(t, "http/1.1");
      if (facts === null) return;
      const upgrade = h2 !== null && p.h2cUpgrade ? h2cUpgrade(this, facts, h2) : null;
      new Http1Driver(t, this, facts, this.#http1, upgrade).start();
    } else if (!p.http1) {
      // h2c only: every connection is HTTP/2; a bad preface gets GOAWAY PROTOCOL_ERROR (§3.4).
      const facts = this.#facts(t, "h2c");
      if (facts) new Http2Driver(t, this, facts, h2).start();
    } else {
      // Cleartext: the client preface means h2c with prior knowledge, anything else HTTP/1.1.
      // `Upgrade: h2c` switches it to h2c only when "h2c-upgrade" is listed (h2c smuggling).
      new PrefaceSniffer(t, this, this.#http1.headersTimeout, (protocol, initial) => {
        const facts = this.#facts(t, protocol === "h2c" ? "h2c" : "http/1.1");
        if (facts === null) return;
        if (protocol === "h2c") {
          new Http2Driver(t, this, facts, h2).start(initial);
        } else {
          const upgrade = p.h2cUpgrade ? h2cUpgrade(this, facts, h2) : null;
          new Http1Driver(t, this, facts, this.#http1, upgrade).start(initial);
        }
      });
    }
  }

  /**
   * The facts every request of a connection shares, with the context the
   * onConnection hook returns. A hook that throws refuses the connection.
   */
  #facts(t: Transport, protocol: Protocol): ConnectionFacts | null {
    const id = new Connection();
    let context: object | null = null;
    if (this.#onConnection) {
      try {
        context = this.#onConnection({
          id: id.id,
          remoteAddr: t.remoteAddr,
          localAddr: t.localAddr,
          protocol,
          secure: t.secure,
          alpn: t.alpn,
          serverName: t.serverName,
        }) ?? null;
      } catch (e) {
        console.error("h2serve: onConnection refused a connection:", e);
        t.abort();
        return null;
      }
    }
    return {
      stats: this.#counters,
      remoteAddr: t.remoteAddr,
      localAddr: t.localAddr,
      protocol,
      secure: t.secure,
      serverName: t.serverName,
      connection: context === null ? id : new Connection(context, id.id),
    };
  }

  add(conn: LiveConnection): void {
    this.#conns.add(conn);
    if (this.#tick === null) {
      this.#tick = setInterval(() => this.#onTick(), TICK_MS);
      this.#runtime.unrefTimer(this.#tick);
    }
  }

  remove(conn: LiveConnection): void {
    this.#conns.delete(conn);
    if (this.#conns.size === 0) {
      if (this.#tick !== null) {
        clearInterval(this.#tick);
        this.#tick = null;
      }
      if (this.shuttingDown) this.#settle();
    }
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

  #onTick(): void {
    const now = Date.now();
    for (const c of this.#conns) {
      if (c.deadline !== 0 && c.deadline <= now) c.onDeadline(now);
    }
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
    return {
      connections: this.#conns.size,
      inflight: this.#counters.inflight,
      websockets: this.#counters.websockets,
      requests: this.#counters.requests,
      clientErrors: { ...this.#errors.counts.byKind },
      timeouts: { ...this.#errors.counts.timeouts },
    };
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
      for (const c of [...this.#conns]) c.shutdown();
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
    for (const c of [...this.#conns]) c.terminate();
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

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

/**
 * Binds, turning "address in use" into an error that names the port on every
 * runtime (Bun's says only "Failed to listen"); the runtime's error is the cause.
 */
function listenOrExplain<T>(hostname: string, port: number, listen: () => T): T {
  try {
    return listen();
  } catch (e) {
    const err = e as { code?: unknown; name?: unknown } | null;
    if (err?.code === "EADDRINUSE" || err?.name === "AddrInUse") {
      const inUse = new Error(`port ${port} is already in use (hostname ${hostname})`, {
        cause: e,
      });
      (inUse as Error & { code: string }).code = "EADDRINUSE";
      throw inUse;
    }
    throw e;
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
    validateOptions(a);
    options = a;
    handler = b ?? a.fetch;
  }
  if (typeof handler !== "function") {
    throw new TypeError(
      "serve() needs a handler: serve(handler), serve(options, handler) or serve({ fetch })",
    );
  }
  return new ServerImpl(options, handler);
}
