/**
 * shutdown({ timeout }): in-flight requests get the timeout, then every
 * req.signal aborts and the connections are cut (h1: closed; h2: RST_STREAM
 * CANCEL and GOAWAY), `finished` settles. In-process and through SIGTERM to
 * a subprocess running the same runtime as the test.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { spawn } from "node:child_process";
import { serve } from "../../mod.ts";
import type { Server } from "../../mod.ts";
import { ErrorCode } from "../../src/http2/core/mod.ts";
import { LiveH2 } from "../support/http2_client.ts";
import { getRequest, headers } from "../support/http2_frames.ts";
import { eventually } from "../support/common.ts";
import { fixtureCommand } from "../support/live.ts";

const enc = new TextEncoder();
const TIMEOUT = 500;
/** Generous slack for a loaded 2-core machine: the point is "not for ever". */
const MARGIN = 3000;

/** An endless SSE handler; records each request's signal. */
function sseServer(
  extra: Record<string, unknown> = {},
): { server: Server; signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  const server = serve({ hostname: "127.0.0.1", port: 0, onListen() {}, ...extra }, (req) => {
    signals.push(req.signal);
    let timer: ReturnType<typeof setInterval> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode("data: hello\n\n"));
        timer = setInterval(() => c.enqueue(enc.encode("data: tick\n\n")), 50);
        req.signal.addEventListener("abort", () => clearInterval(timer));
      },
      cancel() {
        clearInterval(timer);
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  return { server, signals };
}

/** A raw HTTP/1.1 client of /sse: collects what arrives, notes the close. */
function h1Client(port: number): Promise<{ text: () => string; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let text = "";
    let closed = false;
    const s = net.connect(port, "127.0.0.1", () => {
      s.write("GET /sse HTTP/1.1\r\nHost: x\r\n\r\n");
      resolve({ text: () => text, closed: () => closed });
    });
    s.on("data", (d: Uint8Array) => (text += new TextDecoder().decode(d)));
    s.on("close", () => (closed = true));
    s.on("error", () => {});
    s.once("error", reject);
  });
}

describe("shutdown with a deadline", () => {
  it("h1: an endless SSE stream is cut after the timeout; req.signal aborts", async () => {
    const { server, signals } = sseServer();
    const c = await h1Client(server.addr.port);
    await eventually(() => c.text().includes("data: tick"), 5000, "first ticks");
    const t0 = Date.now();
    await server.shutdown({ timeout: TIMEOUT });
    const took = Date.now() - t0;
    assert.ok(took >= TIMEOUT - 50, `finished after ${took} ms: the stream got its time`);
    assert.ok(took < TIMEOUT + MARGIN, `finished after ${took} ms`);
    assert.equal(signals.length, 1);
    assert.ok(signals[0]!.aborted, "req.signal aborted");
    await eventually(() => c.closed(), 3000, "client sees the close");
    // The head went out before shutdown (chunked, keep-alive); the cut is the missing last chunk.
    assert.match(c.text(), /transfer-encoding: chunked/i);
    assert.ok(!c.text().includes("0\r\n\r\n"), "no last chunk: the client sees a cut stream");
  });

  it("h2c: the stream is reset with CANCEL after GOAWAY; req.signal aborts", async () => {
    const { server, signals } = sseServer();
    const c = await LiveH2.connect(server.addr.port);
    try {
      c.write(headers(1, getRequest("/sse"), { endStream: true }));
      await c.until(() => new TextDecoder().decode(c.body(1)).includes("data: tick"));
      const t0 = Date.now();
      await server.shutdown({ timeout: TIMEOUT });
      const took = Date.now() - t0;
      assert.ok(took >= TIMEOUT - 50 && took < TIMEOUT + MARGIN, `finished after ${took} ms`);
      assert.ok(signals[0]!.aborted, "req.signal aborted");
      await c.waitClosed(3000);
      assert.equal(c.resetCode(1), ErrorCode.CANCEL);
      assert.equal(c.goaway?.code, ErrorCode.NO_ERROR);
      assert.equal(c.goaway?.lastStreamId, 1);
    } finally {
      c.destroy();
    }
  });

  it("a second call returns the same promise and may shorten the deadline", async () => {
    const { server, signals } = sseServer();
    const c = await h1Client(server.addr.port);
    await eventually(() => c.text().includes("data: hello"), 5000, "stream start");
    const t0 = Date.now();
    const first = server.shutdown({ timeout: 60_000 });
    const second = server.shutdown({ timeout: 100 });
    const third = server.shutdown({ timeout: 120_000 }); // cannot push it back
    assert.equal(first, second);
    assert.equal(second, third);
    await first;
    assert.ok(Date.now() - t0 < 60_000 - 1000);
    assert.ok(signals[0]!.aborted);
  });

  it("requests that finish in time are not aborted; idle connections close at once", async () => {
    let signal: AbortSignal | undefined;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      signal = req.signal;
      await gate;
      return new Response("late but in time");
    });
    const c = await h1Client(server.addr.port);
    await eventually(() => signal !== undefined, 5000, "request started");
    const done = server.shutdown({ timeout: 10_000 });
    setTimeout(release, 100);
    await done;
    assert.equal(signal!.aborted, false);
    await eventually(() => c.closed(), 3000, "closed after the response");
    assert.match(c.text(), /late but in time/);
  });

  it("the shutdownTimeout option bounds a signal-triggered shutdown", async () => {
    const ac = new AbortController();
    const { server, signals } = sseServer({ signal: ac.signal, shutdownTimeout: 300 });
    const c = await h1Client(server.addr.port);
    await eventually(() => c.text().includes("data: hello"), 5000, "stream start");
    ac.abort();
    await server.finished;
    assert.ok(signals[0]!.aborted);
  });

  it("shutdown({ timeout }) rejects a bad timeout", async () => {
    await using server = serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("x"),
    );
    assert.throws(() => server.shutdown({ timeout: -1 }), /non-negative number of milliseconds/);
    assert.throws(() => server.shutdown({ timeout: NaN }), /non-negative number of milliseconds/);
  });
});

