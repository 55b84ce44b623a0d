/**
 * A TLS listener over node:tls, for what Deno.listenTls and Bun.listen cannot
 * do: a certificate per SNI name on one port. Both runtimes ship node:tls
 * with SNICallback, ALPN and the client's server name.
 *
 * @module
 */
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  type ListenOptions,
  type NetAddr,
  type TlsCertificate,
  type Transport,
  type TransportListener,
  type TransportSink,
} from "./types.ts";
import { type Deferred, deferred, HIGH_WATER_MARK } from "./write_queue.ts";
import { netAddr } from "./addr.ts";

class NodeTlsTransport implements Transport {
  readonly remoteAddr: NetAddr;
  readonly localAddr: NetAddr;
  readonly secure = true;
  readonly alpn: string | null;
  readonly serverName: string | null;
  readonly closed: Promise<void>;
  #socket: tls.TLSSocket;
  #sink: TransportSink | null = null;
  #drain: Deferred | null = null;
  #done = false;

  constructor(socket: tls.TLSSocket) {
    this.#socket = socket;
    this.remoteAddr = netAddr(socket.remoteAddress, socket.remotePort);
    this.localAddr = netAddr(socket.localAddress, socket.localPort);
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

/**
 * Listens with one certificate per SNI name. A client whose name matches no
 * certificate (or that sends none) gets the entry without a serverName if
 * there is one; otherwise its handshake fails: never a wrong certificate.
 */
export function listenSniTls(
  options: ListenOptions & { tls: TlsCertificate[] },
  onConnection: (t: Transport) => void,
): TransportListener {
  const entries = options.tls.map((c) => ({
    name: c.serverName?.toLowerCase().replace(/\.$/, ""),
    context: tls.createSecureContext({ cert: c.cert, key: c.key }),
  }));
  const fallback = entries.find((e) => e.name === undefined);
  const server = tls.createServer({
    ALPNProtocols: options.alpnProtocols,
    SNICallback(servername, cb) {
      const name = servername.toLowerCase().replace(/\.$/, "");
      const hit = entries.find((e) => e.name === name) ??
        entries.find((e) => e.name !== undefined && nameMatches(e.name, name)) ??
        fallback;
      if (hit) cb(null, hit.context);
      else cb(new Error(`no certificate for ${servername}`), undefined);
    },
    handshakeTimeout: options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
  }, (socket) => onConnection(new NodeTlsTransport(socket)));
  const plain = options.tls.find((c) => c.serverName === undefined);
  if (plain) server.setSecureContext({ cert: plain.cert, key: plain.key });
  server.on("tlsClientError", () => {}); // a failed handshake only concerns that client
  // handshakeTimeout is not honoured by every node:tls: bound the handshake on the raw socket.
  const limit = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  server.on("connection", (raw: import("node:net").Socket) => {
    const key = `${raw.remoteAddress}:${raw.remotePort}`;
    pending.set(key, setTimeout(() => raw.destroy(), limit));
    raw.once("close", () => {
      clearTimeout(pending.get(key));
      pending.delete(key);
    });
  });
  server.on("secureConnection", (s: tls.TLSSocket) => {
    const key = `${s.remoteAddress}:${s.remotePort}`;
    clearTimeout(pending.get(key));
    pending.delete(key);
  });
  server.on("error", (e: unknown) => console.error("h2serve: TLS listener failed:", e));
  server.listen({ port: options.port, host: options.hostname, reusePort: options.reusePort });
  // Bun binds at once; Deno later, so the caller must then pass a concrete port.
  const a = server.address() as AddressInfo | null;
  if (a === null && options.port === 0) {
    server.close();
    throw new Error("listenSniTls: this runtime binds asynchronously; pass a concrete port");
  }
  return {
    addr: netAddr(a?.address ?? options.hostname, a?.port ?? options.port),
    close() {
      server.close();
    },
  };
}
