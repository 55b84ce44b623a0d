// serveWorkers: threads sharing one port through SO_REUSEPORT.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { skipUnless } from "../support/skip.ts";
import net from "node:net";
import { serveWorkers } from "../../mod.ts";
import { raw } from "../support/live.ts";

const APP = new URL("../fixtures/worker_app.ts", import.meta.url);

/** One request on its own connection, so the kernel picks a worker each time. */
async function once(port: number, path = "/"): Promise<string> {
  const r = await raw(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, {
    idleMs: 3000,
  });
  assert.match(r.text, /^HTTP\/1\.1 200 OK/);
  return r.text.slice(r.text.indexOf("\r\n\r\n") + 4);
}

/** serveWorkers needs web Workers and SO_REUSEPORT, which Node lacks. */
const onNode = !("Deno" in globalThis) && !("Bun" in globalThis);
const skip = skipUnless(
  !onNode,
  "serveWorkers is not offered on Node.js (no web Workers, no SO_REUSEPORT)",
);

describe("serveWorkers", () => {
  it("on Node.js, rejects at start with a message that says what to do instead", {
    skip: skipUnless(onNode, "the Node.js refusal is checked on Node only"),
  }, async () => {
    await assert.rejects(serveWorkers(APP, { workers: 2, onListen() {} }), /reusePort/);
  });

  it("spreads connections over every worker on one port", { skip }, async () => {
    const pool = await serveWorkers(APP, {
      hostname: "127.0.0.1",
      port: 0,
      workers: 2,
      onListen() {},
    });
    try {
      assert.equal(pool.size, 2);
      const ids = new Set<string>();
      for (let i = 0; i < 40; i++) ids.add(await once(pool.addr.port));
      // The kernel hashes each connection to a worker: 40 all landing on one has odds of 2^-39.
      assert.equal(ids.size, 2);
      const stats = await pool.stats();
      assert.equal(stats.requests, 40);
      assert.equal(stats.inflight, 0);
    } finally {
      await pool.shutdown();
    }
  });

  it(
    "shuts down gracefully: in-flight responses finish, then the port is closed",
    { skip },
    async () => {
      const pool = await serveWorkers(APP, {
        hostname: "127.0.0.1",
        port: 0,
        workers: 2,
        onListen() {},
      });
      const port = pool.addr.port;
      const slow = once(port, "/slow");
      await new Promise((r) => setTimeout(r, 100));
      await pool.shutdown();
      assert.match(await slow, /^slow /);
      await pool.finished;
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, "127.0.0.1");
        s.on("connect", () => {
          s.destroy();
          resolve(false);
        });
        s.on("error", () => resolve(true));
      });
      assert.equal(refused, true);
    },
  );

  it(
    "refuses a relative module path, which would depend on who resolves it",
    { skip },
    async () => {
      await assert.rejects(serveWorkers("fixtures/worker_app.ts", { workers: 1 }), TypeError);
    },
  );

  it("refuses a module without a fetch handler, and stops what it started", { skip }, async () => {
    await assert.rejects(
      serveWorkers(new URL("../fixtures/not_an_app.ts", import.meta.url), {
        hostname: "127.0.0.1",
        port: 0,
        workers: 2,
        onListen() {},
      }),
      /no default export with a fetch handler/,
    );
  });
});
