// A response whose body is known whole goes out as HEADERS + one DATA with
// END_STREAM; held HEADERS never wait for a body that is slow to come, and a
// body that breaks its content-length still ends in RST_STREAM.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { serve } from "../../mod.ts";
import type { Handler } from "../../mod.ts";
import { LiveH2 } from "../support/http2_client.ts";
import { getRequest, headers } from "../support/http2_frames.ts";
import { ErrorCode, FrameType } from "../../src/http2/core/mod.ts";
import http2 from "node:http2";

function listen(handler: Handler) {
  return serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
}

const enc = new TextEncoder();
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const s of chunks) c.enqueue(enc.encode(s));
      c.close();
    },
  });
}

/**
 * A 5-byte response with a declared length whose body sends `first` at once
 * and `rest` only after finish().
 */
function slowBody(first: string, rest: string): { finish: () => void; respond: () => Response } {
  let finish!: () => void;
  const later = new Promise<void>((r) => (finish = r));
  const respond = () =>
    new Response(
      new ReadableStream({
        async start(c) {
          if (first !== "") c.enqueue(enc.encode(first));
          await later;
          c.enqueue(enc.encode(rest));
          c.close();
        },
      }),
      { headers: { "content-length": String(first.length + rest.length) } },
    );
  return { finish, respond };
}

describe("h2 server: whole responses", () => {
  for (
    const [what, make] of [
      ["a string", () => new Response("hello")],
      ["a one-chunk stream", () => new Response(streamOf("hello"))],
      [
        "a stream with a content-length",
        () => new Response(streamOf("hello"), { headers: { "content-length": "5" } }),
      ],
    ] as const
  ) {
    it(`${what}: HEADERS, then one DATA with END_STREAM`, async () => {
      await using server = listen(make);
      using c = await LiveH2.connect(server.addr.port);
      c.write(headers(1, getRequest(), { endStream: true }));
      await c.until(() => c.ended(1));
      const frames = c.of(1).map((f) => [f.type, f.flags & 1]);
      assert.deepEqual(frames, [[FrameType.HEADERS, 0], [FrameType.DATA, 1]], c.describe());
      assert.equal(c.head(1)?.get("content-length"), "5");
      assert.equal(text(c.body(1)), "hello");
    });
  }

  it("HEADERS with a declared length go out before a body that is slow to come", async () => {
    const { finish, respond } = slowBody("hel", "lo");
    await using server = listen(respond);
    using c = await LiveH2.connect(server.addr.port);
    c.write(headers(1, getRequest(), { endStream: true }));
    await c.until(() => c.head(1) !== undefined && text(c.body(1)) === "hel");
    assert.equal(c.ended(1), false);
    finish();
    await c.until(() => c.ended(1));
    assert.equal(text(c.body(1)), "hello");
  });

  it("HEADERS with a declared length go out while the body has not started", async () => {
    const { finish, respond } = slowBody("", "hello");
    await using server = listen(respond);
    using c = await LiveH2.connect(server.addr.port);
    c.write(headers(1, getRequest(), { endStream: true }));
    await c.until(() => c.head(1) !== undefined);
    assert.equal(c.body(1).length, 0);
    finish();
    await c.until(() => c.ended(1));
    assert.equal(text(c.body(1)), "hello");
  });

  it("a body longer than its content-length: RST_STREAM INTERNAL_ERROR, no END_STREAM", async () => {
    await using server = listen(() =>
      new Response(
        new ReadableStream({
          async start(c) {
            c.enqueue(enc.encode("hello"));
            await new Promise((r) => setTimeout(r, 20));
            c.enqueue(enc.encode("!"));
            c.close();
          },
        }),
        { headers: { "content-length": "5" } },
      )
    );
    using c = await LiveH2.connect(server.addr.port);
    c.write(headers(1, getRequest(), { endStream: true }));
    await c.until(() => c.resetCode(1) !== undefined);
    assert.equal(c.resetCode(1), ErrorCode.INTERNAL_ERROR);
    assert.equal(c.ended(1), false);
  });

  it("long text bodies reach node:http2 intact: ASCII, UTF-8, the same string again, HEAD", async () => {
    // Long ASCII text is queued as the string and encoded into each DATA frame as it is written;
    // other text is encoded to UTF-8 first. Bodies larger than the client's windows make the
    // frames cut the text at arbitrary points.
    const ascii = JSON.stringify(
      Array.from({ length: 3000 }, (_, i) => ({ id: i, name: `n${i}` })),
    );
    const utf8 = "caf\u00e9 \u2713 \ud83d\ude00 ".repeat(6000);
    await using server = listen((req) => {
      const path = new URL(req.url).pathname;
      return new Response(path === "/utf8" ? utf8 : ascii, {
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    });
    const client = http2.connect(`http://127.0.0.1:${server.addr.port}`);
    try {
      const get = (path: string, method = "GET") =>
        new Promise<{ length: string | undefined; body: Buffer }>((resolve, reject) => {
          const r = client.request({ ":path": path, ":method": method });
          const parts: Buffer[] = [];
          let length: string | undefined;
          r.on("response", (h) => (length = h["content-length"] as string | undefined));
          r.on("data", (d: Buffer) => parts.push(d));
          r.on("end", () => resolve({ length, body: Buffer.concat(parts) }));
          r.on("error", reject);
          r.end();
        });
      const [a, b, u] = await Promise.all([get("/a"), get("/b"), get("/utf8")]);
      for (const r of [a, b]) {
        assert.equal(r.body.toString("latin1"), ascii);
        assert.equal(r.length, String(ascii.length));
      }
      assert.equal(u.body.toString("utf8"), utf8);
      assert.equal(u.length, String(enc.encode(utf8).byteLength));
      const head = await get("/utf8", "HEAD");
      assert.equal(head.body.length, 0);
      assert.equal(head.length, u.length);
    } finally {
      client.close();
    }
  });
});
