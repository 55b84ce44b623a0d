/**
 * Large whole bodies are compressed off the event loop (the thread pool on Bun
 * and Node, slices with a turn of the loop between them on Deno): the bytes,
 * the headers, HEAD and the errors of that path, on every runtime.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { Transform } from "node:stream";
import { resolveCompression, type ResolvedCompression } from "../../src/compression/options.ts";
import { compressResponse } from "../../src/compression/compress.ts";
import { type Encoder, ENCODERS } from "../../src/compression/encoders.ts";
import type { ZlibStream } from "../../src/compression/zlib_stream.ts";
import {
  ASYNC_MIN_BYTES,
  IN_FLIGHT,
  offLoop,
  SLICE_BYTES,
} from "../../src/compression/off_loop.ts";

const defaults = resolveCompression(true)!;
const enc = new TextEncoder();

/** JSON-like text of exactly `n` bytes (ASCII). */
function text(n: number): string {
  let s = "";
  for (let i = 0; s.length < n; i++) s += `{"id":${i},"name":"item ${i}","tags":["a","b"]},`;
  return s.slice(0, n);
}

function decode(encoding: string, bytes: Uint8Array): string {
  const z = zlib as unknown as Record<string, (b: Uint8Array) => Uint8Array>;
  const fn = { gzip: "gunzipSync", br: "brotliDecompressSync", zstd: "zstdDecompressSync" }[
    encoding
  ]!;
  return new TextDecoder().decode(z[fn]!(bytes));
}

const get = (encoding: string, method = "GET") =>
  new Request("http://x/", { method, headers: { "accept-encoding": encoding } });

/** Options whose only coding is gzip with `encoder` in place of the real one. */
function withEncoder(encoder: Encoder): ResolvedCompression {
  return { ...defaults, encodings: ["gzip"], encoders: new Map([["gzip", { encoder, level: 6 }]]) };
}

/** A stand-in zlib stream that fails on its second write. */
function failingStream(): ZlibStream {
  let writes = 0;
  return new Transform({
    transform(chunk, _enc, cb) {
      cb(++writes === 2 ? new Error("zlib broke") : null, chunk);
    },
  }) as unknown as ZlibStream;
}

