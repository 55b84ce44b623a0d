/**
 * Request body chunks handed on without a copy: only a chunk that covers a
 * buffer the transport marked as its own, only once, and the parser goes on
 * correctly after the consumer took (detached) that buffer.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ADOPT_MIN, adoptable, markOwned } from "../../src/bytes/owned_bytes.ts";
import { adoptBuffer } from "../../src/fetch/body.ts";
import { RequestParser } from "../../src/http1/core/parser.ts";
import { pattern, sha256, start } from "../support/live.ts";

const enc = new TextEncoder();

/** Detaches a buffer, as a byte stream's enqueue does. */
function detach(buf: ArrayBufferLike): void {
  structuredClone(buf, { transfer: [buf as ArrayBuffer] });
}

describe("owned bytes", () => {
  it("adopts a marked whole buffer once, and copies anything else", () => {
    const whole = new Uint8Array(ADOPT_MIN);
    markOwned(whole);
    assert.ok(adoptable(whole));
    assert.equal(adoptable(whole), false, "the mark is used up");

    const unmarked = new Uint8Array(ADOPT_MIN);
    assert.notEqual(adoptBuffer(unmarked), unmarked);

    const big = new Uint8Array(ADOPT_MIN * 2);
    markOwned(big);
    const part = big.subarray(0, ADOPT_MIN);
    assert.notEqual(adoptBuffer(part), part, "a part of the buffer is copied");

    const roomy = new Uint8Array(ADOPT_MIN * 4);
    const read = roomy.subarray(0, ADOPT_MIN + 5); // a read that filled part of its buffer
    markOwned(read);
    assert.equal(adoptable(roomy.subarray(0, ADOPT_MIN)), false, "less than the chunk read");
    assert.ok(adoptable(read), "exactly the chunk read");

    const small = new Uint8Array(100);
    markOwned(small);
    assert.equal(adoptable(small), false, "small chunks are always copied");
  });

  it("the h1 parser goes on after a body chunk's buffer was taken over", () => {
    const p = new RequestParser();
    const size = ADOPT_MIN * 2;
    p.push(enc.encode(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`));
    assert.equal(p.next()?.type, "head");
    const seen: number[] = [];
    for (let i = 0; i < 2; i++) {
      const chunk = new Uint8Array(ADOPT_MIN).fill(0x61 + i);
      markOwned(chunk);
      p.push(chunk);
      const ev = p.next();
      assert.equal(ev?.type, "data");
      const data = (ev as { data: Uint8Array }).data;
      const taken = adoptBuffer(data);
      assert.equal(taken.buffer, chunk.buffer, "handed on without a copy");
      seen.push(taken[0]!, taken.byteLength);
      detach(taken.buffer);
    }
    assert.deepEqual(seen, [0x61, ADOPT_MIN, 0x62, ADOPT_MIN]);
    assert.equal(p.next()?.type, "end");
    p.push(enc.encode("GET /next HTTP/1.1\r\nHost: x\r\n\r\n"));
    const next = p.next();
    assert.equal(next?.type, "head");
    assert.equal((next as { head: { target: string } }).head.target, "/next");
  });

  it("copies a body chunk that shares its buffer with the next request", () => {
    const p = new RequestParser();
    p.push(enc.encode(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${ADOPT_MIN}\r\n\r\n`));
    assert.equal(p.next()?.type, "head");
    const tail = enc.encode("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
    const chunk = new Uint8Array(ADOPT_MIN + tail.byteLength);
    chunk.set(tail, ADOPT_MIN);
    markOwned(chunk);
    p.push(chunk);
    const ev = p.next() as { type: string; data: Uint8Array };
    assert.equal(ev.type, "data");
    const taken = adoptBuffer(ev.data);
    assert.notEqual(taken.buffer, chunk.buffer);
    detach(taken.buffer);
    assert.equal(p.next()?.type, "end");
    const next = p.next() as { type: string; head: { target: string } };
    assert.equal(next.head.target, "/after");
  });

  it("a large upload is echoed intact, twice on one connection", async () => {
    await using s = start(async (req) => new Response(await req.arrayBuffer()));
    const body = pattern(1024 * 1024 + 17);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(s.base + "/echo", { method: "POST", body });
      const got = new Uint8Array(await res.arrayBuffer());
      assert.equal(got.byteLength, body.byteLength);
      assert.equal(await sha256(got), await sha256(body));
    }
  });
});
