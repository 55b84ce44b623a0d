/**
 * Transport over Deno.listen (TCP and Unix sockets). TLS goes through
 * node:tls (see node_tls.ts), whose handshakes can be bounded; Deno.listenTls
 * serves only when the handshake bound is turned off.
 *
 * Reads are pull-based (conn.read into a buffer sized to recent traffic, so an
 * idle connection pins only a small buffer); writes are queued and coalesced
 * per event-loop turn.
 *
 * @module
 */
import {
  type Addr,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  type HandshakeErrorHook,
  type ListenOptions,
  type Runtime,
  type Transport,
  type TransportListener,
  type TransportSink,
} from "./types.ts";
import { ADOPT_MIN, markOwned } from "../bytes/owned_bytes.ts";
import { HIGH_WATER_MARK, WriteQueue } from "./write_queue.ts";
import { releaseBytes } from "../bytes/slab.ts";
import { CloseNotifier } from "./close_notifier.ts";
import { listenNodeTls } from "./node_tls.ts";
import { abortPending, acceptProxied } from "./proxy_stage.ts";
import { claimUnixPath } from "./unix_path.ts";

/**
 * Every connection keeps one read pending, so an idle one pins a buffer of
 * this size; a read that fills its buffer doubles the next one.
 */
const MIN_READ = 1024;
/** A slab with less room than this left is replaced before the next read. */
const MIN_REGION = 256;
const MAX_READ = 256 * 1024;
/** After our close, how long we keep reading (and discarding) so the peer sees our last bytes. */
const LINGER_MS = 2_000;

function toAddr(a: Deno.Addr): Addr {
  if (a.transport === "tcp" || a.transport === "udp") {
    return { hostname: a.hostname, port: a.port, transport: "tcp" };
  }
  if (a.transport === "unix" || a.transport === "unixpacket") {
    return { transport: "unix", path: a.path ?? "" };
  }
  return { hostname: "", port: 0, transport: "tcp" };
}

class DenoTransport extends CloseNotifier implements Transport {
  readonly remoteAddr: Addr;
  readonly localAddr: Addr;
  readonly secure: boolean;
  alpn: string | null = null;
  readonly serverName: string | null = null;

  #conn: Deno.Conn;
  #sink: TransportSink | null = null;
  #paused = false;
  /** A read is due but waits for resume(). */
  #waiting = false;
  #slab: Uint8Array | null = null;
  /** Where the next read goes in #slab. */
  #at = 0;
  // Each write is an async op with a high fixed cost: fewer, larger writes.
  #queue = new WriteQueue({ glueLarge: true });
  #writing = false;
  #closing = false;
  #done = false;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  #readSize = MIN_READ;
  #reading = false;
  #eof = false;

  constructor(conn: Deno.Conn, secure: boolean) {
    super();
    this.#conn = conn;
    this.secure = secure;
    this.remoteAddr = toAddr(conn.remoteAddr);
    this.localAddr = toAddr(conn.localAddr);
  }

