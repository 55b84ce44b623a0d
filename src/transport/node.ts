/**
 * Transport over node:net and node:tls, for Node.js.
 *
 * Node pushes data through 'data' events; pause() and resume() map onto the
 * socket's own, so a paused connection stops reading and the kernel buffer
 * fills. Writes are coalesced per event-loop turn (SocketWrites) and handed to
 * socket.write(); its false return value stops the flush until 'drain'.
 *
 * serve() reports its address at once and fails at start when it is taken:
 * the port is found (port 0) or checked (a given port) by a synchronous bind
 * on the wildcard address first, a Unix socket path by a bind of its own
 * (node:net reports a failed bind only as a later 'error' event).
 *
 * @module
 */
import net from "node:net";
import process from "node:process";
import { existsSync } from "node:fs";
import {
  type Addr,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  type ListenOptions,
  type Runtime,
  type TlsCertificate,
  type Transport,
  type TransportListener,
  type TransportSink,
} from "./types.ts";
import { type SocketPort, SocketWrites } from "./socket_writes.ts";
import { isPooled, releaseBytes } from "../bytes/slab.ts";
import { listenNodeTls } from "./node_tls.ts";
import { abortPending, acceptProxied } from "./proxy_stage.ts";
import { claimUnixPath } from "./unix_path.ts";
import { listenNow } from "./listen_now.ts";
import { netAddr, socketAddrs } from "./addr.ts";

/** After our close, how long the peer has to read our last bytes before the socket is destroyed. */
const LINGER_MS = 2_000;

class NodeTransport implements Transport, SocketPort {
  readonly remoteAddr: Addr;
  readonly localAddr: Addr;
  readonly secure = false;
  readonly alpn: string | null = null;
  readonly serverName: string | null = null;
  readonly closed: Promise<void>;

  #socket: net.Socket;
  #sink: TransportSink | null = null;
  // The socket keeps a piece until written: a pooled one is released from the write callback
  // (the others need none, which spares a closure and a callback per write).
  /** Made on the first write, and let go while the connection rests. */
  #writes: SocketWrites | null = null;
  #closing = false;
  #done = false;
  #resolveClosed!: () => void;

