import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ErrorCode,
  EVENT_COUNT,
  FrameType,
  isRecvEvent,
  STATE_COUNT,
  STREAM_TABLE,
  STREAM_TRANSITIONS,
  StreamAction,
  StreamEvent,
  StreamState,
  transition,
} from "../../src/http2/core/mod.ts";
import {
  data,
  getRequest,
  goawayOf,
  headers,
  literalBlock,
  type OutFrame,
  priority,
  pushPromise,
  rst,
  rsts,
  TestClient,
  windowUpdate,
} from "../support/http2_frames.ts";

const S = StreamState;
const E = StreamEvent;

/** Puts stream 1 of a fresh connection into `state`. */
function setup(state: StreamState): TestClient {
  const c = new TestClient(state === S.FORGOTTEN ? { closedStreamMemory: 0 } : {});
  c.handshake();
  const post = [[":method", "POST"], [":scheme", "http"], [":path", "/"], [
    ":authority",
    "a",
  ]] as Array<[string, string]>;
  switch (state) {
    case S.IDLE:
      break;
    case S.OPEN:
      c.send(headers(1, post));
      break;
    case S.HALF_CLOSED_LOCAL:
      c.send(headers(1, post));
      c.conn.sendHeaders(1, [[":status", "200"]], true);
      break;
    case S.HALF_CLOSED_REMOTE:
      c.send(headers(1, getRequest(), { endStream: true }));
      break;
    case S.CLOSED:
    case S.FORGOTTEN:
      c.send(headers(1, getRequest(), { endStream: true }));
      c.conn.sendHeaders(1, [[":status", "200"]], true);
      break;
    case S.CLOSED_RESET_LOCAL:
      c.send(headers(1, post));
      c.conn.resetStream(1, ErrorCode.CANCEL);
      break;
    case S.CLOSED_RESET_REMOTE:
      c.send(headers(1, post), rst(1, ErrorCode.CANCEL));
      break;
  }
  c.read();
  c.events.length = 0;
  assert.equal(c.conn.streamState(1), state, `setup reached ${S[state]}`);
  return c;
}

const recvFrame: Record<number, (state: StreamState) => Uint8Array> = {
  [E.RECV_HEADERS]: (s) =>
    s === S.IDLE
      ? headers(1, [[":method", "POST"], [":scheme", "http"], [":path", "/"], [":authority", "a"]])
      : headers(1, [["x-trailer", "1"]], { endStream: true }),
  [E.RECV_DATA]: () => data(1, "x"),
  [E.RECV_END_STREAM]: () => data(1, "", { endStream: true }),
  [E.RECV_RST_STREAM]: () => rst(1, ErrorCode.CANCEL),
  [E.RECV_WINDOW_UPDATE]: () => windowUpdate(1, 10),
  [E.RECV_PRIORITY]: () => priority(1, 0),
  [E.RECV_PUSH_PROMISE]: () => pushPromise(1, 2, literalBlock(getRequest())),
};

type Outcome =
  | "ok"
  | "ignore"
  | "rst:STREAM_CLOSED"
  | "goaway:STREAM_CLOSED"
  | "goaway:PROTOCOL_ERROR";
const OK = "ok",
  IGN = "ignore",
  RSC = "rst:STREAM_CLOSED",
  GSC = "goaway:STREAM_CLOSED",
  GPE = "goaway:PROTOCOL_ERROR";

