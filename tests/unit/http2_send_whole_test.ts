import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FrameType, SettingId, StreamState } from "../../src/http2/core/mod.ts";
import {
  data,
  getRequest,
  headers,
  ofType,
  postRequest,
  TestClient,
  windowUpdate,
} from "../support/http2_frames.ts";

const OK: Array<[string, string]> = [[":status", "200"], ["content-length", "5"]];
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe("H2Connection.sendWhole", () => {
  it("a small body: HEADERS, then DATA with END_STREAM; the stream closes and its window is spent", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest(), { endStream: true }));
    assert.equal(c.conn.sendWhole(1, OK, "hello"), 0);
    assert.equal(c.conn.streamState(1), StreamState.CLOSED);
    const out = c.read();
    assert.deepEqual(out.map((f) => f.type), [FrameType.HEADERS, FrameType.DATA]);
    const h = ofType(out, FrameType.HEADERS)[0]!;
    assert.equal(h.endStream, false);
    assert.deepEqual(h.fields, OK);
    const d = ofType(out, FrameType.DATA)[0]!;
    assert.equal(d.endStream, true);
    assert.equal(text(d.data), "hello");
    assert.equal(c.conn.sendWindow(0), 65535 - 5);
  });

  it("bytes and strings give the same frames", () => {
    const a = new TestClient();
    const b = new TestClient();
    for (const c of [a, b]) {
      c.handshake();
      c.send(headers(1, getRequest(), { endStream: true }));
    }
    a.conn.sendWhole(1, OK, "hello");
    b.conn.sendWhole(1, OK, new TextEncoder().encode("hello"));
    const strip = (c: TestClient) =>
      c.read().map((f) => [f.type, f.flags, f.type === FrameType.DATA ? text(f.data) : f.fields]);
    assert.deepEqual(strip(a), strip(b));
  });

  it("a small byte string goes out as its octets, ASCII or not", () => {
    for (const body of ["x".repeat(2000), "caf\u00e9 \u00ff\u0080".repeat(200)]) {
      const c = new TestClient();
      c.handshake();
      c.send(headers(1, getRequest(), { endStream: true }));
      const len: Array<[string, string]> = [[":status", "200"], [
        "content-length",
        `${body.length}`,
      ]];
      assert.equal(c.conn.sendWhole(1, len, body), 0);
      const d = ofType(c.read(), FrameType.DATA)[0]!;
      assert.deepEqual([...d.data], [...body].map((ch) => ch.charCodeAt(0)));
    }
  });

  it("no body (HEAD, empty): HEADERS with END_STREAM only", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest(), { endStream: true }));
    assert.equal(c.conn.sendWhole(1, OK, null), 0);
    const out = c.read();
    assert.deepEqual(out.map((f) => [f.type, f.flags & 1]), [[FrameType.HEADERS, 1]]);
    assert.equal(c.conn.streamState(1), StreamState.CLOSED);
  });

  it("a body larger than the stream window is queued as DATA and leaves within the window", () => {
    const c = new TestClient();
    c.handshake([[SettingId.INITIAL_WINDOW_SIZE, 3]]);
    c.send(headers(1, getRequest(), { endStream: true }));
    assert.equal(c.conn.sendWhole(1, OK, "hello"), 5);
    assert.equal(c.conn.streamState(1), StreamState.HALF_CLOSED_REMOTE);
    let d = ofType(c.read(), FrameType.DATA);
    assert.deepEqual(d.map((f) => [text(f.data), f.endStream]), [["hel", false]]);
    c.send(windowUpdate(1, 10));
    d = ofType(c.read(), FrameType.DATA);
    assert.deepEqual(d.map((f) => [text(f.data), f.endStream]), [["lo", true]]);
    assert.equal(c.conn.streamState(1), StreamState.CLOSED);
  });

  it("a body larger than MAX_FRAME_SIZE goes through the scheduler, split", () => {
    const c = new TestClient();
    c.handshake([[SettingId.INITIAL_WINDOW_SIZE, 1 << 20]]);
    c.send(windowUpdate(0, 1 << 20));
    c.read();
    c.send(headers(1, getRequest(), { endStream: true }));
    assert.equal(c.conn.sendWhole(1, OK, "x".repeat(16385)), 16385);
    const d = ofType(c.read(), FrameType.DATA);
    assert.deepEqual(d.map((f) => [f.data.length, f.endStream]), [[16384, false], [1, true]]);
  });

  it("a request body still coming: the stream is half-closed (local) after the answer", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, postRequest()));
    c.conn.sendWhole(1, OK, "hello");
    assert.equal(c.conn.streamState(1), StreamState.HALF_CLOSED_LOCAL);
    c.send(data(1, new Uint8Array(1), { endStream: true }));
    assert.equal(c.conn.streamState(1), StreamState.CLOSED);
  });

  it("a closed stream: -1 and nothing written; a stream that sent DATA already: an error", () => {
    const c = new TestClient();
    c.handshake();
    c.send(headers(1, getRequest(), { endStream: true }));
    c.conn.resetStream(1);
    c.read();
    assert.equal(c.conn.sendWhole(1, OK, "hello"), -1);
    assert.deepEqual(c.read(), []);
    c.send(headers(3, getRequest(), { endStream: true }));
    c.conn.sendHeaders(3, [[":status", "200"]], false);
    c.conn.sendData(3, new Uint8Array(1), false);
    assert.throws(() => c.conn.sendWhole(3, OK, "x"));
  });

  it("a long body string leaves as its octets, whatever the frame and window cuts", () => {
    // ASCII text waits in the queue as the string and is encoded into each frame; a byte string
    // with octets above 0x7f is queued as bytes (one octet per char). Both must reach the wire
    // unchanged with the window opened a little at a time, so that frames cut it anywhere.
    const ascii = Array.from({ length: 40_000 }, (_, i) => String.fromCharCode(32 + (i % 95))).join(
      "",
    );
    const bytes = Array.from({ length: 40_000 }, (_, i) => String.fromCharCode(i % 256)).join("");
    for (const [what, body] of [["ascii", ascii], ["byte string", bytes]] as const) {
      for (const step of [1, 7, 4096, 16_384, 70_000]) {
        const c = new TestClient();
        c.handshake([[SettingId.INITIAL_WINDOW_SIZE, 0]]);
        c.send(windowUpdate(0, 1 << 20));
        c.send(headers(1, getRequest(), { endStream: true }));
        const len: Array<[string, string]> = [[":status", "200"], ["content-length", "40000"]];
        assert.equal(c.conn.sendWhole(1, len, body), 40_000);
        c.read();
        const got: number[] = [];
        for (let round = 0; got.length < 40_000 && round < 50_000; round++) {
          c.send(windowUpdate(1, step));
          for (const f of ofType(c.read(), FrameType.DATA)) got.push(...f.data);
        }
        assert.equal(got.length, 40_000, `${what}, step ${step}`);
        const want = [...body].map((ch) => ch.charCodeAt(0));
        assert.ok(got.every((b, i) => b === want[i]), `${what}, step ${step}: octets as sent`);
        assert.equal(c.conn.streamState(1), StreamState.CLOSED);
      }
    }
  });

  it("a stream reset while its text waits drops it; the connection goes on", () => {
    const c = new TestClient();
    c.handshake([[SettingId.INITIAL_WINDOW_SIZE, 10]]);
    c.send(headers(1, getRequest(), { endStream: true }));
    c.send(headers(3, getRequest(), { endStream: true }));
    assert.equal(c.conn.sendWhole(1, OK, "a".repeat(20_000)), 20_000);
    c.read();
    c.conn.resetStream(1);
    assert.equal(c.conn.queuedBytes(1), 0);
    assert.equal(c.conn.sendWhole(3, OK, "hello"), 0);
    const d = ofType(c.read(), FrameType.DATA);
    assert.deepEqual(d.map((f) => [f.streamId, text(f.data)]), [[3, "hello"]]);
  });
});
