// The HTTP/1.1 connection table and the 100-continue table: every pair has a
// row, lookups, NEVER cells, reachability.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CONN_TABLE,
  ConnEvent,
  ConnState,
  NEVER,
  nextState,
} from "../../src/http1/core/conn_table.ts";
import {
  bodyFlows,
  CONTINUE_TABLE,
  ContinueAction,
  ContinueEvent,
  ContinueState,
} from "../../src/http1/core/continue_table.ts";

const STATES = Object.values(ConnState).filter((v): v is ConnState => typeof v === "number");
const EVENTS = Object.values(ConnEvent).filter((v): v is ConnEvent => typeof v === "number");

describe("http1: connection state table", () => {
  it("has a row for every (state, event) pair", () => {
    assert.deepEqual(CONN_TABLE.missing(), []);
    assert.equal(CONN_TABLE.rows.length, STATES.length * EVENTS.length);
  });

  it("nextState answers every row, and throws on every NEVER cell", () => {
    let never = 0;
    for (const s of STATES) {
      for (const e of EVENTS) {
        const want = CONN_TABLE.next(s, e);
        const pair = `${ConnState[s]} ${ConnEvent[e]}`;
        if (want === NEVER) {
          never++;
          assert.throws(() => nextState(s, e), /no transition/, pair);
        } else assert.equal(nextState(s, e), want, pair);
      }
    }
    assert.ok(never > 0 && never < STATES.length * EVENTS.length);
  });

  it("every state is reachable from IDLE; every state but the two handed over can close", () => {
    const seen = new Set<ConnState>([ConnState.IDLE]);
    const todo = [ConnState.IDLE];
    while (todo.length > 0) {
      const s = todo.pop()!;
      for (const e of EVENTS) {
        const next = CONN_TABLE.next(s, e);
        if (next !== NEVER && !seen.has(next)) {
          seen.add(next);
          todo.push(next);
        }
      }
    }
    assert.deepEqual([...seen].sort(), [...STATES].sort());
    for (const s of STATES) {
      assert.notEqual(CONN_TABLE.next(s, ConnEvent.SOCKET_CLOSED), NEVER, ConnState[s]);
      if (s === ConnState.SWITCHED_PROTOCOL || s === ConnState.WEBSOCKET) {
        assert.throws(() => nextState(s, ConnEvent.CLOSE), ConnState[s]);
      } else {
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

  it("h2c and WebSocket have their own states: taken, each ends where it belongs", () => {
    const h2c = nextState(ConnState.IDLE, ConnEvent.UPGRADE_ASKED);
    assert.equal(h2c, ConnState.MIGHT_SWITCH_PROTOCOL);
    assert.equal(nextState(h2c, ConnEvent.UPGRADE_TAKEN), ConnState.SWITCHED_PROTOCOL);
    const ws = nextState(ConnState.IDLE, ConnEvent.WEBSOCKET_ASKED);
    assert.equal(ws, ConnState.WEBSOCKET_ASKED);
    assert.equal(nextState(ws, ConnEvent.UPGRADE_TAKEN), ConnState.WEBSOCKET);
    assert.equal(nextState(ws, ConnEvent.UPGRADE_DECLINED), ConnState.SEND_BODY);
    // The socket of a WebSocket closes here; HTTP/2's is no longer ours.
    assert.equal(nextState(ConnState.WEBSOCKET, ConnEvent.SOCKET_CLOSED), ConnState.CLOSED);
    assert.equal(
      nextState(ConnState.SWITCHED_PROTOCOL, ConnEvent.SOCKET_CLOSED),
      ConnState.SWITCHED_PROTOCOL,
    );
    assert.throws(() => nextState(ConnState.WEBSOCKET, ConnEvent.REQUEST));
  });
});

describe("http1: 100-continue table", () => {
  const S = ContinueState, E = ContinueEvent;

  it("has a row for every (state, event) pair", () => {
    assert.deepEqual(CONTINUE_TABLE.missing(), []);
  });

  it("the 100 goes out once, on the first read, and never after the final head", () => {
    const read = CONTINUE_TABLE.next(S.OWED, E.BODY_WANTED);
    assert.deepEqual({ ...read }, { next: S.SENT, action: ContinueAction.SEND_100 });
    assert.equal(CONTINUE_TABLE.next(S.SENT, E.BODY_WANTED).action, ContinueAction.NONE);
    const refused = CONTINUE_TABLE.next(S.OWED, E.HEAD_SENT);
    assert.equal(refused.next, S.FORFEITED);
    assert.deepEqual(
      { ...CONTINUE_TABLE.next(S.FORFEITED, E.BODY_WANTED) },
      { next: S.FORFEITED, action: ContinueAction.NONE },
    );
    for (const s of [S.NONE, S.SENT, S.FORFEITED]) {
      for (const e of [E.BODY_WANTED, E.HEAD_SENT]) {
        assert.equal(CONTINUE_TABLE.next(s, e).action, ContinueAction.NONE);
        assert.equal(CONTINUE_TABLE.next(s, e).next, s, `${S[s]} is final`);
      }
    }
  });

  it("the body flows only when no 100 is owed or forfeited", () => {
    assert.equal(bodyFlows(S.NONE), true);
    assert.equal(bodyFlows(S.SENT), true);
    assert.equal(bodyFlows(S.OWED), false);
    assert.equal(bodyFlows(S.FORFEITED), false);
  });
});
