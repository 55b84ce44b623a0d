// HTTP/2 in the server, frame by frame over a raw socket: requests as web
// objects, responses, errors, cancellation, timeouts and graceful shutdown.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sleep, start } from "../support/live.ts";
import { endless, eventually } from "../support/common.ts";
import { LiveH2 } from "../support/http2_client.ts";
import { data, getRequest, headers, postRequest, rst } from "../support/http2_frames.ts";
import { ErrorCode, FrameType } from "../../src/http2/core/mod.ts";
import type { ServeInfo } from "../../mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("h2 server: requests and responses", () => {
  it("request URL, method, cookies joined, info, shared connection", async () => {
    const seen: Array<{ url: string; cookie: string | null; info: ServeInfo }> = [];
    const s = start((req, info) => {
      seen.push({ url: req.url, cookie: req.headers.get("cookie"), info });
      info.connection.context.n = ((info.connection.context.n as number) ?? 0) + 1;
      return new Response(`${req.method} ${info.protocol} ${info.connection.context.n}`, {
        headers: { "connection": "keep-alive", "x-ok": "1", "transfer-encoding": "chunked" },
      });
    });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, getRequest("/a?x=1", [["cookie", "a=1"], ["cookie", "b=2"]]), {
      endStream: true,
    }));
    c.write(headers(3, getRequest("/b"), { endStream: true }));
    await c.until(() => c.ended(1) && c.ended(3));
    assert.equal(seen[0]!.url, "http://localhost/a?x=1");
    assert.equal(seen[0]!.cookie, "a=1; b=2");
    assert.equal(seen[0]!.info.protocol, "h2c");
    assert.equal(seen[0]!.info.secure, false);
    assert.equal(seen[1]!.info.connection.id, seen[0]!.info.connection.id);
    assert.equal(dec.decode(c.body(3)), "GET h2c 2");
    const h = c.head(1)!;
    assert.equal(h.get(":status"), "200");
    assert.equal(h.get("x-ok"), "1");
    assert.equal(h.get("content-length"), String(c.body(1).length));
    assert.ok(h.get("date"));
    assert.equal(h.has("connection"), false);
    assert.equal(h.has("transfer-encoding"), false);
  });

  it("HEAD, 204 and 304 carry no DATA; empty body is HEADERS with END_STREAM", async () => {
    const s = start((req) => {
      const p = new URL(req.url).pathname;
      if (p === "/204") return new Response(null, { status: 204 });
      if (p === "/304") return new Response(null, { status: 304 });
      if (p === "/empty") return new Response("");
      return new Response("twelve bytes");
    });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, [[":method", "HEAD"], ...getRequest("/").slice(1)], { endStream: true }));
    c.write(headers(3, getRequest("/204"), { endStream: true }));
    c.write(headers(5, getRequest("/304"), { endStream: true }));
    c.write(headers(7, getRequest("/empty"), { endStream: true }));
    await c.until(() => [1, 3, 5, 7].every((id) => c.ended(id)));
    for (const id of [1, 3, 5, 7]) {
      assert.equal(c.of(id).filter((f) => f.type === FrameType.DATA).length, 0, `stream ${id}`);
    }
    assert.equal(c.head(1)!.get("content-length"), "12");
    assert.equal(c.head(3)!.get(":status"), "204");
    assert.equal(c.head(3)!.has("content-length"), false);
    assert.equal(c.head(5)!.get(":status"), "304");
    assert.equal(c.head(7)!.get("content-length"), "0");
  });

  it("request body arrives as a stream; POST echo is byte-exact", async () => {
    const s = start(async (req) => new Response(await req.arrayBuffer()));
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, postRequest("/")));
    c.write(data(1, "hello "), data(1, "world", { endStream: true }));
    await c.until(() => c.ended(1));
    assert.equal(dec.decode(c.body(1)), "hello world");
  });

  it("oversized request headers get 431", async () => {
    const s = start(() => new Response("no"), { http2: { maxHeaderListSize: 1024 } });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, getRequest("/", [["x-big", "y".repeat(4000)]]), { endStream: true }));
    c.write(headers(3, getRequest("/"), { endStream: true }));
    await c.until(() => c.ended(1) && c.ended(3));
    assert.equal(c.head(1)!.get(":status"), "431");
    assert.equal(c.head(3)!.get(":status"), "200");
  });

  it("SSE: every chunk goes out as a DATA frame as it is produced", async () => {
    let next!: () => void;
    const s = start(() => {
      let n = 0;
      return new Response(
        new ReadableStream({
          async pull(c) {
            if (n > 0) await new Promise<void>((r) => (next = r));
            c.enqueue(enc.encode(`data: ${n++}\n\n`));
            if (n === 3) c.close();
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, getRequest("/events"), { endStream: true }));
    for (let i = 1; i <= 3; i++) {
      await c.until(() => dec.decode(c.body(1)).includes(`data: ${i - 1}\n\n`));
      if (i < 3) {
        assert.equal(c.ended(1), false);
        await eventually(() => next !== undefined);
        next();
      }
    }
    await c.until(() => c.ended(1));
    assert.equal(dec.decode(c.body(1)), "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  });
});

describe("h2 server: errors and cancellation", () => {
  it("handler error → 500; error mid-body → RST_STREAM INTERNAL_ERROR; siblings unharmed", async () => {
    const s = start((req) => {
      const p = new URL(req.url).pathname;
      if (p === "/throw") throw new Error("boom");
      if (p === "/mid") {
        let n = 0;
        return new Response(
          new ReadableStream({
            async pull(c) {
              await sleep(5);
              if (n++ === 2) throw new Error("body boom");
              c.enqueue(enc.encode("chunk"));
            },
          }),
        );
      }
      return new Response("fine");
    }, { onError: () => new Response("handled", { status: 500 }) });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, getRequest("/throw"), { endStream: true }));
    c.write(headers(3, getRequest("/mid"), { endStream: true }));
    c.write(headers(5, getRequest("/ok"), { endStream: true }));
    await c.until(() => c.ended(1) && c.resetCode(3) !== undefined && c.ended(5));
    assert.equal(c.head(1)!.get(":status"), "500");
    assert.equal(dec.decode(c.body(1)), "handled");
    assert.equal(c.head(3)!.get(":status"), "200");
    assert.equal(c.resetCode(3), ErrorCode.INTERNAL_ERROR);
    assert.equal(dec.decode(c.body(5)), "fine");
    // The connection is still usable.
    c.write(headers(7, getRequest("/ok"), { endStream: true }));
    await c.until(() => c.ended(7));
    assert.equal(c.goaway, undefined);
  });

  it("a client RST_STREAM aborts req.signal at once and cancels the body", async () => {
    const state = { pulled: 0, cancelled: false };
    let signal: AbortSignal | undefined;
    const s = start((req) => {
      if (new URL(req.url).pathname === "/ok") return new Response("sibling");
      signal = req.signal;
      return new Response(endless(state));
    });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, getRequest("/stream"), { endStream: true }));
    await c.until(() => c.body(1).length > 0);
    assert.equal(signal!.aborted, false);
    const t0 = performance.now();
    c.write(rst(1, ErrorCode.CANCEL));
    await eventually(() => signal!.aborted, 2000);
    const ms = performance.now() - t0;
    assert.ok(ms < 250, `signal aborted after ${ms} ms`);
    await eventually(() => state.cancelled);
    // Siblings and the connection live on.
    c.write(headers(3, getRequest("/ok"), { endStream: true }));
    await c.until(() => c.ended(3));
    assert.equal(dec.decode(c.body(3)), "sibling");
    // No more DATA on the reset stream once the reset has been processed.
    const before = c.body(1).length;
    await sleep(50);
    assert.equal(c.body(1).length, before);
  });

  it("a dropped connection aborts every stream's signal", async () => {
    const signals: AbortSignal[] = [];
    const states = [0, 1, 2].map(() => ({ pulled: 0, cancelled: false }));
    const s = start((req) => {
      signals.push(req.signal);
      return new Response(endless(states[signals.length - 1]!));
    });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    for (const id of [1, 3, 5]) c.write(headers(id, getRequest("/"), { endStream: true }));
    await c.until(() => [1, 3, 5].every((id) => c.body(id).length > 0));
    c.destroy();
    await eventually(() => signals.length === 3 && signals.every((sg) => sg.aborted), 2000);
    await eventually(() => states.every((st) => st.cancelled));
  });

  it("answering before the upload ends: an upload that goes on is reset NO_ERROR (§8.1)", async () => {
    const s = start(() => new Response("early"));
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, postRequest("/")));
    await c.until(() => c.ended(1));
    assert.equal(dec.decode(c.body(1)), "early");
    // The stream waits half-closed for the client's END_STREAM; more DATA than the allowance
    // (16 KiB) after the answer gets RST_STREAM NO_ERROR.
    assert.equal(c.resetCode(1), undefined);
    for (let i = 0; i < 2; i++) c.write(data(1, new Uint8Array(16 * 1024)));
    await c.until(() => c.resetCode(1) !== undefined);
    assert.equal(c.resetCode(1), ErrorCode.NO_ERROR);
    // DATA already in flight for the reset stream is ignored; the connection lives on.
    for (let i = 0; i < 10; i++) c.write(data(1, new Uint8Array(16 * 1024)));
    c.write(data(1, "", { endStream: true }));
    c.write(headers(3, getRequest("/"), { endStream: true }));
    await c.until(() => c.ended(3));
    assert.equal(dec.decode(c.body(3)), "early");
    assert.equal(c.goaway, undefined);
  });
});

