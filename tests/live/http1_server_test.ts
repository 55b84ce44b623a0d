// HTTP/1.1 server behaviour over raw sockets and fetch: framing, bodies,
// pipelining, 100-continue, errors.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pattern, raw, RawClient, sha256, sleep, start, statusLines } from "../support/live.ts";

describe("http1: responses", () => {
  it("hello with content-length and date", async () => {
    await using s = start(() => new Response("hello"));
    const r = await raw(s.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(r.text, /\r\ncontent-length: 5\r\n/);
    assert.match(r.text, /\r\ndate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
    assert.match(r.text, /\r\nconnection: close\r\n/);
    assert.ok(r.text.endsWith("\r\n\r\nhello"));
    assert.ok(r.closedByServer);
  });

  it("streaming body is chunked on 1.1 and close-delimited on 1.0", async () => {
    await using s = start(() =>
      new Response(
        new ReadableStream({
          async start(c) {
            c.enqueue(new TextEncoder().encode("ab"));
            await sleep(20);
            c.enqueue(new TextEncoder().encode("cd"));
            c.close();
          },
        }),
      )
    );
    const r11 = await raw(s.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(r11.text, /transfer-encoding: chunked\r\n/);
    assert.ok(r11.text.endsWith("\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n"), r11.text);
    const r10 = await raw(s.port, "GET / HTTP/1.0\r\n\r\n");
    assert.doesNotMatch(r10.text, /transfer-encoding/);
    assert.doesNotMatch(r10.text, /content-length/);
    assert.ok(r10.text.endsWith("\r\n\r\nabcd"));
    assert.ok(r10.closedByServer);
  });

  it("HEAD, 204 and 304 carry no body", async () => {
    await using s = start((req) => {
      const p = new URL(req.url).pathname;
      if (p === "/204") return new Response(null, { status: 204 });
      if (p === "/304") return new Response(null, { status: 304, headers: { etag: '"v1"' } });
      return new Response("twelve bytes");
    });
    const c = await RawClient.connect(s.port);
    c.write("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\n");
    c.write("GET /304 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const text = await c.until((t) => t.endsWith("twelve bytes"));
    c.destroy();
    const parts = text.split(/(?=HTTP\/1\.1 )/);
    assert.equal(parts.length, 4);
    assert.match(parts[0]!, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(parts[0]!, /content-length: 12\r\n/);
    assert.ok(parts[0]!.endsWith("\r\n\r\n"), "HEAD has no body");
    assert.match(parts[1]!, /^HTTP\/1\.1 204 /);
    assert.doesNotMatch(parts[1]!, /content-length|transfer-encoding/);
    assert.ok(parts[1]!.endsWith("\r\n\r\n"));
    assert.match(parts[2]!, /^HTTP\/1\.1 304 /);
    assert.ok(parts[2]!.endsWith("\r\n\r\n"));
    assert.ok(parts[3]!.endsWith("\r\n\r\ntwelve bytes"));
  });

  it("HTTP/1.0 keep-alive is honoured when asked", async () => {
    await using s = start(() => new Response("x"));
    const c = await RawClient.connect(s.port);
    c.write("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    await c.until((t) => t.endsWith("\r\n\r\nx"));
    assert.match(c.text, /connection: keep-alive\r\n/i);
    c.write("GET / HTTP/1.0\r\n\r\n");
    await c.waitClosed();
    assert.equal(statusLines(c.text).length, 2);
  });

  it("pipelined requests are answered in order", async () => {
    await using s = start(async (req) => {
      const n = Number(new URL(req.url).searchParams.get("n"));
      await sleep((5 - n) * 10); // later requests finish first if run in parallel
      return new Response(`r${n};`);
    });
    let reqs = "";
    for (let n = 0; n < 5; n++) reqs += `GET /?n=${n} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const c = await RawClient.connect(s.port);
    c.write(reqs);
    const text = await c.until((t) => t.includes("r4;"));
    c.destroy();
    const bodies = text.match(/r\d;/g);
    assert.deepEqual(bodies, ["r0;", "r1;", "r2;", "r3;", "r4;"]);
  });

  it("handler errors and non-Responses go to onError", async () => {
    await using s = start((req) => {
      if (req.url.endsWith("/throw")) throw new Error("boom");
      if (req.url.endsWith("/reject")) return Promise.reject(new Error("boom"));
      return "nope" as unknown as Response;
    }, { onError: (e) => new Response(`handled: ${(e as Error).message}`, { status: 503 }) });
    for (const path of ["/throw", "/reject", "/garbage"]) {
      const r = await fetch(s.base + path);
      assert.equal(r.status, 503);
      assert.match(await r.text(), /^handled: /);
    }
  });

  it("default onError answers a plain 500", async () => {
    const origError = console.error;
    console.error = () => {};
    await using s = start(() => {
      throw new Error("boom");
    });
    try {
      const r = await fetch(s.base + "/");
      assert.equal(r.status, 500);
      assert.equal(await r.text(), "Internal Server Error");
    } finally {
      console.error = origError;
    }
  });

  it("a response stream that errors after the head closes the connection", async () => {
    await using s = start(() =>
      new Response(
        new ReadableStream({
          async pull(c) {
            c.enqueue(new Uint8Array([65]));
            await sleep(10);
            c.error(new Error("mid-body failure"));
          },
        }),
      )
    );
    const r = await raw(s.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.ok(r.closedByServer);
    assert.match(r.text, /^HTTP\/1\.1 200/);
    assert.ok(!r.text.includes("0\r\n\r\n"), "no terminating chunk: the body is visibly cut");
  });
});

describe("http1: request bodies", () => {
  it("content-length and chunked uploads reach the handler byte-exact", async () => {
    await using s = start(async (req) =>
      new Response(await sha256(new Uint8Array(await req.arrayBuffer())))
    );
    const body = pattern(1024 * 1024);
    const want = await sha256(body);
    const r1 = await fetch(s.base + "/", { method: "POST", body });
    assert.equal(await r1.text(), want);
    const r2 = await fetch(s.base + "/", {
      method: "POST",
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < body.length; i += 100_000) c.enqueue(body.slice(i, i + 100_000));
          c.close();
        },
      }),
      // @ts-ignore: streaming upload
      duplex: "half",
    });
    assert.equal(await r2.text(), want);
  });

  it("echoes a streamed body as it arrives", async () => {
    await using s = start((req) => new Response(req.body));
    const c = await RawClient.connect(s.port);
    c.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    await c.until((t) => t.includes("hello"));
    c.write("6\r\n world\r\n0\r\n\r\n");
    await c.until((t) => t.endsWith("0\r\n\r\n"));
    c.destroy();
    assert.match(c.text, /5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n$/);
  });

  it("a handler that does not read stops the socket from being read", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let got = 0;
    await using s = start(async (req) => {
      await gate;
      for await (const chunk of req.body!) got += chunk.byteLength;
      return new Response(String(got));
    });
    const total = 64 * 1024 * 1024;
    const c = await RawClient.connect(s.port);
    c.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`);
    const block = new Uint8Array(1024 * 1024);
    let written = 0;
    // Write until the kernel buffers fill: the server must not swallow 64 MiB.
    while (written < total) {
      const ok = c.socket.write(block);
      written += block.length;
      if (!ok) {
        const drained = await Promise.race([
          new Promise((r) => c.socket.once("drain", () => r(true))),
          sleep(500).then(() => false),
        ]);
        if (!drained) break;
      }
    }
    assert.ok(written < total, `server accepted all ${written} bytes without reading`);
    release();
    while (written < total) {
      if (!c.socket.write(block)) await new Promise((r) => c.socket.once("drain", r));
      written += block.length;
    }
    await c.until((t) => t.endsWith(`\r\n\r\n${total}`), 30_000);
    c.destroy();
  });

  it("Expect: 100-continue sends 100 only when the handler reads", async () => {
    let reading!: () => void;
    const startedReading = new Promise<void>((r) => (reading = r));
    let allow!: () => void;
    const gate = new Promise<void>((r) => (allow = r));
    await using s = start(async (req) => {
      await gate;
      reading();
      return new Response(await req.text());
    });
    const c = await RawClient.connect(s.port);
    c.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    await sleep(100);
    assert.equal(c.text, "", "no 100 before the handler reads");
    allow();
    await startedReading;
    await c.until((t) => t.includes("100 Continue"));
    c.write("data");
    const text = await c.until((t) => t.endsWith("\r\n\r\ndata"));
    assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    c.destroy();
  });

  it("Expect: 100-continue rejected without reading: no 100, connection closed", async () => {
    await using s = start(() => new Response("no", { status: 401 }));
    const r = await raw(
      s.port,
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n",
    );
    assert.doesNotMatch(r.text, /100 Continue/);
    assert.match(r.text, /^HTTP\/1\.1 401 /);
    assert.ok(r.closedByServer);
  });

  it("an unsupported expectation gets 417", async () => {
    await using s = start(() => new Response("x"));
    const r = await raw(
      s.port,
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nExpect: magic\r\n\r\n",
    );
    assert.match(r.text, /^HTTP\/1\.1 417 /);
  });

  it("an unread body is discarded and the connection stays usable", async () => {
    await using s = start((req) => new Response(new URL(req.url).pathname));
    const c = await RawClient.connect(s.port);
    c.write("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
    c.write("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    const text = await c.until((t) => t.endsWith("/b"));
    c.destroy();
    assert.equal(statusLines(text).length, 2);
  });

  it("a large unread body closes the connection after the response", async () => {
    await using s = start(() => new Response("early"));
    const c = await RawClient.connect(s.port);
    c.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n");
    c.write(new Uint8Array(1024 * 1024));
    await c.waitClosed(10_000);
    assert.match(c.text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*early$/);
  });
});

describe("http1: streaming responses", () => {
  it("SSE events arrive as they are written", async () => {
    await using s = start(() => {
      let n = 0;
      const enc = new TextEncoder();
      return new Response(
        new ReadableStream({
          async pull(c) {
            if (n === 5) return c.close();
            if (n > 0) await sleep(100);
            c.enqueue(enc.encode(`data: ${n++}\n\n`));
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    });
    const res = await fetch(s.base + "/");
    const reader = res.body!.getReader();
    const times: number[] = [];
    const t0 = Date.now();
    let text = "";
    const dec = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const s = dec.decode(value);
      for (const _ of s.matchAll(/data: /g)) times.push(Date.now() - t0);
      text += s;
    }
    assert.equal(text, "data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n");
    assert.equal(times.length, 5);
    // Events spread over ~400 ms: nothing was held back until the end.
    assert.ok(times[4]! - times[0]! >= 250, `arrival times ${times}`);
    assert.ok(times[1]! - times[0]! >= 50, `arrival times ${times}`);
  });

  it("a stream with nothing to send yet gets its head at once", async () => {
    await using s = start(() =>
      new Response(
        new ReadableStream({
          async pull(c) {
            await sleep(400);
            c.enqueue(new TextEncoder().encode("late"));
            c.close();
          },
        }, { highWaterMark: 0 }),
        { headers: { "content-type": "text/event-stream" } },
      )
    );
    const t0 = Date.now();
    const res = await fetch(s.base + "/");
    const headAt = Date.now() - t0;
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    assert.ok(headAt < 300, `head after ${headAt} ms`);
    assert.equal(await res.text(), "late");
  });

  it("a slow reader stops the response stream from being pulled", async () => {
    let pulled = 0;
    await using s = start(() =>
      new Response(
        new ReadableStream({
          pull(c) {
            pulled += 65536;
            c.enqueue(new Uint8Array(65536));
            if (pulled >= 256 * 1024 * 1024) c.close();
          },
        }, { highWaterMark: 0 }),
      )
    );
    const c = await RawClient.connect(s.port);
    c.socket.pause();
    c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await sleep(500);
    // Kernel buffers plus our queue hold a few MiB at most, never the whole 256 MiB.
    assert.ok(
      pulled < 32 * 1024 * 1024,
      `pulled ${pulled} bytes for a reader that reads nothing`,
    );
    c.destroy();
  });

  it("a large download is byte-exact", async () => {
    const body = pattern(8 * 1024 * 1024, 7);
    await using s = start(() => new Response(body));
    const r = await fetch(s.base + "/");
    // Known-size bodies get a Content-Length when the runtime's stream yields them at once
    // (Deno: one chunk); Bun yields 16 KiB pieces, and past 1 MiB we stream them chunked.
    const cl = r.headers.get("content-length");
    assert.ok(cl === String(body.length) || cl === null, `content-length ${cl}`);
    const got = new Uint8Array(await r.arrayBuffer());
    assert.equal(await sha256(got), await sha256(body));
  });
});

describe("http1: bad input", () => {
  const cases: Array<[string, string, number]> = [
    ["bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400],
    ["space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400],
    ["obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400],
    ["missing Host", "GET / HTTP/1.1\r\n\r\n", 400],
    ["duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400],
    ["HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],
    [
      "CL + TE",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      400,
    ],
    ["TE gzip only", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400],
    [
      "TE gzip, chunked",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      501,
    ],
    ["CL with plus", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 400],
    [
      "conflicting CL",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      400,
    ],
    [
      "bad chunk size",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      400,
    ],
    ["NUL in value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n", 400],
    ["Host with a path", "GET / HTTP/1.1\r\nHost: evil/x?\r\n\r\n", 400],
  ];
  for (const [name, input, status] of cases) {
    it(`${name} → ${status} and close`, async () => {
      let smuggled = 0;
      await using s = start((req) => {
        if (req.url.endsWith("/smuggled")) smuggled++;
        return new Response("ok");
      });
      const r = await raw(s.port, input + "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.match(r.text, new RegExp(`^HTTP/1\\.1 ${status} `));
      assert.match(r.text, /connection: close/);
      assert.ok(r.closedByServer);
      assert.equal(statusLines(r.text).length, 1, "no second (smuggled) response");
      assert.equal(smuggled, 0);
      // Other clients are unaffected.
      assert.equal(await (await fetch(s.base + "/")).text(), "ok");
    });
  }

  it("request-line too long → 414; too many fields → 431; body too big → 413", async () => {
    await using s = start(() => new Response("ok"), { http1: { maxBodyBytes: 1000 } });
    const r1 = await raw(s.port, `GET /${"a".repeat(10_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(r1.text, /^HTTP\/1\.1 414 /);
    let many = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (let i = 0; i < 200; i++) many += `X-${i}: y\r\n`;
    const r2 = await raw(s.port, many + "\r\n");
    assert.match(r2.text, /^HTTP\/1\.1 431 /);
    const r3 = await raw(s.port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    assert.match(r3.text, /^HTTP\/1\.1 413 /);
  });

  it("CONNECT, TRACE and TRACK are not served: 501", async () => {
    await using s = start(() => new Response("ok"));
    for (
      const line of ["TRACE / HTTP/1.1", "TRACK / HTTP/1.1", "CONNECT example.test:443 HTTP/1.1"]
    ) {
      const r = await raw(s.port, line + "\r\nHost: x\r\n\r\n");
      assert.match(r.text, /^HTTP\/1\.1 501 /, line);
    }
  });

  it("random garbage never crashes the server", async () => {
    await using s = start(() => new Response("ok"));
    for (let i = 0; i < 30; i++) {
      const junk = pattern(200 + i * 37, i + 3);
      const r = await raw(s.port, junk, { idleMs: 300 });
      assert.ok(r.text === "" || /^HTTP\/1\.1 (4\d\d|5\d\d) /.test(r.text), r.text.slice(0, 40));
    }
    assert.equal(await (await fetch(s.base + "/")).text(), "ok");
  });
});

describe("http1: request identity", () => {
  it("an empty Host never lets the path pick the authority", async () => {
    await using s = start((req) => new Response(new URL(req.url).host));
    const r = await raw(
      s.port,
      "GET /evil.test/x HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n",
    );
    assert.ok(r.text.endsWith(`\r\n\r\n127.0.0.1:${s.port}`), r.text);
  });

  it("extension methods reach the handler unchanged, or get 501 where the runtime cannot", async () => {
    const seen: string[] = [];
    await using s = start((req) => {
      seen.push(req.method);
      return new Response(req.method);
    });
    for (const m of ["PURGE", "MKCOL", "FOO", "get"]) {
      const r = await raw(s.port, `${m} / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const want = m === "get" ? "GET" : m;
      assert.ok(
        r.text.endsWith(`\r\n\r\n${want}`) || /^HTTP\/1\.1 501 /.test(r.text),
        `${m}: ${r.text.slice(0, 60)}`,
      );
    }
    for (const m of seen) assert.ok(["PURGE", "MKCOL", "FOO", "GET"].includes(m), m);
  });

  it("a HEAD response without a body states no length", async () => {
    await using s = start(() => new Response(null, { status: 200 }));
    const r = await raw(s.port, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.doesNotMatch(r.text, /content-length/);
  });
});
