import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, FrameType } from "../../src/http2/core/mod.ts";
import { concat } from "../support/common.ts";
import {
  continuation,
  data,
  getRequest,
  goawayOf,
  headers,
  literalBlock,
  ofType,
  ping,
  postRequest,
  rst,
  rsts,
  settings,
  TestClient,
  windowUpdate,
} from "../support/http2_frames.ts";

const calm = (c: TestClient) => goawayOf(c.read())?.code === ErrorCode.ENHANCE_YOUR_CALM;

describe("5.1.2 MAX_CONCURRENT_STREAMS", () => {
  it("5.1.2 streams over the limit → RST_STREAM REFUSED_STREAM; HPACK stays in sync", () => {
    const c = new TestClient({ maxConcurrentStreams: 2 });
    c.handshake();
    c.send(headers(1, getRequest()), headers(3, getRequest()), headers(5, getRequest()));
    assert.deepEqual(rsts(c.read()), [[5, ErrorCode.REFUSED_STREAM]]);
    assert.equal(c.conn.openStreams, 2);
    c.send(rst(1, ErrorCode.CANCEL));
    const ev = c.send(headers(7, getRequest("/next"), { endStream: true }));
    assert.equal(ev[0]?.type, "request");
    assert.ok(!c.events.some((e) => e.type === "request" && e.streamId === 5));
  });

  it("5.1.2 too many refused streams → GOAWAY ENHANCE_YOUR_CALM", () => {
    const c = new TestClient({ maxConcurrentStreams: 1, resetBurst: 5 });
    c.handshake();
    c.send(headers(1, getRequest()));
    for (let id = 3; id < 3 + 2 * 6; id += 2) c.send(headers(id, getRequest()));
    assert.ok(calm(c));
    assert.ok(c.conn.closed);
  });
});

describe("rapid reset (CVE-2023-44487) and MadeYouReset (CVE-2025-8671)", () => {
  it("streams opened and reset at once exhaust the budget → GOAWAY ENHANCE_YOUR_CALM", () => {
    const c = new TestClient({ resetBurst: 20 });
    c.handshake();
    let id = 1;
    for (; id < 2 * 20; id += 2) c.send(headers(id, getRequest()), rst(id, ErrorCode.CANCEL));
    assert.equal(goawayOf(c.read()), undefined, "within the burst");
    c.send(headers(id, getRequest()), rst(id, ErrorCode.CANCEL));
    assert.ok(calm(c));
  });

  it("the default burst is about 1000", () => {
    const c = new TestClient();
    c.handshake();
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 1000; i++) {
      parts.push(headers(2 * i + 1, getRequest()), rst(2 * i + 1, ErrorCode.CANCEL));
    }
    c.send(concat(...parts));
    assert.equal(goawayOf(c.read()), undefined);
    c.send(headers(2001, getRequest()), rst(2001, ErrorCode.CANCEL));
    assert.ok(calm(c));
  });

  it("with an injected clock the budget refills at resetRefillPerSecond", () => {
    let t = 0;
    const c = new TestClient({ resetBurst: 10, resetRefillPerSecond: 10, now: () => t });
    c.handshake();
    let id = 1;
    const reset = () => {
      c.send(headers(id, getRequest()), rst(id, ErrorCode.CANCEL));
      id += 2;
    };
    for (let i = 0; i < 10; i++) reset();
    t += 1000; // +10 tokens
    for (let i = 0; i < 10; i++) reset();
    assert.equal(goawayOf(c.read()), undefined);
    reset();
    assert.ok(calm(c));
  });

  it("without a clock, completed streams give budget back", () => {
    const c = new TestClient({ resetBurst: 3 });
    c.handshake();
    let id = 1;
    for (let round = 0; round < 10; round++) {
      c.send(headers(id, getRequest()), rst(id, ErrorCode.CANCEL));
      id += 2;
      c.send(headers(id, getRequest(), { endStream: true }));
      c.conn.sendHeaders(id, [[":status", "200"]], true);
      id += 2;
    }
    assert.equal(goawayOf(c.read()), undefined);
  });

  it("a reset after the response finished is not counted", () => {
    const c = new TestClient({ resetBurst: 2 });
    c.handshake();
    for (let id = 1; id < 20; id += 2) {
      c.send(headers(id, postRequest()));
      c.conn.sendHeaders(id, [[":status", "200"]], true);
      c.send(rst(id, ErrorCode.CANCEL));
    }
    assert.equal(goawayOf(c.read()), undefined);
  });

  it("MadeYouReset: resets we send because of peer errors spend the same budget", () => {
    const c = new TestClient({ resetBurst: 10 });
    c.handshake();
    for (let id = 1; id < 2 * 12; id += 2) c.send(headers(id, getRequest()), windowUpdate(id, 0));
    const out = c.read();
    assert.ok(rsts(out).length >= 9);
    assert.equal(goawayOf(out)?.code, ErrorCode.ENHANCE_YOUR_CALM);
  });
});

