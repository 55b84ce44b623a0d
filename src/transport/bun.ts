/**
 * Transport over Bun.listen.
 *
 * Bun pushes data through callbacks. When the consumer pauses we call
 * socket.pause() so the kernel buffer fills and the peer stalls; anything
 * delivered after the pause waits in a small list, bounded by one read.
 *
 * @module
 */
import {
  type Addr,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  type ListenOptions,
  type Runtime,
  type Transport,
  type TransportListener,
  type TransportSink,
} from "./types.ts";
import { type SocketPort, SocketWrites } from "./socket_writes.ts";
import { releaseBytes } from "../bytes/slab.ts";
import { CloseNotifier } from "./close_notifier.ts";
import { ADOPT_MIN, markOwned } from "../bytes/owned_bytes.ts";
import { listenNodeTls } from "./node_tls.ts";
import { abortPending, acceptProxied } from "./proxy_stage.ts";
import { claimUnixPath } from "./unix_path.ts";
import { socketAddrs } from "./addr.ts";

/** The part of Bun's Socket we use (Bun's own types are not a dependency). */
interface BunSocket {
  data: BunTransport | undefined;
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay?(noDelay: boolean): boolean;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly alpnProtocol: string | false | null;
  getServername?(): string | undefined;
}

interface BunListener {
  readonly port: number;
  readonly hostname: string;
  stop(closeActiveConnections?: boolean): void;
  ref(): void;
  unref(): void;
}

interface BunGlobal {
  listen(options: unknown): BunListener;
}

/** Wire-format ALPN list: each name prefixed by its length. */
function alpnWire(protocols: string[]): Uint8Array {
  const bytes: number[] = [];
  for (const p of protocols) {
    bytes.push(p.length);
    for (let i = 0; i < p.length; i++) bytes.push(p.charCodeAt(i));
  }
  return new Uint8Array(bytes);
}

class BunTransport extends CloseNotifier implements Transport, SocketPort {
  readonly remoteAddr: Addr;
  readonly localAddr: Addr;
  readonly secure: boolean;
  alpn: string | null = null;
  serverName: string | null = null;
  /** Pending TLS handshake deadline. */
  handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  /** A TLS connection not yet through its handshake (not yet handed on). */
  handshaking = false;

  #socket: BunSocket;
  #sink: TransportSink | null = null;
  #paused = false;
  /** Chunks delivered while paused or before start (made on first need). */
  #held: Uint8Array[] | null = null;
  #heldEnd = false;
  /** Made on the first write, and let go while the connection rests. */
  #writes: SocketWrites | null = null;
  #closing = false;
  #done = false;

  constructor(socket: BunSocket, secure: boolean, path: string | undefined) {
    super();
    this.#socket = socket;
    this.secure = secure;
    [this.remoteAddr, this.localAddr] = socketAddrs(socket, path);
  }

  get queued(): number {
    return this.#writes?.queue.size ?? 0;
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    this.#deliverHeld();
  }

