// HTTP/1.1 lifecycle: req.signal, info, timeouts, graceful shutdown, real clients.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { raw, RawClient, run, sleep, start, TLS } from "../support/live.ts";
import { eventually } from "../support/common.ts";
import { serve } from "../../mod.ts";
import type { ServeInfo } from "../../mod.ts";

describe("http1: req.signal", () => {
  const goneWays: Array<[string, string, (c: RawClient) => void]> = [
    ["resets the connection", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", (c) => {
      c.socket.resetAndDestroy();
    }],
    [
      "closes in the middle of the request body",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
      (c) => c.destroy(),
    ],
  ];
  for (const [how, request, leave] of goneWays) {
    it(`aborts when the client ${how}`, async () => {
      let aborted!: () => void;
      const wasAborted = new Promise<void>((r) => (aborted = r));
      let completion: Promise<string> | undefined;
      await using server = serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req, info) => {
        completion = info.completed;
        req.signal.addEventListener("abort", () => aborted());
        return new Promise(() => {}); // never answers
      });
      const c = await RawClient.connect(server.addr.port);
      c.write(request);
      await sleep(50);
      leave(c);
      await Promise.race([
        wasAborted,
        sleep(3000).then(() => assert.fail("signal not aborted")),
      ]);
      assert.equal(await completion, "aborted");
    });
  }

  it("does not abort when the response completes normally", async () => {
    const signals: AbortSignal[] = [];
    const completions: Promise<string>[] = [];
    await using s = start((req, info) => {
      signals.push(req.signal);
      completions.push(info.completed);
      return new Response("done");
    });
    const c = await RawClient.connect(s.port);
    c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until((t) => t.split("done").length === 3);
    c.destroy();
    await sleep(100);
    assert.equal(signals.length, 2);
    for (const sig of signals) assert.equal(sig.aborted, false);
    assert.deepEqual(await Promise.all(completions), ["sent", "sent"]);
  });
});

describe("http1: a client that half-closes (shutdown(SHUT_WR), as nc -N)", () => {
  /** Sends `text`, ends our side, and collects everything until the server closes. */
  function halfClose(port: number, text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const sock = net.connect(port, "127.0.0.1", () => {
        sock.write(text, "latin1");
        sock.end();
      });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`no close; got ${JSON.stringify(Buffer.concat(chunks).toString())}`));
      }, 5000);
      sock.on("data", (d: Buffer) => chunks.push(d));
      sock.on("close", () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString("latin1"));
      });
      sock.on("error", () => {});
    });
  }

  for (const version of ["1.1", "1.0"]) {
    it(`HTTP/${version}: the response is finished, then the connection closes`, async () => {
      const signals: AbortSignal[] = [];
      await using server = serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
        signals.push(req.signal);
        await sleep(50);
        return new Response(`late ${new URL(req.url).pathname}`);
      });
      const host = version === "1.1" ? "Host: x\r\n" : "";
      for (let i = 0; i < 3; i++) {
        const text = await halfClose(server.addr.port, `GET /x HTTP/${version}\r\n${host}\r\n`);
        assert.match(text, /^HTTP\/1\.1 200 /);
        assert.ok(text.endsWith("late /x"), text);
      }
      for (const s of signals) assert.equal(s.aborted, false);
    });
  }

  it("pipelined requests before the half-close are all answered", async () => {
    await using server = serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      await sleep(20);
      return new Response(new URL(req.url).pathname);
    });
    const text = await halfClose(
      server.addr.port,
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert.equal(text.split("HTTP/1.1 200").length, 3, text);
    assert.ok(text.endsWith("/b"), text);
  });

  it("a half-close with the request body incomplete aborts req.signal", async () => {
    let signal: AbortSignal | undefined;
    let bodyError: unknown;
    await using server = serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      signal = req.signal;
      try {
        await req.arrayBuffer();
      } catch (e) {
        bodyError = e;
      }
      await sleep(50);
      return new Response("never read");
    });
    const text = await halfClose(
      server.addr.port,
      "POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
    );
    assert.ok(!text.includes("never read"), text);
    await eventually(() => signal?.aborted, 3000, "req.signal aborted");
    assert.ok(bodyError !== undefined, "the body stream errors");
  });
});

