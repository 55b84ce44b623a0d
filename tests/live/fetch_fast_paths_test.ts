// The two fetch-layer fast paths: Requests built on first need (Deno) and
// plain 200 bodies taken without a stream (Deno). The Request tests go
// through createRequest, so on runtimes where the lazy path is off they check
// the eager Request against the same expectations.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { skipUnless } from "../support/skip.ts";
import http2 from "node:http2";
import { createRequest, UnrepresentableRequest } from "../../src/fetch/request.ts";
import { LAZY_REQUESTS } from "../../src/fetch/lazy_request.ts";
import { STATIC_BODY_FAST_PATH, takeStaticBody } from "../../src/fetch/static_body.ts";
import { takeUndiciBody, UNDICI_BODY_FAST_PATH } from "../../src/fetch/undici_body.ts";
import { raw, start } from "../support/live.ts";

const enc = new TextEncoder();
const IS_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
/** Bun's Request and Response deviate from the Fetch standard where Deno and Node follow it. */
const IS_BUN = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

function source(): { signal: AbortSignal; abort: (r?: unknown) => void } {
  const c = new AbortController();
  return { signal: c.signal, abort: (r) => c.abort(r) };
}

function bodyOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    type: "bytes",
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}

describe("server-built Requests", () => {
  it("the lazy path is on where Request is costly (Deno, Node), off on Bun", () => {
    assert.equal(LAZY_REQUESTS, !IS_BUN);
  });

  it("answer url, method, headers and signal, and are Requests", () => {
    const s = source();
    const r = createRequest("http://a.test/p?q=1", "GET", [["x-a", "1"], ["x-b", "2"]], null, s);
    assert.ok(r instanceof Request);
    assert.equal(Object.prototype.toString.call(r), "[object Request]");
    assert.equal(r.url, "http://a.test/p?q=1");
    assert.equal(r.method, "GET");
    assert.equal(r.headers.get("x-b"), "2");
    assert.deepEqual([...r.headers], [["x-a", "1"], ["x-b", "2"]]);
    assert.equal(r.headers, r.headers);
    assert.equal(r.body, null);
    assert.equal(r.bodyUsed, false);
    assert.equal(r.redirect, "follow");
    assert.equal(r.signal.aborted, false);
    s.abort(new Error("gone"));
    assert.equal(r.signal.aborted, true);
  });

  it("normalize the six methods the Fetch standard upper-cases, and only those", () => {
    const s = source();
    assert.equal(createRequest("http://a.test/", "get", [], null, s).method, "GET");
    assert.equal(createRequest("http://a.test/", "delete", [], null, s).method, "DELETE");
    assert.equal(createRequest("http://a.test/", "PATCH", [], null, s).method, "PATCH");
    if (!IS_BUN) {
      assert.equal(createRequest("http://a.test/", "patch", [], null, s).method, "patch");
    } else {
      // Bun would turn it into GET: refused rather than changed.
      assert.throws(() => createRequest("http://a.test/", "patch", [], null, s), /not supported/);
    }
    assert.equal(createRequest("http://a.test/", "PROPFIND", [], null, s).method, "PROPFIND");
  });

  it("accept h2's header record as well as h1's list", () => {
    const headers: Record<string, string> = Object.create(null);
    headers["x-a"] = "1";
    const r = createRequest("http://a.test/", "GET", headers, null, source());
    assert.equal(r.headers.get("x-a"), "1");
  });

  it("refuse a URL no Request can hold with 400, and CONNECT with 501", () => {
    assert.throws(
      () => createRequest("http://a b/", "GET", [], null, source()),
      (e) => e instanceof UnrepresentableRequest && e.status === 400,
    );
    assert.throws(
      () => createRequest("http://a.test/", "CONNECT", [], null, source()),
      (e) => e instanceof UnrepresentableRequest && e.status === 501,
    );
  });

  it("keep one Headers object through copies: edits show in new Request(req) and clone()", () => {
    const r = createRequest("http://a.test/x", "GET", [["x-a", "1"]], null, source());
    r.headers.set("x-added", "yes");
    const copy = new Request(r);
    assert.equal(copy.url, "http://a.test/x");
    assert.equal(copy.headers.get("x-added"), "yes");
    assert.equal(r.clone().headers.get("x-added"), "yes");
    const withInit = new Request(r, { headers: { "x-only": "1" } });
    assert.equal(withInit.headers.get("x-only"), "1");
    assert.equal(withInit.headers.get("x-a"), null);
    // Edits after the copy stay on the original, as with any Request.
    r.headers.set("x-later", "1");
    assert.equal(copy.headers.get("x-later"), null);
    assert.equal(r.headers.get("x-later"), "1");
    // ...and reach later copies, also once the body has been read.
    r.headers.delete("x-a");
    const again = new Request(r);
    assert.equal(again.headers.get("x-later"), "1");
    assert.equal(again.headers.has("x-a"), false);
  });

  it("keep one Headers object once the runtime's Request exists", () => {
    const r = createRequest("http://a.test/", "GET", [["x-a", "1"]], null, source());
    const held = r.headers;
    assert.equal(r.cache, "default"); // a member the lazy path forwards
    held.set("x-after", "1");
    assert.equal(r.headers, held);
    assert.equal(r.clone().headers.get("x-after"), "1");
    assert.equal(new Request(r).headers.get("x-after"), "1");
  });

  it("give the body through every reader, once", async () => {
    const mk = (text: string, type = "text/plain") =>
      createRequest("http://a.test/", "POST", [["content-type", type]], bodyOf(text), source());
    assert.equal(await mk("hello").text(), "hello");
    assert.deepEqual(await mk('{"a":1}').json(), { a: 1 });
    assert.equal(new Uint8Array(await mk("abc").arrayBuffer()).byteLength, 3);
    assert.equal((await mk("abcd").blob()).size, 4);
    const form = await mk("a=1&b=2", "application/x-www-form-urlencoded").formData();
    assert.equal(form.get("b"), "2");
    const r = mk("once");
    assert.equal(r.bodyUsed, false);
    assert.ok(r.body instanceof ReadableStream);
    assert.equal(r.body, r.body);
    assert.equal(await r.text(), "once");
    assert.equal(r.bodyUsed, true);
    await assert.rejects(() => r.text(), TypeError);
  });

  it("hand the body over to a copy, which then owns it", async () => {
    const r = createRequest("http://a.test/", "PUT", [], bodyOf("moved"), source());
    const copy = new Request(r);
    // Bun leaves the original's bodyUsed false (its own deviation); the copy reads it either way.
    if (LAZY_REQUESTS) assert.equal(r.bodyUsed, true);
    assert.equal(await copy.text(), "moved");
  });

  it("edits made after the body was read reach copies and clones", async () => {
    const r = createRequest("http://a.test/", "POST", [["x-a", "1"]], bodyOf("abc"), source());
    const held = r.headers;
    assert.equal(await r.text(), "abc");
    held.set("x-late", "2");
    held.append("x-a", "3");
    assert.equal(r.headers, held);
    assert.equal(r.headers.get("x-a"), "1, 3");
    const copy = new Request(r, { body: "again", method: "PUT" });
    assert.equal(copy.headers.get("x-late"), "2");
    assert.equal(copy.headers.get("x-a"), "1, 3");
    held.delete("x-late");
    assert.equal(new Request(r, { body: "x", method: "PUT" }).headers.has("x-late"), false);
  });

  it("a server-built Request goes through fetch() to another server, body and edits included", async () => {
    await using back = start(async (req) =>
      new Response(`${req.method} ${req.headers.get("x-edit")} ${await req.text()}`)
    );
    await using front = start(async (req) => {
      req.headers.set("x-edit", "yes");
      const target = new URL(new URL(req.url).pathname, back.base);
      return await fetch(new Request(target, req));
    });
    const res = await fetch(front.base + "/p", { method: "POST", body: "payload" });
    assert.equal(await res.text(), "POST yes payload");
  });

  it("on the lazy path, copies made by the runtime follow the client's signal", {
    skip: skipUnless(LAZY_REQUESTS, "the lazy Request path exists on Deno and Node only"),
  }, () => {
    const s = source();
    const r = createRequest("http://a.test/", "GET", [], null, s);
    const copy = new Request(r);
    assert.equal(copy.signal.aborted, false);
    s.abort(new Error("gone"));
    assert.equal(copy.signal.aborted, true);
  });
});