describe("h2 server: lifecycle", () => {
  it("graceful shutdown: GOAWAY, in-flight streams complete, finished resolves", async () => {
    const s = start(async (req) => {
      await sleep(200);
      return new Response(`done ${new URL(req.url).pathname}`);
    });
    using c = await LiveH2.connect(s.port);
    let finished = false;
    c.write(headers(1, getRequest("/1"), { endStream: true }));
    c.write(headers(3, getRequest("/3"), { endStream: true }));
    await sleep(50);
    const done = s.server.shutdown().then(() => (finished = true));
    await c.until(() => c.goaway !== undefined);
    assert.deepEqual(c.goaway, { lastStreamId: 3, code: ErrorCode.NO_ERROR });
    assert.equal(finished, false);
    // A stream opened after the GOAWAY is not processed.
    c.write(headers(5, getRequest("/5"), { endStream: true }));
    await c.until(() => c.ended(1) && c.ended(3));
    assert.equal(dec.decode(c.body(1)), "done /1");
    assert.equal(dec.decode(c.body(3)), "done /3");
    await done;
    assert.ok(finished);
    await c.waitClosed();
    assert.equal(c.of(5).length, 0);
  });

  it("an idle connection is closed with GOAWAY NO_ERROR", async () => {
    const s = start(() => new Response("x"), { http2: { idleTimeout: 200 } });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, getRequest("/"), { endStream: true }));
    await c.until(() => c.ended(1));
    await c.waitClosed(3000);
    assert.deepEqual(c.goaway, { lastStreamId: 1, code: ErrorCode.NO_ERROR });
  });

  it("a peer that stops answering PINGs is declared dead; its streams abort", async () => {
    let signal: AbortSignal | undefined;
    const s = start((req) => {
      signal = req.signal;
      return new Promise<Response>(() => {});
    }, { http2: { pingInterval: 200, pingTimeout: 200 } });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, getRequest("/"), { endStream: true }));
    await c.until(() => c.frames.some((f) => f.type === FrameType.PING && !f.ack), 3000);
    await c.waitClosed(3000);
    assert.equal(c.goaway?.code, ErrorCode.NO_ERROR);
    assert.equal(signal?.aborted, true);
  });

  it("h2c Upgrade (opted in): 101, then the response on stream 1; bad HTTP2-Settings → 400", async () => {
    const s = start((req, info) => new Response(`${info.protocol} ${req.method} ${req.url}`), {
      protocols: ["http/1.1", "h2c", "h2c-upgrade"],
    });
    const up = (settings: string) =>
      `GET /up HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n` +
      `Upgrade: h2c\r\nHTTP2-Settings: ${settings}\r\n\r\n`;
    const c = await LiveH2.connect(s.port, { raw: up("AAMAAABkAAQAoAAAAAIAAAAA") });
    const bad = await LiveH2.connect(s.port, { raw: up("AAM") });
    try {
      await c.until(() => c.prelude !== "");
      assert.match(c.prelude, /^HTTP\/1\.1 101 Switching Protocols\r\n/i);
      assert.match(c.prelude, /\r\nupgrade: h2c\r\n/i);
      await c.until(() => c.ended(1));
      assert.equal(dec.decode(c.body(1)), "h2c GET http://localhost/up");
      // The connection goes on as HTTP/2.
      c.write(headers(3, getRequest("/next"), { endStream: true }));
      await c.until(() => c.ended(3));
      assert.equal(dec.decode(c.body(3)), "h2c GET http://localhost/next");
      await bad.until(() => bad.prelude !== "" || bad.closed).catch(() => {});
      assert.match(bad.prelude, /^HTTP\/1\.1 400 /);
    } finally {
      c.destroy();
      bad.destroy();
      await s.close();
    }
  });

  it("HTTP/2 can be turned off: the preface is then just a bad HTTP/1.1 request", async () => {
    const s = start(() => new Response("h1"), { http2: false });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port, { raw: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" });
    await c.until(() => c.prelude !== "" || c.closed).catch(() => {});
    assert.match(c.prelude, /^HTTP\/1\.1 [45]\d\d /);
  });
});
