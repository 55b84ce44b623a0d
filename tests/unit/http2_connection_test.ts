import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  encodeSettingsPayload,
  ErrorCode,
  FrameType,
  H2Connection,
  type H2Event,
  SettingId,
  StreamState,
} from "../../src/http2/core/mod.ts";
import { concat } from "../support/common.ts";
import {
  bytes,
  continuation,
  data,
  getRequest,
  goaway,
  goawayOf,
  headers,
  literalBlock,
  ofType,
  ping,
  postRequest,
  preface,
  priority,
  pushPromise,
  rawFrame,
  rst,
  rsts,
  settings,
  settingsAck,
  TestClient,
  windowUpdate,
} from "../support/http2_frames.ts";

function connError(c: TestClient): number | undefined {
  const e = c.events.find((e) => e.type === "connection-error");
  return e && e.type === "connection-error" ? e.code : undefined;
}

describe("3.4 preface and 6.5 SETTINGS", () => {
  it("3.4 the server SETTINGS goes first, then the connection WINDOW_UPDATE", () => {
    const c = new TestClient();
    c.conn.initiate();
    const out = c.read();
    assert.equal(out[0]!.type, FrameType.SETTINGS);
    const s = out[0]!;
    assert.ok(s.type === FrameType.SETTINGS && !s.ack);
    if (s.type === FrameType.SETTINGS) {
      const m = new Map(s.settings);
      assert.equal(m.get(SettingId.ENABLE_PUSH), 0);
      assert.equal(m.get(SettingId.MAX_CONCURRENT_STREAMS), 100);
      assert.equal(m.get(SettingId.INITIAL_WINDOW_SIZE), 1 << 20);
      assert.equal(m.get(SettingId.MAX_HEADER_LIST_SIZE), 64 << 10);
    }
    const wu = out[1]!;
    assert.ok(
      wu.type === FrameType.WINDOW_UPDATE && wu.streamId === 0 &&
        wu.increment === (16 << 20) - 65535,
    );
  });

  it("3.4 a wrong preface → GOAWAY PROTOCOL_ERROR and closed", () => {
    const c = new TestClient();
    c.conn.initiate();
    c.read();
    c.send(bytes("GET / HTTP/1.1\r\n\r\n"));
    assert.equal(goawayOf(c.read())?.code, ErrorCode.PROTOCOL_ERROR);
    assert.equal(connError(c), ErrorCode.PROTOCOL_ERROR);
    assert.ok(c.conn.closed);
    assert.deepEqual(c.conn.receive(preface()), []);
  });

  it("3.4 the first frame after the preface must be SETTINGS", () => {
    const c = new TestClient();
    c.send(preface(), ping());
    assert.equal(goawayOf(c.read())?.code, ErrorCode.PROTOCOL_ERROR);
  });

  it("6.5.3 the client SETTINGS is ACKed and reported; our SETTINGS ACK is reported", () => {
    const c = new TestClient();
    c.conn.initiate();
    c.read();
    const ev = c.send(preface(), settings([[SettingId.MAX_FRAME_SIZE, 32768], [0x99, 1]]));
    assert.deepEqual(ev, [{ type: "settings", changes: { maxFrameSize: 32768 } }]);
    const out = c.read();
    assert.ok(out.some((f) => f.type === FrameType.SETTINGS && f.ack));
    assert.deepEqual(c.send(settingsAck()), [{ type: "settings-ack" }]);
    assert.equal(c.conn.localSettings.initialWindowSize, 1 << 20);
  });

  it("6.5.2 invalid values: ENABLE_PUSH 2 → PROTOCOL_ERROR, INITIAL_WINDOW_SIZE 2^31 → FLOW_CONTROL_ERROR", () => {
    const a = new TestClient();
    a.send(preface(), settings([[SettingId.ENABLE_PUSH, 2]]));
    assert.equal(goawayOf(a.read())?.code, ErrorCode.PROTOCOL_ERROR);
    const b = new TestClient();
    b.send(preface(), settings([[SettingId.INITIAL_WINDOW_SIZE, 0x80000000]]));
    assert.equal(goawayOf(b.read())?.code, ErrorCode.FLOW_CONTROL_ERROR);
  });

  it("6.5.2 a local INITIAL_WINDOW_SIZE cut applies only when ACKed", () => {
    const c = new TestClient({ initialWindowSize: 1 << 20 });
    c.handshake();
    c.conn.updateSettings({ initialWindowSize: 1000 });
    c.read();
    c.send(headers(1, postRequest()), data(1, new Uint8Array(5000)));
    assert.deepEqual(rsts(c.read()), [], "old window still in force before the ACK");
    c.send(settingsAck());
    c.send(headers(3, postRequest()), data(3, new Uint8Array(1001)));
    assert.deepEqual(rsts(c.read()), [[3, ErrorCode.FLOW_CONTROL_ERROR]]);
  });

  it("4.3 the encoder follows the peer's HEADER_TABLE_SIZE", () => {
    const c = new TestClient();
    c.handshake([[SettingId.HEADER_TABLE_SIZE, 0]]);
    c.send(headers(1, getRequest(), { endStream: true }));
    c.conn.sendHeaders(1, [[":status", "200"], ["x-a", "b"]], true);
    const h = ofType(c.read(), FrameType.HEADERS)[0]!;
    assert.deepEqual(h.fields, [[":status", "200"], ["x-a", "b"]]);
  });
});

