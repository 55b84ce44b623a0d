import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ClosedStreams } from "../../src/http2/core/closed_streams.ts";
import { StreamState } from "../../src/http2/core/stream_table.ts";

describe("ClosedStreams", () => {
  it("keeps each state with windows across the whole range (negative, zero, 2^31-1)", () => {
    const m = new ClosedStreams(100);
    const states = [
      StreamState.CLOSED,
      StreamState.CLOSED_RESET_LOCAL,
      StreamState.CLOSED_RESET_REMOTE,
    ];
    const windows = [-(2 ** 31), -65535, -1, 0, 1, 65535, 2 ** 30, 2 ** 31 - 1];
    let id = 1;
    for (const state of states) {
      for (const w of windows) {
        m.remember(id, state, w);
        assert.equal(m.state(id), state, `state of ${id} (window ${w})`);
        assert.equal(m.window(id), w, `window of ${id}`);
        id += 2;
      }
    }
  });

  it("updates a window in place, keeping the state", () => {
    const m = new ClosedStreams(10);
    m.remember(3, StreamState.CLOSED_RESET_REMOTE, -5);
    m.setWindow(3, 2 ** 31 - 1);
    assert.equal(m.state(3), StreamState.CLOSED_RESET_REMOTE);
    assert.equal(m.window(3), 2 ** 31 - 1);
    m.setWindow(5, 7); // not remembered: no entry appears
    assert.equal(m.state(5), undefined);
    assert.equal(m.window(5), null);
  });

  it("a stream reset for an error keeps its state but no window; updates leave it untracked", () => {
    const m = new ClosedStreams(10);
    for (const state of [StreamState.CLOSED, StreamState.CLOSED_RESET_LOCAL]) {
      m.remember(7, StreamState.CLOSED, -3);
      m.remember(7, state, null);
      assert.equal(m.state(7), state);
      assert.equal(m.window(7), null);
      m.setWindow(7, 100);
      assert.equal(m.window(7), null);
      assert.equal(m.state(7), state);
    }
  });

  it("forgets the oldest first once full; a re-remembered id keeps its slot", () => {
    const m = new ClosedStreams(2);
    m.remember(1, StreamState.CLOSED, 1);
    m.remember(3, StreamState.CLOSED, 3);
    m.remember(1, StreamState.CLOSED_RESET_LOCAL, 10);
    assert.equal(m.state(1), StreamState.CLOSED_RESET_LOCAL);
    m.remember(5, StreamState.CLOSED, 5);
    assert.equal(m.state(1), undefined);
    assert.equal(m.state(3), StreamState.CLOSED);
    assert.equal(m.window(5), 5);
  });

  it("evictions keep every remaining entry reachable", () => {
    for (const limit of [1, 2, 7, 8, 9, 100]) {
      const m = new ClosedStreams(limit);
      for (let id = 1; id < 4000; id += 2) {
        m.remember(id, StreamState.CLOSED, id);
        for (let back = 0; back < limit + 2; back++) {
          const old = id - 2 * back;
          if (old < 1) break;
          const kept = back < limit;
          assert.equal(m.state(old), kept ? StreamState.CLOSED : undefined, `${limit}: ${old}`);
          assert.equal(m.window(old), kept ? old : null);
        }
      }
    }
  });

  it("remembers nothing with a limit of 0", () => {
    const m = new ClosedStreams(0);
    m.remember(1, StreamState.CLOSED, 1);
    assert.equal(m.state(1), undefined);
  });

  it("agrees with a plain model under random remembers, updates and lookups (limits 1, 7, 1000, Infinity)", () => {
    let seed = 42;
    const rand = (n: number) => { // xorshift32
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    for (const limit of [1, 7, 1000, Infinity]) {
      const m = new ClosedStreams(limit);
      const model = new Map<number, [StreamState, number]>();
      const order: number[] = [];
      for (let step = 0; step < 20_000; step++) {
        // Mostly new ascending ids, some repeats, some even ids, some near 2^31.
        const id = rand(10) === 0 ? 2 ** 31 - 1 - 2 * rand(50) : 1 + rand(6000);
        const op = rand(4);
        const w = rand(200_000) - 100_000;
        if (op < 2) {
          const state = [StreamState.CLOSED, StreamState.CLOSED_RESET_LOCAL][op]!;
          m.remember(id, state, w);
          if (!model.has(id)) {
            order.push(id);
            if (order.length > limit) model.delete(order.shift()!);
          }
          model.set(id, [state, w]);
        } else if (op === 2) {
          m.setWindow(id, w);
          const e = model.get(id);
          if (e !== undefined) e[1] = w;
        }
        const e = model.get(id);
        assert.equal(m.state(id), e?.[0], `limit ${limit}, step ${step}, id ${id}`);
        assert.equal(m.window(id), e?.[1] ?? null);
      }
      for (const [id, [state, w]] of model) {
        assert.equal(m.state(id), state);
        assert.equal(m.window(id), w);
      }
    }
  });
});
