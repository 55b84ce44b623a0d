/**
 * The one internal interface between the protocol drivers and a runtime's
 * sockets. Only files in src/transport implement it; everything above sees
 * bytes, backpressure and addresses, never Deno.* or Bun.*.
 *
 * @module
 */

/**
 * An IP endpoint (as Deno.NetAddr): TCP for HTTP/1.1 and HTTP/2, UDP for
 * HTTP/3's QUIC.
 *
 * @example
 * ```ts
 * import type { NetAddr } from "./types.ts";
 * const a: NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 8080 };
 * ```
 */
export interface NetAddr {
  /** Literal IP address (IPv6 without brackets). */
  hostname: string;
  /** TCP or UDP port. */
  port: number;
  /** "tcp", or "udp" for HTTP/3 (QUIC), as in Deno.NetAddr. */
  transport: "tcp" | "udp";
  /** Absent on IP endpoints; lets code test `addr.path` without narrowing first. */
  path?: undefined;
}

/**
 * A Unix domain socket endpoint.
 *
 * @example
 * ```ts
 * import type { UnixAddr } from "./types.ts";
 * const a: UnixAddr = { transport: "unix", path: "/run/h2serve.sock" };
 * ```
 */
export interface UnixAddr {
  /** "unix", as in Deno.UnixAddr. */
  transport: "unix";
  /**
   * The socket file. For a listener and for info.localAddr: the path
   * listened on. For info.remoteAddr: the client's bound path, which is ""
   * for the usual unnamed client socket.
   */
  path: string;
  /** Absent on Unix sockets; lets code test `addr.hostname` without narrowing first. */
  hostname?: undefined;
  /** Absent on Unix sockets. */
  port?: undefined;
}

/**
 * An endpoint: TCP, or a Unix domain socket (narrow on `transport`), as Deno.Addr.
 *
 * @example
 * ```ts
 * import type { Addr } from "./types.ts";
 * const where = (a: Addr) => a.transport === "unix" ? a.path : `${a.hostname}:${a.port}`;
 * ```
 */
export type Addr = NetAddr | UnixAddr;

/**
 * Receives what a transport reads. Called synchronously from the socket's read path.
 */
export interface TransportSink {
  /** Bytes arrived. The chunk is owned by the sink from now on. */
  data(chunk: Uint8Array): void;
  /**
   * The peer closed its side, or the socket failed. No more data will arrive.
   * After a clean end (a half-close) it may be called once more, with the
   * error, when a later write finds the peer gone.
   */
  end(error?: unknown): void;
}

/**
 * A connected byte stream (TCP or TLS), with flow control in both directions.
 */
export interface Transport {
  /** Peer address. */
  readonly remoteAddr: Addr;
  /** Our address. */
  readonly localAddr: Addr;
  /** True when TLS. */
  readonly secure: boolean;
  /** The protocol chosen by ALPN, or null. */
  readonly alpn: string | null;
  /** The SNI name the client asked for, where the runtime exposes it. */
  readonly serverName: string | null;
  /** Starts delivering data to the sink. Called once. */
  start(sink: TransportSink): void;
  /** Stops reading from the socket (the kernel buffer then fills and the peer stalls). */
  pause(): void;
  /** Resumes reading after pause(). */
  resume(): void;
  /**
   * Queues bytes for sending; writes queued in one event-loop turn go out as
   * one socket write. Returns false when the queue is above the high-water
   * mark: the caller should then await drain() before producing more.
   */
  write(chunk: Uint8Array): boolean;
  /** Resolves once the queue is below the high-water mark (at once if it already is). */
  drain(): Promise<void>;
  /** Bytes queued but not yet accepted by the socket. */
  readonly queued: number;
  /** Flushes what is queued, then closes. Idempotent. */
  close(): void;
  /** Closes at once, dropping queued bytes. Idempotent. */
  abort(): void;
  /** Resolves when the socket is fully closed. */
  readonly closed: Promise<void>;
  /**
   * Where offered (Bun): tells `watcher` once the socket is fully closed, a microtask after, as
   * `closed` would, without a promise reaction and a closure per connection. See
   * {@link watchClosed}.
   */
  watchClose?(watcher: CloseWatcher): void;
  /** Forgets a watcher that no longer needs telling (a sniffer that handed the socket on). */
  unwatchClose?(watcher: CloseWatcher): void;
  /**
   * Where offered: the connection is idle (nothing queued, nothing awaited), so buffers and
   * queues kept for the next write may go; the next write makes them again.
   */
  rest?(): void;
}