describe("6.7 PING, 6.3 PRIORITY, 6.6 PUSH_PROMISE, 4.1 unknown", () => {
  it("6.7 PING is answered with an ACK carrying the same data", () => {
    const c = new TestClient();
    c.handshake();
    const ev = c.send(ping([9, 8, 7, 6, 5, 4, 3, 2]));
    assert.equal(ev[0]?.type, "ping");
    const acks = ofType(c.read(), FrameType.PING);
    assert.equal(acks.length, 1);
    assert.ok(acks[0]!.ack);
    assert.deepEqual(Array.from(acks[0]!.data), [9, 8, 7, 6, 5, 4, 3, 2]);
  });

  it("6.7 our PING's ACK is reported; an unsolicited PING ACK is ignored", () => {
    const c = new TestClient();
    c.handshake();
    c.conn.ping(new Uint8Array([1, 1, 1, 1, 2, 2, 2, 2]));
    const sent = ofType(c.read(), FrameType.PING)[0]!;
    assert.ok(!sent.ack);
    assert.deepEqual(c.send(ping([5, 5, 5, 5, 5, 5, 5, 5], true)), []);
    const ev = c.send(ping([1, 1, 1, 1, 2, 2, 2, 2], true));
    assert.equal(ev[0]?.type, "ping-ack");
    assert.equal(c.read().length, 0);
    assert.ok(!c.conn.closed);
  });

  it("5.3.2 PRIORITY is accepted and ignored, on idle and open streams", () => {
    const c = new TestClient();
    c.handshake();
    assert.deepEqual(c.send(priority(5, 0), priority(1, 3)), []);
    assert.equal(c.read().length, 0);
    assert.equal(c.conn.streamState(5), StreamState.IDLE);
  });

  it("5.3.1 PRIORITY depending on itself → RST_STREAM PROTOCOL_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    c.send(priority(3, 3));
    assert.deepEqual(rsts(c.read()), [[3, ErrorCode.PROTOCOL_ERROR]]);
  });

  it("5.3.1 HEADERS depending on itself → RST_STREAM PROTOCOL_ERROR, HPACK stays in sync", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest(), { endStream: true, priority: { dependency: 1, weight: 16 } }));
    assert.deepEqual(rsts(c.read()), [[1, ErrorCode.PROTOCOL_ERROR]]);
    const ev = c.send(headers(3, getRequest(), { endStream: true }));
    assert.equal(ev[0]?.type, "request");
  });

  it("8.4 PUSH_PROMISE from a client → PROTOCOL_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest()), pushPromise(1, 2, literalBlock(getRequest())));
    assert.equal(goawayOf(c.read())?.code, ErrorCode.PROTOCOL_ERROR);
  });

  it("4.1 unknown frame types are ignored", () => {
    const c = new TestClient();
    c.handshake();
    assert.deepEqual(
      c.send(rawFrame(0xbb, 0, 0, new Uint8Array(10)), rawFrame(0x10, 0, 1, new Uint8Array(3))),
      [],
    );
    assert.equal(c.read().length, 0);
  });
});