describe("http1: info", () => {
  it("reports addresses, protocol and a per-connection id and context", async () => {
    const infos: ServeInfo[] = [];
    await using s = start((_req, info) => {
      infos.push(info);
      const ctx = info.connection.context as { n?: number };
      ctx.n = (ctx.n ?? 0) + 1;
      return new Response(String(ctx.n));
    });
    const c = await RawClient.connect(s.port);
    c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until((t) => t.endsWith("2"));
    c.destroy();
    await raw(s.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.equal(infos.length, 3);
    const [a, b, d] = infos as [ServeInfo, ServeInfo, ServeInfo];
    assert.equal(a.protocol, "http/1.1");
    assert.equal(a.secure, false);
    assert.equal(a.remoteAddr.hostname, "127.0.0.1");
    assert.equal(a.localAddr.port, s.port);
    assert.equal(a.connection.id, b.connection.id);
    assert.equal(a.connection.context, b.connection.context);
    assert.notEqual(a.connection.id, d.connection.id);
    assert.notEqual(a.connection.context, d.connection.context);
    assert.equal(a.serverName, null);
  });
});

describe("http1: timeouts", () => {
  it("slowloris: an unfinished head gets 408 and close", async () => {
    await using s = start(() => new Response("ok"), { http1: { headersTimeout: 300 } });
    const c = await RawClient.connect(s.port);
    c.write("GET / HTTP/1.1\r\nHost: x\r\n");
    await c.waitClosed(5000);
    assert.match(c.text, /^HTTP\/1\.1 408 /);
  });

  it("idle keep-alive connections are closed", async () => {
    await using s = start(() => new Response("ok"), { http1: { keepAliveTimeout: 300 } });
    const c = await RawClient.connect(s.port);
    c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until((t) => t.endsWith("ok"));
    await c.waitClosed(5000);
  });

  it("a connection idle long enough to rest answers large and small responses, then times out", async () => {
    // After about a second idle the connection rests (the driver drops its parser and timers,
    // the transport its write queue); the next request makes them again.
    const big = "x".repeat(1 << 20);
    await using s = start((req) => new Response(req.url.endsWith("/big") ? big : "ok"), {
      http1: { keepAliveTimeout: 2500 },
    });
    const c = await RawClient.connect(s.port);
    c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until((t) => t.endsWith("ok"));
    await sleep(1200);
    c.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until((t) => t.endsWith(big));
    await sleep(1200);
    c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const three = (t: string) => t.match(/HTTP\/1\.1 200 /g)?.length === 3 && t.endsWith("ok");
    await c.until(three);
    assert.equal(c.closed, false);
    await c.waitClosed(5000);
  });

  it("a stalled body gets 408", async () => {
    await using s = start(async (req) => new Response(await req.text()), {
      http1: { bodyTimeout: 300 },
    });
    const c = await RawClient.connect(s.port);
    c.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    await c.waitClosed(5000);
    assert.match(c.text, /^HTTP\/1\.1 408 /);
  });
});

describe("http1: graceful shutdown", () => {
  it("finishes in-flight responses, closes idle connections, then resolves finished", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = start(async (req) => {
      if (req.url.endsWith("/slow")) await gate;
      return new Response("finished " + new URL(req.url).pathname);
    });
    const idle = await RawClient.connect(s.port);
    idle.write("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
    await idle.until((t) => t.endsWith("/fast"));
    const busy = await RawClient.connect(s.port);
    busy.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    await sleep(50);
    let finished = false;
    const done = s.server.shutdown().then(() => (finished = true));
    await idle.waitClosed(3000);
    await sleep(50);
    assert.equal(finished, false, "must wait for the in-flight request");
    release();
    const text = await busy.until((t) => t.endsWith("/slow"));
    assert.match(text, /connection: close/);
    await busy.waitClosed(3000);
    await done;
    assert.equal(finished, true);
    // The listener is closed.
    const r = await raw(s.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", { idleMs: 300 });
    assert.equal(r.text, "");
  });

  it("an AbortSignal shuts the server down; the server is async-disposable", async () => {
    const ac = new AbortController();
    const s = start(() => new Response("ok"), { signal: ac.signal });
    assert.equal(await (await fetch(s.base)).text(), "ok");
    ac.abort();
    await s.server.finished;
    {
      await using s2 = start(() => new Response("ok")).server;
      assert.ok(s2.addr.port > 0);
    }
  });
});

describe("http1: real clients", () => {
  it("curl GET, POST and chunked upload", async () => {
    await using s = start(async (req) => {
      const body = req.body ? await req.text() : "";
      return new Response(`${req.method} ${new URL(req.url).pathname} ${body.length}`);
    });
    const a = await run("curl", ["-s", "-w", " %{http_version}", s.base + "/x"]);
    assert.equal(a.stdout, "GET /x 0 1.1");
    const b = await run("curl", ["-s", "--data-binary", "hello", s.base + "/p"]);
    assert.equal(b.stdout, "POST /p 5");
    const c = await run("curl", [
      "-s",
      "-H",
      "Transfer-Encoding: chunked",
      "--data-binary",
      "x".repeat(100_000),
      s.base + "/c",
    ]);
    assert.equal(c.stdout, "POST /c 100000");
    const file = join(mkdtempSync(join(tmpdir(), "h2serve-")), "upload.bin");
    writeFileSync(file, "y".repeat(2_000_000));
    const d = await run("curl", [
      "-s",
      "-H",
      "Expect: 100-continue",
      "--data-binary",
      "@" + file,
      s.base + "/e",
    ]);
    rmSync(file);
    assert.equal(d.stdout, "POST /e 2000000");
  });

  it("curl over TLS (ALPN http/1.1)", async () => {
    await using s = start((_req, info) => new Response(`${info.protocol} ${info.secure}`), {
      tls: TLS,
    });
    const r = await run("curl", ["-sk", "--http1.1", "-w", " %{http_version}", s.base + "/"]);
    assert.equal(r.stdout, "http/1.1 true 1.1");
  });

  it("node:http keep-alive agent", async () => {
    await using s = start(async (req) => new Response(`${req.method}:${await req.text()}`));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const get = (method: string, body?: string) =>
        new Promise<string>((resolve, reject) => {
          const r = http.request(`${s.base}/`, { method, agent }, (res) => {
            let data = "";
            res.setEncoding("utf8");
            res.on("data", (d: string) => (data += d));
            res.on("end", () => resolve(data));
          });
          r.on("error", reject);
          if (body) r.write(body);
          r.end();
        });
      assert.equal(await get("GET"), "GET:");
      assert.equal(await get("POST", "abc"), "POST:abc");
      assert.equal(await get("PUT", "x".repeat(70_000)), "PUT:" + "x".repeat(70_000));
    } finally {
      agent.destroy();
    }
  });
});
