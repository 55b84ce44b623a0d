/**
 * Bun's held bodies: a Response made from a string or bytes is read whole
 * with bytes(), never through `response.body`'s stream, over HTTP/1.1 and
 * HTTP/2; streams, Blobs and empty bodies still go the general way. On other
 * runtimes the probe is off and reports nothing.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http2 from "node:http2";
import { Buffer } from "node:buffer";
import { HELD_BODY_PROBE, heldBodyBytes } from "../../src/runtime/bun_body.ts";
import { raw, start } from "../support/live.ts";

const IS_BUN = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/** Counts the body streams read (getReader calls) while `fn` runs. */
async function bodyReads(fn: () => Promise<void>): Promise<number> {
  const proto = ReadableStream.prototype;
  const original = proto.getReader;
  let reads = 0;
  proto.getReader = function (this: ReadableStream, ...args: unknown[]) {
    reads++;
    return (original as (...a: unknown[]) => ReadableStreamDefaultReader).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    proto.getReader = original;
  }
  return reads;
}

function h2get(
  port: number,
  path: string,
  method = "GET",
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on("error", reject);
    const req = client.request({ ":path": path, ":method": method });
    let status = 0;
    let body = "";
    req.on("response", (h) => (status = Number(h[":status"])));
    req.setEncoding("utf8");
    req.on("data", (d: string) => (body += d));
    req.on("end", () => {
      client.close();
      resolve({ status, body });
    });
    req.on("error", reject);
  });
}

describe("held bodies", () => {
  it("the probe is on on Bun only, and counts the bytes a plain body holds", () => {
    assert.equal(HELD_BODY_PROBE, IS_BUN);
    const n = (r: Response) => heldBodyBytes(r);
    assert.equal(n(new Response("hello")), IS_BUN ? 5 : 0);
    assert.equal(n(new Response(new Uint8Array(70_000))), IS_BUN ? 70_000 : 0);
    assert.equal(n(new Response(null)), 0);
    assert.equal(n(new Response(new ReadableStream())), 0);
    assert.equal(n(new Response(new Blob(["abc"]))), 0);
  });

  it("plain bodies are sent without reading a stream; streams still stream", async () => {
    const big = new Uint8Array(100_000).fill(0x62);
    await using s = start((req) => {
      const path = new URL(req.url).pathname;
      if (path === "/big") return new Response(big, { headers: { "content-type": "x/y" } });
      if (path === "/stream") {
        return new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode("streamed"));
              c.close();
            },
          }),
        );
      }
      return new Response("hello", { status: path === "/404" ? 404 : 200 });
    });
    const plain = await bodyReads(async () => {
      const a = await fetch(`${s.base}/`);
      assert.equal(await a.text(), "hello");
      const b = await fetch(`${s.base}/big`);
      assert.equal(b.headers.get("content-type"), "x/y");
      assert.equal(b.headers.get("content-length"), "100000");
      assert.deepEqual(new Uint8Array(await b.arrayBuffer()), big);
      const c = await fetch(`${s.base}/404`);
      assert.equal(c.status, 404);
      assert.equal(await c.text(), "hello");
      const head = await raw(s.port, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assert.match(head.text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(head.text, /\r\ncontent-length: 5\r\n/i);
      assert.ok(head.text.endsWith("\r\n\r\n"), "no body after a HEAD response");
      const h2 = await h2get(s.port, "/404");
      assert.deepEqual(h2, { status: 404, body: "hello" });
    });
    // Deno takes plain 200s another way; its 404s and HEAD answers still read the body.
    if (IS_BUN) assert.equal(plain, 0, "no stream was made for a plain body");
    const streamed = await bodyReads(async () => {
      const r = await fetch(`${s.base}/stream`);
      assert.equal(await r.text(), "streamed");
    });
    assert.ok(streamed > 0, "a stream body is read through its stream");
  });

  it("large text bodies (ASCII, Latin-1 and UTF-16 strings, UTF-8 bytes) arrive as their bytes", async () => {
    const pad = "x".repeat(50_000);
    const bodies: Record<string, string | Uint8Array<ArrayBuffer>> = {
      "/ascii": `{"a":"${pad}"}`,
      "/latin1": `café ${pad}`,
      "/utf16": `\uFEFF€ “q” ${pad}`,
      "/utf8": new TextEncoder().encode(`é€😀 ${pad}`),
      "/invalid": new Uint8Array([0xef, 0xbb, 0xbf, 0x80, ...new TextEncoder().encode(pad)]),
    };
    await using s = start((req) => {
      const body = bodies[new URL(req.url).pathname]!;
      return new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } });
    });
    // Twice over: the second round meets the probe's backoff after the first's misses.
    for (let round = 0; round < 2; round++) {
      for (const [path, body] of Object.entries(bodies)) {
        const expected = await new Response(body).bytes();
        const r = await fetch(`${s.base}${path}`);
        assert.equal(r.headers.get("content-length"), String(expected.byteLength), path);
        assert.deepEqual(new Uint8Array(await r.arrayBuffer()), expected, path);
        const h2 = await h2get(s.port, path);
        // The same decoder as the client's (no BOM stripped), so equal text means equal bytes.
        assert.equal(h2.body, Buffer.from(expected).toString("utf8"), path);
      }
    }
  });

  it("a Content-Length that disagrees with a held body cuts the response off", async () => {
    await using s = start(() => new Response("hello", { headers: { "content-length": "3" } }));
    const r = await raw(s.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.doesNotMatch(r.text, /hello/);
    assert.ok(r.closedByServer);
  });
});