// Expected outcomes from RFC 9113 §5.1, written out independently of the table:
// columns HEADERS, DATA, END_STREAM, RST_STREAM, WINDOW_UPDATE, PRIORITY, PUSH_PROMISE.
const EXPECTED_RECV: Record<number, [Outcome[], StreamState[]]> = {
  [S.IDLE]: [[OK, GPE, GPE, GPE, GPE, OK, GPE], [
    S.OPEN,
    S.IDLE,
    S.IDLE,
    S.IDLE,
    S.IDLE,
    S.IDLE,
    S.IDLE,
  ]],
  [S.OPEN]: [[OK, OK, OK, OK, OK, OK, GPE], [
    S.HALF_CLOSED_REMOTE,
    S.OPEN,
    S.HALF_CLOSED_REMOTE,
    S.CLOSED_RESET_REMOTE,
    S.OPEN,
    S.OPEN,
    S.OPEN,
  ]],
  [S.HALF_CLOSED_LOCAL]: [[OK, OK, OK, OK, OK, OK, GPE], [
    S.CLOSED,
    S.HALF_CLOSED_LOCAL,
    S.CLOSED,
    S.CLOSED_RESET_REMOTE,
    S.HALF_CLOSED_LOCAL,
    S.HALF_CLOSED_LOCAL,
    S.HALF_CLOSED_LOCAL,
  ]],
  [S.HALF_CLOSED_REMOTE]: [[RSC, RSC, RSC, OK, OK, OK, GPE], [
    S.CLOSED_RESET_LOCAL,
    S.CLOSED_RESET_LOCAL,
    S.CLOSED_RESET_LOCAL,
    S.CLOSED_RESET_REMOTE,
    S.HALF_CLOSED_REMOTE,
    S.HALF_CLOSED_REMOTE,
    S.HALF_CLOSED_REMOTE,
  ]],
  [S.CLOSED]: [[GSC, GSC, GSC, IGN, IGN, OK, GPE], [
    S.CLOSED,
    S.CLOSED,
    S.CLOSED,
    S.CLOSED_RESET_REMOTE,
    S.CLOSED,
    S.CLOSED,
    S.CLOSED,
  ]],
  [S.CLOSED_RESET_LOCAL]: [[IGN, IGN, IGN, IGN, IGN, OK, GPE], [
    S.CLOSED_RESET_LOCAL,
    S.CLOSED_RESET_LOCAL,
    S.CLOSED_RESET_LOCAL,
    S.CLOSED_RESET_REMOTE,
    S.CLOSED_RESET_LOCAL,
    S.CLOSED_RESET_LOCAL,
    S.CLOSED_RESET_LOCAL,
  ]],
  [S.CLOSED_RESET_REMOTE]: [[RSC, RSC, RSC, IGN, IGN, OK, GPE], [
    S.CLOSED_RESET_LOCAL,
    S.CLOSED_RESET_LOCAL,
    S.CLOSED_RESET_LOCAL,
    S.CLOSED_RESET_REMOTE,
    S.CLOSED_RESET_REMOTE,
    S.CLOSED_RESET_REMOTE,
    S.CLOSED_RESET_REMOTE,
  ]],
  [S.FORGOTTEN]: [[GPE, RSC, RSC, IGN, IGN, OK, GPE], Array(7).fill(S.FORGOTTEN)],
};

const RECV_EVENTS = [
  E.RECV_HEADERS,
  E.RECV_DATA,
  E.RECV_END_STREAM,
  E.RECV_RST_STREAM,
  E.RECV_WINDOW_UPDATE,
  E.RECV_PRIORITY,
  E.RECV_PUSH_PROMISE,
];
const STATES = [
  S.IDLE,
  S.OPEN,
  S.HALF_CLOSED_LOCAL,
  S.HALF_CLOSED_REMOTE,
  S.CLOSED,
  S.CLOSED_RESET_LOCAL,
  S.CLOSED_RESET_REMOTE,
  S.FORGOTTEN,
];

describe("5.1 stream states × received frames (every pair, over the wire)", () => {
  for (const state of STATES) {
    RECV_EVENTS.forEach((event, col) => {
      const [outcomes, nexts] = EXPECTED_RECV[state]!;
      const want = outcomes[col]!;
      it(`5.1 ${S[state]} + ${E[event]} → ${want}`, () => {
        const c = setup(state);
        const ev = c.send(recvFrame[event]!(state));
        const out = c.read();
        const g = goawayOf(out);
        const r = rsts(out);
        switch (want) {
          case "ok":
            assert.equal(g, undefined);
            assert.deepEqual(r, []);
            break;
          case "ignore":
            assert.equal(g, undefined);
            assert.deepEqual(r, []);
            assert.deepEqual(ev, []);
            break;
          case "rst:STREAM_CLOSED":
            assert.equal(g, undefined);
            assert.deepEqual(r, [[1, ErrorCode.STREAM_CLOSED]]);
            break;
          case "goaway:STREAM_CLOSED":
            assert.equal(g?.code, ErrorCode.STREAM_CLOSED);
            break;
          case "goaway:PROTOCOL_ERROR":
            assert.equal(g?.code, ErrorCode.PROTOCOL_ERROR);
            break;
        }
        if (!want.startsWith("goaway")) assert.equal(S[c.conn.streamState(1)], S[nexts[col]!]);
      });
    });
  }
});