describe("CONTINUATION flood (2024) and header block caps", () => {
  it("more CONTINUATION frames than maxContinuationFrames (8) → GOAWAY ENHANCE_YOUR_CALM", () => {
    const c = new TestClient();
    c.handshake();
    const block = literalBlock(getRequest("/", [["x", "y".repeat(50)]]));
    const parts = [headers(1, block.subarray(0, 1), { endHeaders: false })];
    for (let i = 1; i <= 9; i++) parts.push(continuation(1, block.subarray(i, i + 1), false));
    c.send(...parts);
    assert.ok(calm(c));
  });

  it("8 CONTINUATION frames are fine", () => {
    const c = new TestClient();
    c.handshake();
    const block = literalBlock(getRequest());
    const step = Math.ceil(block.length / 9);
    const parts = [headers(1, block.subarray(0, step), { endHeaders: false, endStream: true })];
    for (let i = 1; i < 9; i++) {
      parts.push(continuation(1, block.subarray(i * step, (i + 1) * step), i === 8));
    }
    const ev = c.send(...parts);
    assert.equal(ev[0]?.type, "request");
  });

  it("a header block over maxHeaderBlockSize → GOAWAY ENHANCE_YOUR_CALM before it is buffered", () => {
    const c = new TestClient({ maxHeaderBlockSize: 20000 });
    c.handshake();
    const chunk = new Uint8Array(16000);
    c.send(headers(1, chunk, { endHeaders: false }), continuation(1, chunk, false));
    assert.ok(calm(c));
  });

  it("HPACK bomb: repeated oversize header lists are answered per stream, the connection lives", () => {
    const c = new TestClient({ maxHeaderListSize: 8192 });
    c.handshake();
    // One 4 KiB table entry (literal with incremental indexing), then many references to it.
    const name = "x-bomb";
    const value = "v".repeat(4000);
    const first = new Uint8Array([
      0x40,
      name.length,
      ...Array.from(name, (ch) => ch.charCodeAt(0)),
      0x7f,
      ...[4000 - 127].flatMap((n) => [n & 0x7f | 0x80, n >> 7]),
      ...Array.from(value, (ch) => ch.charCodeAt(0)),
    ]);
    const ref = 0x80 | 62;
    const req = literalBlock(getRequest());
    c.send(headers(1, concat(req, first), { endStream: true }));
    assert.equal(c.events.at(-2)?.type, "request");
    for (let id = 3; id < 23; id += 2) {
      const ev = c.send(
        headers(id, concat(req, new Uint8Array(100).fill(ref)), { endStream: true }),
      );
      assert.deepEqual(ev[0], { type: "headers-too-large", streamId: id, endStream: true });
      c.conn.sendHeaders(id, [[":status", "431"]], true);
    }
    assert.equal(goawayOf(c.read()), undefined);
  });
});

describe("control-frame and useless-frame floods", () => {
  it("PING flood while not reading our replies → GOAWAY ENHANCE_YOUR_CALM", () => {
    const c = new TestClient({ maxQueuedControlFrames: 50 });
    c.handshake();
    c.send(concat(...Array.from({ length: 51 }, () => ping())));
    assert.ok(calm(c));
  });

  it("PINGs answered as they come (output drained) are fine", () => {
    const c = new TestClient({ maxQueuedControlFrames: 50 });
    c.handshake();
    for (let i = 0; i < 200; i++) {
      c.send(ping());
      c.read();
    }
    assert.ok(!c.conn.closed);
  });

  it("SETTINGS flood while not reading → GOAWAY ENHANCE_YOUR_CALM", () => {
    const c = new TestClient({ maxQueuedControlFrames: 50 });
    c.handshake();
    c.send(concat(...Array.from({ length: 51 }, () => settings())));
    assert.ok(calm(c));
  });

  it("empty DATA frames without END_STREAM → GOAWAY ENHANCE_YOUR_CALM", () => {
    const c = new TestClient({ uselessFrameBurst: 100 });
    c.handshake();
    c.send(headers(1, postRequest()));
    c.send(concat(...Array.from({ length: 101 }, () => data(1, ""))));
    assert.ok(calm(c));
  });

  it("zero-length HEADERS/CONTINUATION fragments → ENHANCE_YOUR_CALM", () => {
    const c = new TestClient({ uselessFrameBurst: 5, maxContinuationFrames: 100 });
    c.handshake();
    const parts = [headers(1, new Uint8Array(0), { endHeaders: false })];
    for (let i = 0; i < 6; i++) parts.push(continuation(1, new Uint8Array(0), false));
    c.send(...parts);
    assert.ok(calm(c));
  });

  it("unsolicited PING ACKs count as useless", () => {
    const c = new TestClient({ uselessFrameBurst: 10 });
    c.handshake();
    c.send(concat(...Array.from({ length: 11 }, () => ping([0, 0, 0, 0, 0, 0, 0, 0], true))));
    assert.ok(calm(c));
  });

  it("useful frames earn the useless-frame budget back when no clock is given", () => {
    const c = new TestClient({ uselessFrameBurst: 3 });
    c.handshake();
    c.send(headers(1, postRequest()));
    for (let i = 0; i < 50; i++) c.send(data(1, ""), data(1, "x"));
    assert.ok(!c.conn.closed);
    assert.equal(ofType(c.read(), FrameType.GOAWAY).length, 0);
  });

  // The buckets are made on first use (an idle connection holds none): useful frames before
  // any useless one must not raise the budget past its burst.
  it("useful frames before the first useless one leave the budget at its burst", () => {
    for (const extra of [0, 1]) {
      const c = new TestClient({ uselessFrameBurst: 3 });
      c.handshake();
      c.send(headers(1, postRequest()));
      for (let i = 0; i < 20; i++) c.send(data(1, "x"));
      c.send(concat(...Array.from({ length: 3 + extra }, () => data(1, ""))));
      assert.equal(calm(c), extra === 1, `${3 + extra} empty DATA frames`);
    }
  });
});