describe("6.2 / 6.10 header blocks", () => {
  it("6.10 HEADERS + CONTINUATION are assembled", () => {
    const c = new TestClient();
    c.handshake();
    const block = literalBlock(getRequest("/split"));
    const ev = c.send(
      headers(1, block.subarray(0, 10), { endHeaders: false, endStream: true }),
      continuation(1, block.subarray(10, 20), false),
      continuation(1, block.subarray(20)),
    );
    assert.equal(ev[0]?.type, "request");
    if (ev[0]?.type === "request") assert.deepEqual(ev[0].headers, getRequest("/split"));
  });

  it("6.10 any frame interleaved in a header block → PROTOCOL_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    const block = literalBlock(getRequest());
    c.send(headers(1, block.subarray(0, 5), { endHeaders: false }), ping());
    assert.equal(goawayOf(c.read())?.code, ErrorCode.PROTOCOL_ERROR);
  });

  it("6.10 CONTINUATION on another stream, or without HEADERS → PROTOCOL_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    const block = literalBlock(getRequest());
    c.send(
      headers(1, block.subarray(0, 5), { endHeaders: false }),
      continuation(3, block.subarray(5)),
    );
    assert.equal(goawayOf(c.read())?.code, ErrorCode.PROTOCOL_ERROR);
    const d = new TestClient();
    d.handshake();
    d.send(continuation(1, block));
    assert.equal(goawayOf(d.read())?.code, ErrorCode.PROTOCOL_ERROR);
  });

  it("4.3 a malformed HPACK block → COMPRESSION_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), { endStream: true }));
    assert.equal(goawayOf(c.read())?.code, ErrorCode.COMPRESSION_ERROR);
  });

  it("6.5.2 a header list over MAX_HEADER_LIST_SIZE → headers-too-large event; the stream can answer 431", () => {
    const c = new TestClient({ maxHeaderListSize: 200 });
    c.handshake();
    const ev = c.send(
      headers(1, getRequest("/", [["x-big", "a".repeat(300)]]), { endStream: true }),
    );
    assert.deepEqual(ev, [{ type: "headers-too-large", streamId: 1, endStream: true }, {
      type: "stream-end",
      streamId: 1,
    }]);
    assert.ok(c.conn.sendHeaders(1, [[":status", "431"]], true));
    const h = ofType(c.read(), FrameType.HEADERS)[0]!;
    assert.deepEqual(h.fields, [[":status", "431"]]);
    assert.equal(c.send(headers(3, getRequest(), { endStream: true }))[0]?.type, "request");
  });
});

