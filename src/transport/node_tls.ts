/**
 * A TLS listener over node:net and node:tls, which Deno, Bun and Node all
 * ship. It does what the runtimes' own TLS listeners cannot: a certificate
 * per SNI name on one port, a PROXY header read before the handshake, and
 * (on Deno) a handshake that can really be abandoned: each accepted TCP
 * socket is wrapped in a server-side TLSSocket, and destroying the TCP socket
 * releases its file descriptor even mid-handshake.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import net from "node:net";
import { listenNow } from "./listen_now.ts";
import tls from "node:tls";
import {
  type Addr,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  type HandshakeStage,
  type ListenOptions,
  type TlsCertificate,
  type Transport,
  type TransportListener,
  type TransportSink,
} from "./types.ts";
import { type Deferred, deferred, HIGH_WATER_MARK } from "./write_queue.ts";
import { netAddr } from "./addr.ts";
import { ProxyHeaderParser } from "../proxy/parser.ts";
import { proxiedAddrs } from "./proxy_stage.ts";

class NodeTlsTransport implements Transport {
  readonly remoteAddr: Addr;
  readonly localAddr: Addr;
  readonly secure = true;
  readonly alpn: string | null;
  readonly serverName: string | null;
  readonly closed: Promise<void>;
  #socket: tls.TLSSocket;
  #sink: TransportSink | null = null;
  #drain: Deferred | null = null;
  #done = false;
  #corked = false;

  constructor(socket: tls.TLSSocket, remoteAddr: Addr, localAddr: Addr) {
    this.#socket = socket;
    this.remoteAddr = remoteAddr;
    this.localAddr = localAddr;
    this.alpn = socket.alpnProtocol || null;
    const name = (socket as unknown as { servername?: string | false }).servername;
    this.serverName = name || null;
    socket.setNoDelay(true);
    let resolve!: () => void;
    this.closed = new Promise((r) => (resolve = r));
    socket.pause();
    socket.on("data", (chunk: Uint8Array) => {
      // A Buffer's slice() is a view; hand on a plain Uint8Array.
      this.#sink?.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    socket.on("end", () => this.#sink?.end());
    socket.on("error", (e: unknown) => {
      if (!this.#done) this.#sink?.end(e);
    });
    socket.on("drain", () => this.#wake());
    socket.on("close", () => {
      this.#done = true;
      this.#wake();
      resolve();
    });
  }

  get queued(): number {
    return this.#socket.writableLength;
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    this.#socket.resume();
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    if (!this.#done) this.#socket.resume();
  }

  write(chunk: Uint8Array): boolean {
    if (this.#done || this.#socket.writableEnded) return false;
    // Writes of one event-loop turn (a response head and its body) leave as
    // one batch: fewer TLS records and socket writes.
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      queueMicrotask(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#socket.write(chunk);
    return this.#socket.writableLength < HIGH_WATER_MARK;
  }

  drain(): Promise<void> {
    if (this.#done || this.#socket.writableLength < HIGH_WATER_MARK) return Promise.resolve();
    this.#drain ??= deferred();
    return this.#drain.promise;
  }

  #wake(): void {
    const d = this.#drain;
    this.#drain = null;
    d?.resolve();
  }

  close(): void {
    if (!this.#done) this.#socket.end();
  }

  abort(): void {
    if (!this.#done) this.#socket.destroy();
  }
}

/** Matches a server name against a certificate's name: exact, or `*.` one label deep. */
function nameMatches(pattern: string, name: string): boolean {
  if (pattern === name) return true;
  if (!pattern.startsWith("*.")) return false;
  const dot = name.indexOf(".");
  return dot > 0 && name.slice(dot) === pattern.slice(1);
}

/** A secure context per SNI name, and the one for clients that match none. */
function certificates(list: TlsCertificate[]) {
  const entries = list.map((c) => ({
    name: c.serverName?.toLowerCase().replace(/\.$/, ""),
    context: tls.createSecureContext({ cert: c.cert, key: c.key }),
  }));
  const fallback = entries.find((e) => e.name === undefined)?.context;
  const pick = (servername: string) => {
    const name = servername.toLowerCase().replace(/\.$/, "");
    return (entries.find((e) => e.name === name) ??
      entries.find((e) => e.name !== undefined && nameMatches(e.name, name)))?.context ?? fallback;
  };
  return { fallback, pick, sni: entries.some((e) => e.name !== undefined) };
}

/** A socket's addresses; a Unix socket reports the listened path as its local one. */
function socketAddrs(raw: net.Socket, path: string | undefined): [Addr, Addr] {
  if (path !== undefined) {
    return [{ transport: "unix", path: "" }, { transport: "unix", path }];
  }
  return [netAddr(raw.remoteAddress, raw.remotePort), netAddr(raw.localAddress, raw.localPort)];
}

/**
 * Listens for TLS through node:net + node:tls. With a certificate list, the
 * certificate is picked by SNI: a client whose name matches no entry (or that
 * sends none) gets the entry without a serverName if there is one; otherwise
 * its handshake fails: never a wrong certificate. The handshake (and the
 * PROXY header before it, with `proxyProtocol`) is bounded by its timeout:
 * the TCP socket is destroyed when it passes.
 */
