/**
 * Trailers both ways and info.rawHeaders through a real server: HTTP/1.1
 * with raw sockets and curl, HTTP/2 with hand-built frames, nghttp and
 * node:http2's client.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import zlib from "node:zlib";
import { requestTrailers, TrailersError, withTrailers } from "../../mod.ts";
import { raw, RawClient, run, start } from "../support/live.ts";
import { LiveH2 } from "../support/http2_client.ts";
import { data, headers, postRequest } from "../support/http2_frames.ts";
import { FrameType } from "../../src/http2/core/mod.ts";
import { eventually } from "../support/common.ts";

/** A body that streams (never known in full up front). */
function slowBody(parts: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    async pull(c) {
      await new Promise((r) => setTimeout(r, 1));
      if (i < parts.length) c.enqueue(enc.encode(parts[i++]!));
      else c.close();
    },
  });
}

/** Collects what onError hears. */
function errorLog(): { errors: unknown[]; onError: (e: unknown) => Response } {
  const errors: unknown[] = [];
  return {
    errors,
    onError(e) {
      errors.push(e);
      return new Response("unused", { status: 500 });
    },
  };
}

const GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

describe("response trailers on HTTP/1.1", () => {
  it("fixed trailers: chunked, announced in Trailer, Content-Length dropped, TE or not", async () => {
    await using s = start(() =>
      withTrailers(new Response("hello", { headers: { "content-length": "5" } }), {
        "X-Sum": "42",
        "x-two": "b",
      })
    );
    for (const te of ["", "TE: trailers\r\n"]) {
      const r = await raw(s.port, `GET / HTTP/1.1\r\nHost: x\r\n${te}Connection: close\r\n\r\n`);
      const [head, body] = r.text.split("\r\n\r\n", 2) as [string, string];
      assert.match(head, /\r\ntransfer-encoding: chunked/i);
      assert.doesNotMatch(head, /content-length/i);
      assert.match(head, /\r\ntrailer: x-sum, x-two/i);
      assert.equal(
        r.text.slice(head.length + 4),
        "5\r\nhello\r\n0\r\nx-sum: 42\r\nx-two: b\r\n\r\n",
      );
      assert.ok(body.length > 0);
    }
  });

  it("a trailers function runs after the last body byte; no Trailer header is invented", async () => {
    let pulledAll = false;
    await using s = start(() => {
      const body = slowBody(["a", "b", "c"]);
      const counted = body.pipeThrough(
        new TransformStream({ flush: () => void (pulledAll = true) }),
      );
      return withTrailers(new Response(counted), () => ({ "x-done": String(pulledAll) }));
    });
    const r = await raw(s.port, GET.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"));
    assert.doesNotMatch(r.text, /\r\ntrailer:/i);
    assert.match(r.text, /\r\n0\r\nx-done: true\r\n\r\n$/);
  });

  it("an empty body with trailers is chunked with no data chunk", async () => {
    await using s = start(() => withTrailers(new Response(null), { "x-a": "1" }));
    const r = await raw(s.port, GET.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"));
    assert.match(r.text, /\r\n\r\n0\r\nx-a: 1\r\n\r\n$/);
  });

  it("HEAD and 204 carry no trailers and do not call the function", async () => {
    let called = 0;
    await using s = start((req) =>
      withTrailers(
        new Response(req.url.endsWith("/204") ? null : "body", {
          status: req.url.endsWith("/204") ? 204 : 200,
        }),
        () => (called++, { "x-a": "1" }),
      )
    );
    const r = await raw(
      s.port,
      "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert.equal((r.text.match(/HTTP\/1\.1 /g) ?? []).length, 2);
    assert.doesNotMatch(r.text, /x-a/);
    assert.equal(called, 0);
  });

  it("HTTP/1.0 gets the body without trailers (the function still runs)", async () => {
    let called = 0;
    await using s = start(() =>
      withTrailers(new Response(slowBody(["ab"])), () => (called++, { "x-a": "1" }))
    );
    const r = await raw(s.port, "GET / HTTP/1.0\r\n\r\n");
    assert.match(r.text, /\r\n\r\nab$/);
    assert.doesNotMatch(r.text, /chunked|x-a/i);
    assert.equal(called, 1);
  });

  it("a throwing function closes the connection without the last chunk; onError hears it", async () => {
    const log = errorLog();
    const clientErrors: unknown[] = [];
    await using s = start(
      () => withTrailers(new Response(slowBody(["part"])), () => Promise.reject(new Error("boom"))),
      { onError: log.onError, onClientError: (e) => void clientErrors.push(e) },
    );
    const c = await RawClient.connect(s.port);
    c.write(GET);
    await c.waitClosed();
    c.destroy();
    assert.doesNotMatch(c.text, /\r\n0\r\n/);
    await eventually(() => log.errors.length === 1);
    const e = log.errors[0];
    assert.ok(e instanceof TrailersError);
    assert.equal(e.code, "producer-failed");
    assert.equal((e.cause as Error).message, "boom");
    assert.deepEqual(clientErrors, [], "a server error, not the client's");
  });

  it("a function returning a forbidden field: forbidden-field naming it", async () => {
    const log = errorLog();
    await using s = start(
      () => withTrailers(new Response("x"), () => ({ "content-length": "1" })),
      { onError: log.onError },
    );
    const r = await raw(s.port, GET);
    assert.ok(r.closedByServer);
    assert.doesNotMatch(r.text, /\r\n0\r\n/);
    await eventually(() => log.errors.length === 1);
    const e = log.errors[0] as TrailersError;
    assert.equal(e.code, "forbidden-field");
    assert.equal(e.field, "content-length");
  });

  it("a trailer section larger than http1.maxHeaderBytes is too-large", async () => {
    const log = errorLog();
    await using s = start(
      () => withTrailers(new Response("x"), () => ({ "x-big": "v".repeat(3000) })),
      { onError: log.onError, http1: { maxHeaderBytes: 2048 } },
    );
    const r = await raw(s.port, GET);
    assert.doesNotMatch(r.text, /x-big/);
    await eventually(() => log.errors.length === 1);
    assert.equal((log.errors[0] as TrailersError).code, "too-large");
  });

  it("curl --raw shows the trailer section", async () => {
    await using s = start(() =>
      withTrailers(new Response(slowBody(["hi"])), () => ({ "x-checksum": "abc" }))
    );
    const r = await run("curl", ["-s", "--raw", "-i", "-H", "TE: trailers", s.base + "/"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\r\n0\r\nx-checksum: abc\r\n\r\n$/);
    // Decoded (no --raw): curl hands the trailers to its header output, after the body.
    const i = await run("curl", ["-s", "-i", s.base + "/"]);
    assert.match(i.stdout, /\r\n\r\nhix-checksum: abc\r\n/);
  });
});

describe("request trailers on HTTP/1.1", () => {
  it("chunked trailer fields reach requestTrailers", async () => {
    await using s = start(async (req) => {
      const body = await req.text();
      const t = await requestTrailers(req);
      return new Response(`${body}|${t.get("x-checksum")}|${[...t.keys()].join(",")}`);
    });
    const r = await raw(
      s.port,
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
        "3\r\nabc\r\n0\r\nX-Checksum: 99\r\nx-other: o\r\n\r\n",
    );
    assert.match(r.text, /\r\n\r\nabc\|99\|x-checksum,x-other$/);
  });

  it("a body with none resolves empty; a request without a body too", async () => {
    await using s = start(async (req) => {
      await req.arrayBuffer();
      const t = await requestTrailers(req);
      return new Response(`n=${[...t.keys()].length}`);
    });
    const r = await raw(
      s.port,
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab" +
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert.equal((r.text.match(/n=0/g) ?? []).length, 2);
  });

  it("a body never read: body-unread once the response completed, never a hang", async () => {
    let seen: unknown = null;
    await using s = start((req, info) => {
      const p = requestTrailers(req);
      info.completed.then(() => p.catch((e) => (seen = e)));
      return new Response("ok");
    });
    const c = await RawClient.connect(s.port);
    c.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
    await c.until((t) => t.includes("ok"));
    await eventually(() => seen !== null);
    c.destroy();
    assert.equal((seen as TrailersError).code, "body-unread");
  });

  it("a client gone mid-body: aborted", async () => {
    let seen: unknown = null;
    let started!: () => void;
    const began = new Promise<void>((r) => (started = r));
    await using s = start(async (req) => {
      started();
      await req.arrayBuffer().catch(() => {});
      await requestTrailers(req).catch((e) => (seen = e));
      return new Response("late");
    });
    const c = await RawClient.connect(s.port);
    c.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
    await began;
    c.destroy();
    await eventually(() => seen !== null);
    assert.equal((seen as TrailersError).code, "aborted");
  });
});

describe("info.rawHeaders", () => {
  it("h1: order, case, duplicates and two Cookie lines, as the bytes said", async () => {
    let got: unknown = null;
    let frozen = false;
    await using s = start((_req, info) => {
      got = info.rawHeaders;
      frozen = Object.isFrozen(info.rawHeaders) && Object.isFrozen(info.rawHeaders[0]);
      return new Response("ok");
    });
    await raw(
      s.port,
      "GET / HTTP/1.1\r\nHost: x\r\nX-Foo: A\r\nx-foo: b\r\nx-dup: a\r\nCookie: a=1\r\n" +
        "x-dup: a\r\nCOOKIE: b=2\r\nConnection: close\r\n\r\n",
    );
    assert.deepEqual(got, [
      ["Host", "x"],
      ["X-Foo", "A"],
      ["x-foo", "b"],
      ["x-dup", "a"],
      ["Cookie", "a=1"],
      ["x-dup", "a"],
      ["COOKIE", "b=2"],
      ["Connection", "close"],
    ]);
    assert.ok(frozen);
  });

  it("h2: pseudo-headers first, cookie crumbs and duplicates as sent", async () => {
    let got: unknown = null;
    await using s = start((_req, info) => {
      got = info.rawHeaders;
      return new Response("ok");
    });
    const c = await LiveH2.connect(s.port);
    const fields = postRequest("/p", [
      ["x-b", "2"],
      ["cookie", "a=1"],
      ["x-a", "1"],
      ["cookie", "b=2"],
      ["x-b", "3"],
    ]);
    c.write(headers(1, fields, { endStream: true }));
    await c.until((x) => x.ended(1));
    c.destroy();
    assert.deepEqual(got, fields);
  });
});

describe("trailers on HTTP/2", () => {
  it("node:http2: DATA then trailing HEADERS; an empty body too", async () => {
    await using s = start((req) =>
      new URL(req.url).pathname === "/empty"
        ? withTrailers(new Response(null), { "x-a": "1" })
        : withTrailers(new Response(slowBody(["a", "b"])), () => ({ "grpc-status": "0" }))
    );
    const client = http2.connect(s.base);
    try {
      for (
        const [path, body, key, value] of [["/", "ab", "grpc-status", "0"], [
          "/empty",
          "",
          "x-a",
          "1",
        ]] as const
      ) {
        const got = await new Promise<{ body: string; trailers: Record<string, unknown> }>(
          (resolve, reject) => {
            const st = client.request({ ":path": path });
            let text = "";
            let trailers: Record<string, unknown> = {};
            st.setEncoding("utf8");
            st.on("data", (d: string) => (text += d));
            st.on("trailers", (t) => (trailers = t));
            st.on("end", () => resolve({ body: text, trailers }));
            st.on("error", reject);
          },
        );
        assert.equal(got.body, body);
        assert.equal(got.trailers[key], value);
      }
    } finally {
      client.close();
    }
  });

  it("raw frames: HEADERS, DATA, HEADERS+END_STREAM; empty: HEADERS then HEADERS+END_STREAM", async () => {
    await using s = start((req) =>
      withTrailers(new Response(new URL(req.url).pathname === "/e" ? null : "body"), {
        "x-t": "v",
      })
    );
    const c = await LiveH2.connect(s.port);
    c.write(headers(1, [[":method", "GET"], [":scheme", "http"], [":path", "/"], [
      ":authority",
      "x",
    ]], { endStream: true }));
    c.write(headers(3, [[":method", "GET"], [":scheme", "http"], [":path", "/e"], [
      ":authority",
      "x",
    ]], { endStream: true }));
    await c.until((x) => x.ended(1) && x.ended(3));
    c.destroy();
    for (const [id, types] of [[1, ["HEADERS", "DATA", "HEADERS"]], [3, ["HEADERS", "HEADERS"]]]) {
      const frames = c.of(id as number).filter((f) => f.type !== FrameType.WINDOW_UPDATE);
      assert.deepEqual(frames.map((f) => FrameType[f.type]), types);
      const last = frames.at(-1)!;
      assert.deepEqual(last.fields, [["x-t", "v"]]);
      assert.equal(last.flags & 1, 1);
    }
  });

  it("nghttp -v shows the trailing HEADERS", async () => {
    await using s = start(() => withTrailers(new Response("nb"), { "x-ng": "yes" }));
    const r = await run("nghttp", ["-v", s.base + "/"]);
    assert.equal(r.code, 0, r.stderr);
    // nghttp prints a frame's fields before the frame line.
    assert.match(r.stdout, /DATA frame[^\n]*\n.*x-ng: yes\n.*recv HEADERS frame <[^>]*flags=0x05/);
  });

  it("a throwing function: RST_STREAM INTERNAL_ERROR, onError hears it", async () => {
    const log = errorLog();
    const clientErrors: unknown[] = [];
    await using s = start(
      () => withTrailers(new Response(slowBody(["x"])), () => Promise.reject(new Error("boom"))),
      { onError: log.onError, onClientError: (e) => void clientErrors.push(e) },
    );
    const c = await LiveH2.connect(s.port);
    c.write(headers(1, [[":method", "GET"], [":scheme", "http"], [":path", "/"], [
      ":authority",
      "x",
    ]], { endStream: true }));
    await c.until((x) => x.resetCode(1) !== undefined);
    c.destroy();
    assert.equal(c.resetCode(1), 2);
    await eventually(() => log.errors.length === 1);
    assert.equal((log.errors[0] as TrailersError).code, "producer-failed");
    assert.deepEqual(clientErrors, [], "a server error, not the client's");
  });

  it("trailers larger than the peer's SETTINGS_MAX_HEADER_LIST_SIZE: reset, too-large", async () => {
    const log = errorLog();
    await using s = start(
      () => withTrailers(new Response("x"), () => ({ "x-big": "v".repeat(500) })),
      { onError: log.onError },
    );
    const c = await LiveH2.connect(s.port, { settings: [[6, 300]] });
    c.write(headers(1, [[":method", "GET"], [":scheme", "http"], [":path", "/"], [
      ":authority",
      "x",
    ]], { endStream: true }));
    await c.until((x) => x.resetCode(1) !== undefined);
    c.destroy();
    await eventually(() => log.errors.length === 1);
    assert.equal((log.errors[0] as TrailersError).code, "too-large");
  });

  it("request trailers: node:http2 sendTrailers and hand-built trailing HEADERS", async () => {
    await using s = start(async (req) => {
      const body = await req.text();
      const t = await requestTrailers(req);
      return new Response(`${body}|${t.get("x-sum") ?? "none"}`);
    });
    const client = http2.connect(s.base);
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const st = client.request({ ":method": "POST", ":path": "/" }, { waitForTrailers: true });
        st.on("wantTrailers", () => st.sendTrailers({ "x-sum": "7" }));
        let out = "";
        st.setEncoding("utf8");
        st.on("data", (d: string) => (out += d));
        st.on("end", () => resolve(out));
        st.on("error", reject);
        st.end("body");
      });
      assert.equal(text, "body|7");
    } finally {
      client.close();
    }
    const c = await LiveH2.connect(s.port);
    c.write(headers(1, postRequest("/"), {}), data(1, new TextEncoder().encode("raw")));
    c.write(headers(1, [["x-sum", "8"]], { endStream: true }));
    await c.until((x) => x.ended(1));
    c.destroy();
    assert.equal(new TextDecoder().decode(c.body(1)), "raw|8");
  });

  it("a reset mid-body rejects requestTrailers with aborted", async () => {
    let seen: unknown = null;
    await using s = start(async (req) => {
      await req.arrayBuffer().catch(() => {});
      await requestTrailers(req).catch((e) => (seen = e));
      return new Response("late");
    });
    const c = await LiveH2.connect(s.port);
    c.write(headers(1, postRequest("/"), {}), data(1, new TextEncoder().encode("x")));
    await new Promise((r) => setTimeout(r, 50));
    c.write(new Uint8Array([0, 0, 4, 3, 0, 0, 0, 0, 1, 0, 0, 0, 8]));
    await eventually(() => seen !== null);
    c.destroy();
    assert.equal((seen as TrailersError).code, "aborted");
  });
});

describe("trailers with compression", () => {
  const handler = () => {
    const items = Array.from({ length: 200 }, (_, i) => JSON.stringify({ i }) + "\n");
    return withTrailers(
      new Response(slowBody(items), { headers: { "content-type": "application/x-ndjson" } }),
      () => ({ "x-items": "200" }),
    );
  };
  const expected = Array.from({ length: 200 }, (_, i) => JSON.stringify({ i }) + "\n").join("");

  it("HTTP/1.1 (node:http): the gzip body decodes and the trailers follow it", async () => {
    await using s = start(handler, { compression: true });
    const got = await new Promise<{ enc: string; text: string; trailers: NodeJS.Dict<string> }>(
      (resolve, reject) => {
        http.get(s.base + "/", { headers: { "accept-encoding": "gzip" } }, (res) => {
          const parts: Buffer[] = [];
          res.on("data", (d: Buffer) => parts.push(d));
          res.on("end", () =>
            resolve({
              enc: String(res.headers["content-encoding"]),
              text: zlib.gunzipSync(Buffer.concat(parts)).toString(),
              trailers: res.trailers,
            }));
          res.on("error", reject);
        }).on("error", reject);
      },
    );
    assert.equal(got.enc, "gzip");
    assert.equal(got.text, expected);
    assert.equal(got.trailers["x-items"], "200");
  });

  it("h2c (node:http2): the gzip body decodes and the trailers follow it", async () => {
    await using s = start(handler, { compression: true });
    const client = http2.connect(s.base);
    try {
      const got = await new Promise<{ enc: string; text: string; trailers: unknown }>(
        (resolve, reject) => {
          const st = client.request({ ":path": "/", "accept-encoding": "gzip" });
          const parts: Buffer[] = [];
          let enc = "";
          let trailers: Record<string, unknown> = {};
          st.on("response", (h) => (enc = String(h["content-encoding"])));
          st.on("data", (d: Buffer) => parts.push(d));
          st.on("trailers", (t) => (trailers = t));
          st.on("end", () =>
            resolve({
              enc,
              text: zlib.gunzipSync(Buffer.concat(parts)).toString(),
              trailers: trailers["x-items"],
            }));
          st.on("error", reject);
        },
      );
      assert.equal(got.enc, "gzip");
      assert.equal(got.text, expected);
      assert.equal(got.trailers, "200");
    } finally {
      client.close();
    }
  });
});