describe("8.2 / 8.3 request validation → RST_STREAM PROTOCOL_ERROR", () => {
  const bad: Array<[string, Array<[string, string]>]> = [
    ["unknown pseudo-header", [[":foo", "x"], ...getRequest()]],
    ["response pseudo-header :status", [[":status", "200"], ...getRequest()]],
    ["pseudo-header after a regular field", [[":method", "GET"], [":scheme", "http"], ["x", "y"], [
      ":path",
      "/",
    ]]],
    ["duplicate :path", [[":path", "/b"], ...getRequest()]],
    ["missing :method", [[":scheme", "http"], [":path", "/"]]],
    ["missing :scheme", [[":method", "GET"], [":path", "/"]]],
    ["missing :path", [[":method", "GET"], [":scheme", "http"]]],
    ["empty :path", [[":method", "GET"], [":scheme", "http"], [":path", ""]]],
    ["CONNECT with :path", [[":method", "CONNECT"], [":authority", "a:443"], [":path", "/"]]],
    ["CONNECT without :authority", [[":method", "CONNECT"]]],
    ["uppercase field name", getRequest("/", [["X-Up", "1"]])],
    ["invalid name character", getRequest("/", [["a b", "1"]])],
    ["connection field", getRequest("/", [["connection", "close"]])],
    ["keep-alive field", getRequest("/", [["keep-alive", "5"]])],
    ["proxy-connection field", getRequest("/", [["proxy-connection", "x"]])],
    ["transfer-encoding field", getRequest("/", [["transfer-encoding", "chunked"]])],
    ["upgrade field", getRequest("/", [["upgrade", "h2c"]])],
    ["te other than trailers", getRequest("/", [["te", "gzip"]])],
    ["CR in a value", getRequest("/", [["x", "a\rb"]])],
    ["LF in a value", getRequest("/", [["x", "a\nb"]])],
    ["NUL in a value", getRequest("/", [["x", "a\0b"]])],
    ["leading space in a value", getRequest("/", [["x", " a"]])],
    ["trailing tab in a value", getRequest("/", [["x", "a\t"]])],
    ["non-numeric content-length", getRequest("/", [["content-length", "+5"]])],
    [
      "conflicting content-length",
      getRequest("/", [["content-length", "5"], ["content-length", "6"]]),
    ],
  ];
  for (const [name, fields] of bad) {
    it(`8.2 ${name}`, () => {
      const c = new TestClient();
      c.handshake();
      const ev = c.send(headers(1, fields, { endStream: true }));
      assert.ok(!ev.some((e) => e.type === "request"), "no request event");
      assert.deepEqual(rsts(c.read()), [[1, ErrorCode.PROTOCOL_ERROR]]);
      assert.ok(!c.conn.closed);
    });
  }

  const good: Array<[string, Array<[string, string]>]> = [
    ["te: trailers", getRequest("/", [["te", "trailers"]])],
    ["CONNECT with :authority only", [[":method", "CONNECT"], [":authority", "example.com:443"]]],
    ["OPTIONS *", [[":method", "OPTIONS"], [":scheme", "http"], [":path", "*"], [
      ":authority",
      "a",
    ]]],
    [
      "split cookies are left as they came",
      getRequest("/", [["cookie", "a=1"], ["cookie", "b=2"]]),
    ],
    ["no :authority (host header instead)", [[":method", "GET"], [":scheme", "https"], [
      ":path",
      "/x",
    ], ["host", "h"]]],
  ];
  for (const [name, fields] of good) {
    it(`8.3 accepted: ${name}`, () => {
      const c = new TestClient();
      c.handshake();
      const ev = c.send(headers(1, fields, { endStream: true }));
      assert.deepEqual(ev[0], { type: "request", streamId: 1, headers: fields, endStream: true });
    });
  }

  it("8.1.1 content-length larger than the body → PROTOCOL_ERROR at END_STREAM", () => {
    const c = new TestClient();
    c.handshake();
    c.send(
      headers(1, postRequest("/", [["content-length", "10"]])),
      data(1, "12345", { endStream: true }),
    );
    assert.deepEqual(rsts(c.read()), [[1, ErrorCode.PROTOCOL_ERROR]]);
    assert.ok(!c.events.some((e) => e.type === "stream-end"));
  });

  it("8.1.1 content-length exceeded by DATA → PROTOCOL_ERROR at once", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, postRequest("/", [["content-length", "3"]])), data(1, "12345"));
    assert.deepEqual(rsts(c.read()), [[1, ErrorCode.PROTOCOL_ERROR]]);
    assert.ok(!c.events.some((e) => e.type === "data"));
  });

  it("8.1.1 content-length with END_STREAM on HEADERS and no body → PROTOCOL_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, postRequest("/", [["content-length", "3"]]), { endStream: true }));
    assert.deepEqual(rsts(c.read()), [[1, ErrorCode.PROTOCOL_ERROR]]);
  });

  it("8.1.1 matching content-length over several DATA frames is accepted", () => {
    const c = new TestClient();
    c.handshake();
    c.send(
      headers(1, postRequest("/", [["content-length", "6"]])),
      data(1, "abc"),
      data(1, "def", { endStream: true }),
    );
    assert.deepEqual(rsts(c.read()), []);
    assert.deepEqual(c.events.map((e) => e.type), [
      "settings",
      "settings-ack",
      "request",
      "data",
      "data",
      "stream-end",
    ]);
  });
});

