/**
 * HTTP/3's transport on Deno: `Deno.QuicEndpoint` (behind --unstable-net)
 * bound to the TLS listener's port, with ALPN "h3". Each QUIC stream's web
 * streams become a pausable reader and a writer with backpressure: we read
 * a stream only while its consumer wants more, so an unread request body
 * stays in QUIC's flow-control window, and a response waits on the
 * writer's `ready` instead of queueing in memory.
 *
 * @module
 */
import type {
  QuicListenerHandle,
  QuicListenOptions,
  QuicRecv,
  QuicSend,
  QuicSession,
  QuicSink,
  QuicStreamHandlers,
} from "./quic_types.ts";
import type { Addr } from "./types.ts";

// The few shapes we use, declared here so the npm build (which has no
// unstable Deno types) still compiles this file.
interface NetAddr {
  hostname: string;
  port: number;
}
interface DenoRecv extends ReadableStream<Uint8Array> {
  readonly id: bigint;
}
interface DenoSend extends WritableStream<Uint8Array> {
  readonly id: bigint;
}
interface DenoConn {
  close(info?: { closeCode: number; reason: string }): void;
  createUnidirectionalStream(): Promise<DenoSend>;
  readonly remoteAddr: NetAddr;
  readonly serverName: string | undefined;
  readonly closed: Promise<unknown>;
  readonly incomingBidirectionalStreams: ReadableStream<{ readable: DenoRecv; writable: DenoSend }>;
  readonly incomingUnidirectionalStreams: ReadableStream<DenoRecv>;
}
interface DenoListener {
  incoming(): Promise<{ accept(): Promise<DenoConn>; refuse(): void }>;
  stop(): void;
}
interface DenoEndpoint {
  readonly addr: NetAddr;
  listen(o: Record<string, unknown>): DenoListener;
  close(): void;
}
type EndpointCtor = new (o: { hostname: string; port: number }) => DenoEndpoint;

/**
 * Whether Deno's QUIC streams carry our error codes: not in Deno 2.9, whose
 * abort() drops a send stream (quinn then finishes it: a FIN) and whose
 * cancel() sends STOP_SENDING with code 0.
 */
export const DENO_QUIC_STREAM_CODES = false;

/**
 * Why HTTP/3 cannot run in this process, or null when it can.
 */
export function quicUnsupported(): string | null {
  const g = globalThis as { Deno?: { QuicEndpoint?: unknown }; Bun?: unknown };
  if (g.Bun !== undefined) return "http3: Bun has no QUIC yet; HTTP/3 runs on Deno only";
  if (g.Deno === undefined) {
    return "http3: Node.js has no QUIC yet (not in Node 20); HTTP/3 runs on Deno only";
  }
  if (typeof g.Deno.QuicEndpoint !== "function") {
    return "http3: Deno.QuicEndpoint is missing; run Deno 2.9+ with --unstable-net";
  }
  return null;
}

const addr = (a: NetAddr): Addr => ({ transport: "udp", hostname: a.hostname, port: a.port });

/**
 * Binds the UDP port and hands each accepted connection to `onSession`.
 * Throws with quicUnsupported()'s message where there is no QUIC.
 */
export function listenQuic(
  o: QuicListenOptions,
  onSession: (s: QuicSession) => void,
): QuicListenerHandle {
  const why = quicUnsupported();
  if (why !== null) throw new Error(why);
  const Endpoint = (globalThis as unknown as { Deno: { QuicEndpoint: EndpointCtor } }).Deno
    .QuicEndpoint;
  const endpoint = new Endpoint({ hostname: o.hostname, port: o.port });
  const listener = endpoint.listen({
    cert: o.cert,
    key: o.key,
    alpnProtocols: ["h3"],
    maxConcurrentBidirectionalStreams: o.maxConcurrentStreams,
    // Control, two QPACK streams, and room for a few the peer may grease with.
    maxConcurrentUnidirectionalStreams: 8,
    maxIdleTimeout: o.idleTimeout,
  });
  const local = addr(endpoint.addr);
  let stopped = false;
  (async () => {
    while (!stopped) {
      let incoming;
      try {
        incoming = await listener.incoming();
      } catch {
        return; // stopped or closed
      }
      incoming.accept().then(
        (conn) => onSession(new DenoSession(conn, local)),
        () => {}, // a failed handshake concerns nobody else
      );
    }
  })();
  return {
    addr: local,
    stop() {
      stopped = true;
      try {
        listener.stop();
      } catch { /* already stopped */ }
    },
    close() {
      this.stop();
      try {
        endpoint.close();
      } catch { /* already closed */ }
    },
  };
}

