/**
 * WriteQueue: which chunks are glued into one write, that pooled pieces are
 * reused only after release(), and that bytes reach a slow reader intact when
 * many responses share the pools (h1 and h2, chunk sizes around every limit).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { WriteQueue } from "../../src/transport/write_queue.ts";
import { pooledBytes, releaseBytes as release } from "../../src/bytes/slab.ts";
import { concat } from "../support/common.ts";
import { pattern, sha256, sleep, start } from "../support/live.ts";

const KiB = 1024;

function drain(q: WriteQueue): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = q.take(); p !== null; p = q.take()) out.push(p.slice());
  return out;
}

describe("WriteQueue", () => {
  it("glues small chunks into one piece, in order", () => {
    const q = new WriteQueue();
    const parts = [pattern(100, 1), pattern(5, 2), pattern(3000, 3)];
    for (const p of parts) q.push(p);
    assert.equal(q.size, 3105);
    const pieces = drain(q);
    assert.equal(pieces.length, 1);
    assert.deepEqual(pieces[0], concat(...parts));
    assert.equal(q.size, 0);
    assert.equal(q.take(), null);
  });

  it("passes a lone chunk through without copying", () => {
    const q = new WriteQueue();
    const big = pattern(64 * KiB);
    q.push(big);
    assert.equal(q.take(), big);
  });

  it("keeps large neighbours apart by default and glues them with glueLarge", () => {
    const chunks = [pattern(64 * KiB, 1), pattern(64 * KiB, 2), pattern(64 * KiB, 3)];
    const plain = new WriteQueue();
    for (const c of chunks) plain.push(c);
    assert.equal(drain(plain).length, 3);
    const glued = new WriteQueue({ glueLarge: true });
    for (const c of chunks) glued.push(c);
    const pieces = drain(glued);
    assert.equal(pieces.length, 1);
    assert.deepEqual(pieces[0], concat(...chunks));
  });

  it("never builds a piece over 256 KiB, and keeps every byte", () => {
    const q = new WriteQueue({ glueLarge: true });
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) chunks.push(pattern(((i * 7919) % (48 * KiB)) + 1, i));
    for (const c of chunks) q.push(c);
    const pieces = drain(q);
    for (const p of pieces) assert.ok(p.byteLength <= 256 * KiB);
    assert.deepEqual(concat(...pieces), concat(...chunks));
  });

  it("reuses a released pooled buffer, never one still in use", () => {
    const q = new WriteQueue({ glueLarge: true });
    q.push(pattern(75 * KiB, 1));
    q.push(pattern(75 * KiB, 2));
    const a = q.take()!;
    q.push(pattern(75 * KiB, 3));
    q.push(pattern(75 * KiB, 4));
    const b = q.take()!;
    assert.notEqual(a.buffer, b.buffer, "a piece not released yet is not handed out again");
    const bBytes = b.slice();
    release(a);
    release(a); // a second release must not put the buffer in the pool twice
    q.push(pattern(75 * KiB, 5));
    q.push(pattern(75 * KiB, 6));
    const c = q.take()!;
    assert.equal(c.buffer, a.buffer, "the released buffer is reused");
    q.push(pattern(75 * KiB, 7));
    q.push(pattern(75 * KiB, 8));
    const d = q.take()!;
    assert.notEqual(c.buffer, d.buffer);
    assert.deepEqual(b, bBytes, "a piece in use is never written over");
    assert.deepEqual(c, concat(pattern(75 * KiB, 5), pattern(75 * KiB, 6)));
    for (const p of [b, c, d]) release(p);
  });

  it("copies an unsent tail out of a pooled piece", () => {
    const q = new WriteQueue({ glueLarge: true });
    const parts = [pattern(75 * KiB, 1), pattern(75 * KiB, 2)];
    for (const p of parts) q.push(p);
    const piece = q.take()!;
    q.putBack(piece, 1000);
    release(piece);
    // Another queue reuses the released buffer at once and writes over it...
    const other = new WriteQueue({ glueLarge: true });
    other.push(pattern(75 * KiB, 9));
    other.push(pattern(75 * KiB, 10));
    const reused = other.take()!;
    assert.equal(reused.buffer, piece.buffer);
    // ...but the tail put back still holds the original bytes.
    assert.deepEqual(q.take(), concat(...parts).subarray(1000));
    release(reused);
  });

  it("copies small chunks queued behind two others into its own buffer, in order", () => {
    const q = new WriteQueue();
    const parts = [pattern(100, 1), pattern(200, 2), pattern(300, 3), pattern(4000, 4)];
    const copies = parts.map((p) => p.slice());
    for (const p of parts) q.push(p);
    for (const p of parts) p.fill(0); // the caller reuses its buffers
    const out = drain(q);
    assert.equal(out.length, 1);
    // The first two went by reference; the rest were copied when queued.
    assert.deepEqual(out[0]!.subarray(300), concat(...copies.slice(2)));
    assert.deepEqual(out[0]!.subarray(0, 300), new Uint8Array(300));
  });

  it("never appends to a tail buffer whose bytes were taken", () => {
    const q = new WriteQueue();
    q.push(pattern(255 * KiB, 1));
    q.push(pattern(255 * KiB, 2));
    q.push(pattern(1200, 3)); // into the tail buffer (too big to glue to 255 KiB)
    assert.equal(q.take()!.byteLength, 255 * KiB);
    assert.equal(q.take()!.byteLength, 255 * KiB);
    const tail = q.take()!; // the tail on its own: now in flight
    const before = tail.slice();
    q.push(pattern(20 * KiB, 4));
    q.push(pattern(20 * KiB, 5));
    q.push(pattern(1000, 6));
    q.push(pattern(1000, 7));
    assert.deepEqual(tail, before);
    assert.deepEqual(
      concat(...drain(q)).subarray(40 * KiB),
      concat(pattern(1000, 6), pattern(1000, 7)),
    );
  });

  it("gives a pooled chunk back to the pool once it is glued into a larger piece", () => {
    // Hold a few pooled buffers, as concurrent writes do.
    const held = [1, 2, 3, 4].map(() => pooledBytes(150 * KiB));
    const q = new WriteQueue({ glueLarge: true });
    const batch = pooledBytes(150 * KiB); // as the HTTP/2 core hands over its output
    batch.set(pattern(150 * KiB, 1));
    q.push(batch);
    q.push(pattern(10 * KiB, 2));
    const piece = q.take()!;
    assert.deepEqual(piece, concat(pattern(150 * KiB, 1), pattern(10 * KiB, 2)));
    assert.equal(pooledBytes(150 * KiB).buffer, batch.buffer, "the glued batch's buffer is reused");
    for (const p of [piece, ...held]) release(p);
  });

  it("clear() empties it and gives pooled chunks back", () => {
    const q = new WriteQueue();
    const pooled = pooledBytes(150 * KiB);
    q.push(pattern(10));
    q.push(pooled);
    q.clear();
    assert.equal(q.size, 0);
    assert.equal(q.take(), null);
    const again = pooledBytes(150 * KiB);
    assert.equal(again.buffer, pooled.buffer, "the dropped chunk's buffer is back in the pool");
    release(again);
  });

  for (const glueLarge of [false, true]) {
    it(`writes a small head on its own rather than copying a large chunk behind it (glueLarge ${glueLarge})`, () => {
      const q = new WriteQueue({ glueLarge });
      const head = pattern(200, 1);
      const big = pattern(64 * KiB, 2);
      q.push(head);
      q.push(big);
      assert.equal(q.take()?.byteLength, head.byteLength, "the head alone");
      assert.ok(q.take() === big, "the large chunk goes out as it is, not copied");
      assert.equal(q.take(), null);
    });
  }

  it("keeps a burst of 64 KiB pieces' buffers for the next burst", () => {
    const burst = () => Array.from({ length: 8 }, () => pooledBytes(64 * KiB));
    const first = burst();
    for (const p of first) release(p);
    const second = burst();
    const reused = new Set(first.map((p) => p.buffer));
    for (const p of second) assert.ok(reused.has(p.buffer), "no fresh zero-filled buffer");
    for (const p of second) release(p);
  });
});

/** Reads one raw HTTP/1.1 response slowly, in small reads with pauses. */
function slowGet(port: number, path: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const s = net.connect(port, "127.0.0.1", () => {
      s.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
    });
    let n = 0;
    s.on("data", (d: Uint8Array) => {
      chunks.push(new Uint8Array(d));
      if (++n % 8 === 0) {
        s.pause();
        setTimeout(() => s.resume(), 5);
      }
    });
    s.on("end", () => resolve(concat(...chunks)));
    s.on("error", reject);
    setTimeout(() => {
      s.destroy();
      reject(new Error("timed out"));
    }, 20_000);
  });
}