describe("8.1 trailers", () => {
  it("8.1 request trailers: HEADERS with END_STREAM after DATA", () => {
    const c = new TestClient();
    c.handshake();
    const ev = c.send(
      headers(1, postRequest("/", [["te", "trailers"]])),
      data(1, "body"),
      headers(1, [["x-checksum", "abc"]], { endStream: true }),
    );
    assert.deepEqual(ev.map((e) => e.type), ["request", "data", "trailers", "stream-end"]);
    assert.deepEqual(ev[2], { type: "trailers", streamId: 1, headers: [["x-checksum", "abc"]] });
  });

  it("8.1 trailers without END_STREAM → PROTOCOL_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, postRequest()), headers(1, [["x", "y"]]));
    assert.deepEqual(rsts(c.read()), [[1, ErrorCode.PROTOCOL_ERROR]]);
  });

  it("8.1 trailers with a pseudo-header → PROTOCOL_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, postRequest()), headers(1, [[":path", "/"]], { endStream: true }));
    assert.deepEqual(rsts(c.read()), [[1, ErrorCode.PROTOCOL_ERROR]]);
  });

  it("8.1 response trailers follow all queued DATA, with END_STREAM", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest(), { endStream: true }));
    c.conn.sendHeaders(1, [[":status", "200"]], false);
    c.conn.sendData(1, bytes("hello "), false);
    c.conn.sendData(1, bytes("world"), false);
    c.conn.sendTrailers(1, [["grpc-status", "0"]]);
    const out = c.read().filter((f) => f.streamId === 1);
    assert.deepEqual(out.map((f) => f.type), [
      FrameType.HEADERS,
      FrameType.DATA,
      FrameType.HEADERS,
    ]);
    const last = out[2]!;
    assert.ok(last.type === FrameType.HEADERS && last.endStream);
    assert.deepEqual(last.fields, [["grpc-status", "0"]]);
    const d = out[1]!;
    assert.ok(
      d.type === FrameType.DATA && !d.endStream &&
        new TextDecoder().decode(d.data) === "hello world",
    );
    assert.equal(c.conn.streamState(1), StreamState.CLOSED);
    assert.equal(c.conn.openStreams, 0);
  });

  it("8.1 response HEADERS split into CONTINUATION at the peer's MAX_FRAME_SIZE", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest(), { endStream: true }));
    const big: Array<[string, string]> = [[":status", "200"]];
    for (let i = 0; i < 10; i++) big.push([`x-h${i}`, "v".repeat(3000) + i]);
    c.conn.sendHeaders(1, big, true);
    const out = c.read();
    assert.equal(out[0]!.type, FrameType.HEADERS);
    assert.ok(out.slice(1).every((f) => f.type === FrameType.CONTINUATION));
    assert.ok(out.length >= 2);
    assert.ok(
      out.every((f) =>
        (f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION) &&
        f.block.length <= 16384
      ),
    );
    assert.deepEqual(out[out.length - 1]!.fields, big);
  });
});

