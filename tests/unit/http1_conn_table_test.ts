// The HTTP/1.1 connection state table: lookups, missing pairs, reachability.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConnEvent, ConnState, nextState, TRANSITIONS } from "../../src/http1/core/conn_table.ts";

const STATES = Object.values(ConnState).filter((v): v is ConnState => typeof v === "number");
const EVENTS = Object.values(ConnEvent).filter((v): v is ConnEvent => typeof v === "number");

describe("http1: connection state table", () => {
  it("nextState answers every row of the table and throws for every other pair", () => {
    for (const s of STATES) {
      for (const e of EVENTS) {
        const want = TRANSITIONS[s]![e];
        if (want === undefined) {
          assert.throws(() => nextState(s, e), /no transition/, `${ConnState[s]} ${ConnEvent[e]}`);
        } else assert.equal(nextState(s, e), want, `${ConnState[s]} ${ConnEvent[e]}`);
      }
    }
  });

  it("every state is reachable from IDLE, and every state but SWITCHED_PROTOCOL can close", () => {
    const seen = new Set<ConnState>([ConnState.IDLE]);
    const todo = [ConnState.IDLE];
    while (todo.length > 0) {
      const s = todo.pop()!;
      for (const next of Object.values(TRANSITIONS[s]!)) {
        if (!seen.has(next)) {
          seen.add(next);
          todo.push(next);
        }
      }
    }
    assert.deepEqual([...seen].sort(), [...STATES].sort());
    for (const s of STATES) {
      assert.equal(nextState(s, ConnEvent.SOCKET_CLOSED) !== undefined, true);
      if (s !== ConnState.SWITCHED_PROTOCOL) {
        assert.ok(
          [ConnState.CLOSING, ConnState.CLOSED].includes(nextState(s, ConnEvent.CLOSE)),
          ConnState[s],
        );
      }
    }
  });

  it("a request cycle: IDLE → SEND_BODY → IDLE, and Connection: close ends in CLOSING", () => {
    let s = nextState(ConnState.IDLE, ConnEvent.REQUEST);
    assert.equal(s, ConnState.SEND_BODY);
    assert.equal(nextState(s, ConnEvent.CYCLE_DONE), ConnState.IDLE);
    s = nextState(s, ConnEvent.CLOSE_AFTER);
    assert.equal(s, ConnState.MUST_CLOSE);
    assert.throws(() => nextState(s, ConnEvent.CYCLE_DONE), "a closing connection takes no more");
    assert.equal(nextState(s, ConnEvent.CLOSE), ConnState.CLOSING);
  });
});