/** Told once when a transport is fully closed. */
export interface CloseWatcher {
  transportClosed(): void;
}

/** Tells `watcher` when `t` is fully closed: through watchClose where offered, else `closed`. */
export function watchClosed(t: Transport, watcher: CloseWatcher): void {
  if (t.watchClose !== undefined) t.watchClose(watcher);
  else t.closed.then(() => watcher.transportClosed());
}

/**
 * A PEM certificate chain and its key, optionally for one SNI name.
 *
 * @example
 * ```ts
 * import type { TlsCertificate } from "./types.ts";
 * // cert and key: PEM text, e.g. read from files
 * const tlsFor = (cert: string, key: string): TlsCertificate[] => [
 *   { cert, key },
 *   { cert, key, serverName: "api.example.com" },
 * ];
 * ```
 */
export interface TlsCertificate {
  /** Certificate chain, PEM. */
  cert: string;
  /** Private key, PEM. */
  key: string;
  /**
   * The name this certificate serves (exact, or `*.example.com` for one label).
   * In a list, the entry without a serverName serves clients that match no
   * other; with none such, those clients fail the handshake.
   */
  serverName?: string;
}

/**
 * What a runtime listener needs to know.
 */
export interface ListenOptions {
  /** Interface to bind; defaults to 0.0.0.0. */
  hostname: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** A Unix socket path: listen there instead of on hostname/port. */
  path?: string;
  /** Sets SO_REUSEPORT where supported, so several processes can share a port. */
  reusePort?: boolean;
  /** PEM certificate and key, or one per SNI name: the listener speaks TLS. */
  tls?: TlsCertificate | TlsCertificate[];
  /** ALPN protocols to offer, most preferred first. */
  alpnProtocols?: string[];
  /**
   * A TLS handshake not finished this long after it starts is abandoned (ms).
   * Default 30 s. 0 sets no bound (on Deno: the faster Deno.listenTls, whose
   * stalled handshakes cannot be closed).
   */
  handshakeTimeout?: number;
  /**
   * Every connection must begin with a PROXY protocol header (v1 or v2); the
   * addresses it names become the transport's. Read before TLS.
   */
  proxyProtocol?: boolean;
  /** How long a PROXY header may take to arrive (ms). Default 30 s. */
  proxyTimeout?: number;
  /**
   * Called once for each connection dropped before it is handed on: a TLS
   * handshake that failed or timed out, a PROXY header that was malformed,
   * late or cut short. Not called for connections the listener's own close()
   * ends.
   */
  onHandshakeError?: HandshakeErrorHook;
}

/**
 * What was being read when a connection was dropped unserved.
 */
export type HandshakeStage = "tls" | "proxy";

/**
 * The listener's report of a connection dropped unserved: the stage, the
 * error, the socket's peer, and whether the stage's timeout fired.
 */
export type HandshakeErrorHook = (
  stage: HandshakeStage,
  error: Error,
  remoteAddr: Addr,
  timedOut: boolean,
) => void;

/**
 * The TLS handshake timeout when ListenOptions gives none.
 */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * A bound listener.
 */
export interface TransportListener {
  /** Where it listens. */
  readonly addr: Addr;
  /** Stops accepting; existing connections are untouched. */
  close(): void;
  /** Whether the listener keeps the process alive (true: the default, as a bound socket does). */
  ref(keep: boolean): void;
}

/**
 * Runtime hooks the server needs besides sockets.
 */
export interface Runtime {
  /** "deno", "bun" or "node". */
  readonly name: string;
  /** Binds a listener and hands each accepted, handshaken connection to onConnection. */
  listen(options: ListenOptions, onConnection: (t: Transport) => void): TransportListener;
  /** Lets a timer not keep the process alive. */
  unrefTimer(id: ReturnType<typeof setInterval>): void;
}