describe("pooled write buffers, end to end", () => {
  it("slow readers of concurrent large bodies each get their own bytes", async () => {
    // Chunk sizes straddle the glue limits; every response differs. Each is
    // about 6 MiB, more than loopback socket buffers hold, so writes block.
    const CHUNKS = 80;
    const sizes = [1, 9, 8 * KiB, 8 * KiB + 1, 16 * KiB - 1, 64 * KiB, 100 * KiB, 200 * KiB];
    await using s = start((req) => {
      const seed = Number(new URL(req.url).searchParams.get("seed"));
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (i === CHUNKS) return c.close();
          c.enqueue(pattern(sizes[i % sizes.length]!, seed * 1000 + i));
          i++;
        },
      });
      return new Response(body);
    });
    try {
      const want = async (seed: number): Promise<string> => {
        const parts: Uint8Array[] = [];
        for (let i = 0; i < CHUNKS; i++) {
          parts.push(pattern(sizes[i % sizes.length]!, seed * 1000 + i));
        }
        return await sha256(concat(...parts));
      };
      const got = await Promise.all([1, 2, 3, 4, 5, 6].map(async (seed) => {
        const raw = await slowGet(s.port, `/?seed=${seed}`);
        const text = new TextDecoder("latin1").decode(raw);
        const at = text.indexOf("\r\n\r\n");
        assert.ok(at > 0);
        assert.match(text.slice(0, at), /transfer-encoding: chunked/);
        // De-chunk.
        const body: Uint8Array[] = [];
        let p = at + 4;
        for (;;) {
          const eol = text.indexOf("\r\n", p);
          const len = parseInt(text.slice(p, eol), 16);
          if (eol < 0 || !(len >= 0) || eol + 2 + len > raw.byteLength) {
            throw new Error(`bad chunk framing at byte ${p}`);
          }
          if (len === 0) break;
          body.push(raw.subarray(eol + 2, eol + 2 + len));
          p = eol + 2 + len + 2;
        }
        return await sha256(concat(...body));
      }));
      for (let i = 0; i < got.length; i++) assert.equal(got[i], await want(i + 1));
    } finally {
      await sleep(0);
    }
  });
});