type SendOutcome = "ok" | "drop" | "throw";
// SEND_HEADERS, SEND_DATA, SEND_END_STREAM, SEND_RST_STREAM, by state.
const EXPECTED_SEND: Record<number, SendOutcome[]> = {
  [S.IDLE]: ["throw", "throw", "throw", "throw"],
  [S.OPEN]: ["ok", "ok", "ok", "ok"],
  [S.HALF_CLOSED_LOCAL]: ["throw", "throw", "throw", "ok"],
  [S.HALF_CLOSED_REMOTE]: ["ok", "ok", "ok", "ok"],
  [S.CLOSED]: ["drop", "drop", "drop", "drop"],
  [S.CLOSED_RESET_LOCAL]: ["drop", "drop", "drop", "drop"],
  [S.CLOSED_RESET_REMOTE]: ["drop", "drop", "drop", "drop"],
  [S.FORGOTTEN]: ["drop", "drop", "drop", "drop"],
};
const SEND_NEXT: Record<number, StreamState[]> = {
  [S.OPEN]: [S.OPEN, S.OPEN, S.HALF_CLOSED_LOCAL, S.CLOSED_RESET_LOCAL],
  [S.HALF_CLOSED_REMOTE]: [
    S.HALF_CLOSED_REMOTE,
    S.HALF_CLOSED_REMOTE,
    S.CLOSED,
    S.CLOSED_RESET_LOCAL,
  ],
  [S.HALF_CLOSED_LOCAL]: [
    S.HALF_CLOSED_LOCAL,
    S.HALF_CLOSED_LOCAL,
    S.HALF_CLOSED_LOCAL,
    S.CLOSED_RESET_LOCAL,
  ],
};
const SEND_EVENTS = [E.SEND_HEADERS, E.SEND_DATA, E.SEND_END_STREAM, E.SEND_RST_STREAM];

describe("5.1 stream states × our sends (every pair)", () => {
  for (const state of STATES) {
    SEND_EVENTS.forEach((event, col) => {
      const want = EXPECTED_SEND[state]![col]!;
      it(`5.1 ${S[state]} + ${E[event]} → ${want}`, () => {
        const c = setup(state);
        const live = state === S.OPEN || state === S.HALF_CLOSED_REMOTE;
        if (live && (event === E.SEND_DATA || event === E.SEND_END_STREAM)) {
          c.conn.sendHeaders(1, [[":status", "200"]], false);
        }
        const act = (): boolean => {
          switch (event) {
            case E.SEND_HEADERS:
              return c.conn.sendHeaders(1, [[":status", "200"]], false);
            case E.SEND_DATA:
              return c.conn.sendData(1, new Uint8Array(3), false);
            case E.SEND_END_STREAM:
              return c.conn.sendData(1, new Uint8Array(0), true);
            default:
              return c.conn.resetStream(1, ErrorCode.CANCEL);
          }
        };
        if (want === "throw") {
          assert.throws(act);
          return;
        }
        assert.equal(act(), want === "ok");
        const out = c.read();
        if (want === "drop") {
          assert.equal(out.length, 0, "nothing is sent on a closed stream");
          return;
        }
        assert.equal(S[c.conn.streamState(1)], S[SEND_NEXT[state]![col]!]);
        if (event === E.SEND_RST_STREAM) assert.deepEqual(rsts(out), [[1, ErrorCode.CANCEL]]);
        if (event === E.SEND_END_STREAM) {
          assert.ok(out.some((f) => f.type === FrameType.DATA && f.endStream));
        }
      });
    });
  }
});

