import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, FrameType, SettingId } from "../../src/http2/core/mod.ts";
import {
  data,
  getRequest,
  goawayOf,
  headers,
  ofType,
  ping,
  postRequest,
  rsts,
  settings,
  TestClient,
  windowUpdate,
} from "../support/http2_frames.ts";

function respond(c: TestClient, id: number, body?: Uint8Array, end = true): void {
  c.conn.sendHeaders(id, [[":status", "200"]], false);
  if (body) c.conn.sendData(id, body, end);
}

describe("6.9 flow control: send side", () => {
  it("6.9.1 stream window overflow → RST_STREAM FLOW_CONTROL_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest(), { endStream: true }));
    c.send(windowUpdate(1, 0x7fffffff));
    assert.deepEqual(rsts(c.read()), [[1, ErrorCode.FLOW_CONTROL_ERROR]]);
    assert.ok(!c.conn.closed);
  });

  it("6.9.1 connection window overflow → GOAWAY FLOW_CONTROL_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    c.send(windowUpdate(0, 0x7fffffff));
    assert.equal(goawayOf(c.read())?.code, ErrorCode.FLOW_CONTROL_ERROR);
  });

  it("6.9 WINDOW_UPDATE of 0 on a stream → RST_STREAM PROTOCOL_ERROR; on the connection → GOAWAY", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest()), windowUpdate(1, 0));
    assert.deepEqual(rsts(c.read()), [[1, ErrorCode.PROTOCOL_ERROR]]);
    c.send(windowUpdate(0, 0));
    assert.equal(goawayOf(c.read())?.code, ErrorCode.PROTOCOL_ERROR);
  });

  it("6.9 DATA is released only within the stream window; WINDOW_UPDATE resumes it with a window event", () => {
    const c = new TestClient();
    c.handshake([[SettingId.INITIAL_WINDOW_SIZE, 1000]]);
    c.send(headers(1, getRequest(), { endStream: true }));
    respond(c, 1, new Uint8Array(2500));
    let d = ofType(c.read(), FrameType.DATA);
    assert.deepEqual(d.map((f) => f.data.length), [1000]);
    assert.equal(c.conn.queuedBytes(1), 1500);
    assert.equal(c.conn.sendWindow(1), 0);
    assert.ok(!c.conn.hasOutput);
    const ev = c.send(windowUpdate(1, 2000));
    assert.deepEqual(ev, [{ type: "window", streamId: 1, delta: 2000 }]);
    d = ofType(c.read(), FrameType.DATA);
    assert.deepEqual(d.map((f) => [f.data.length, f.endStream]), [[1500, true]]);
    assert.equal(c.conn.queuedBytes(1), 0);
  });

  it("6.9 DATA is released only within the connection window", () => {
    const c = new TestClient();
    c.handshake([[SettingId.INITIAL_WINDOW_SIZE, 1 << 20]]);
    c.send(headers(1, getRequest(), { endStream: true }));
    respond(c, 1, new Uint8Array(100000));
    const d = ofType(c.read(), FrameType.DATA);
    assert.equal(d.reduce((n, f) => n + f.data.length, 0), 65535);
    assert.deepEqual(c.send(windowUpdate(0, 34465)), [{
      type: "window",
      streamId: 0,
      delta: 34465,
    }]);
    const d2 = ofType(c.read(), FrameType.DATA);
    assert.equal(d2.reduce((n, f) => n + f.data.length, 0), 34465);
    assert.ok(d2[d2.length - 1]!.endStream);
  });

  it("6.9.2 SETTINGS_INITIAL_WINDOW_SIZE change shifts open streams' windows, which may go negative", () => {
    const c = new TestClient();
    c.handshake([[SettingId.INITIAL_WINDOW_SIZE, 100]]);
    c.send(headers(1, getRequest(), { endStream: true }));
    respond(c, 1, new Uint8Array(300));
    assert.equal(ofType(c.read(), FrameType.DATA)[0]!.data.length, 100);
    c.send(settings([[SettingId.INITIAL_WINDOW_SIZE, 50]]));
    assert.equal(c.conn.sendWindow(1), -50);
    c.send(windowUpdate(1, 60));
    assert.equal(ofType(c.read(), FrameType.DATA)[0]!.data.length, 10);
    const ev = c.send(settings([[SettingId.INITIAL_WINDOW_SIZE, 1000]]));
    assert.ok(ev.some((e) => e.type === "window" && e.streamId === 1));
    const d = ofType(c.read(), FrameType.DATA);
    assert.deepEqual(d.map((f) => [f.data.length, f.endStream]), [[190, true]]);
  });

  it("6.9.2 an INITIAL_WINDOW_SIZE that overflows an open stream's window → FLOW_CONTROL_ERROR", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest()), windowUpdate(1, 0x7fffffff - 65535));
    c.send(settings([[SettingId.INITIAL_WINDOW_SIZE, 65536]]));
    assert.equal(goawayOf(c.read())?.code, ErrorCode.FLOW_CONTROL_ERROR);
  });
});

