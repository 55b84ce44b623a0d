/**
 * Deno's zlib thread (src/compression/zlib_thread.ts): started by the first
 * large body, used once it answers, stopped when idle or asked; its results,
 * its errors, and that the loop runs while it compresses. On Bun and Node it
 * never starts (node:zlib has a thread pool there), which is checked too.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { ENCODERS } from "../../src/compression/encoders.ts";
import {
  ASYNC_MIN_BYTES,
  offLoop,
  offLoopFor,
  SLICED_MIN_BYTES,
  ZLIB_POOL,
} from "../../src/compression/off_loop.ts";
import { onThread, stopZlibThread, threadReady } from "../../src/compression/zlib_thread.ts";
import { eventually } from "../support/common.ts";

const DENO = "Deno" in globalThis;
const enc = new TextEncoder();

function text(n: number): string {
  let s = "";
  for (let i = 0; s.length < n; i++) s += `{"id":${i},"name":"item ${i}","tags":["a","b"]},`;
  return s.slice(0, n);
}

const up = () => eventually(() => threadReady(), 20_000, "the zlib thread");

describe("the zlib thread (Deno)", () => {
  after(() => stopZlibThread());

  // Each runtime registers the cases that exist there: the thread is Deno's alone.
  const onDeno = DENO ? it : () => {};
  const elsewhere = DENO ? () => {} : it;

  elsewhere("Bun and Node never start it: the pool takes every large body", () => {
    assert.equal(ZLIB_POOL, true);
    assert.equal(threadReady(), false);
    assert.equal(offLoopFor(ASYNC_MIN_BYTES), true);
    assert.equal(threadReady(), false);
  });

  onDeno(
    "before it answers, mid-size bodies stay on the loop and large ones are sliced",
    async () => {
      stopZlibThread();
      assert.equal(offLoopFor(ASYNC_MIN_BYTES - 1), false);
      // The first large body starts the thread but is not sent to it.
      assert.equal(offLoopFor(ASYNC_MIN_BYTES), false);
      assert.equal(offLoopFor(SLICED_MIN_BYTES), true);
      await up();
      assert.equal(offLoopFor(ASYNC_MIN_BYTES), true);
    },
  );

  onDeno("round-trips every coding, bytes given as a view into a larger buffer", async () => {
    await up();
    const body = text(300_000);
    const big = enc.encode("xx" + body + "yy");
    const view = big.subarray(2, 2 + body.length);
    const gz = await onThread("gzip", 6, view);
    assert.equal(new TextDecoder().decode(zlib.gunzipSync(gz)), body);
    const br = await onThread("br", 4, view);
    assert.equal(new TextDecoder().decode(zlib.brotliDecompressSync(br)), body);
    if (ENCODERS.has("zstd")) {
      const zs = await onThread("zstd", 3, view);
      const z = zlib as unknown as { zstdDecompressSync(b: Uint8Array): Uint8Array };
      assert.equal(new TextDecoder().decode(z.zstdDecompressSync(zs)), body);
    }
    // The caller's buffer is untouched (the thread was given a copy).
    assert.equal(big.byteLength, body.length + 4);
    assert.equal(new TextDecoder().decode(view), body);
  });

  onDeno("a compressor error rejects that body only; the thread goes on", async () => {
    await up();
    await assert.rejects(onThread("gzip", 42, enc.encode(text(20_000))), /level|range|invalid/i);
    const ok = await onThread("gzip", 6, enc.encode(text(20_000)));
    assert.equal(new TextDecoder().decode(zlib.gunzipSync(ok)), text(20_000));
  });

  onDeno("the loop runs while it compresses (a timer set after the body fires first)", async () => {
    await up();
    const order: string[] = [];
    const data = enc.encode(text(4 * 1024 * 1024));
    const done = onThread("gzip", 9, data).then(() => order.push("compressed"));
    await new Promise((r) => setTimeout(r, 0));
    order.push("timer");
    await done;
    assert.deepEqual(order, ["timer", "compressed"]);
  });

  onDeno("stopped, it fails what it held and starts again on the next body", async () => {
    await up();
    const held = onThread("gzip", 9, enc.encode(text(4 * 1024 * 1024)));
    stopZlibThread();
    await assert.rejects(held, /stopped/);
    assert.equal(threadReady(), false);
    await up();
    const out = await ENCODERS.get("gzip")!.wholeAsync(enc.encode(text(50_000)), 6);
    assert.equal(new TextDecoder().decode(zlib.gunzipSync(out)), text(50_000));
  });

  it("without a thread named, offLoop still slices (the fallback path decodes)", async () => {
    const gzip = ENCODERS.get("gzip")!;
    const body = text(5 * 64 * 1024 + 3);
    const out = await offLoop(
      enc.encode(body),
      (d, cb) => zlib.gzip(d, { level: 6 }, cb),
      () => gzip.stream(6),
    );
    assert.equal(new TextDecoder().decode(zlib.gunzipSync(out)), body);
  });
});