export function listenNodeTls(
  options: ListenOptions & { tls: TlsCertificate | TlsCertificate[] },
  onConnection: (t: Transport) => void,
): TransportListener {
  const certs = certificates([options.tls].flat());
  const handshakeLimit = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const proxyLimit = options.proxyTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const tlsOptions: tls.TLSSocketOptions = {
    isServer: true,
    secureContext: certs.fallback,
    ALPNProtocols: options.alpnProtocols,
  };
  if (certs.sni) {
    tlsOptions.SNICallback = (servername, cb) => {
      const context = certs.pick(servername);
      if (context) cb(null, context);
      else cb(new Error(`no certificate for ${servername}`), undefined);
    };
  }
  const path = options.path;

  // Sockets not yet handed on (PROXY header or handshake pending): closing the listener ends them.
  const pending = new Set<net.Socket>();

  /** Sockets already reported or handed on: each failure is reported once. */
  const settled = new WeakSet<net.Socket>();
  const fail = (
    raw: net.Socket,
    peer: Addr,
    stage: HandshakeStage,
    error: Error,
    timedOut: boolean,
  ) => {
    if (settled.has(raw) || !pending.has(raw)) return; // handed on, or the listener closed it
    settled.add(raw);
    pending.delete(raw);
    raw.destroy();
    try {
      options.onHandshakeError?.(stage, error, peer, timedOut);
    } catch {
      // a reporting hook must not take the listener down
    }
  };

  const handshake = (raw: net.Socket, addrs: [Addr, Addr]) => {
    // A client that never finishes its handshake must not hold the socket:
    // destroying the TCP socket ends the TLS one with it.
    const timer = handshakeLimit > 0
      ? setTimeout(() => {
        const e = new Error(`TLS handshake not finished within ${handshakeLimit} ms`);
        fail(raw, addrs[0], "tls", e, true);
      }, handshakeLimit)
      : undefined;
    const socket = new tls.TLSSocket(raw, tlsOptions);
    raw.once("close", () => {
      clearTimeout(timer);
      fail(raw, addrs[0], "tls", new Error("connection closed during the TLS handshake"), false);
    });
    // A failed handshake only concerns that client.
    socket.on("error", (e: Error) => {
      fail(raw, addrs[0], "tls", e, false);
      socket.destroy();
    });
    socket.once("secure", () => {
      clearTimeout(timer);
      settled.add(raw);
      pending.delete(raw);
      onConnection(new NodeTlsTransport(socket, addrs[0], addrs[1]));
    });
  };

  const readProxyHeader = (raw: net.Socket, addrs: [Addr, Addr]) => {
    const timer = proxyLimit > 0
      ? setTimeout(() => {
        fail(raw, addrs[0], "proxy", new Error(`PROXY header: none within ${proxyLimit} ms`), true);
      }, proxyLimit)
      : undefined;
    const parser = new ProxyHeaderParser();
    const onClose = () => {
      clearTimeout(timer);
      fail(
        raw,
        addrs[0],
        "proxy",
        new Error("PROXY header: connection ended before a whole header"),
        false,
      );
    };
    raw.once("close", onClose);
    const onData = (d: Uint8Array) => {
      const r = parser.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      if (r.kind === "more") return;
      raw.off("data", onData);
      raw.pause();
      clearTimeout(timer);
      if (r.kind === "error") {
        fail(raw, addrs[0], "proxy", r.error, false);
        return;
      }
      raw.off("close", onClose);
      const a = proxiedAddrs(r.header, addrs[0], addrs[1]);
      if (r.rest.byteLength > 0) {
        raw.unshift(Buffer.from(r.rest.buffer, r.rest.byteOffset, r.rest.byteLength));
      }
      handshake(raw, [a.remoteAddr, a.localAddr]);
    };
    raw.on("data", onData);
    raw.resume();
  };

  const server = net.createServer({ pauseOnConnect: true }, (raw) => {
    pending.add(raw);
    raw.once("close", () => pending.delete(raw));
    raw.on("error", () => raw.destroy());
    if (path === undefined) raw.setNoDelay(true);
    const addrs = socketAddrs(raw, path);
    if (options.proxyProtocol) readProxyHeader(raw, addrs);
    else handshake(raw, addrs);
  });
  server.on("error", (e: unknown) => console.error("h2serve: TLS listener failed:", e));
  if (path !== undefined) server.listen({ path });
  else {
    listenNow(server, options.hostname, options.port, options.reusePort ?? false);
  }
  // Bun binds at once; Deno later, so the caller must then pass a concrete port.
  const a = server.address();
  const close = () => {
    server.close();
    for (const raw of pending) raw.destroy();
    pending.clear();
  };
  const ref = (keep: boolean) => void (keep ? server.ref() : server.unref());
  if (path !== undefined) return { addr: { transport: "unix", path }, close, ref };
  if (a === null && options.port === 0) {
    server.close();
    throw new Error("listenNodeTls: this runtime binds asynchronously; pass a concrete port");
  }
  const info = typeof a === "object" && a !== null ? a : null;
  return {
    addr: netAddr(info?.address ?? options.hostname, info?.port ?? options.port),
    close,
    ref,
  };
}