class DenoSession implements QuicSession {
  readonly remoteAddr: Addr;
  readonly serverName: string | null;
  readonly closed: Promise<void>;
  readonly streamCodes = DENO_QUIC_STREAM_CODES;
  #conn: DenoConn;

  constructor(conn: DenoConn, readonly localAddr: Addr) {
    this.#conn = conn;
    this.remoteAddr = addr(conn.remoteAddr);
    this.serverName = conn.serverName ?? null;
    this.closed = conn.closed.then(() => {}, () => {});
  }

  accept(h: QuicStreamHandlers): void {
    pump(
      this.#conn.incomingBidirectionalStreams,
      (s) => h.bidi(new Recv(s.readable), new Send(s.writable)),
    );
    pump(this.#conn.incomingUnidirectionalStreams, (r) => h.uni(new Recv(r)));
  }

  async openUni(): Promise<QuicSend> {
    return new Send(await this.#conn.createUnidirectionalStream());
  }

  close(code: number, reason: string): void {
    try {
      this.#conn.close({ closeCode: code, reason });
    } catch { /* already closed */ }
  }
}

async function pump<T>(streams: ReadableStream<T>, each: (s: T) => void): Promise<void> {
  const reader = streams.getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      each(r.value);
    }
  } catch {
    // The connection closed.
  }
}

class Recv implements QuicRecv {
  readonly id: number;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #sink: QuicSink | null = null;
  #paused = false;
  #reading = false;
  #done = false;

  constructor(s: DenoRecv) {
    this.id = Number(s.id);
    this.#reader = s.getReader();
  }

  start(sink: QuicSink): void {
    this.#sink = sink;
    this.#loop();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#loop();
  }

  /** Deno 2.9 sends STOP_SENDING with code 0 whatever `code` (RFC 9114 §9 reads it as H3_NO_ERROR). */
  stop(code: number): void {
    if (this.#done) return;
    this.#done = true;
    this.#reader.cancel(code).catch(() => {});
  }

  /** One read at a time, and none while paused: unread bytes stay in QUIC's window. */
  async #loop(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    const sink = this.#sink!;
    try {
      while (!this.#paused && !this.#done) {
        const r = await this.#reader.read();
        if (this.#done) return;
        if (r.done) {
          this.#done = true;
          sink.end();
          return;
        }
        sink.data(r.value);
      }
    } catch (e) {
      if (this.#done) return;
      this.#done = true;
      sink.reset(e);
    } finally {
      this.#reading = false;
    }
  }
}

class Send implements QuicSend {
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #gone = false;
  #onFail: ((reason: unknown) => void) | null = null;
  blockedSince = 0;

  constructor(s: DenoSend) {
    this.#writer = s.getWriter();
  }

  onFail(cb: (reason: unknown) => void): void {
    this.#onFail = cb;
  }

  write(bytes: Uint8Array): boolean {
    if (this.#gone) return true;
    this.#writer.write(bytes).catch((e) => this.#fail(e));
    const room = (this.#writer.desiredSize ?? 1) > 0;
    if (!room && this.blockedSince === 0) this.blockedSince = Date.now();
    return room;
  }

  ready(): Promise<void> {
    if (this.#gone) return Promise.resolve();
    return this.#writer.ready.then(() => {
      this.blockedSince = 0;
    }, (e) => this.#fail(e));
  }

  end(): Promise<void> {
    if (this.#gone) return Promise.resolve();
    this.#gone = true;
    this.blockedSince = 0;
    return this.#writer.close().catch(() => {});
  }

  /** Deno 2.9 has no RESET_STREAM: abort() drops the stream, which quinn finishes (FIN). */
  reset(_code: number): void {
    if (this.#gone) return;
    this.#gone = true;
    this.blockedSince = 0;
    this.#writer.abort().catch(() => {});
  }

  #fail(e: unknown): void {
    if (this.#gone) return;
    this.#gone = true;
    this.blockedSince = 0;
    const cb = this.#onFail;
    this.#onFail = null;
    cb?.(e);
  }
}