describe("plain 200 bodies without a stream", () => {
  it("the fast path is on for Deno and off for Bun", () => {
    assert.equal(STATIC_BODY_FAST_PATH, IS_DENO);
  });

  it("takes only untouched 200 responses with at most a Content-Type", async () => {
    if (!STATIC_BODY_FAST_PATH) {
      assert.equal(takeStaticBody(new Response("x")), null);
      return;
    }
    assert.deepEqual(takeStaticBody(new Response("x")), {
      body: "x",
      contentType: "text/plain;charset=UTF-8",
    });
    assert.deepEqual(takeStaticBody(Response.json({ a: 1 })), {
      body: '{"a":1}',
      contentType: "application/json",
    });
    const taken = new Response("y");
    assert.notEqual(takeStaticBody(taken), null);
    assert.equal(taken.bodyUsed, true);
    assert.equal(takeStaticBody(taken), null, "a body is taken once");
    const touched = new Response("z");
    touched.headers.set("x-a", "1");
    assert.equal(takeStaticBody(touched), null);
    assert.equal(takeStaticBody(new Response("z", { status: 201 })), null);
    const read = new Response("z");
    await read.text();
    assert.equal(takeStaticBody(read), null);
    const locked = new Response("z");
    locked.body!.getReader();
    assert.equal(takeStaticBody(locked), null);
  });

  const cases: Array<[string, () => Response, number, Record<string, string>, string]> = [
    // Bun's Response keeps a string body's Content-Type out of its headers.
    [
      "string",
      () => new Response("hello"),
      200,
      IS_BUN ? {} : { "content-type": "text/plain;charset=UTF-8" },
      "hello",
    ],
    ["typed", () => new Response("<p>", { headers: { "content-type": "text/html" } }), 200, {
      "content-type": "text/html",
    }, "<p>"],
    ["bytes", () => new Response(new Uint8Array([104, 105])), 200, {}, "hi"],
    ["json", () => Response.json({ ok: true }), 200, {
      "content-type": IS_BUN ? "application/json;charset=utf-8" : "application/json",
    }, '{"ok":true}'],
    ["extra header", () => new Response("e", { headers: { "x-a": "1" } }), 200, {
      "x-a": "1",
    }, "e"],
    [
      "touched",
      () => {
        const r = new Response("t");
        r.headers.set("x-t", "2");
        return r;
      },
      200,
      { "x-t": "2" },
      "t",
    ],
    ["404", () => new Response("nope", { status: 404 }), 404, {}, "nope"],
    ["empty", () => new Response(""), 200, {}, ""],
    ["utf-8", () => new Response("héllo ✓"), 200, {}, "héllo ✓"],
    // Chars 0x80-0xff are UTF-8 encoded, never sent as single bytes.
    ["latin-1 range", () => new Response("caf\u00e9 \u00ff"), 200, {}, "caf\u00e9 \u00ff"],
    // Around the sizes where the body is copied next to its head or sent on its own.
    ["ascii 5000", () => new Response("a".repeat(5000)), 200, {}, "a".repeat(5000)],
    ["ascii 20000", () => new Response("b".repeat(20000)), 200, {}, "b".repeat(20000)],
    ["bytes 4096", () => new Response(enc.encode("c".repeat(4096))), 200, {}, "c".repeat(4096)],
    ["bytes 4097", () => new Response(enc.encode("d".repeat(4097))), 200, {}, "d".repeat(4097)],
    // Text over 1 KiB is encoded by the HTTP/1.1 writer into its own buffer: ASCII, text that
    // outgrows the first guess of one byte per char late or at once, beyond the pooled sizes.
    ["ascii 1025", () => new Response("e".repeat(1025)), 200, {}, "e".repeat(1025)],
    [
      "utf-8 late",
      () => new Response("f".repeat(5000) + "✓é😀"),
      200,
      {},
      "f".repeat(5000) + "✓é😀",
    ],
    ["utf-8 100k", () => new Response("✓".repeat(100_000)), 200, {}, "✓".repeat(100_000)],
    ["ascii 400k", () => new Response("g".repeat(400_000)), 200, {}, "g".repeat(400_000)],
    [
      "json 100k",
      () => Response.json({ a: "h".repeat(100_000) }),
      200,
      {},
      JSON.stringify({
        a: "h".repeat(100_000),
      }),
    ],
    [
      "long head",
      () =>
        new Response("i".repeat(3000), { status: 201, headers: { "x-long": "j".repeat(2000) } }),
      201,
      {
        "x-long": "j".repeat(2000),
      },
      "i".repeat(3000),
    ],
    [
      "cookies",
      () => {
        const h = new Headers([["set-cookie", "a=1"], ["set-cookie", "b=2"]]);
        return new Response("k".repeat(2000), { status: 202, headers: h });
      },
      202,
      {},
      "k".repeat(2000),
    ],
    ["search params", () => new Response(new URLSearchParams("a=1&b=2")), 200, {
      "content-type": "application/x-www-form-urlencoded;charset=UTF-8",
    }, "a=1&b=2"],
  ];

  it("a body the server took reads as used, and a second send of it fails", async () => {
    const shared = new Response("once".repeat(400));
    await using s = start(() => shared);
    const first = await fetch(s.base + "/");
    assert.equal(await first.text(), "once".repeat(400));
    assert.equal(shared.bodyUsed, true);
    const second = await fetch(s.base + "/");
    assert.equal(second.status, 500);
    await second.body?.cancel();
  });

  it("Node: string and bytes bodies are taken as given, anything else is left alone", () => {
    assert.equal(UNDICI_BODY_FAST_PATH, !IS_BUN && !IS_DENO);
    if (!UNDICI_BODY_FAST_PATH) {
      assert.equal(takeUndiciBody(new Response("x")), null);
      return;
    }
    const text = takeUndiciBody(new Response("x", { status: 404, headers: { "x-a": "1" } }));
    assert.equal(text?.body, "x");
    assert.equal(text?.status, 404);
    assert.ok(text?.headers.some(([n, v]) => n === "x-a" && v === "1"));
    const json = takeUndiciBody(Response.json({ a: 1 }));
    assert.ok(json?.body instanceof Uint8Array);
    assert.equal(new TextDecoder().decode(json.body as Uint8Array), '{"a":1}');
    const taken = new Response("y");
    assert.notEqual(takeUndiciBody(taken), null);
    assert.equal(taken.bodyUsed, true);
    assert.equal(takeUndiciBody(taken), null);
    const locked = new Response("z");
    locked.body!.getReader();
    assert.equal(takeUndiciBody(locked), null);
    assert.equal(takeUndiciBody(new Response(new ReadableStream())), null);
    assert.equal(takeUndiciBody(new Response(null, { status: 204 })), null);
    assert.equal(takeUndiciBody(new Response("w", { headers: { "content-length": "1" } })), null);
  });

  it("every response shape arrives whole with its length, over h1 and h2", async () => {
    const byPath = new Map(cases.map((c) => ["/" + c[0].replaceAll(" ", "-"), c]));
    await using s = start((req) => byPath.get(new URL(req.url).pathname)![1]());
    for (const [path, [name, , status, headers, text]] of byPath) {
      const res = await fetch(s.base + path);
      assert.equal(res.status, status, name);
      for (const [k, v] of Object.entries(headers)) assert.equal(res.headers.get(k), v, name);
      const bytes = new TextEncoder().encode(text);
      assert.equal(res.headers.get("content-length"), String(bytes.byteLength), name);
      assert.equal(await res.text(), text, name);
    }
    // HEAD: the length, no body, and the connection stays usable.
    const head = await raw(
      s.port,
      "HEAD /string HTTP/1.1\r\nHost: a\r\n\r\nGET /bytes HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert.match(head.text, /^HTTP\/1\.1 200 OK\r\n[^]*content-length: 5\r\n\r\nHTTP\/1\.1 200/);
    assert.match(head.text, /\r\n\r\nhi$/);
    // h2
    const client = http2.connect(s.base);
    try {
      for (const [path, [name, , status, , text]] of byPath) {
        const got = await new Promise<{ status: number; length: string; body: string }>(
          (resolve, reject) => {
            const req = client.request({ ":path": path });
            let body = "";
            let h: http2.IncomingHttpHeaders = {};
            req.setEncoding("utf8");
            req.on("response", (x) => (h = x));
            req.on("data", (d: string) => (body += d));
            req.on("end", () =>
              resolve({
                status: Number(h[":status"]),
                length: String(h["content-length"]),
                body,
              }));
            req.on("error", reject);
            req.end();
          },
        );
        assert.equal(got.status, status, name);
        assert.equal(got.length, String(new TextEncoder().encode(text).byteLength), name);
        assert.equal(got.body, text, name);
      }
    } finally {
      client.close();
    }
  });
});
