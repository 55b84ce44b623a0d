// Fault tolerance: a failing handler affects only its own request,
// and clients that vanish mid-request or mid-response leak nothing — after
// 10,000 aborted requests over HTTP/1.1 and h2c, the server's connection and
// in-flight counts return to zero and memory returns to its baseline.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import v8 from "node:v8";
import vm from "node:vm";
import { sleep, start } from "../support/live.ts";
import { concat, endless, eventually } from "../support/common.ts";
import { LiveH2 } from "../support/http2_client.ts";
import { data, getRequest, headers, postRequest, rst } from "../support/http2_frames.ts";
import { ErrorCode, FrameType } from "../../src/http2/core/mod.ts";
import type { Handler } from "../../mod.ts";

const dec = new TextDecoder();

/** One handler with a failure mode per path. */
const faulty: Handler = async (req) => {
  switch (new URL(req.url).pathname) {
    case "/throw":
      throw new Error("handler bug");
    case "/garbage":
      return 42 as unknown as Response;
    case "/hang":
      return await new Promise<Response>((resolve) => {
        req.signal.addEventListener("abort", () => resolve(new Response("gone")));
      });
    case "/reject":
      return new Response(
        new ReadableStream({
          async pull(c) {
            await sleep(5);
            c.enqueue(new TextEncoder().encode("partial"));
            await sleep(5);
            c.error(new Error("body failed"));
          },
        }),
      );
    case "/up":
      return new Response(String((await req.arrayBuffer()).byteLength));
    case "/down":
      return new Response(endless(undefined, 8192, 2));
    default:
      return new Response("ok");
  }
};

describe("fault: a failing handler affects only its own request", () => {
  it("HTTP/1.1: throw → 500, garbage → 500, rejected body → connection closed; others served", async () => {
    await using s = start(faulty, { onError: () => new Response("fallback", { status: 500 }) });
    // A client that gives up on /hang and resets the connection (a clean close
    // would be a half-close, whose answer is still owed).
    const hang = net.connect(s.port, "127.0.0.1", () => {
      hang.write("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n");
    });
    let hangAnswered = false;
    hang.on("data", () => (hangAnswered = true));
    hang.on("error", () => {});
    setTimeout(() => hang.resetAndDestroy(), 800);
    const [t, g, ok] = await Promise.all([
      fetch(`${s.base}/throw`),
      fetch(`${s.base}/garbage`),
      fetch(`${s.base}/`),
    ]);
    assert.equal(t.status, 500);
    assert.equal(await t.text(), "fallback");
    assert.equal(g.status, 500);
    await g.text();
    assert.equal(await ok.text(), "ok");
    const r = await fetch(`${s.base}/reject`);
    assert.equal(r.status, 200);
    await assert.rejects(r.text(), "a body that fails mid-way is not passed off as complete");
    await eventually(() => hang.destroyed, 5000, "hanging client gone");
    assert.equal(hangAnswered, false, "the hanging request never answered");
    assert.equal(await (await fetch(`${s.base}/`)).text(), "ok");
    await eventually(() => s.server.stats().inflight === 0, 5000, "inflight 0");
  });

  it("h2: the same faults on one connection leave sibling streams untouched", async () => {
    await using s = start(faulty, { onError: () => new Response("fallback", { status: 500 }) });
    const c = await LiveH2.connect(s.port);
    try {
      c.write(
        headers(1, getRequest("/hang"), { endStream: true }),
        headers(3, getRequest("/throw"), { endStream: true }),
        headers(5, getRequest("/garbage"), { endStream: true }),
        headers(7, getRequest("/reject"), { endStream: true }),
        headers(9, getRequest("/"), { endStream: true }),
      );
      await c.until(() => c.ended(3) && c.ended(5) && c.ended(9) && c.resetCode(7) !== undefined);
      assert.equal(c.head(3)?.get(":status"), "500");
      assert.equal(dec.decode(c.body(3)), "fallback");
      assert.equal(c.head(5)?.get(":status"), "500");
      assert.equal(c.resetCode(7), ErrorCode.INTERNAL_ERROR);
      assert.equal(dec.decode(c.body(9)), "ok");
      assert.equal(c.of(1).length, 0, "the hanging stream is still open");
      c.write(headers(11, getRequest("/"), { endStream: true }));
      await c.until(() => c.ended(11));
      c.write(rst(1, ErrorCode.CANCEL));
      await eventually(() => s.server.stats().inflight === 0, 5000, "inflight 0");
      assert.equal(c.goaway, undefined, "the connection is fine");
    } finally {
      c.destroy();
    }
  });
});