  constructor(socket: net.Socket, path: string | undefined) {
    this.#socket = socket;
    [this.remoteAddr, this.localAddr] = socketAddrs(socket, path);
    if (path === undefined) socket.setNoDelay(true);
    this.closed = new Promise((r) => (this.#resolveClosed = r));
    socket.pause();
    socket.on("data", (chunk: Uint8Array) => {
      if (this.#closing) return; // lingering: discard
      // A Buffer's slice() is a view; the layers above expect slice() to copy.
      this.#sink?.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    socket.on("end", () => {
      if (!this.#closing) this.#sink?.end();
    });
    socket.on("error", (e: unknown) => {
      if (!this.#closing) this.#sink?.end(e);
      this.#finish();
    });
    socket.on("drain", () => this.#writes?.drained());
    socket.on("close", () => {
      if (!this.#closing) this.#sink?.end();
      this.#finish();
    });
  }

  /** SocketPort: one piece to the socket. */
  putPiece(piece: Uint8Array): boolean {
    return isPooled(piece)
      ? this.#socket.write(piece, () => releaseBytes(piece))
      : this.#socket.write(piece);
  }

  /** SocketPort: the queue emptied; a close waiting on it goes ahead. */
  allFlushed(): void {
    if (this.#closing) this.#end();
  }

  get queued(): number {
    return this.#writes?.queue.size ?? 0;
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    this.#socket.resume();
  }

  pause(): void {
    if (!this.#done) this.#socket.pause();
  }

  resume(): void {
    if (!this.#done) this.#socket.resume();
  }

  write(chunk: Uint8Array): boolean {
    if (this.#done || this.#closing) return false;
    return (this.#writes ??= new SocketWrites(this)).write(chunk);
  }

  drain(): Promise<void> {
    const w = this.#writes;
    return this.#done || w === null ? Promise.resolve() : w.queue.drained();
  }

  rest(): void {
    if (this.#writes?.empty) this.#writes = null;
  }

  #end(): void {
    this.#socket.end();
    // The peer may never close its side: bound how long we wait for it.
    const timer = setTimeout(() => this.abort(), LINGER_MS);
    timer.unref();
    this.closed.then(() => clearTimeout(timer));
  }

  close(): void {
    if (this.#closing || this.#done) return;
    this.#closing = true;
    this.#socket.resume(); // keep reading (and discarding) so the peer's FIN is seen
    if (this.#writes === null || this.#writes.idle) this.#end();
  }

  abort(): void {
    if (this.#done) return;
    this.#closing = true;
    this.#writes?.stop();
    this.#socket.destroy();
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#closing = true;
    this.#writes?.stop();
    this.#resolveClosed();
  }
}

/**
 * True when this Node's net.Server.listen() takes `reusePort` (Node 22.12+ and 23.1+).
 */
export function nodeHasReusePort(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * Binds `port` (0: any) on the wildcard address synchronously and releases it:
 * the port a listener with a host name will get, or a clear error now when it
 * is taken.
 */
function probePort(port: number, reusePort: boolean): number {
  const probe = net.createServer();
  let failure: unknown = null;
  probe.on("error", (e) => (failure = e));
  probe.listen({ port, reusePort } as net.ListenOptions);
  const a = probe.address() as net.AddressInfo | null;
  probe.close();
  if (a === null) {
    // Node reports the bind's error one tick later: tell the likely cause now.
    const code = (failure as { code?: string } | null)?.code ??
      (port > 0 && port < 1024 && process.getuid?.() !== 0 ? "EACCES" : "EADDRINUSE");
    const e = new Error(`port ${port} cannot be bound (${code})`, { cause: failure ?? undefined });
    // serve() turns EADDRINUSE into "port N is already in use".
    (e as Error & { code: string }).code = code;
    throw e;
  }
  return a.port;
}

/**
 * Binds the Unix socket `path` synchronously and releases it (removing the
 * file it made): a clear error now when the path is taken.
 */
function probeUnixPath(path: string): void {
  const probe = net.createServer();
  let failure: unknown = null;
  probe.on("error", (e) => (failure = e));
  probe.listen({ path });
  // address() names the path even when the bind failed; `listening` is set only by a bind.
  const bound = probe.listening;
  probe.close();
  if (bound) return;
  if (failure !== null) throw failure;
  // Node reports the bind's error one tick later: something at the path is the likely cause.
  const e = new Error(`cannot bind ${path}`);
  (e as Error & { code?: string }).code = existsSync(path) ? "EADDRINUSE" : undefined;
  throw e;
}

/**
 * The Node.js runtime binding.
 */
export const nodeRuntime: Runtime = {
  name: "node",
  listen(options: ListenOptions, onConnection: (t: Transport) => void): TransportListener {
    const path = options.path;
    if (options.reusePort && path === undefined && !nodeHasReusePort()) {
      throw new Error(
        `reusePort needs Node >= 22.12 (net.Server reusePort); this is Node ${process.versions.node}`,
      );
    }
    if (path !== undefined) {
      // Node binds one tick after listen(): claim the path with a synchronous probe first.
      claimUnixPath(path, () => probeUnixPath(path));
    }
    const reusePort = options.reusePort ?? false;
    // A fixed port with reusePort may already be shared by design: do not probe it.
    const port = path !== undefined || (reusePort && options.port !== 0)
      ? options.port
      : probePort(options.port, reusePort);
    if (options.tls !== undefined) {
      const list: TlsCertificate[] = Array.isArray(options.tls) ? options.tls : [options.tls];
      return listenNodeTls({ ...options, tls: list, port }, onConnection);
    }
    const proxyTimeout = options.proxyTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const pending = new Set<Transport>();
    const onHeaderError = options.onHandshakeError;
    const accept = options.proxyProtocol
      ? (t: Transport) => acceptProxied(t, proxyTimeout, onConnection, pending, onHeaderError)
      : onConnection;
    // allowHalfOpen: a client that shuts down its side after the request still gets the answer.
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
      accept(new NodeTransport(socket, path));
    });
    server.on("error", (e: unknown) => console.error("h2serve: listener failed:", e));
    if (path !== undefined) server.listen({ path });
    else listenNow(server, options.hostname, port, reusePort);
    return {
      addr: path !== undefined ? { transport: "unix", path } : netAddr(options.hostname, port),
      close() {
        server.close();
        abortPending(pending);
      },
      ref(keep) {
        if (keep) server.ref();
        else server.unref();
      },
    };
  },
  unrefTimer(id) {
    (id as unknown as { unref?: () => void }).unref?.();
  },
};
