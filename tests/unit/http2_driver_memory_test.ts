// The HTTP/2 driver lets go of answered streams at once: a long-lived busy
// connection must not keep every stream it ever served (with its exchange)
// until a periodic check, or for ever when sendTimeout is 0.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Http2Driver } from "../../src/http2/server/driver.ts";
import { resolveHttp2Options } from "../../src/http2/server/options.ts";
import { defaultOnError } from "../../src/fetch/exchange.ts";
import type { LiveConnection, ServerHost } from "../../src/fetch/host.ts";
import { MemoryTransport } from "../support/memory_transport.ts";
import { concat } from "../support/common.ts";
import { getRequest, headers, preface, settings, settingsAck } from "../support/http2_frames.ts";

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
      const facts = t.facts();
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