describe("whole bodies compressed off the loop", () => {
  const sizes = [ASYNC_MIN_BYTES - 1, ASYNC_MIN_BYTES, 3 * SLICE_BYTES + 7, 300 * 1024];
  for (const coding of defaults.encodings) {
    for (const n of sizes) {
      it(`${coding}, ${n} B string and bytes bodies decode to the identity body`, async () => {
        const body = text(n);
        for (const init of [body, enc.encode(body)]) {
          const out = await compressResponse(
            get(coding),
            new Response(init, { headers: { "content-type": "application/json" } }),
            defaults,
          );
          assert.equal(out.headers.get("content-encoding"), coding);
          assert.equal(decode(coding, new Uint8Array(await out.arrayBuffer())), body);
        }
      });
    }
  }

  it("wholeAsync decodes to its input, on the pool or in slices", async () => {
    for (const coding of defaults.encodings) {
      const encoder = ENCODERS.get(coding)!;
      for (const n of [ASYNC_MIN_BYTES, 5 * SLICE_BYTES + 1, 1024 * 1024]) {
        const body = text(n);
        assert.equal(decode(coding, await encoder.wholeAsync(enc.encode(body), 6)), body);
      }
    }
  });

  it("a body complete at once in a stream is compressed whole, same headers", async () => {
    const body = text(200 * 1024);
    const bytes = enc.encode(body);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.subarray(0, 70_000));
        c.enqueue(bytes.subarray(70_000));
        c.close();
      },
    });
    const out = await compressResponse(
      get("gzip"),
      new Response(stream, {
        headers: {
          "content-type": "application/json",
          "content-length": String(bytes.byteLength),
          etag: '"v1"',
          "accept-ranges": "bytes",
        },
      }),
      defaults,
    );
    assert.equal(out.headers.get("content-encoding"), "gzip");
    assert.equal(out.headers.get("vary"), "Accept-Encoding");
    assert.equal(out.headers.get("etag"), 'W/"v1"');
    assert.equal(out.headers.get("accept-ranges"), null);
    // The handler's length no longer holds; the server sends the compressed bytes' own.
    assert.equal(out.headers.get("content-length"), null);
    assert.equal(decode("gzip", new Uint8Array(await out.arrayBuffer())), body);
  });

  it("the size picks the path: one call below ASYNC_MIN_BYTES, off the loop from it", async () => {
    const gzip = ENCODERS.get("gzip")!;
    const calls: string[] = [];
    const watched = withEncoder({
      ...gzip,
      whole: (d, l) => (calls.push(`whole ${d.byteLength}`), gzip.whole(d, l)),
      wholeAsync: (d, l) => (calls.push(`async ${d.byteLength}`), gzip.wholeAsync(d, l)),
    });
    for (const n of [ASYNC_MIN_BYTES - 1, ASYNC_MIN_BYTES, 1024 * 1024]) {
      const body = text(n);
      const out = await compressResponse(
        get("gzip"),
        new Response(body, { headers: { "content-type": "text/plain" } }),
        watched,
      );
      assert.equal(decode("gzip", new Uint8Array(await out.arrayBuffer())), body);
    }
    assert.deepEqual(calls, [
      `whole ${ASYNC_MIN_BYTES - 1}`,
      `async ${ASYNC_MIN_BYTES}`,
      `async ${1024 * 1024}`,
    ]);
  });

  it("HEAD of a large body: GET's headers, no body, no compressor", async () => {
    const body = text(512 * 1024);
    const gzip = ENCODERS.get("gzip")!;
    const watched = withEncoder({
      ...gzip,
      whole: () => assert.fail("whole ran for HEAD"),
      wholeAsync: () => assert.fail("wholeAsync ran for HEAD"),
      stream: () => assert.fail("stream ran for HEAD"),
    });
    const out = await compressResponse(
      get("gzip", "HEAD"),
      new Response(body, { headers: { "content-type": "text/plain", etag: '"h"' } }),
      watched,
    );
    assert.equal(out.headers.get("content-encoding"), "gzip");
    assert.equal(out.headers.get("etag"), 'W/"h"');
    assert.equal(out.headers.get("content-length"), null);
    assert.equal(out.body, null);
  });

  it("a failing asynchronous compressor fails the body, not the call", async () => {
    const gzip = ENCODERS.get("gzip")!;
    const boom = new Error("pool broke");
    const opts = withEncoder({ ...gzip, wholeAsync: () => Promise.reject(boom) });
    const out = await compressResponse(
      get("gzip"),
      new Response(text(ASYNC_MIN_BYTES + 1), { headers: { "content-type": "text/plain" } }),
      opts,
    );
    assert.equal(out.status, 200);
    await assert.rejects(out.arrayBuffer(), (e) => e === boom || String(e).includes("pool broke"));
  });

  it("many bodies at once wait their turn and all come out whole", async () => {
    const gzip = ENCODERS.get("gzip")!;
    const bodies = Array.from({ length: 3 * IN_FLIGHT + 2 }, (_, i) => text(40_000 + i * 999));
    const outs = await Promise.all(bodies.map((b) => gzip.wholeAsync(enc.encode(b), 6)));
    outs.forEach((o, i) => assert.equal(decode("gzip", o), bodies[i]));
  });

  it("a failed compression hands its turn on", async () => {
    const data = enc.encode(text(4 * SLICE_BYTES));
    const failing = Array.from(
      { length: IN_FLIGHT + 1 },
      () => offLoop(data, (_d, cb) => cb(new Error("zlib broke"), new Uint8Array()), failingStream),
    );
    const ok = ENCODERS.get("gzip")!.wholeAsync(data, 6);
    for (const f of failing) await assert.rejects(f, /zlib broke/);
    assert.equal(decode("gzip", await ok), text(4 * SLICE_BYTES));
  });

  it("offLoop rejects with the compressor's error on either path", async () => {
    const data = enc.encode(text(4 * SLICE_BYTES));
    await assert.rejects(
      offLoop(data, (_d, cb) => cb(new Error("zlib broke"), new Uint8Array()), failingStream),
      /zlib broke/,
    );
  });
});
