import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ClosedStreams } from "../src/http2/closed_streams.ts";
import { StreamState } from "../src/http2/stream_state.ts";

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
    assert.equal(m.window(5), 0);
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

  it("remembers nothing with a limit of 0", () => {
    const m = new ClosedStreams(0);
    m.remember(1, StreamState.CLOSED, 1);
    assert.equal(m.state(1), undefined);
  });
});