  get queued(): number {
    return this.#queue.size;
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    this.#readLoop();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (!this.#waiting) return;
    // The read goes on a microtask later, as it did when the loop awaited a promise.
    this.#waiting = false;
    queueMicrotask(() => this.#next());
  }

  // The read loop is callbacks on one pending read, not an async function: an idle connection
  // then holds a promise reaction and the two callbacks made once, instead of a suspended
  // generator with its registers, its promise and the await closures (about 300 bytes each).
  //
  // Reads fill a connection-owned slab front to back, and each read is
  // handed on as a view of it: allocating an ArrayBuffer per read costs
  // several thousand instructions on Deno. Views handed on keep an old slab
  // alive, never a new one, so a connection pins at most its own slabs.

  #readLoop(): void {
    if (this.#reading) return;
    this.#reading = true;
    this.#next();
  }

  /** Issues the next read, unless the connection is done or paused. */
  #next(): void {
    if (this.#done) return this.#readEnd(undefined);
    if (this.#paused) {
      this.#waiting = true;
      return;
    }
    const want = this.#readSize;
    // A new slab when this one is nearly full, or far larger than traffic
    // now needs (after a large upload, an idle connection goes back to 1 KiB).
    // Large reads get a buffer each, handed on whole: a request body chunk
    // then reaches the application without a copy (see owned_bytes.ts).
    const own = want >= ADOPT_MIN;
    let slab = this.#slab, at = this.#at;
    if (
      slab === null || own || slab.byteLength - at < Math.max(MIN_REGION, want >> 1) ||
      slab.byteLength > want * 8
    ) {
      slab = this.#slab = new Uint8Array(want);
      at = this.#at = 0;
    }
    const room = Math.min(slab.byteLength - at, want);
    this.#conn.read(slab.subarray(at, at + room)).then(this.#onRead, this.#onReadError);
  }

  #onRead = (n: number | null): void => {
    if (n === null) return this.#readEnd(undefined);
    try {
      const want = this.#readSize;
      // Grow while reads fill what was asked; shrink back when traffic is light.
      if (n === want) this.#readSize = Math.min(want * 2, MAX_READ);
      else if (n < want >> 2) this.#readSize = Math.max(want >> 1, MIN_READ);
      if (!this.#closing) { // lingering: discard (the region is reused)
        const at = this.#at;
        const chunk = this.#slab!.subarray(at, at + n);
        this.#at = at + ((n + 7) & ~7);
        if (want >= ADOPT_MIN) markOwned(chunk);
        this.#sink!.data(chunk);
      }
    } catch (e) {
      return this.#readEnd(e);
    }
    this.#next();
  };

  #onReadError = (e: unknown): void => this.#readEnd(e);

  /** The read loop ended: EOF (`error` undefined), a failed read, or the connection is done. */
  #readEnd(error: unknown): void {
    this.#eof = true;
    if (error !== undefined || this.#closing) {
      if (!this.#closing) this.#sink?.end(error);
      this.#finish();
      return;
    }
    // Peer half-closed: the driver may still answer, then calls close().
    this.#sink?.end();
  }