describe("SIGTERM to a subprocess server", () => {
  for (const protocol of ["h1", "h2c"] as const) {
    it(`${protocol}: the process ends within timeout plus a margin; signal aborted; stream ended`, async () => {
      const [cmd, args] = fixtureCommand("shutdown_server", [String(TIMEOUT)]);
      const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout!.on("data", (d: Uint8Array) => (out += new TextDecoder().decode(d)));
      let exitedAt = 0;
      const exited = new Promise<number | null>((r) =>
        child.on("exit", (code) => {
          exitedAt = Date.now();
          r(code);
        })
      );
      try {
        const port = Number(
          (await eventually(() => /port (\d+)/.exec(out) ?? undefined, 20_000, "listening"))[1],
        );
        let sawTick: () => boolean;
        let clientClosed: () => boolean;
        let h2: LiveH2 | null = null;
        if (protocol === "h1") {
          const c = await h1Client(port);
          sawTick = () => c.text().includes("data: tick");
          clientClosed = c.closed;
        } else {
          const c = h2 = await LiveH2.connect(port);
          c.write(headers(1, getRequest("/sse"), { endStream: true }));
          sawTick = () => new TextDecoder().decode(c.body(1)).includes("data: tick");
          clientClosed = () => c.closed;
        }
        await eventually(sawTick, 5000, "ticks");
        const t0 = Date.now();
        child.kill("SIGTERM");
        const code = await Promise.race([
          exited,
          new Promise<"hung">((r) => setTimeout(() => r("hung"), TIMEOUT + MARGIN + 2000)),
        ]);
        assert.notEqual(code, "hung", `the process did not end; stdout: ${out}`);
        const took = exitedAt - t0;
        assert.ok(took < TIMEOUT + MARGIN, `ended ${took} ms after SIGTERM`);
        assert.match(out, /aborted/);
        assert.match(out, /finished/);
        await eventually(clientClosed, 3000, "client sees the end");
        if (h2 !== null) {
          assert.equal(h2.resetCode(1), ErrorCode.CANCEL);
          h2.destroy();
        }
      } finally {
        if (exitedAt === 0) child.kill("SIGKILL");
      }
    });
  }
});