/** HTTP/1.1 client that vanishes: mid-request (partial upload) or mid-response (download). */
function h1Abort(port: number, midResponse: boolean): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve();
    };
    sock.on("error", end);
    sock.on("close", end);
    const guard = setTimeout(end, 5000);
    sock.on("connect", () => {
      if (midResponse) {
        sock.write("GET /down HTTP/1.1\r\nHost: x\r\n\r\n");
        sock.once("data", () => {
          clearTimeout(guard);
          end();
        });
      } else {
        sock.write(
          "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "u".repeat(500),
        );
        setTimeout(() => {
          clearTimeout(guard);
          end();
        }, 5);
      }
    });
  });
}

/** h2c connection with 10 streams (5 partial uploads, 5 downloads), then reset or dropped. */
async function h2Abort(port: number, viaReset: boolean): Promise<void> {
  const c = await LiveH2.connect(port);
  try {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) {
      const id = 1 + 2 * i;
      if (i % 2 === 0) frames.push(headers(id, postRequest("/up")), data(id, "u".repeat(300)));
      else frames.push(headers(id, getRequest("/down"), { endStream: true }));
    }
    c.write(concat(...frames));
    await c.until(
      () => [3, 7, 11, 15, 19].every((id) => c.of(id).some((f) => f.type === FrameType.DATA)),
      5000,
    );
    if (viaReset) {
      const resets: Uint8Array[] = [];
      for (let i = 0; i < 10; i++) resets.push(rst(1 + 2 * i, ErrorCode.CANCEL));
      c.write(concat(...resets));
      await sleep(5);
    }
  } catch {
    // A connection the server cut is just as aborted.
  } finally {
    c.destroy();
  }
}

/** A full GC where the runtime allows it: Bun.gc, a global gc, or V8's, exposed at run time. */
function findGc(): (() => void) | null {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  const bun = g.Bun;
  if (bun) return () => bun.gc(true);
  if (typeof g.gc === "function") return g.gc;
  try {
    v8.setFlagsFromString("--expose-gc");
    const f: unknown = vm.runInNewContext("gc");
    if (typeof f === "function") return f as () => void;
  } catch {
    // No way to force a GC: the settle loop below waits for a natural one.
  }
  return null;
}
const forceGc = findGc();

/** Heap in use after a forced GC (when possible). */
function heap(): number {
  forceGc?.();
  return process.memoryUsage().heapUsed;
}

describe("fault: disconnecting clients leak nothing", () => {
  it(
    "10,000 requests aborted mid-request and mid-response (h1 + h2c): counts back to 0, memory to baseline",
    {
      timeout: 120_000,
    },
    async () => {
      await using s = start(faulty);
      let aborted = 0;
      const round = async (h1: number, h2: number) => {
        const jobs: Array<Promise<void>> = [];
        for (let i = 0; i < h1; i++) jobs.push(h1Abort(s.port, i % 2 === 0));
        for (let i = 0; i < h2; i++) jobs.push(h2Abort(s.port, i % 2 === 0));
        await Promise.all(jobs);
        aborted += h1 + h2 * 10;
      };
      // Warm-up, then the baseline.
      await round(50, 5);
      await eventually(() => s.server.stats().connections === 0, 10_000, "warm-up closed");
      const base = heap();
      const before = s.server.stats().requests;
      while (aborted < 10_000) await round(100, 10); // 200 aborted requests per round
      await eventually(
        () => s.server.stats().connections === 0 && s.server.stats().inflight === 0,
        15_000,
        "connections and inflight back to 0",
      );
      assert.ok(s.server.stats().requests - before >= 9_000, "the requests reached the server");
      // Memory settles back within a tolerance (GC is not deterministic).
      const tolerance = 32 * 1024 * 1024;
      let now = heap();
      for (let i = 0; i < 50 && now > base + tolerance; i++) {
        await sleep(100);
        now = heap();
      }
      assert.ok(now <= base + tolerance, `heap ${now} vs baseline ${base}`);
      // And the server still works.
      assert.equal(await (await fetch(`${s.base}/`)).text(), "ok");
    },
  );
});
