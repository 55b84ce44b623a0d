/**
 * onResponse and accessLog(): one report per finished exchange on HTTP/1.1,
 * h2c, h2 and WebSocket, with status, bytes and how it ended; the handler
 * error log names the request.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { accessLog, commonLogLine, type ResponseInfo, upgradeWebSocket } from "../../mod.ts";
import { start, TLS } from "../support/live.ts";
import { eventually } from "../support/common.ts";
import { Exchange } from "../../src/fetch/exchange.ts";
import { Connection, RequestInfo } from "../../src/fetch/info.ts";

/** Ten bytes every 5 ms until cancelled (an enqueue after the cancel is dropped). */
function drip(c: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
  return new Promise((ok) =>
    setTimeout(() => {
      try {
        c.enqueue(new Uint8Array(10));
      } catch {
        // cancelled meanwhile
      }
      ok();
    }, 5)
  );
}

function recorder() {
  const seen: ResponseInfo[] = [];
  return { seen, onResponse: (i: ResponseInfo) => void seen.push(i) };
}

function h2get(
  base: string,
  path: string,
  options: http2.SecureClientSessionOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(base, options);
    session.on("error", reject);
    const req = session.request({ ":path": path });
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      session.close();
      resolve(body);
    });
    req.on("error", reject);
  });
}

describe("onResponse", () => {
  it("HTTP/1.1: method, URL, status, both byte counts, protocol, peer, complete", async () => {
    const r = recorder();
    await using s = start(async (req) => new Response(`got ${(await req.text()).length}`), {
      onResponse: r.onResponse,
    });
    const res = await fetch(`${s.base}/up?x=1`, { method: "POST", body: "x".repeat(1000) });
    assert.equal(await res.text(), "got 1000");
    const [i] = await eventually(() => r.seen.length === 1 && r.seen);
    assert.equal(i!.method, "POST");
    assert.equal(i!.url, `${s.base}/up?x=1`);
    assert.equal(i!.status, 200);
    assert.equal(i!.requestBytes, 1000);
    assert.equal(i!.responseBytes, "got 1000".length);
    assert.equal(i!.protocol, "http/1.1");
    assert.equal(i!.ended, "complete");
    assert.ok(i!.duration >= 0);
    assert.equal(i!.remoteAddr.transport, "tcp");
  });

  it("a streamed body counts every byte sent", async () => {
    const r = recorder();
    await using s = start(() => {
      let n = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          await new Promise((ok) => setTimeout(ok, 1));
          if (n++ === 5) c.close();
          else c.enqueue(new Uint8Array(100));
        },
      });
      return new Response(body);
    }, { onResponse: r.onResponse });
    assert.equal((await (await fetch(s.base)).arrayBuffer()).byteLength, 500);
    const [i] = await eventually(() => r.seen.length === 1 && r.seen);
    assert.equal(i!.responseBytes, 500);
    assert.equal(i!.ended, "complete");
  });

  it("h2c and h2 report their protocol", async () => {
    const r = recorder();
    await using s = start(() => new Response("ok"), { onResponse: r.onResponse });
    assert.equal(await h2get(s.base, "/a"), "ok");
    await using t = start(() => new Response("ok"), { onResponse: r.onResponse, tls: TLS });
    assert.equal(await h2get(t.base, "/b", { rejectUnauthorized: false }), "ok");
    await eventually(() => r.seen.length === 2);
    const byPath = new Map(r.seen.map((i) => [new URL(i.url).pathname, i]));
    assert.equal(byPath.get("/a")!.protocol, "h2c");
    assert.equal(byPath.get("/b")!.protocol, "h2");
    assert.equal(byPath.get("/b")!.status, 200);
    assert.equal(byPath.get("/b")!.ended, "complete");
  });

  it("a handler that throws ends in error with the 500 that went out", async () => {
    const r = recorder();
    const logged: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    try {
      await using s = start(() => {
        throw new Error("boom");
      }, { onResponse: r.onResponse });
      assert.equal((await fetch(`${s.base}/fails?q=2`)).status, 500);
      const [i] = await eventually(() => r.seen.length === 1 && r.seen);
      assert.equal(i!.status, 500);
      assert.equal(i!.ended, "error");
      // The default error log names the request.
      assert.ok(
        logged.some((a) => String(a[0]).includes(`GET ${s.base}/fails?q=2`)),
        JSON.stringify(logged.map((a) => String(a[0]))),
      );
    } finally {
      console.error = original;
    }
  });

  it("HTTP/1.1: a client that leaves mid-body is aborted", async () => {
    const r = recorder();
    await using s = start(() =>
      new Response(
        new ReadableStream({ pull: (c) => drip(c) }),
      ), { onResponse: r.onResponse });
    await new Promise<void>((resolve, reject) => {
      http.get(`${s.base}/endless`, (res) => {
        res.once("data", () => {
          res.destroy();
          resolve();
        });
      }).on("error", reject);
    });
    const [i] = await eventually(() => r.seen.length === 1 && r.seen);
    assert.equal(i!.ended, "aborted");
    assert.equal(i!.status, 200);
    assert.ok(i!.responseBytes >= 10);
  });

  it("h2c: a stream the client resets is reset", async () => {
    const r = recorder();
    await using s = start(() =>
      new Response(
        new ReadableStream({ pull: (c) => drip(c) }),
      ), { onResponse: r.onResponse });
    const session = http2.connect(s.base);
    const req = session.request({ ":path": "/endless" });
    await new Promise<void>((resolve) => req.once("data", () => resolve()));
    req.close(http2.constants.NGHTTP2_CANCEL);
    const [i] = await eventually(() => r.seen.length === 1 && r.seen);
    session.close();
    assert.equal(i!.ended, "reset");
    assert.equal(i!.protocol, "h2c");
  });

  it("a WebSocket is reported once it closes: 101, complete after a clean close", async () => {
    const r = recorder();
    await using s = start((req) => {
      const { socket, response } = upgradeWebSocket(req);
      socket.onmessage = () => socket.close(1000, "bye");
      return response;
    }, { onResponse: r.onResponse });
    const sock = net.connect(s.port, "127.0.0.1");
    await new Promise((ok) => sock.once("connect", ok));
    sock.write(
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    await new Promise<void>((ok) => sock.once("data", () => ok()));
    assert.equal(r.seen.length, 0, "not reported while open");
    // A masked text frame "x", then the client answers the server's close with its own.
    sock.write(new Uint8Array([0x81, 0x81, 1, 2, 3, 4, 0x78 ^ 1]));
    await new Promise<void>((ok) => sock.once("data", () => ok()));
    sock.write(new Uint8Array([0x88, 0x80, 1, 2, 3, 4]));
    const [i] = await eventually(() => r.seen.length === 1 && r.seen);
    sock.destroy();
    assert.equal(i!.status, 101);
    assert.equal(i!.ended, "complete");
    assert.equal(new URL(i!.url).pathname, "/ws");
  });

  it("costs nothing unset: an exchange without the hook has no record", () => {
    const facts = {
      stats: { requests: 0, inflight: 0, websockets: 0 },
      remoteAddr: { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 },
      localAddr: { transport: "tcp" as const, hostname: "127.0.0.1", port: 2 },
      protocol: "http/1.1" as const,
      secure: false,
      serverName: null,
      connection: new Connection(),
    };
    const writer = {
      head() {},
      trailersFit: () => true,
      trailers() {},
      body: () => true,
      ready: () => Promise.resolve(),
      end() {},
      abort() {},
    };
    assert.equal(new Exchange(new RequestInfo(facts), writer).log, null);
    const hooked = new Exchange(new RequestInfo({ ...facts, onResponse: () => {} }), writer);
    assert.notEqual(hooked.log, null);
  });
});