describe("6.9 flow control: receive side (backpressure)", () => {
  it("6.9.1 DATA beyond the stream receive window → RST_STREAM FLOW_CONTROL_ERROR", () => {
    const c = new TestClient({ initialWindowSize: 100, connectionWindowSize: 1 << 20 });
    c.handshake();
    c.send(settings([], true)); // ACK already counted; harmless extra
    c.send(headers(1, postRequest()), data(1, new Uint8Array(101)));
    assert.deepEqual(rsts(c.read()), [[1, ErrorCode.FLOW_CONTROL_ERROR]]);
  });

  it("6.9.1 DATA beyond the connection receive window → GOAWAY FLOW_CONTROL_ERROR", () => {
    const c = new TestClient({ initialWindowSize: 1 << 20, connectionWindowSize: 65535 });
    c.handshake();
    c.send(headers(1, postRequest()), headers(3, postRequest()));
    for (let i = 0; i < 4; i++) c.send(data(1, new Uint8Array(16384)));
    c.send(data(3, new Uint8Array(100)));
    assert.equal(goawayOf(c.read())?.code, ErrorCode.FLOW_CONTROL_ERROR);
  });

  it("5.2 receive windows are replenished on consumed(), not on receipt", () => {
    const c = new TestClient({ initialWindowSize: 1000, connectionWindowSize: 65535 });
    c.handshake();
    c.send(headers(1, postRequest()), data(1, new Uint8Array(800)));
    assert.equal(ofType(c.read(), FrameType.WINDOW_UPDATE).length, 0, "nothing on receipt");
    c.conn.consumed(1, 300);
    assert.equal(ofType(c.read(), FrameType.WINDOW_UPDATE).length, 0, "under half the window");
    c.conn.consumed(1, 300);
    const wu = ofType(c.read(), FrameType.WINDOW_UPDATE);
    assert.deepEqual(wu.map((f) => [f.streamId, f.increment]), [[1, 600]]);
    c.conn.consumed(1, 10_000); // over-reporting is clamped to what was received
    c.send(data(1, new Uint8Array(800)));
    assert.deepEqual(rsts(c.read()), []);
  });

  it("6.1 padding is flow-controlled and credited back automatically", () => {
    const c = new TestClient({ initialWindowSize: 100, connectionWindowSize: 65535 });
    c.handshake();
    const ev = c.send(headers(1, postRequest()), data(1, "abc", { padLength: 60 }));
    const d = ev.find((e) => e.type === "data");
    assert.ok(d && d.type === "data" && d.flowLength === 64 && d.data.length === 3);
    const wu = ofType(c.read(), FrameType.WINDOW_UPDATE);
    assert.deepEqual(wu.map((f) => [f.streamId, f.increment]), [[1, 61]]);
  });

  it("5.2 a closed stream's unread bytes go back to the connection window", () => {
    const c = new TestClient({ initialWindowSize: 1 << 20, connectionWindowSize: 100000 });
    c.handshake();
    c.send(
      headers(1, postRequest()),
      data(1, new Uint8Array(16384)),
      data(1, new Uint8Array(16384)),
      data(1, new Uint8Array(16384)),
    );
    c.send(data(1, new Uint8Array(16384)));
    c.read();
    c.conn.resetStream(1, ErrorCode.CANCEL);
    const wu = ofType(c.read(), FrameType.WINDOW_UPDATE);
    assert.deepEqual(wu.map((f) => [f.streamId, f.increment]), [[0, 65536]]);
    c.conn.consumed(1, 65536); // late report: ignored
    assert.equal(c.read().length, 0);
  });

  it("6.9 DATA on a stream we reset still counts toward (and is credited to) the connection window", () => {
    const c = new TestClient({ connectionWindowSize: 65535 });
    c.handshake();
    c.send(headers(1, postRequest()));
    c.conn.resetStream(1, ErrorCode.CANCEL);
    c.read();
    for (let i = 0; i < 8; i++) c.send(data(1, new Uint8Array(16000)));
    const out = c.read();
    assert.equal(goawayOf(out), undefined);
    assert.ok(ofType(out, FrameType.WINDOW_UPDATE).some((f) => f.streamId === 0));
  });
});

