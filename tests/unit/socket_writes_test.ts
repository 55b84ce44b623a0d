/**
 * SocketWrites: writes of one turn go out in one flush, a socket that pushes
 * back stops the flush until drained(), and stop() drops what is queued and
 * wakes every waiter.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SocketWrites } from "../../src/transport/socket_writes.ts";
import { HIGH_WATER_MARK } from "../../src/transport/write_queue.ts";

const turn = () => new Promise<void>((r) => setTimeout(r, 0));

function socket(accept = true) {
  const s = {
    accept,
    pieces: [] as number[][],
    flushed: 0,
    writes: null as unknown as SocketWrites,
  };
  s.writes = new SocketWrites({
    putPiece(piece) {
      s.pieces.push([...piece]);
      return s.accept;
    },
    allFlushed() {
      s.flushed++;
    },
  });
  return s;
}

describe("SocketWrites", () => {
  it("writes of one turn leave in one piece, a microtask later", async () => {
    const s = socket();
    assert.equal(s.writes.write(new Uint8Array([1])), true);
    s.writes.write(new Uint8Array([2, 3]));
    assert.equal(s.writes.idle, false);
    assert.deepEqual(s.pieces, []);
    await turn();
    assert.deepEqual(s.pieces, [[1, 2, 3]]);
    assert.equal(s.flushed, 1);
    assert.equal(s.writes.idle, true);
  });

  it("a socket that pushes back holds the rest until drained()", async () => {
    const s = socket(false);
    s.writes.write(new Uint8Array(20 * 1024).fill(1));
    s.writes.write(new Uint8Array(20 * 1024).fill(2));
    await turn();
    assert.equal(s.pieces.length, 1, "the flush stopped after the socket pushed back");
    s.writes.write(new Uint8Array([3]));
    await turn();
    assert.equal(s.pieces.length, 1, "no flush while blocked");
    assert.equal(s.flushed, 0);
    s.accept = true;
    s.writes.drained();
    assert.equal(s.pieces.length, 2);
    assert.deepEqual(s.pieces[1]!.slice(-1), [3]);
    assert.equal(s.flushed, 1);
    assert.equal(s.writes.idle, true);
  });

  it("reports backpressure above the high-water mark, and stop() wakes the waiters", async () => {
    const s = socket(false);
    s.writes.write(new Uint8Array(1024));
    await turn();
    assert.equal(s.writes.write(new Uint8Array(HIGH_WATER_MARK)), false);
    let woke = false;
    const waiting = s.writes.queue.drained().then(() => (woke = true));
    await turn();
    assert.equal(woke, false);
    s.writes.stop();
    await waiting;
    assert.equal(s.writes.queue.size, 0);
    s.writes.drained();
    assert.equal(s.pieces.length, 1, "nothing is written after stop()");
  });
});