describe("6.8 GOAWAY", () => {
  it("6.8 graceful goAway: last stream id = highest processed; newer streams ignored; closed when streams finish", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest()), headers(3, getRequest(), { endStream: true }));
    c.conn.goAway();
    assert.deepEqual(goawayOf(c.read()), { lastStreamId: 3, code: ErrorCode.NO_ERROR });
    const ev = c.send(headers(5, getRequest(), { endStream: true }), data(5, "x"));
    assert.deepEqual(ev, []);
    assert.deepEqual(rsts(c.read()), []);
    assert.ok(!c.conn.closed);
    c.conn.sendHeaders(3, [[":status", "204"]], true);
    c.send(data(1, "", { endStream: true }));
    c.conn.sendHeaders(1, [[":status", "200"]], false);
    c.conn.sendData(1, bytes("done"), true);
    assert.ok(!c.conn.closed);
    c.read();
    assert.ok(c.conn.closed);
  });

  it("6.8 a received GOAWAY is reported and closes once streams are done", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest(), { endStream: true }));
    const ev = c.send(goaway(0, ErrorCode.NO_ERROR, "bye"));
    assert.equal(ev[0]?.type, "goaway");
    if (ev[0]?.type === "goaway") assert.equal(new TextDecoder().decode(ev[0].debug), "bye");
    assert.ok(!c.conn.closed);
    c.conn.sendHeaders(1, [[":status", "200"]], true);
    assert.ok(c.conn.closed);
  });

  it("5.4.1 a connection error sends GOAWAY with the last processed stream and stops input", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest(), { endStream: true }), windowUpdate(0, 0));
    assert.deepEqual(goawayOf(c.read()), { lastStreamId: 1, code: ErrorCode.PROTOCOL_ERROR });
    assert.ok(c.conn.closed);
    assert.equal(c.conn.sendHeaders(1, [[":status", "200"]], true), false);
  });

  it("6.4 RST_STREAM codes are reported as given", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest()));
    const ev = c.send(rst(1, ErrorCode.CANCEL));
    assert.deepEqual(ev, [
      { type: "stream-reset", streamId: 1, code: ErrorCode.CANCEL, remote: true },
      { type: "stream-closed", streamId: 1 },
    ]);
    assert.equal(c.conn.sendData(1, bytes("x"), true), false);
  });
});

describe("3.2 h2c upgrade (RFC 7540 §3.2)", () => {
  it("3.2 initiateUpgrade applies HTTP2-Settings, sends our SETTINGS, and answers on stream 1", () => {
    const c = new TestClient();
    c.conn.initiateUpgrade(
      encodeSettingsPayload([[SettingId.INITIAL_WINDOW_SIZE, 10], [
        SettingId.MAX_FRAME_SIZE,
        20000,
      ]]),
    );
    assert.equal(c.conn.remoteSettings.initialWindowSize, 10);
    assert.equal(c.conn.streamState(1), StreamState.HALF_CLOSED_REMOTE);
    assert.equal(c.conn.openStreams, 1);
    c.conn.sendHeaders(1, [[":status", "200"]], false);
    c.conn.sendData(1, bytes("0123456789abcdef"), true);
    const out = c.read();
    assert.equal(out[0]!.type, FrameType.SETTINGS);
    assert.ok(
      !out.some((f) => f.type === FrameType.SETTINGS && f.ack),
      "HTTP2-Settings is not ACKed",
    );
    const d = ofType(out, FrameType.DATA);
    assert.equal(d.length, 1);
    assert.equal(d[0]!.data.length, 10, "stream 1 uses the upgraded INITIAL_WINDOW_SIZE");
    c.send(preface(), settings(), settingsAck(), windowUpdate(1, 100));
    const rest = ofType(c.read(), FrameType.DATA);
    assert.ok(rest[0]!.endStream && rest[0]!.data.length === 6);
    assert.equal(c.conn.streamState(1), StreamState.CLOSED);
  });

  it("3.2 the client preface is still required after the upgrade", () => {
    const c = new TestClient();
    c.conn.initiateUpgrade(new Uint8Array(0));
    c.send(settings());
    assert.equal(goawayOf(c.read())?.code, ErrorCode.PROTOCOL_ERROR);
  });

  it("3.2 an invalid HTTP2-Settings payload throws (answer 400, not 101)", () => {
    const c = new H2Connection();
    assert.throws(() => c.initiateUpgrade(new Uint8Array(5)));
  });
});