describe("accessLog()", () => {
  it("writes the Common Log Format by default and JSON lines on request", async () => {
    const common: string[] = [];
    const json: string[] = [];
    const both = [
      accessLog({ write: (l) => void common.push(l) }),
      accessLog({ format: "json", write: (l) => void json.push(l) }),
    ];
    await using s = start(() => new Response("hello"), {
      onResponse: (i) => both.forEach((f) => f(i)),
    });
    await (await fetch(`${s.base}/p?q=1`)).text();
    await eventually(() => common.length === 1);
    assert.match(
      common[0]!,
      /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/p\?q=1 HTTP\/1\.1" 200 5$/,
    );
    const j = JSON.parse(json[0]!);
    assert.equal(j.method, "GET");
    assert.equal(j.url, `${s.base}/p?q=1`);
    assert.equal(j.status, 200);
    assert.equal(j.responseBytes, 5);
    assert.equal(j.protocol, "http/1.1");
    assert.equal(j.ended, "complete");
    assert.ok(!Number.isNaN(Date.parse(j.time)));
  });

  it("common format: '-' for no bytes and no status, HTTP/2 for h2", () => {
    const line = commonLogLine({
      method: "GET",
      url: "https://h/x",
      status: 0,
      requestBytes: 0,
      responseBytes: 0,
      duration: 0,
      protocol: "h2",
      remoteAddr: { transport: "tcp", hostname: "10.0.0.1", port: 1 },
      ended: "aborted",
    }, new Date(Date.UTC(2026, 1, 3, 4, 5, 6)));
    assert.equal(line, '10.0.0.1 - - [03/Feb/2026:04:05:06 +0000] "GET /x HTTP/2" - -');
  });

  it("refuses an unknown format", () => {
    assert.throws(() => accessLog({ format: "xml" as "json" }), /format must be/);
  });
});
