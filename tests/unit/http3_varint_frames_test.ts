import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeVarint, MAX_VARINT, readVarint, varintLength } from "../../src/http3/core/varint.ts";
import { type FrameEvent, FrameReader } from "../../src/http3/core/frame_reader.ts";
import {
  encodeFrame,
  encodeIdFrame,
  encodeSettings,
  frameHeader,
} from "../../src/http3/core/frame_writer.ts";
import { H3ConnectionError } from "../../src/http3/core/errors.ts";
import { parseSettings } from "../../src/http3/core/settings.ts";
import { isGrease } from "../../src/http3/core/frame_types.ts";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));

describe("http3 varint (RFC 9000 §16, Appendix A.1 examples)", () => {
  const cases: Array<[string, number]> = [
    ["c2197c5eff14e88c", 151288809941952652],
    ["9d7f3e7d", 494878333],
    ["7bbd", 15293],
    ["25", 37],
    ["4025", 37], // a two-byte encoding of 37 is valid too
  ];
  for (const [h, v] of cases) {
    it(`decodes ${h}`, () => assert.deepEqual(readVarint(hex(h), 0), [v, h.length / 2]));
  }
  it("round-trips at every length boundary", () => {
    for (const v of [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 53 - 1]) {
      const b = encodeVarint(v);
      assert.equal(b.length, varintLength(v));
      assert.deepEqual(readVarint(b, 0), [v, b.length]);
    }
  });
  it("waits for the rest of a split varint", () => {
    const b = encodeVarint(494878333);
    for (let i = 0; i < b.length; i++) assert.equal(readVarint(b.subarray(0, i), 0), null);
  });
  it("refuses values it cannot encode", () => {
    assert.throws(() => encodeVarint(-1), RangeError);
    assert.throws(() => encodeVarint(MAX_VARINT * 2), RangeError);
  });
});

/** A stream of frames of every kind. */
function sample(): Uint8Array {
  const parts = [
    encodeSettings([[0x6, 16384], [0x21, 7]]),
    encodeFrame(0x1, Uint8Array.of(0, 0, 0xd1)),
    frameHeader(0x0, 5),
    new TextEncoder().encode("hello"),
    encodeFrame(0x21, new Uint8Array(300)), // grease: skipped
    encodeFrame(0x0, new Uint8Array(0)),
    encodeIdFrame(0x7, 2 ** 40),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), o += p.length);
  return out;
}

/** Events with DATA pieces joined, so differently split inputs compare equal. */
function normal(evs: FrameEvent[]): unknown[] {
  const out: unknown[] = [];
  for (const e of evs) {
    const last = out[out.length - 1] as { kind: string; bytes: number[] } | undefined;
    if (e.kind === "data" && last?.kind === "data") last.bytes.push(...e.bytes);
    else if (e.kind === "data") out.push({ kind: "data", bytes: [...e.bytes] });
    else if (e.kind === "frame") out.push({ kind: "frame", type: e.type, p: [...e.payload] });
    else out.push(e);
  }
  return out;
}

describe("http3 frame reader", () => {
  const limits = { maxHeadersPayload: 1024 };
  const bytes = sample();
  const whole = normal(new FrameReader(limits).push(bytes));

  it("reads every frame kind whole", () => {
    const kinds = whole.map((e) => (e as { kind: string; type?: number }).kind);
    assert.deepEqual(kinds, [
      "start",
      "frame",
      "start",
      "frame",
      "start",
      "data",
      "start",
      "start",
      "start",
      "frame",
    ]);
    const goaway = whole[whole.length - 1] as { p: number[] };
    assert.deepEqual(readVarint(Uint8Array.from(goaway.p), 0)?.[0], 2 ** 40);
  });
  it("gives the same events byte by byte", () => {
    const r = new FrameReader(limits);
    const evs: FrameEvent[] = [];
    for (let i = 0; i < bytes.length; i++) evs.push(...r.push(bytes.subarray(i, i + 1)));
    assert.deepEqual(normal(evs), whole);
    assert.ok(r.atBoundary);
  });
  it("gives the same events split at every offset", () => {
    for (let i = 0; i <= bytes.length; i++) {
      const r = new FrameReader(limits);
      const evs = [...r.push(bytes.subarray(0, i)), ...r.push(bytes.subarray(i))];
      assert.deepEqual(normal(evs), whole, `split at ${i}`);
    }
  });
  it("is not at a boundary inside a frame", () => {
    const r = new FrameReader(limits);
    r.push(bytes.subarray(0, 1));
    assert.ok(!r.atBoundary);
  });
  it("never buffers a DATA payload: pieces come out as they arrive", () => {
    const r = new FrameReader(limits);
    const evs = r.push(frameHeader(0x0, 10_000_000));
    assert.equal(evs[0]?.kind, "start");
    const piece = r.push(new Uint8Array(1000));
    assert.equal(piece.length, 1);
    assert.equal((piece[0] as { bytes: Uint8Array }).bytes.length, 1000);
  });
  const bombs: Array<[string, Uint8Array, number]> = [
    ["HEADERS over the bound", frameHeader(0x1, 1025), 0x107],
    ["SETTINGS over 4 KiB", frameHeader(0x4, 5000), 0x106],
    ["GOAWAY longer than a varint", frameHeader(0x7, 9), 0x106],
    ["MAX_PUSH_ID longer than a varint", frameHeader(0xd, 20), 0x106],
  ];
  for (const [name, b, code] of bombs) {
    it(`refuses ${name} before buffering it`, () => {
      const evs = new FrameReader(limits).push(b);
      assert.equal(evs[0]?.kind, "start");
      assert.deepEqual(evs[1] && { ...evs[1], reason: "" }, { kind: "error", code, reason: "" });
    });
  }
  it("knows grease types", () => {
    assert.ok(isGrease(0x21) && isGrease(0x21 + 0x1f * 1000) && !isGrease(0x20));
  });
});

describe("http3 SETTINGS", () => {
  it("parses known ids and ignores unknown ones", () => {
    const f = encodeSettings([[0x1, 4096], [0x7, 16], [0x6, 100], [0x2a, 1]]);
    const s = parseSettings(f.subarray(2));
    assert.deepEqual(s, { maxTableCapacity: 4096, blockedStreams: 16, maxFieldSectionSize: 100 });
  });
  const bad: Array<[string, Uint8Array, number]> = [
    ["a duplicate id", hex("0101" + "0102"), 0x109],
    ["HTTP/2's ENABLE_PUSH (0x2)", hex("0200"), 0x109],
    ["HTTP/2's MAX_CONCURRENT_STREAMS (0x3)", hex("0324"), 0x109],
    ["HTTP/2's INITIAL_WINDOW_SIZE (0x4)", hex("0424"), 0x109],
    ["HTTP/2's MAX_FRAME_SIZE (0x5)", hex("0524"), 0x109],
    ["a truncated pair", hex("01"), 0x106],
  ];
  for (const [name, payload, code] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => parseSettings(payload),
        (e) => e instanceof H3ConnectionError && e.code === code,
      );
    });
  }
});
