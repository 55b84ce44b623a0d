/** The shared state-table helper: lookups, the missing-pair policy, and refusal of bad rows. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MissingTransitionError, StateTable } from "../../src/state/table.ts";

enum S {
  A = 0,
  B = 1,
}
enum E {
  GO = 0,
  STOP = 1,
}

describe("StateTable", () => {
  const rows = [[S.A, E.GO, S.B], [S.A, E.STOP, S.A], [S.B, E.GO, S.B]] as const;
  const t = new StateTable<S, E, S>("demo", 2, 2, rows, { states: S, events: E });

  it("looks up a row", () => {
    assert.equal(t.next(S.A, E.GO), S.B);
    assert.equal(t.next(S.B, E.GO), S.B);
    assert.equal(t.has(S.B, E.STOP), false);
  });

  it("a missing pair throws, naming the machine, state and event", () => {
    assert.throws(() => t.next(S.B, E.STOP), (e: unknown) => {
      assert.ok(e instanceof MissingTransitionError);
      assert.equal(e.message, "demo: no row for (B, STOP)");
      return true;
    });
    assert.deepEqual(t.missing(), ["(B, STOP)"]);
  });

  it("refuses a pair given twice and a row out of range", () => {
    assert.throws(
      () => new StateTable("dup", 2, 2, [[0, 0, 1], [0, 0, 0]]),
      /two rows for \(0, 0\)/,
    );
    assert.throws(() => new StateTable("range", 2, 2, [[2, 0, 1]]), RangeError);
  });
});