  /** Called by Bun's data callback. */
  onData(chunk: Uint8Array): void {
    if (this.#closing) return;
    if (this.#sink === null || this.#paused || this.#held !== null) (this.#held ??= []).push(chunk);
    else this.#sink.data(chunk);
  }

  /** Called by Bun's end callback: the peer half-closed. */
  onPeerEnd(): void {
    if (this.#sink === null || this.#paused || this.#held !== null) {
      this.#heldEnd = true;
      return;
    }
    if (!this.#closing) this.#sink.end();
  }

  /** Called by Bun's close and error callbacks: the socket is gone. */
  onClose(error?: unknown): void {
    if (this.#done) return;
    if (!this.#closing && this.#sink !== null) {
      this.#held = null;
      this.#sink.end(error);
    }
    this.#finish();
  }

  #deliverHeld(): void {
    let held = this.#held;
    while (held !== null && !this.#paused && this.#sink !== null) {
      const chunk = held.shift()!;
      // Emptied: later data goes straight to the sink (unless this one pauses it).
      if (held.length === 0) this.#held = held = null;
      this.#sink.data(chunk);
      held = this.#held;
    }
    if (this.#held === null && this.#heldEnd && !this.#paused && this.#sink !== null) {
      this.#heldEnd = false;
      if (!this.#closing) this.#sink.end();
    }
  }

  pause(): void {
    if (this.#paused || this.#done) return;
    this.#paused = true;
    this.#socket.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (!this.#done) this.#socket.resume();
    this.#deliverHeld();
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

  /** The queue emptied into the socket (SocketPort): a close waiting on it goes ahead. */
  allFlushed(): void {
    if (this.#closing) this.#socket.end();
  }

  /** SocketPort: one piece to the socket; false when it took only part (Bun calls drain() later) or failed. */
  putPiece(piece: Uint8Array): boolean {
    // Bun's write is synchronous: the socket does not keep the piece.
    const n = this.#socket.write(piece);
    if (n === piece.byteLength) {
      releaseBytes(piece);
      return true;
    }
    if (n < 0) {
      releaseBytes(piece);
      this.abort();
      return false;
    }
    this.#writes!.queue.putBack(piece, n);
    releaseBytes(piece);
    return false;
  }

  /** Called by Bun's drain callback. */
  onDrain(): void {
    this.#writes?.drained();
  }

  close(): void {
    if (this.#closing || this.#done) return;
    this.#closing = true;
    if (this.#writes === null || this.#writes.idle) this.#socket.end();
  }

  abort(): void {
    if (this.#done) return;
    this.#closing = true;
    this.#writes?.stop();
    this.#socket.terminate();
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#closing = true;
    clearTimeout(this.handshakeTimer);
    this.#writes?.stop();
    this.announceClosed();
  }
}

/**
 * The Bun runtime binding.
 */
export const bunRuntime: Runtime = {
  name: "bun",
  listen(options: ListenOptions, onConnection: (t: Transport) => void): TransportListener {
    const Bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
    const tls = options.tls;
    const path = options.path;
    // Bun.listen takes one certificate (node:tls can pick one per SNI name),
    // and its TLS sockets cannot read a PROXY header before the handshake.
    if (tls !== undefined && (Array.isArray(tls) || options.proxyProtocol)) {
      if (path !== undefined) {
        return claimUnixPath(path, () => listenNodeTls({ ...options, tls }, onConnection));
      }
      if (options.port !== 0 && !options.reusePort) {
        // node:net reports "address in use" only later, as an event: bind once here so that
        // serve() throws at start.
        Bun.listen({ hostname: options.hostname, port: options.port, socket: { data() {} } })
          .stop(true);
      }
      return listenNodeTls({ ...options, tls }, onConnection);
    }
    const secure = !!tls;
    const handshakeTimeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const proxyTimeout = options.proxyTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const pending = new Set<Transport>();
    const onHandshakeError = options.onHandshakeError;
    const failed = (t: BunTransport, error: Error, timedOut: boolean) => {
      if (!t.handshaking) return;
      t.handshaking = false;
      t.abort();
      try {
        onHandshakeError?.("tls", error, t.remoteAddr, timedOut);
      } catch {
        // a reporting hook must not take the listener down
      }
    };
    /** The socket closed; before its handshake finished, that is a failed handshake. */
    const gone = (t: BunTransport | undefined, error: unknown) => {
      if (t === undefined) return;
      if (t.handshaking) {
        clearTimeout(t.handshakeTimer);
        const why = error instanceof Error ? `: ${error.message}` : "";
        failed(t, new Error(`connection closed during the TLS handshake${why}`), false);
      }
      t.onClose(error);
    };
    const accept = options.proxyProtocol
      ? (t: Transport) => acceptProxied(t, proxyTimeout, onConnection, pending, onHandshakeError)
      : onConnection;
    const where = path !== undefined
      ? { unix: path }
      : { hostname: options.hostname, port: options.port, reusePort: options.reusePort };
    const bind = () =>
      Bun.listen({
        ...where,
        // A client that half-closes still gets its answers; the driver closes when done.
        allowHalfOpen: true,
        tls: tls
          ? {
            cert: tls.cert,
            key: tls.key,
            ALPNProtocols: options.alpnProtocols ? alpnWire(options.alpnProtocols) : undefined,
          }
          : undefined,
        socket: {
          open(socket: BunSocket) {
            if (path === undefined) socket.setNoDelay?.(true);
            const t = new BunTransport(socket, secure, path);
            socket.data = t;
            if (!secure) {
              accept(t);
              return;
            }
            t.handshaking = true;
            // A client that never finishes its handshake must not hold the socket.
            if (handshakeTimeout > 0) {
              t.handshakeTimer = setTimeout(() => {
                const e = new Error(`TLS handshake not finished within ${handshakeTimeout} ms`);
                failed(t, e, true);
              }, handshakeTimeout);
            }
          },
          handshake(socket: BunSocket, success: boolean, authError?: Error | null) {
            const t = socket.data;
            if (!t) return;
            clearTimeout(t.handshakeTimer);
            if (!success) {
              failed(t, authError ?? new Error("TLS handshake failed"), false);
              return;
            }
            t.handshaking = false;
            t.alpn = socket.alpnProtocol || null;
            t.serverName = socket.getServername?.() || null;
            accept(t);
          },
          data(socket: BunSocket, chunk: Uint8Array) {
            // Bun hands us a fresh Buffer, whose slice() is a view; the layers
            // above expect plain Uint8Array semantics (slice() copies). Swapping
            // the prototype costs 35 ns; a view through chunk.buffer costs 400
            // (JSC then materialises an ArrayBuffer).
            const bytes = Object.setPrototypeOf(chunk, Uint8Array.prototype) as Uint8Array;
            // Ours alone: a large request body chunk can be handed on without a copy.
            if (bytes.byteLength >= ADOPT_MIN) markOwned(bytes);
            socket.data?.onData(bytes);
          },
          drain(socket: BunSocket) {
            socket.data?.onDrain();
          },
          end(socket: BunSocket) {
            socket.data?.onPeerEnd();
          },
          close(socket: BunSocket, error?: unknown) {
            gone(socket.data, error);
          },
          error(socket: BunSocket, error: unknown) {
            gone(socket.data, error);
          },
        },
      });
    const listener = path !== undefined ? claimUnixPath(path, bind) : bind();
    return {
      addr: path !== undefined
        ? { transport: "unix", path }
        : { hostname: listener.hostname, port: listener.port, transport: "tcp" },
      close() {
        listener.stop(false);
        abortPending(pending);
      },
      ref(keep) {
        if (keep) listener.ref();
        else listener.unref();
      },
    };
  },
  unrefTimer(id) {
    (id as unknown as { unref?: () => void }).unref?.();
  },
};
