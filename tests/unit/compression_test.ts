/**
 * Compression without a server: negotiation, type checks, option validation,
 * the Response transform, and the live stream's backpressure, cancel and
 * error paths.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { chooseEncoding, parseAcceptEncoding } from "../../src/compression/negotiate.ts";
import { isCompressible } from "../../src/compression/compressible.ts";
import { resolveCompression } from "../../src/compression/options.ts";
import { compressResponse } from "../../src/compression/compress.ts";
import { compressStream } from "../../src/compression/stream.ts";
import { ENCODERS, ZSTD_AVAILABLE } from "../../src/compression/encoders.ts";
import { trailersOf, withTrailers } from "../../src/fetch/trailers.ts";
import { HELD_BODY_PROBE } from "../../src/runtime/bun_body.ts";
import { STATIC_BODY_FAST_PATH, takeStaticBody } from "../../src/fetch/static_body.ts";

const OFFER = ["zstd", "br", "gzip"];
const defaults = resolveCompression(true)!;
const json = (n: number) => JSON.stringify({ items: Array.from({ length: n }, (_, i) => ({ i })) });

function decode(encoding: string | null, bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  const z = zlib as unknown as Record<string, (b: Buffer) => Buffer>;
  if (encoding === null) return b.toString();
  const fn = { gzip: "gunzipSync", br: "brotliDecompressSync", zstd: "zstdDecompressSync" }[
    encoding
  ]!;
  return z[fn]!(b).toString();
}

function req(headers: Record<string, string> = {}, method = "GET"): Request {
  return new Request("http://x/", { method, headers });
}

function res(body: BodyInit | null, headers: Record<string, string> = {}, status = 200): Response {
  return new Response(body, { status, headers });
}

describe("Accept-Encoding negotiation", () => {
  it("parses q-values, skips bad members, first weight wins", () => {
    const m = parseAcceptEncoding("GZIP;q=0.5, br ,zstd;q=1.000, x;q=2, ;q=1, gzip;q=1");
    assert.deepEqual([...m], [["gzip", 0.5], ["br", 1], ["zstd", 1], ["x", 0]]);
  });
  it("follows q-values, then the server's order on ties", () => {
    assert.equal(chooseEncoding("gzip, br;q=0.9", OFFER), "gzip");
    assert.equal(chooseEncoding("gzip, br", OFFER), "br");
    assert.equal(chooseEncoding("gzip, br", ["gzip", "br"]), "gzip");
    assert.equal(chooseEncoding("gzip;q=0.5", OFFER), "gzip");
  });
  it("q=0 means not acceptable, for a coding and through *", () => {
    assert.equal(chooseEncoding("gzip;q=0, br;q=0, zstd;q=0", OFFER), null);
    assert.equal(chooseEncoding("br;q=0, *", OFFER), "zstd");
    assert.equal(chooseEncoding("br;q=0, zstd;q=0, *", OFFER), "gzip");
    assert.equal(chooseEncoding("*;q=0", OFFER), null);
    assert.equal(chooseEncoding("*;q=0, gzip", OFFER), "gzip");
  });
  it("identity: absent header, empty value, identity only, identity preferred", () => {
    assert.equal(chooseEncoding(null, OFFER), null);
    assert.equal(chooseEncoding("", OFFER), null);
    assert.equal(chooseEncoding("identity", OFFER), null);
    assert.equal(chooseEncoding("identity;q=0", OFFER), null);
    assert.equal(chooseEncoding("gzip;q=0.5, identity", OFFER), null);
    assert.equal(chooseEncoding("gzip, identity;q=0.5", OFFER), "gzip");
    assert.equal(chooseEncoding("deflate, compress", OFFER), null);
  });
});

describe("compressible types", () => {
  for (
    const t of [
      "text/html; charset=utf-8",
      "text/event-stream",
      "application/json",
      "application/problem+json",
      "application/javascript",
      "image/svg+xml",
      "application/atom+xml",
      "application/x-ndjson",
    ]
  ) it(`compresses ${t}`, () => assert.equal(isCompressible(t), true));
  for (
    const t of [null, "image/png", "application/wasm", "application/octet-stream", "font/woff2"]
  ) {
    it(`leaves ${t} alone`, () => assert.equal(isCompressible(t), false));
  }
});

describe("compression options", () => {
  it("off unless asked", () => {
    assert.equal(resolveCompression(undefined), null);
    assert.equal(resolveCompression(false), null);
  });
  it("defaults: zstd where zlib has it, br, gzip; 1 KiB", () => {
    assert.deepEqual(defaults.encodings, ZSTD_AVAILABLE ? ["zstd", "br", "gzip"] : ["br", "gzip"]);
    assert.equal(defaults.minSize, 1024);
    assert.equal(defaults.encoders.get("br")!.level, 4);
  });
  const bad: Array<[unknown, RegExp]> = [
    [{ level: { gzip: 10 } }, /compression\.level\.gzip must be an integer from 1 to 9, got 10/],
    [{ level: { br: 1.5 } }, /compression\.level\.br/],
    [{ level: { lz4: 1 } }, /compression\.level\.lz4 is not a coding/],
    [{ encodings: ["deflate"] }, /compression\.encodings\[0\]: "deflate" is not one of/],
    [{ encodings: [] }, /compression\.encodings must be a non-empty array/],
    [{ encodings: ["gzip", "gzip"] }, /compression\.encodings\[1\]: "gzip" is listed twice/],
    [{ minSize: -1 }, /compression\.minSize must be a non-negative integer/],
    [{ filter: "yes" }, /compression\.filter must be a function/],
    [{ minsize: 5 }, /compression\.minsize is not an option/],
  ];
  for (const [opt, msg] of bad) {
    it(`refuses ${JSON.stringify(opt)}`, () => {
      assert.throws(() => resolveCompression(opt as never), (e: unknown) => {
        assert.ok(e instanceof TypeError);
        assert.match(e.message, msg);
        return true;
      });
    });
  }
});

describe("compressResponse", () => {
  const body = json(2000);
  for (const enc of defaults.encodings) {
    it(`${enc}: whole body decodes to the identity body; headers adjusted`, async () => {
      const out = await compressResponse(
        req({ "accept-encoding": enc }),
        res(body, {
          "content-type": "application/json",
          "content-length": String(body.length),
          etag: '"abc"',
          "accept-ranges": "bytes",
          vary: "Origin",
        }),
        defaults,
      );
      assert.equal(out.headers.get("content-encoding"), enc);
      assert.equal(out.headers.get("content-length"), null);
      assert.equal(out.headers.get("accept-ranges"), null);
      assert.equal(out.headers.get("etag"), 'W/"abc"');
      assert.equal(out.headers.get("vary"), "Origin, Accept-Encoding");
      const bytes = new Uint8Array(await out.arrayBuffer());
      assert.ok(bytes.byteLength < body.length / 4);
      assert.equal(decode(enc, bytes), body);
    });
  }
  it("identity client: body untouched, Vary added", async () => {
    const out = await compressResponse(
      req(),
      res(body, { "content-type": "text/plain" }),
      defaults,
    );
    assert.equal(out.headers.get("content-encoding"), null);
    assert.equal(out.headers.get("vary"), "Accept-Encoding");
    assert.equal(await out.text(), body);
  });
  it("keeps Vary: * and an existing accept-encoding", async () => {
    for (const vary of ["*", "accept-encoding"]) {
      const out = await compressResponse(
        req({ "accept-encoding": "gzip" }),
        res(body, { "content-type": "text/plain", vary }),
        defaults,
      );
      assert.equal(out.headers.get("vary"), vary);
    }
  });
  it("small whole bodies go uncompressed and without Vary", async () => {
    const out = await compressResponse(
      req({ "accept-encoding": "gzip" }),
      res("x".repeat(1023), { "content-type": "text/plain" }),
      defaults,
    );
    assert.equal(out.headers.get("content-encoding"), null);
    assert.equal(out.headers.get("vary"), null);
    assert.equal(await out.text(), "x".repeat(1023));
  });
  const untouched: Array<[string, () => Request, () => Response]> = [
    [
      "an unknown type",
      () => req({ "accept-encoding": "gzip" }),
      () => res(body, { "content-type": "image/png" }),
    ],
    [
      "no content type",
      () => req({ "accept-encoding": "gzip" }),
      () => res(new TextEncoder().encode(body)),
    ],
    [
      "Content-Encoding already",
      () => req({ "accept-encoding": "gzip" }),
      () => res(body, { "content-type": "text/plain", "content-encoding": "br" }),
    ],
    [
      "no-transform",
      () => req({ "accept-encoding": "gzip" }),
      () => res(body, { "content-type": "text/plain", "cache-control": "public, No-Transform" }),
    ],
    [
      "206",
      () => req({ "accept-encoding": "gzip" }),
      () => res(body, { "content-type": "text/plain", "content-range": "bytes 0-9/99" }, 206),
    ],
    [
      "204",
      () => req({ "accept-encoding": "gzip" }),
      () => res(null, { "content-type": "text/plain" }, 204),
    ],
    [
      "a small Content-Length",
      () => req({ "accept-encoding": "gzip" }),
      () => res("tiny", { "content-type": "text/plain", "content-length": "4" }),
    ],
  ];
  for (const [what, rq, rs] of untouched) {
    it(`leaves ${what} alone (same Response)`, async () => {
      const r = rs();
      assert.equal(await compressResponse(rq(), r, defaults), r);
    });
  }
  it("small or incompressible plain bodies go out as they are", async () => {
    const q = req({ "accept-encoding": "gzip" });
    const small = () => new Response("hello", { headers: { "content-type": "text/plain" } });
    const png = () => new Response(body, { headers: { "content-type": "image/png" } });
    for (
      const [make, bytes, type] of [[small, "hello", "text/plain"], [
        png,
        body,
        "image/png",
      ]] as const
    ) {
      const r = make();
      const out = await compressResponse(q, r, defaults);
      if (STATIC_BODY_FAST_PATH) {
        // Deno: the very Response, its plain body untouched, so it keeps the one-write path.
        assert.equal(out, r);
        assert.notEqual(takeStaticBody(r), null);
      }
      if (HELD_BODY_PROBE) {
        // Bun: the very Response, its body unread (its size is known without reading it).
        assert.equal(out, r);
        assert.equal(r.bodyUsed, false);
      }
      assert.equal(out.headers.get("content-encoding"), null);
      assert.equal(out.headers.get("content-type"), type);
      if (!STATIC_BODY_FAST_PATH) {
        // Bun: the body was read to learn its size; the bytes are the same.
        assert.equal(await out.text(), bytes);
      }
    }
    const big = new Response(body, { headers: { "content-type": "text/plain" } });
    const out = await compressResponse(q, big, defaults);
    assert.equal(out.headers.get("content-encoding"), "gzip");
    assert.equal(decode("gzip", new Uint8Array(await out.arrayBuffer())), body);
  });
  it("the filter vetoes", async () => {
    const opts = resolveCompression({ filter: (q) => !q.url.endsWith("/raw") })!;
    const r = res(body, { "content-type": "text/plain" });
    const q = new Request("http://x/raw", { headers: { "accept-encoding": "gzip" } });
    assert.equal(await compressResponse(q, r, opts), r);
  });
  it("a Range request gets identity, with Vary", async () => {
    const out = await compressResponse(
      req({ "accept-encoding": "gzip", range: "bytes=0-" }),
      res(body, { "content-type": "text/plain" }),
      defaults,
    );
    assert.equal(out.headers.get("content-encoding"), null);
    assert.equal(out.headers.get("vary"), "Accept-Encoding");
    assert.equal(await out.text(), body);
  });
  it("HEAD gets GET's headers and no compressor runs", async () => {
    const headers = { "content-type": "text/plain", "content-length": String(body.length) };
    const head = await compressResponse(
      req({ "accept-encoding": "gzip" }, "HEAD"),
      res(null, headers),
      defaults,
    );
    const get = await compressResponse(
      req({ "accept-encoding": "gzip" }),
      res(body, headers),
      defaults,
    );
    const names = (r: Response) => [...r.headers.keys()].sort().join(",");
    assert.equal(names(head), names(get));
    assert.equal(head.headers.get("content-encoding"), "gzip");
    assert.equal(head.body, null);
  });
  it("levels apply: gzip level 1 and 9 give different bytes", async () => {
    const at = async (level: number) => {
      const opts = resolveCompression({ encodings: ["gzip"], level: { gzip: level } })!;
      const out = await compressResponse(
        req({ "accept-encoding": "gzip" }),
        res(body, { "content-type": "text/plain" }),
        opts,
      );
      return new Uint8Array(await out.arrayBuffer());
    };
    const [fast, best] = [await at(1), await at(9)];
    assert.notDeepEqual(fast, best);
    assert.equal(decode("gzip", fast), body);
  });
  it("trailers move to the compressed Response", async () => {
    const r = withTrailers(res(body, { "content-type": "text/plain" }), { "x-sum": "1" });
    const out = await compressResponse(req({ "accept-encoding": "gzip" }), r, defaults);
    assert.notEqual(out, r);
    assert.deepEqual(await trailersOf(out)!.produce(), [["x-sum", "1"]]);
    assert.equal(trailersOf(r), null);
  });
});

describe("live compressed streams", () => {
  /** A source that records each pull and waits for `release()` before yielding. */
  function gated() {
    const state = {
      pulls: 0,
      permits: 0,
      cancelled: null as unknown,
      gates: [] as Array<() => void>,
    };
    const stream = new ReadableStream<Uint8Array>({
      async pull(c) {
        state.pulls++;
        if (state.permits > 0) state.permits--;
        else await new Promise<void>((r) => state.gates.push(r));
        c.enqueue(new TextEncoder().encode(`data: event ${state.pulls}\n\n`));
      },
      cancel(reason) {
        state.cancelled = reason;
      },
    }, { highWaterMark: 0 });
    const release = () => {
      const gate = state.gates.shift();
      if (gate) gate();
      else state.permits++;
    };
    return { state, stream, release };
  }

  for (const enc of defaults.encodings) {
    it(`${enc}: each chunk is decodable as soon as it is produced`, async () => {
      const { stream, release } = gated();
      const { encoder, level } = defaults.encoders.get(enc)!;
      const out = compressStream(encoder, level, {
        prefix: [],
        pending: null,
        reader: stream.getReader(),
      }).getReader();
      const z = zlib as unknown as Record<string, () => zlib.Gunzip>;
      const dec = z[
        { gzip: "createGunzip", br: "createBrotliDecompress", zstd: "createZstdDecompress" }[enc]!
      ]!();
      let text = "";
      dec.on("data", (b: Buffer) => (text += b.toString()));
      for (let i = 1; i <= 3; i++) {
        const read = out.read();
        release();
        const r = await read;
        assert.equal(r.done, false);
        dec.write(r.value);
        const want = `data: event ${i}\n\n`;
        for (let t = 0; t < 200 && !text.endsWith(want); t++) {
          await new Promise((r) => setTimeout(r, 5));
        }
        assert.ok(text.endsWith(want), `event ${i} decodable, got ${JSON.stringify(text)}`);
      }
      await out.cancel("done");
      dec.destroy();
    });
  }

  it("pulls the source only as the output is read", async () => {
    const { state, stream, release } = gated();
    const { encoder, level } = defaults.encoders.get("gzip")!;
    const out = compressStream(encoder, level, {
      prefix: [],
      pending: null,
      reader: stream.getReader(),
    })
      .getReader();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(state.pulls, 0);
    const read = out.read();
    release();
    await read;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(state.pulls, 1);
    await out.cancel();
  });

  it("cancel reaches the source", async () => {
    const { state, stream, release } = gated();
    const { encoder, level } = defaults.encoders.get("br")!;
    const out = compressStream(encoder, level, {
      prefix: [],
      pending: null,
      reader: stream.getReader(),
    })
      .getReader();
    const read = out.read();
    release();
    await read;
    await out.cancel("client gone");
    assert.equal(state.cancelled, "client gone");
  });

  it("a source error fails the output", async () => {
    const boom = new Error("boom");
    let n = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (n++ === 0) c.enqueue(new TextEncoder().encode("x".repeat(100)));
        else c.error(boom);
      },
    }, { highWaterMark: 0 });
    const { encoder, level } = defaults.encoders.get("gzip")!;
    const out = compressStream(encoder, level, {
      prefix: [],
      pending: null,
      reader: stream.getReader(),
    })
      .getReader();
    assert.equal((await out.read()).done, false);
    await assert.rejects(out.read(), (e) => e === boom);
  });

  it("a non-byte chunk fails the output", async () => {
    const stream = new ReadableStream({
      pull(c) {
        c.enqueue("text" as never);
      },
    });
    const { encoder, level } = defaults.encoders.get("gzip")!;
    const out = compressStream(encoder, level, {
      prefix: [],
      pending: null,
      reader: stream.getReader() as ReadableStreamDefaultReader<Uint8Array>,
    }).getReader();
    await assert.rejects(out.read(), TypeError);
  });

  it("compressResponse streams a body that is not complete at once", async () => {
    const { stream, release } = gated();
    const r = await compressResponse(
      req({ "accept-encoding": "gzip" }),
      res(stream, { "content-type": "text/event-stream" }),
      defaults,
    );
    assert.equal(r.headers.get("content-encoding"), "gzip");
    const reader = r.body!.getReader();
    const chunks: Uint8Array[] = [];
    const pump = (async () => {
      for (;;) {
        const x = await reader.read();
        if (x.done) return;
        chunks.push(x.value);
      }
    })();
    for (let i = 0; i < 3; i++) {
      release();
      await new Promise((r) => setTimeout(r, 10));
    }
    await reader.cancel();
    await pump;
    const all = Buffer.concat(chunks);
    const text = zlib.gunzipSync(all, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString();
    assert.match(text, /^data: event 1\n\ndata: event 2\n\n/);
  });

  it("zstd availability matches node:zlib", () => {
    const has =
      typeof (zlib as unknown as Record<string, unknown>).createZstdCompress === "function";
    assert.equal(ZSTD_AVAILABLE, has);
    assert.equal(ENCODERS.has("zstd"), has);
  });
});
