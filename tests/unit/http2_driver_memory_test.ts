// The HTTP/2 driver lets go of answered streams at once: a long-lived busy
// connection must not keep every stream it ever served (with its exchange)
// until a periodic check, or for ever when sendTimeout is 0.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Http2Driver } from "../../src/http2/server/driver.ts";
import { resolveHttp2Options } from "../../src/http2/server/options.ts";
import { Connection } from "../../src/fetch/info.ts";
import { defaultOnError } from "../../src/fetch/exchange.ts";
import type { LiveConnection, ServerHost } from "../../src/fetch/host.ts";
import type { Transport, TransportSink } from "../../src/transport/types.ts";
import { concat } from "../support/common.ts";
import { getRequest, headers, preface, settings, settingsAck } from "../support/http2_frames.ts";

/** An in-memory transport: the test feeds bytes in; output is counted and dropped. */
class MemoryTransport implements Transport {
  readonly remoteAddr = { hostname: "127.0.0.1", port: 1, transport: "tcp" as const };
  readonly localAddr = { hostname: "127.0.0.1", port: 2, transport: "tcp" as const };
  readonly secure = false;
  readonly alpn = null;
  readonly serverName = null;
  readonly closed = new Promise<void>(() => {});
  readonly queued = 0;
  sink: TransportSink | null = null;
  written = 0;
  start(sink: TransportSink): void {
    this.sink = sink;
  }
  pause(): void {}
  resume(): void {}
  write(chunk: Uint8Array): boolean {
    this.written += chunk.byteLength;
    return true;
  }
  drain(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
  abort(): void {}
}

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
}

describe("h2 driver memory", () => {
  for (const sendTimeout of [0, 30_000]) {
    it(`forgets answered streams at once (sendTimeout ${sendTimeout})`, async () => {
      let driver: Http2Driver | null = null;
      const host: ServerHost = {
        handler: () => new Response("hello"),
        onError: defaultOnError,
        shuttingDown: false,
        add(c: LiveConnection) {
          driver = c as Http2Driver;
        },
        remove() {},
        clientError() {},
      };
      const t = new MemoryTransport();
      const facts = {
        stats: { requests: 0, inflight: 0, websockets: 0 },
        remoteAddr: t.remoteAddr,
        localAddr: t.localAddr,
        protocol: "h2c" as const,
        secure: false,
        serverName: null,
        connection: new Connection(),
      };
      new Http2Driver(t, host, facts, resolveHttp2Options({ sendTimeout })).start();
      t.sink!.data(concat(preface(), settings(), settingsAck()));
      for (let batch = 0; batch < 20; batch++) {
        const frames: Uint8Array[] = [];
        for (let i = 0; i < 10; i++) {
          frames.push(headers(1 + 2 * (batch * 10 + i), getRequest("/"), { endStream: true }));
        }
        t.sink!.data(concat(...frames));
        await turns(2);
      }
      assert.equal(facts.stats.requests, 200);
      assert.equal(facts.stats.inflight, 0);
      assert.ok(t.written > 200 * 5, "responses written");
      assert.equal(driver!.sending.size, 0, "no answered stream is still held");
    });
  }
});
