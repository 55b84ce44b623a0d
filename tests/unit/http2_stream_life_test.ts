// The driver's stream life table: complete, no pair twice, FINISHED is final
// and reached by every path that leaves nothing owed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  LIFE_TABLE,
  LIFE_TRANSITIONS,
  LifeEvent,
  nextLife,
  StreamLife,
} from "../../src/http2/server/stream_life.ts";

const LIVES = [0, 1, 2, 3, 4] as StreamLife[];
const EVENTS = [0, 1, 2, 3] as LifeEvent[];

describe("h2 driver: stream life table", () => {
  it("lists every (life, event) pair exactly once, and is looked up as written", () => {
    assert.deepEqual(LIFE_TABLE.missing(), []);
    const seen = new Set<string>();
    for (const [life, event, next] of LIFE_TRANSITIONS) {
      const key = `${StreamLife[life]}+${LifeEvent[event]}`;
      assert.ok(!seen.has(key), `duplicate ${key}`);
      seen.add(key);
      assert.equal(nextLife(life, event), next, key);
    }
    assert.equal(seen.size, LIVES.length * EVENTS.length);
  });

  it("FINISHED is final; LOST always finishes; the answer and the peer's end finish together", () => {
    for (const e of EVENTS) assert.equal(nextLife(StreamLife.FINISHED, e), StreamLife.FINISHED);
    for (const l of LIVES) assert.equal(nextLife(l, LifeEvent.LOST), StreamLife.FINISHED);
    const run = (events: LifeEvent[]) => events.reduce(nextLife, StreamLife.OPEN);
    assert.equal(run([LifeEvent.REMOTE_END, LifeEvent.ANSWER]), StreamLife.FINISHED);
    assert.equal(run([LifeEvent.ANSWER, LifeEvent.REMOTE_END]), StreamLife.FINISHED);
    assert.equal(run([LifeEvent.ANSWER, LifeEvent.WIRE_CLOSED]), StreamLife.FINISHED);
    assert.equal(run([LifeEvent.WIRE_CLOSED, LifeEvent.ANSWER]), StreamLife.FINISHED);
    assert.equal(run([LifeEvent.REMOTE_END]), StreamLife.REMOTE_DONE);
    assert.equal(run([LifeEvent.ANSWER]), StreamLife.ANSWERED);
  });
});