describe("5.1 the table itself", () => {
  it("5.1 every (state, event) pair has a row, looked up as written, none twice", () => {
    assert.deepEqual(STREAM_TABLE.missing(), []);
    assert.equal(STREAM_TRANSITIONS.length, STATE_COUNT * EVENT_COUNT);
    for (const [state, event, next, action] of STREAM_TRANSITIONS) {
      assert.deepEqual(
        { ...transition(state, event) },
        { next, action },
        `${S[state]} + ${E[event]}`,
      );
    }
    // Bad peer input is answered by explicit rows, sends the state forbids are MISUSE rows.
    assert.equal(transition(S.IDLE, E.RECV_DATA).action, StreamAction.CONN_PROTOCOL_ERROR);
    // PUSH_PROMISE: a server rejects it before the table; on a client the associated stream
    // must be open or half-closed (local) (§6.6), and one we reset ignores it.
    const pushOk = new Set([S.OPEN, S.HALF_CLOSED_LOCAL]);
    for (let s = 0; s < STATE_COUNT; s++) {
      const want = pushOk.has(s)
        ? StreamAction.OK
        : s === S.CLOSED_RESET_LOCAL
        ? StreamAction.IGNORE
        : StreamAction.CONN_PROTOCOL_ERROR;
      assert.equal(transition(s, E.RECV_PUSH_PROMISE).action, want, String(S[s]));
      assert.equal(transition(s, E.STREAM_ERROR).next, S.CLOSED_RESET_LOCAL);
    }
    assert.ok(isRecvEvent(E.RESERVE_REMOTE) && !isRecvEvent(E.RESERVE_LOCAL));
    assert.equal(transition(S.IDLE, E.SEND_DATA).action, StreamAction.MISUSE);
  });

  it("5.1.1 a client stream id lower than one already opened → connection PROTOCOL_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(5, getRequest(), { endStream: true }));
    c.send(headers(3, getRequest(), { endStream: true }));
    const out = c.read();
    assert.deepEqual(goawayOf(out), { lastStreamId: 5, code: ErrorCode.PROTOCOL_ERROR });
    assert.deepEqual(rsts(out), []);
    assert.ok(!c.events.some((e) => e.type === "request" && e.streamId === 3));
  });

  it("5.1.1 an even (server) stream id from the client → PROTOCOL_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(2, getRequest(), { endStream: true }));
    assert.equal(goawayOf(c.read())?.code, ErrorCode.PROTOCOL_ERROR);
  });

  it("5.1 frames on a stream we reset are ignored within the grace window, then STREAM_CLOSED", () => {
    const c = new TestClient({ closedStreamMemory: 2 });
    c.handshake();
    c.send(headers(1, [[":method", "POST"], [":scheme", "http"], [":path", "/"]]));
    c.conn.resetStream(1, ErrorCode.CANCEL);
    c.read();
    c.send(data(1, "late"));
    assert.deepEqual(rsts(c.read()), []);
    for (const id of [3, 5, 7]) c.send(headers(id, getRequest()), rst(id, ErrorCode.CANCEL));
    c.read();
    c.send(data(1, "very late"));
    assert.deepEqual(rsts(c.read()), [[1, ErrorCode.STREAM_CLOSED]]);
  });
});

/** A POST on stream 1 (no END_STREAM), answered at once with HEADERS + END_STREAM. */
function answered(c: TestClient, order: "before" | "after", frames: Uint8Array[]): void {
  const post = [[":method", "POST"], [":scheme", "http"], [":path", "/"], [
    ":authority",
    "a",
  ]] as Array<
    [string, string]
  >;
  c.send(headers(1, post));
  const respond = () => {
    if (c.conn.sendHeaders(1, [[":status", "200"]], true)) c.read();
    // The driver asks an unfinished upload to stop once the response is out (§8.1).
    c.conn.resetStream(1, ErrorCode.NO_ERROR);
  };
  if (order === "before") respond();
  for (const f of frames) c.send(f);
  if (order === "after") respond();
}

describe("5.1/6.9 late frames are judged by the stream's history, not by timing", () => {
  for (const order of ["before", "after"] as const) {
    it(`5.1 DATA after the client's own RST_STREAM → RST_STREAM STREAM_CLOSED (response ${order})`, () => {
      const c = new TestClient();
      c.handshake();
      answered(c, order, [rst(1, ErrorCode.CANCEL)]);
      c.read();
      c.send(data(1, "late"));
      assert.deepEqual(rsts(c.read()), [[1, ErrorCode.STREAM_CLOSED]]);
    });

    it(`5.1 HEADERS after the client's own RST_STREAM → STREAM_CLOSED (response ${order})`, () => {
      const c = new TestClient();
      c.handshake();
      answered(c, order, [rst(1, ErrorCode.CANCEL)]);
      c.read();
      c.send(headers(1, [["x-trailer", "1"]], { endStream: true }));
      assert.deepEqual(rsts(c.read()), [[1, ErrorCode.STREAM_CLOSED]]);
    });

    it(`6.9 WINDOW_UPDATE of 0 on a stream → RST_STREAM PROTOCOL_ERROR (response ${order})`, () => {
      const c = new TestClient();
      c.handshake();
      c.send(headers(1, getRequest(), { endStream: true }));
      if (order === "before") c.conn.sendHeaders(1, [[":status", "200"]], true);
      c.read();
      c.send(windowUpdate(1, 0));
      if (order === "after") c.conn.sendHeaders(1, [[":status", "200"]], true);
      const out = c.read();
      assert.deepEqual(rsts(out), [[1, ErrorCode.PROTOCOL_ERROR]]);
      assert.equal(goawayOf(out), undefined);
    });

    it(`6.9.1 a stream window pushed past 2^31-1 → RST_STREAM FLOW_CONTROL_ERROR (response ${order})`, () => {
      const c = new TestClient();
      c.handshake();
      c.send(headers(1, getRequest(), { endStream: true }));
      if (order === "before") c.conn.sendHeaders(1, [[":status", "200"]], true);
      c.read();
      c.send(windowUpdate(1, 0x7fffffff), windowUpdate(1, 0x7fffffff));
      if (order === "after") c.conn.sendHeaders(1, [[":status", "200"]], true);
      const out = c.read();
      assert.deepEqual(rsts(out), [[1, ErrorCode.FLOW_CONTROL_ERROR]]);
      assert.equal(goawayOf(out), undefined);
    });
  }
});

