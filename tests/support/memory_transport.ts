/**
 * An in-memory Transport for driving a connection driver without sockets:
 * the test (or bench/inproc.ts) feeds bytes through `sink`, and every write
 * is counted and handed to `onWrite`. Subclasses decode what is written.
 *
 * Not a test file.
 *
 * @module
 */
import type { Transport, TransportSink } from "../../src/transport/types.ts";
import { Connection, type ConnectionFacts } from "../../src/fetch/info.ts";

/** A Transport over nothing: input from the test, output to `onWrite`. */
export class MemoryTransport implements Transport {
  readonly remoteAddr = { hostname: "127.0.0.1", port: 1, transport: "tcp" as const };
  readonly localAddr = { hostname: "127.0.0.1", port: 2, transport: "tcp" as const };
  readonly secure = false;
  readonly alpn = null;
  readonly serverName = null;
  readonly closed = new Promise<void>(() => {});
  /** Where the test pushes bytes, once the driver started. */
  sink: TransportSink | null = null;
  /** Bytes written so far. */
  written = 0;
  /** close() and abort() calls. */
  closes = 0;
  aborts = 0;
  /** Hears each chunk the driver writes. */
  onWrite: (chunk: Uint8Array) => void = () => {};
  /** What a driver is told about this connection (fresh counters). */
  facts(protocol: "http/1.1" | "h2c" = "h2c"): ConnectionFacts {
    return {
      stats: { requests: 0, inflight: 0, websockets: 0 },
      remoteAddr: this.remoteAddr,
      localAddr: this.localAddr,
      protocol,
      secure: false,
      serverName: null,
      connection: new Connection(),
    };
  }
  /** Bytes waiting to be written: none, every write is taken at once. */
  get queued(): number {
    return 0;
  }
  start(sink: TransportSink): void {
    this.sink = sink;
  }
  pause(): void {}
  resume(): void {}
  write(chunk: Uint8Array): boolean {
    this.written += chunk.byteLength;
    this.onWrite(chunk);
    return true;
  }
  drain(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {
    this.closes++;
  }
  abort(): void {
    this.aborts++;
  }
}