describe("write scheduling", () => {
  it("control frames go before DATA", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest(), { endStream: true }));
    respond(c, 1, new Uint8Array(50000));
    c.send(ping());
    const out = c.read();
    const firstData = out.findIndex((f) => f.type === FrameType.DATA);
    const pingAck = out.findIndex((f) => f.type === FrameType.PING);
    const hdr = out.findIndex((f) => f.type === FrameType.HEADERS);
    assert.ok(pingAck >= 0 && hdr >= 0 && pingAck < firstData && hdr < firstData);
  });

  it("DATA is split at the peer's MAX_FRAME_SIZE", () => {
    const c = new TestClient();
    c.handshake([[SettingId.MAX_FRAME_SIZE, 20000], [SettingId.INITIAL_WINDOW_SIZE, 1 << 20]]);
    c.send(headers(1, getRequest(), { endStream: true }), windowUpdate(0, 1 << 20));
    respond(c, 1, new Uint8Array(50000));
    assert.deepEqual(ofType(c.read(), FrameType.DATA).map((f) => f.data.length), [
      20000,
      20000,
      10000,
    ]);
  });

  it("DATA is shared round-robin between streams", () => {
    const c = new TestClient();
    c.handshake([[SettingId.INITIAL_WINDOW_SIZE, 1 << 20]]);
    c.send(windowUpdate(0, 1 << 20));
    for (const id of [1, 3, 5]) c.send(headers(id, getRequest(), { endStream: true }));
    respond(c, 1, new Uint8Array(16384 * 4));
    respond(c, 3, new Uint8Array(16384 * 2));
    respond(c, 5, new Uint8Array(16384 * 3));
    const order = ofType(c.read(), FrameType.DATA).map((f) => f.streamId);
    assert.deepEqual(order, [1, 3, 5, 1, 3, 5, 1, 5, 1]);
  });

  it("a stream blocked on its window does not block the others", () => {
    const c = new TestClient();
    c.handshake([[SettingId.INITIAL_WINDOW_SIZE, 100]]);
    c.send(
      headers(1, getRequest(), { endStream: true }),
      headers(3, getRequest(), { endStream: true }),
    );
    respond(c, 1, new Uint8Array(1000));
    respond(c, 3, new Uint8Array(50));
    const d = ofType(c.read(), FrameType.DATA).map((f) => [f.streamId, f.data.length, f.endStream]);
    assert.deepEqual(d, [[1, 100, false], [3, 50, true]]);
  });

  it("the outbox drains in batches of at most writeBatchSize DATA bytes, fairly across calls", () => {
    const c = new TestClient({ writeBatchSize: 16384 });
    c.handshake([[SettingId.INITIAL_WINDOW_SIZE, 1 << 20]]);
    c.send(
      windowUpdate(0, 1 << 20),
      headers(1, getRequest(), { endStream: true }),
      headers(3, getRequest(), { endStream: true }),
    );
    respond(c, 1, new Uint8Array(40000));
    respond(c, 3, new Uint8Array(40000));
    const sizes: number[] = [];
    for (let o = c.conn.takeOutput(); o !== null; o = c.conn.takeOutput()) sizes.push(o.length);
    assert.ok(sizes.length >= 5);
    assert.ok(sizes.slice(1).every((n) => n <= 16384 + 9 * 2));
  });

  it("an empty body with END_STREAM is an empty DATA frame; HEADERS with END_STREAM needs none", () => {
    const c = new TestClient();
    c.handshake();
    c.send(
      headers(1, getRequest(), { endStream: true }),
      headers(3, getRequest(), { endStream: true }),
    );
    respond(c, 1, new Uint8Array(0), true);
    c.conn.sendHeaders(3, [[":status", "204"]], true);
    const out = c.read();
    assert.deepEqual(
      ofType(out, FrameType.DATA).map((f) => [f.streamId, f.data.length, f.endStream]),
      [[1, 0, true]],
    );
    assert.ok(ofType(out, FrameType.HEADERS).some((f) => f.streamId === 3 && f.endStream));
    assert.equal(c.conn.openStreams, 0);
  });

  it("resetStream drops queued DATA", () => {
    const c = new TestClient();
    c.handshake([[SettingId.INITIAL_WINDOW_SIZE, 10]]);
    c.send(headers(1, getRequest(), { endStream: true }));
    respond(c, 1, new Uint8Array(1000));
    c.read();
    c.conn.resetStream(1, ErrorCode.INTERNAL_ERROR);
    c.send(windowUpdate(1, 1000));
    const out = c.read();
    assert.deepEqual(rsts(out), [[1, ErrorCode.INTERNAL_ERROR]]);
    assert.equal(ofType(out, FrameType.DATA).length, 0);
  });

  it("a peer RST_STREAM drops queued DATA and later sends are dropped", () => {
    const c = new TestClient();
    c.handshake([[SettingId.INITIAL_WINDOW_SIZE, 10]]);
    c.send(headers(1, getRequest(), { endStream: true }));
    respond(c, 1, new Uint8Array(1000), false);
    c.read();
    c.send(new Uint8Array([0, 0, 4, 3, 0, 0, 0, 0, 1, 0, 0, 0, 8]));
    assert.equal(c.conn.queuedBytes(1), 0);
    assert.equal(c.conn.sendData(1, new Uint8Array(5), true), false);
    assert.equal(ofType(c.read(), FrameType.DATA).length, 0);
  });
});