/** RST_STREAM frames with an error code (the driver's NO_ERROR after an answer is not one). */
const errorRsts = (out: OutFrame[]) => rsts(out).filter(([, code]) => code !== ErrorCode.NO_ERROR);

/** Every frame `c.read()` returns from now on, including the reads inside {@link answered}. */
function recording(c: TestClient): OutFrame[] {
  const out: OutFrame[] = [];
  const read = c.read.bind(c);
  c.read = () => {
    const got = read();
    out.push(...got);
    return got;
  };
  return out;
}

// h2spec 6.9/2 and 6.9.1/3 send HEADERS without END_STREAM and then the bad WINDOW_UPDATE: the
// response may finish (and be followed by RST_STREAM NO_ERROR, §8.1) before the frame arrives,
// or after. Both orders must give the same stream error.
describe("6.9 WINDOW_UPDATE on an answered upload is judged the same in either order", () => {
  for (const order of ["before", "after"] as const) {
    it(`6.9 an increment of 0 → RST_STREAM PROTOCOL_ERROR (response ${order})`, () => {
      const c = new TestClient();
      c.handshake();
      const out = recording(c);
      answered(c, order, [windowUpdate(1, 0)]);
      c.read();
      assert.deepEqual(errorRsts(out), [[1, ErrorCode.PROTOCOL_ERROR]]);
      assert.equal(goawayOf(out), undefined);
    });

    it(`6.9.1 a window pushed past 2^31-1 → RST_STREAM FLOW_CONTROL_ERROR (response ${order})`, () => {
      const c = new TestClient();
      c.handshake();
      const out = recording(c);
      answered(c, order, [windowUpdate(1, 0x7fffffff), windowUpdate(1, 0x7fffffff)]);
      c.read();
      assert.deepEqual(errorRsts(out), [[1, ErrorCode.FLOW_CONTROL_ERROR]]);
      assert.equal(goawayOf(out), undefined);
    });
  }

  it("6.9 an increment of 0 is malformed in every state but idle: forgotten → RST_STREAM", () => {
    const c = new TestClient({ closedStreamMemory: 0 });
    c.handshake();
    c.send(headers(1, getRequest(), { endStream: true }));
    c.conn.sendHeaders(1, [[":status", "200"]], true);
    c.read();
    c.send(windowUpdate(1, 0));
    const out = c.read();
    assert.deepEqual(rsts(out), [[1, ErrorCode.PROTOCOL_ERROR]]);
    assert.equal(goawayOf(out), undefined);
  });

  it("6.9 an increment of 0 on an idle stream is a connection error (no RST_STREAM on idle)", () => {
    const c = new TestClient();
    c.handshake();
    c.send(windowUpdate(5, 0));
    const out = c.read();
    assert.deepEqual(rsts(out), []);
    assert.equal(goawayOf(out)?.code, ErrorCode.PROTOCOL_ERROR);
  });

  it("6.9.1 after our RST_STREAM with an error, later WINDOW_UPDATEs are ignored (§5.1)", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest(), { endStream: true }));
    c.conn.resetStream(1, ErrorCode.CANCEL);
    c.read();
    c.send(windowUpdate(1, 0x7fffffff), windowUpdate(1, 0x7fffffff));
    const out = c.read();
    assert.deepEqual(rsts(out), []);
    assert.equal(goawayOf(out), undefined);
  });
});

describe("3.4 connection preface", () => {
  it("3.4 PRI * HTTP/2.0 followed by wrong bytes → GOAWAY PROTOCOL_ERROR, nothing else after SETTINGS", () => {
    const c = new TestClient();
    c.conn.initiate();
    c.send(new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"));
    const out = c.read();
    assert.equal(out.at(-1)?.type, FrameType.GOAWAY);
    assert.deepEqual(goawayOf(out), { lastStreamId: 0, code: ErrorCode.PROTOCOL_ERROR });
    assert.ok(c.conn.closed);
  });
});
