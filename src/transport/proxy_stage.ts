/**
 * The PROXY protocol stage of a listener: each accepted connection must
 * first send a PROXY header; until it has, nothing above the transport sees
 * it. A connection whose header is malformed, oversized or late is closed
 * unserved, so a client that reaches the port directly cannot pose as anyone.
 *
 * @module
 */
import type { Addr, HandshakeErrorHook, Transport, TransportSink } from "./types.ts";
import { type ProxyHeader, ProxyHeaderParser } from "../proxy/parser.ts";

/**
 * The addresses a connection reports once its PROXY header is read: the
 * header's, or the socket's when the header names nobody.
 */
export function proxiedAddrs(
  header: ProxyHeader,
  remote: Addr,
  local: Addr,
): { remoteAddr: Addr; localAddr: Addr } {
  // LOCAL (health checks), v1 UNKNOWN and v2 UNSPEC name nobody: the socket's addresses stand.
  if (header.command === "local" || header.source === null || header.destination === null) {
    return { remoteAddr: remote, localAddr: local };
  }
  return { remoteAddr: header.source, localAddr: header.destination };
}

/**
 * A connection behind its PROXY header: reports the header's addresses and
 * delivers the bytes that followed the header first.
 */
class ProxiedTransport implements Transport, TransportSink {
  remoteAddr: Addr;
  localAddr: Addr;
  #inner: Transport;
  #parser: ProxyHeaderParser | null = new ProxyHeaderParser();
  #sink: TransportSink | null = null;
  /** Bytes read after the header and before start(); at most the header's read plus one more. */
  #held: Uint8Array[] = [];
  #heldEnd: { error?: unknown } | null = null;
  #paused = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ready: (t: Transport) => void;
  #pending: Set<Transport>;
  #onError: HandshakeErrorHook | undefined;

  constructor(
    inner: Transport,
    timeoutMs: number,
    ready: (t: Transport) => void,
    pending: Set<Transport>,
    onError: HandshakeErrorHook | undefined,
  ) {
    this.#inner = inner;
    this.remoteAddr = inner.remoteAddr;
    this.localAddr = inner.localAddr;
    this.#ready = ready;
    this.#onError = onError;
    if (timeoutMs > 0) {
      this.#timer = setTimeout(() => {
        this.#fail(new Error(`PROXY header: none within ${timeoutMs} ms`), true);
      }, timeoutMs);
    }
    this.#pending = pending;
    pending.add(inner);
    inner.closed.then(() => {
      clearTimeout(this.#timer);
      pending.delete(inner);
    });
    inner.start(this);
  }

  get secure(): boolean {
    return this.#inner.secure;
  }
  get alpn(): string | null {
    return this.#inner.alpn;
  }
  get serverName(): string | null {
    return this.#inner.serverName;
  }
  get queued(): number {
    return this.#inner.queued;
  }
  get closed(): Promise<void> {
    return this.#inner.closed;
  }

  /** Bytes from the inner transport: the header first, then the application's. */
  data(chunk: Uint8Array): void {
    const parser = this.#parser;
    if (parser === null) {
      if (this.#sink === null || this.#paused || this.#held.length > 0) this.#held.push(chunk);
      else this.#sink.data(chunk);
      return;
    }
    const r = parser.push(chunk);
    if (r.kind === "more") return;
    this.#parser = null;
    clearTimeout(this.#timer);
    this.#pending.delete(this.#inner);
    if (r.kind === "error") {
      this.#fail(r.error, false);
      return;
    }
    const addrs = proxiedAddrs(r.header, this.remoteAddr, this.localAddr);
    this.remoteAddr = addrs.remoteAddr;
    this.localAddr = addrs.localAddr;
    if (r.rest.byteLength > 0) this.#held.push(r.rest);
    // Until the server starts us, the socket waits (one read may still land in #held).
    this.#paused = true;
    this.#inner.pause();
    this.#ready(this);
  }

  end(error?: unknown): void {
    if (this.#parser !== null) {
      // Gone before a whole header: nothing to serve.
      const why = error instanceof Error ? `: ${error.message}` : "";
      this.#fail(new Error(`PROXY header: connection ended before a whole header${why}`), false);
      return;
    }
    if (this.#sink !== null && !this.#paused && this.#held.length === 0) this.#sink.end(error);
    else this.#heldEnd = { error };
  }

  /** Drops the connection unserved and reports why (once: the parser is gone after). */
  #fail(error: Error, timedOut: boolean): void {
    this.#parser = null;
    clearTimeout(this.#timer);
    this.#pending.delete(this.#inner);
    this.#inner.abort();
    try {
      this.#onError?.("proxy", error, this.#inner.remoteAddr, timedOut);
    } catch {
      // a reporting hook must not take the listener down
    }
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    this.#paused = false;
    this.resume();
  }

  pause(): void {
    this.#paused = true;
    this.#inner.pause();
  }

  resume(): void {
    this.#paused = false;
    const sink = this.#sink;
    if (sink === null) return;
    while (this.#held.length > 0 && !this.#paused) sink.data(this.#held.shift()!);
    if (this.#paused) return;
    if (this.#heldEnd !== null) {
      const e = this.#heldEnd.error;
      this.#heldEnd = null;
      sink.end(e);
      return;
    }
    this.#inner.resume();
  }
  write(chunk: Uint8Array): boolean {
    return this.#inner.write(chunk);
  }
  drain(): Promise<void> {
    return this.#inner.drain();
  }
  close(): void {
    this.#inner.close();
  }
  abort(): void {
    this.#inner.abort();
  }
}

/**
 * Reads the PROXY header of a freshly accepted connection within `timeoutMs`,
 * then hands the connection, with the header's addresses, to `ready`. A bad,
 * oversized or late header aborts the connection; `ready` is never called.
 * While it waits, the connection is in `pending`, so that closing the
 * listener can abort it (see {@link abortPending}). Each connection dropped
 * for its header is reported to `onError`, if given.
 */
export function acceptProxied(
  transport: Transport,
  timeoutMs: number,
  ready: (t: Transport) => void,
  pending: Set<Transport>,
  onError?: HandshakeErrorHook,
): void {
  new ProxiedTransport(transport, timeoutMs, ready, pending, onError);
}

/**
 * Aborts every connection still waiting for its PROXY header (the listener
 * is closing: nobody will serve them).
 */
export function abortPending(pending: Set<Transport>): void {
  for (const t of [...pending]) t.abort();
  pending.clear();
}