  write(chunk: Uint8Array): boolean {
    if (this.#done || this.#closing) return false;
    this.#queue.push(chunk);
    if (!this.#writing) {
      this.#writing = true;
      queueMicrotask(() => this.#writeLoop());
    }
    return this.#queue.size < HIGH_WATER_MARK;
  }

  drain(): Promise<void> {
    return this.#done ? Promise.resolve() : this.#queue.drained();
  }

  async #writeLoop(): Promise<void> {
    try {
      for (;;) {
        const piece = this.#queue.take();
        if (piece === null) break;
        try {
          for (let at = 0; at < piece.byteLength;) {
            at += await this.#conn.write(at === 0 ? piece : piece.subarray(at));
          }
        } finally {
          releaseBytes(piece);
        }
        this.#queue.wake();
      }
    } catch (e) {
      this.#queue.clear();
      // The peer is gone (after a half-close too): say so before the socket closes.
      if (!this.#closing) this.#sink?.end(e);
      this.abort();
    }
    this.#writing = false;
    this.#queue.wake(true);
    if (this.#closing && !this.#done) this.#shutdown();
  }

  close(): void {
    if (this.#closing || this.#done) return;
    this.#closing = true;
    if (!this.#writing) this.#shutdown();
  }

  /** Half-close, then keep reading briefly so the peer receives our final bytes before any RST. */
  #shutdown(): void {
    if (this.#eof) {
      this.#finish();
      return;
    }
    try {
      this.#conn.closeWrite();
    } catch {
      this.abort();
      return;
    }
    this.resume();
    const timer = this.#lingerTimer = setTimeout(() => this.abort(), LINGER_MS);
    Deno.unrefTimer(timer as unknown as number);
  }

  abort(): void {
    if (this.#done) return;
    this.#closing = true;
    this.#queue.clear();
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    this.#finish();
  }

  #finish(): void {
    if (this.#done) {
      return;
    }
    this.#done = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    this.resume();
    this.#queue.wake(true);
    if (!this.#closing) this.#closing = true;
    clearTimeout(this.#lingerTimer);
    this.announceClosed();
  }

  /**
   * Completes the TLS handshake and records the ALPN result. Unbounded: on
   * Deno.listenTls a stalled handshake cannot be closed, which is why this
   * path serves only when the handshake timeout is turned off.
   */
  async handshake(): Promise<void> {
    const info = await (this.#conn as Deno.TlsConn).handshake();
    this.alpn = info.alpnProtocol;
  }
}

async function acceptLoop(
  listener: Deno.Listener,
  secure: boolean,
  onConnection: (t: Transport) => void,
  onHandshakeError: HandshakeErrorHook | undefined,
): Promise<void> {
  for (;;) {
    let conn: Deno.Conn;
    try {
      conn = await listener.accept();
    } catch (e) {
      if (e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted) return;
      // EMFILE and friends: back off instead of spinning or dying.
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    if (conn.remoteAddr.transport === "tcp") {
      try {
        (conn as Deno.TcpConn).setNoDelay(true);
      } catch {
        // already gone
      }
    }
    const t = new DenoTransport(conn, secure);
    if (!secure) {
      onConnection(t);
      continue;
    }
    t.handshake().then(() => onConnection(t), (e) => {
      t.abort();
      onHandshakeError?.("tls", e instanceof Error ? e : new Error(String(e)), t.remoteAddr, false);
    });
  }
}

/** A port that was free a moment ago (bound and released). */
function freePort(hostname: string): number {
  const l = Deno.listen({ hostname, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * node:net binds asynchronously on Deno, so an address in use would only be
 * reported later: bind the port once here, so that serve() throws at start.
 */
function probePort(hostname: string, port: number, reusePort?: boolean): number {
  if (port === 0) return freePort(hostname);
  if (!reusePort) Deno.listen({ hostname, port }).close();
  return port;
}

/**
 * The Deno runtime binding.
 */
export const denoRuntime: Runtime = {
  name: "deno",
  listen(options: ListenOptions, onConnection: (t: Transport) => void): TransportListener {
    // Deno exits the process when an unstable API is used without its flag;
    // its unstable net functions are present exactly when the flag is on.
    if (
      options.reusePort &&
      typeof (Deno as { listenDatagram?: unknown }).listenDatagram !== "function"
    ) {
      throw new Error("reusePort on Deno needs the --unstable-net flag");
    }
    const tls = options.tls;
    const path = options.path;
    const handshakeTimeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    // Deno.listenTls cannot abandon a stalled handshake (close() leaves the
    // socket open until the peer leaves), takes one certificate and starts the
    // handshake before we see a byte: node:tls unless the bound is turned off.
    if (
      tls !== undefined &&
      (Array.isArray(tls) || handshakeTimeout > 0 || options.proxyProtocol || path !== undefined)
    ) {
      if (path !== undefined) {
        // node:net binds later on Deno: claim the path with a bind of our own first.
        claimUnixPath(path, () => Deno.listen({ transport: "unix", path }).close());
        return listenNodeTls({ ...options, tls }, onConnection);
      }
      const port = probePort(options.hostname, options.port, options.reusePort);
      return listenNodeTls({ ...options, tls, port }, onConnection);
    }
    let listener: Deno.Listener;
    if (path !== undefined) {
      listener = claimUnixPath(path, () => Deno.listen({ transport: "unix", path }));
    } else {
      const base = { hostname: options.hostname, port: options.port, reusePort: options.reusePort };
      listener = tls && !Array.isArray(tls)
        ? Deno.listenTls({
          ...base,
          cert: tls.cert,
          key: tls.key,
          alpnProtocols: options.alpnProtocols,
        })
        : Deno.listen({ ...base, transport: "tcp" });
    }
    const proxyTimeout = options.proxyTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const pending = new Set<Transport>();
    const accept = options.proxyProtocol
      ? (t: Transport) =>
        acceptProxied(t, proxyTimeout, onConnection, pending, options.onHandshakeError)
      : onConnection;
    acceptLoop(listener, !!tls, accept, options.onHandshakeError);
    return {
      addr: toAddr(listener.addr),
      close() {
        try {
          listener.close();
        } catch {
          // already closed
        }
        abortPending(pending);
      },
      ref(keep) {
        if (keep) listener.ref();
        else listener.unref();
      },
    };
  },
  unrefTimer(id) {
    Deno.unrefTimer(id as unknown as number);
  },
};