// A conversation exercising most paths, used for the chunking equivalence.
function conversation(): Uint8Array {
  const big = new Uint8Array(40000).fill(7);
  const block = literalBlock(postRequest("/upload", [["content-length", String(big.length + 10)]]));
  return concat(
    preface(),
    settings([[SettingId.INITIAL_WINDOW_SIZE, 100000]]),
    settingsAck(),
    headers(1, getRequest("/a"), { endStream: true, padLength: 3 }),
    headers(3, block.subarray(0, 7), { endHeaders: false }),
    continuation(3, block.subarray(7)),
    data(3, big.subarray(0, 16000), { padLength: 10 }),
    ping(),
    data(3, big.subarray(16000, 30000)),
    data(3, big.subarray(30000)),
    priority(3, 1),
    data(3, "0123456789", { endStream: true }),
    headers(5, getRequest("/b")),
    rst(5, ErrorCode.CANCEL),
    windowUpdate(0, 1000),
    rawFrame(0xee, 0, 0, new Uint8Array(4)),
    headers(7, postRequest("/t")),
    data(7, "x"),
    headers(7, [["x-trailer", "1"]], { endStream: true }),
    headers(9, [[":method", "GET"]], { endStream: true }),
    goaway(0, 0),
  );
}

function normalize(events: H2Event[]): unknown[] {
  // DATA may arrive split when the input is split; merge consecutive data events per stream.
  const out: Array<Record<string, unknown>> = [];
  for (const e of events) {
    const prev = out[out.length - 1];
    if (e.type === "data" && prev && prev.type === "data" && prev.streamId === e.streamId) {
      prev.bytes = (prev.bytes as number[]).concat(Array.from(e.data));
      prev.endStream = e.endStream;
      continue;
    }
    const o: Record<string, unknown> = { ...e };
    if (e.type === "data") {
      o.bytes = Array.from(e.data);
      delete o.data;
      delete o.flowLength;
    }
    if (e.type === "ping" || e.type === "goaway") {
      o.data = Array.from((e as { data?: Uint8Array }).data ?? []);
      o.debug = undefined;
    }
    out.push(o);
  }
  return out;
}

function run(chunks: Uint8Array[]): [unknown[], number[]] {
  const conn = new H2Connection();
  conn.initiate();
  const events: H2Event[] = [];
  const out: number[] = [];
  for (const c of chunks) {
    events.push(...conn.receive(c));
    for (let o = conn.takeOutput(); o; o = conn.takeOutput()) out.push(...o);
  }
  return [normalize(events), out];
}

describe("whole vs byte-by-byte vs random chunks", () => {
  it("feeding a conversation whole, byte by byte and in random chunks gives the same events and output", () => {
    const wire = conversation();
    const [whole, wholeOut] = run([wire]);
    assert.ok(whole.length > 10);
    const types = (whole as Array<{ type: string }>).map((e) => e.type);
    assert.ok(
      types.includes("trailers") && types.includes("stream-reset") && types.includes("goaway"),
    );
    const [bytewise] = run(Array.from(wire, (b) => new Uint8Array([b])));
    assert.deepEqual(bytewise, whole);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }),
        (cuts) => {
          const chunks: Uint8Array[] = [];
          let pos = 0;
          for (let i = 0; pos < wire.length; i++) {
            const n = cuts[i % cuts.length]!;
            chunks.push(wire.slice(pos, pos + n));
            pos += n;
          }
          const [ev, out] = run(chunks);
          assert.deepEqual(ev, whole);
          assert.equal(out.length, wholeOut.length);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("receive() never throws", () => {
  it("fuzz: random bytes after a valid preface", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 50 }),
        (junk, step) => {
          const conn = new H2Connection();
          conn.receive(concat(preface(), settings()));
          for (let i = 0; i < junk.length; i += step) conn.receive(junk.subarray(i, i + step));
          conn.takeOutput();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("fuzz: mutated valid conversations", () => {
    const wire = conversation();
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 24, max: wire.length - 1 }), fc.integer({ min: 0, max: 255 })),
          { minLength: 1, maxLength: 8 },
        ),
        (muts) => {
          const w = wire.slice();
          for (const [i, b] of muts) w[i] = b;
          const conn = new H2Connection();
          const ev = conn.receive(w);
          for (const e of ev) {
            if (e.type === "request" && !conn.closed) {
              conn.sendHeaders(e.streamId, [[":status", "200"]], false);
            }
          }
          conn.takeOutput();
        },
      ),
      { numRuns: 1500 },
    );
  });
});
