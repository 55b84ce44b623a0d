import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type DecoderEvent, WebSocketDecoder } from "../../src/websocket/decoder.ts";
import { encodeClose, encodeClosePayload, encodeFrame } from "../../src/websocket/encoder.ts";
import { isValidUtf8, Utf8Validator } from "../../src/websocket/utf8.ts";
import { concat, hex } from "../support/common.ts";

const te = new TextEncoder();
const MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const opts = { maxMessageBytes: 1 << 20, requireMask: true, allowRsv1: false };

/** A client frame (masked). */
function cf(op: number, payload: Uint8Array | string, o: { fin?: boolean; rsv1?: boolean } = {}) {
  const p = typeof payload === "string" ? te.encode(payload) : payload;
  return encodeFrame(op, p, { ...o, mask: MASK });
}

/** Raw header bytes + masked payload, for frames the encoder refuses to build. */
function raw(b0: number, payload: Uint8Array | string = new Uint8Array(0)): Uint8Array {
  const p = typeof payload === "string" ? te.encode(payload) : payload;
  const f = encodeFrame(b0 & 0x0f, p, { mask: MASK });
  f[0] = b0;
  return f;
}

type Ev = { type: string; code?: number; data?: string; opcode?: number; reason?: string };

function simplify(evs: DecoderEvent[]): Ev[] {
  return evs.map((e) => {
    if (e.type === "message") {
      return { type: "message", opcode: e.opcode, data: Buffer.from(e.data).toString("hex") };
    }
    if (e.type === "ping" || e.type === "pong") {
      return { type: e.type, data: Buffer.from(e.data).toString("hex") };
    }
    if (e.type === "close") return { type: "close", code: e.code, reason: e.reason };
    return { type: "error", code: e.code };
  });
}

function run(input: Uint8Array, splits: number[], o = opts): Ev[] {
  const d = new WebSocketDecoder(o);
  const out: DecoderEvent[] = [];
  let prev = 0;
  for (const s of [...splits, input.length]) {
    out.push(...d.push(input.subarray(prev, s)));
    prev = s;
  }
  return simplify(out);
}

/** Feeds whole, byte by byte and split at every offset; all must agree. */
function decodeAll(input: Uint8Array, o = opts): Ev[] {
  const whole = run(input, [], o);
  const bytewise = run(input, Array.from({ length: input.length }, (_, i) => i), o);
  assert.deepEqual(bytewise, whole, "byte by byte");
  if (input.length < 400) {
    for (let i = 1; i < input.length; i++) {
      assert.deepEqual(run(input, [i], o), whole, `split ${i}`);
    }
  }
  return whole;
}

const h = (s: string) => Buffer.from(te.encode(s)).toString("hex");
const msg = (opcode: number, s: string | Uint8Array) => ({
  type: "message",
  opcode,
  data: typeof s === "string" ? h(s) : Buffer.from(s).toString("hex"),
});

describe("ws codec: framing (Autobahn 1.x)", () => {
  for (const n of [0, 1, 125, 126, 127, 128, 65535, 65536]) {
    it(`text and binary of ${n} bytes (7/16/64-bit lengths)`, () => {
      const p = new Uint8Array(n).fill(0x2a);
      const bytes = concat(cf(1, p), cf(2, p));
      const out = n > 2000 ? run(bytes, []) : decodeAll(bytes);
      assert.deepEqual(out, [msg(1, p), msg(2, p)]);
      if (n > 2000) {
        assert.deepEqual(run(bytes, [1, 2, 3, 5, 9, 100, 70000]), out);
      }
    });
  }
  it("encodes 7, 16 and 64-bit lengths", () => {
    assert.deepEqual(encodeFrame(2, new Uint8Array(125)).subarray(0, 2), hex("82 7d"));
    assert.deepEqual(encodeFrame(2, new Uint8Array(126)).subarray(0, 4), hex("82 7e 00 7e"));
    assert.deepEqual(
      encodeFrame(2, new Uint8Array(65536)).subarray(0, 10),
      hex("82 7f 00 00 00 00 00 01 00 00"),
    );
  });
  it("rejects a 64-bit length above 2^53 and one with the MSB set", () => {
    assert.deepEqual(decodeAll(hex("82 ff 00 20 00 00 00 00 00 00 01 02 03 04")), [
      { type: "error", code: 1009 },
    ]);
    assert.deepEqual(decodeAll(hex("82 ff 80 00 00 00 00 00 00 01 01 02 03 04")), [
      { type: "error", code: 1002 },
    ]);
  });
  it("a frame over maxMessageBytes fails with 1009 from its header alone", () => {
    const d = new WebSocketDecoder({ ...opts, maxMessageBytes: 100 });
    assert.deepEqual(simplify(d.push(cf(2, new Uint8Array(101)).subarray(0, 8))), [
      { type: "error", code: 1009 },
    ]);
  });
  it("fragments adding up over maxMessageBytes fail with 1009", () => {
    const o = { ...opts, maxMessageBytes: 100 };
    const b = concat(cf(2, new Uint8Array(60), { fin: false }), cf(0, new Uint8Array(60)));
    assert.deepEqual(decodeAll(b, o), [{ type: "error", code: 1009 }]);
  });
  it("unmasked client frames fail with 1002; masked server frames too", () => {
    assert.deepEqual(decodeAll(encodeFrame(1, te.encode("hi"))), [{ type: "error", code: 1002 }]);
    const server = { ...opts, requireMask: false };
    assert.deepEqual(decodeAll(cf(1, "hi"), server), [{ type: "error", code: 1002 }]);
    assert.deepEqual(decodeAll(encodeFrame(1, te.encode("hi")), server), [msg(1, "hi")]);
  });
  it("ignores input after an error and after a close", () => {
    assert.deepEqual(decodeAll(concat(raw(0x83), cf(1, "x"))), [{ type: "error", code: 1002 }]);
    assert.deepEqual(decodeAll(concat(encodeClose(1000, "", MASK), cf(1, "x"))), [
      { type: "close", code: 1000, reason: "" },
    ]);
  });
});

describe("ws codec: pings and pongs (Autobahn 2.x)", () => {
  it("ping with and without payload, binary payload, 125 bytes", () => {
    const p125 = new Uint8Array(125).fill(0xfe);
    const out = decodeAll(concat(cf(9, ""), cf(9, "hello"), cf(9, hex("00ff fe")), cf(9, p125)));
    assert.deepEqual(out, [
      { type: "ping", data: "" },
      { type: "ping", data: h("hello") },
      { type: "ping", data: "00fffe" },
      { type: "ping", data: Buffer.from(p125).toString("hex") },
    ]);
  });
  it("a ping of 126 bytes fails with 1002", () => {
    assert.deepEqual(decodeAll(cf(9, new Uint8Array(126))), [{ type: "error", code: 1002 }]);
  });
  it("unsolicited pong is reported, then a message", () => {
    assert.deepEqual(decodeAll(concat(cf(10, "x"), cf(1, "y"))), [
      { type: "pong", data: h("x") },
      msg(1, "y"),
    ]);
  });
  it("10 pings in a row", () => {
    const b = concat(...Array.from({ length: 10 }, (_, i) => cf(9, `p${i}`)));
    assert.equal(decodeAll(b).length, 10);
  });
});

describe("ws codec: reserved bits (Autobahn 3.x)", () => {
  for (const [name, b0] of [["RSV1", 0xc1], ["RSV2", 0xa1], ["RSV3", 0x91], ["all", 0xf1]]) {
    it(`${name} on a text frame without an extension fails with 1002`, () => {
      assert.deepEqual(decodeAll(raw(b0 as number, "x")), [{ type: "error", code: 1002 }]);
    });
  }
  it("RSV1 allowed on a first data frame with permessage-deflate, never on control/continuation", () => {
    const o = { ...opts, allowRsv1: true };
    const evs = new WebSocketDecoder(o).push(raw(0xc1, "x"));
    assert.equal(evs[0]?.type === "message" && evs[0].compressed, true);
    assert.deepEqual(decodeAll(raw(0xc9), o), [{ type: "error", code: 1002 }]);
    const frag = concat(cf(1, "a", { fin: false }), raw(0xc0, "b"));
    assert.deepEqual(decodeAll(frag, o), [{ type: "error", code: 1002 }]);
  });
  it("an error after a valid message keeps the message", () => {
    assert.deepEqual(decodeAll(concat(cf(1, "ok"), raw(0xa1, "x"))), [msg(1, "ok"), {
      type: "error",
      code: 1002,
    }]);
  });
});

describe("ws codec: opcodes (Autobahn 4.x)", () => {
  for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
    it(`reserved opcode ${op} fails with 1002`, () => {
      assert.deepEqual(decodeAll(raw(0x80 | op, "x")), [{ type: "error", code: 1002 }]);
    });
  }
});

describe("ws codec: fragmentation (Autobahn 5.x)", () => {
  it("a fragmented ping fails with 1002", () => {
    assert.deepEqual(decodeAll(cf(9, "a", { fin: false })), [{ type: "error", code: 1002 }]);
  });
  it("text in two fragments, and in many with pings in between", () => {
    assert.deepEqual(decodeAll(concat(cf(1, "frag", { fin: false }), cf(0, "ment"))), [
      msg(1, "fragment"),
    ]);
    const b = concat(
      cf(2, "a", { fin: false }),
      cf(9, "p1"),
      cf(0, "b", { fin: false }),
      cf(10, "q"),
      cf(0, "", { fin: false }),
      cf(0, "c"),
    );
    assert.deepEqual(decodeAll(b), [
      { type: "ping", data: h("p1") },
      { type: "pong", data: h("q") },
      msg(2, "abc"),
    ]);
  });
  it("a continuation with no message fails with 1002 (fin and non-fin)", () => {
    assert.deepEqual(decodeAll(cf(0, "x")), [{ type: "error", code: 1002 }]);
    assert.deepEqual(decodeAll(cf(0, "x", { fin: false })), [{ type: "error", code: 1002 }]);
    assert.deepEqual(decodeAll(concat(cf(1, "a"), cf(0, "b"))), [msg(1, "a"), {
      type: "error",
      code: 1002,
    }]);
  });
  it("a new data message inside a fragmented one fails with 1002", () => {
    const b = concat(cf(1, "a", { fin: false }), cf(1, "b"));
    assert.deepEqual(decodeAll(b), [{ type: "error", code: 1002 }]);
  });
  it("a close interleaved in a fragmented message ends it", () => {
    const b = concat(cf(1, "a", { fin: false }), encodeClose(1000, "bye", MASK));
    assert.deepEqual(decodeAll(b), [{ type: "close", code: 1000, reason: "bye" }]);
  });
  it("a flood of 100000 one-byte fragments assembles into one 100000-byte message", () => {
    const one = cf(0, "x", { fin: false });
    const flood = new Uint8Array(one.length * 100_000);
    for (let i = 0; i < 100_000; i++) flood.set(one, i * one.length);
    flood[0] = 0x02; // the first frame opens a binary message
    const d = new WebSocketDecoder(opts);
    assert.deepEqual(d.push(flood), []);
    const evs = d.push(cf(0, ""));
    assert.equal(evs.length, 1);
    const m = evs[0]!;
    assert.ok(m.type === "message" && m.data.length === 100_000 && m.data.every((b) => b === 0x78));
  });
  it("a flood of empty fragments assembles into one message", () => {
    const parts = [cf(2, "s", { fin: false })];
    for (let i = 0; i < 1000; i++) parts.push(cf(0, "", { fin: false }));
    parts.push(cf(0, "e"));
    assert.deepEqual(run(concat(...parts), []), [msg(2, "se")]);
  });
});

// Autobahn 6.x vectors: valid and invalid UTF-8, whole and fragmented.
const validUtf8 = [
  "",
  "Hello-µ@ßöäüàá-UTF-8!!",
  "κόσμε",
  "\u0080",
  "\u07ff",
  "\u0800",
  "\uffff",
  "\u{10000}",
  "\u{10ffff}",
  "\ud7ff",
  "\ue000",
  "\ufffd",
];
const invalidUtf8 = [
  "c0 80", // overlong NUL
  "c1 bf", // overlong
  "e0 80 80", // overlong 3-byte
  "e0 9f bf", // overlong 3-byte boundary
  "f0 80 80 80", // overlong 4-byte
  "f0 8f bf bf",
  "ed a0 80", // U+D800 surrogate
  "ed bf bf", // U+DFFF surrogate
  "ed a0 80 ed b0 80", // surrogate pair
  "f4 90 80 80", // U+110000
  "f5 80 80 80",
  "f8 88 80 80 80", // 5-byte form
  "fc 84 80 80 80 80",
  "fe",
  "ff",
  "80", // lone continuation
  "bf",
  "c2", // truncated
  "e2 82", // truncated
  "f0 9f 98", // truncated
  "c2 41", // non-continuation after lead
  "ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64", // κόσμε + surrogate
];

describe("ws codec: UTF-8 (Autobahn 6.x)", () => {
  for (const s of validUtf8) {
    it(`valid ${JSON.stringify(s)}: whole, fragmented per byte`, () => {
      const b = te.encode(s);
      assert.equal(isValidUtf8(b), true);
      assert.deepEqual(decodeAll(cf(1, b)), [msg(1, b)]);
      const frags = b.length === 0
        ? [cf(1, b)]
        : [...b].map((x, i) =>
          cf(i === 0 ? 1 : 0, new Uint8Array([x]), { fin: i === b.length - 1 })
        );
      assert.deepEqual(decodeAll(concat(...frags)), [msg(1, b)]);
    });
  }
  for (const s of invalidUtf8) {
    it(`invalid ${s}: 1007 whole and fragmented per byte`, () => {
      const b = hex(s);
      assert.equal(isValidUtf8(b), false);
      assert.deepEqual(decodeAll(cf(1, b)), [{ type: "error", code: 1007 }]);
      const frags = [...b].map((x, i) =>
        cf(i === 0 ? 1 : 0, new Uint8Array([x]), { fin: i === b.length - 1 })
      );
      assert.deepEqual(decodeAll(concat(...frags)), [{ type: "error", code: 1007 }]);
    });
  }
  it("binary messages are not validated", () => {
    assert.deepEqual(decodeAll(cf(2, hex("c0 80"))), [msg(2, hex("c0 80"))]);
  });
  it("fails fast: the first invalid byte fails before the frame or message ends", () => {
    // 6.4.x: a fragment with an invalid sequence fails before the next fragment arrives,
    // and inside a frame before its end arrives.
    const d = new WebSocketDecoder(opts);
    const good = te.encode("κόσμε");
    const frame = cf(1, concat(good, hex("f4 90 80 80"), te.encode("edited")), { fin: false });
    const cut = 6 + good.length + 1; // header(6) + valid + first byte of bad sequence + 1
    assert.deepEqual(simplify(d.push(frame.subarray(0, cut + 1))), [
      { type: "error", code: 1007 },
    ]);
  });
  it("a code point split across fragments is accepted", () => {
    const b = concat(cf(1, hex("e2 82"), { fin: false }), cf(0, hex("ac")));
    assert.deepEqual(decodeAll(b), [msg(1, "€")]);
  });
  it("validator: incremental chunks agree with whole (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(40), (b, cut) => {
        const c = Math.min(cut, b.length);
        const v = new Utf8Validator();
        const inc = v.push(b.subarray(0, c)) && v.push(b.subarray(c)) && v.end();
        let ref = true;
        try {
          new TextDecoder("utf-8", { fatal: true }).decode(b);
        } catch {
          ref = false;
        }
        assert.equal(inc, ref);
      }),
    );
  });
});

describe("ws codec: close (Autobahn 7.x)", () => {
  it("empty close, close with code, close with code and reason", () => {
    assert.deepEqual(decodeAll(cf(8, "")), [{ type: "close", code: undefined, reason: "" }]);
    assert.deepEqual(decodeAll(encodeClose(1000, "", MASK)), [
      { type: "close", code: 1000, reason: "" },
    ]);
    assert.deepEqual(decodeAll(encodeClose(4999, "κόσμε", MASK)), [
      { type: "close", code: 4999, reason: "κόσμε" },
    ]);
  });
  it("a 1-byte close payload fails with 1002", () => {
    assert.deepEqual(decodeAll(cf(8, hex("03"))), [{ type: "error", code: 1002 }]);
  });
  it("a close reason of 123 bytes is the most a 125-byte frame holds", () => {
    assert.deepEqual(decodeAll(encodeClose(1000, "x".repeat(123), MASK)), [
      { type: "close", code: 1000, reason: "x".repeat(123) },
    ]);
    assert.deepEqual(decodeAll(encodeClose(1000, "x".repeat(124), MASK)), [{
      type: "error",
      code: 1002,
    }]);
  });
  it("invalid UTF-8 in the close reason fails with 1007", () => {
    const p = concat(encodeClosePayload(1000), hex("ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80"));
    assert.deepEqual(decodeAll(cf(8, p)), [{ type: "error", code: 1007 }]);
  });
  const valid = [
    1000,
    1001,
    1002,
    1003,
    1007,
    1008,
    1009,
    1010,
    1011,
    1012,
    1013,
    1014,
    3000,
    3999,
    4000,
    4999,
  ];
  const invalid = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
  for (const c of valid) {
    it(`close code ${c} is accepted`, () => {
      assert.deepEqual(decodeAll(encodeClose(c, "", MASK)), [
        { type: "close", code: c, reason: "" },
      ]);
    });
  }
  for (const c of invalid) {
    it(`close code ${c} fails with 1002`, () => {
      assert.deepEqual(decodeAll(encodeClose(c, "", MASK)), [{ type: "error", code: 1002 }]);
    });
  }
  it("encodes a close frame", () => {
    assert.deepEqual(encodeClose(1000, "bye"), hex("88 05 03 e8 62 79 65"));
    assert.deepEqual(encodeClose(), hex("88 00"));
  });
});

describe("ws codec: properties", () => {
  const frameArb = fc.oneof(
    fc.record({
      op: fc.constantFrom(1, 2),
      data: fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ minLength: 65536, maxLength: 65600 }),
      ),
      frags: fc.nat(3),
    }),
    fc.record({
      op: fc.constantFrom(9, 10),
      data: fc.uint8Array({ maxLength: 125 }),
      frags: fc.constant(0),
    }),
  );
  it("round trip: masked client frames parse back to the original messages", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 6 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (items, mask, cuts) => {
          const bytes: Uint8Array[] = [];
          const expected: Ev[] = [];
          for (const it of items) {
            const data = it.op === 1 ? te.encode(Buffer.from(it.data).toString("latin1")) : it.data;
            if (it.op >= 8) {
              bytes.push(encodeFrame(it.op, data, { mask }));
              expected.push({
                type: it.op === 9 ? "ping" : "pong",
                data: Buffer.from(data).toString("hex"),
              });
              continue;
            }
            const n = it.frags + 1;
            const step = Math.ceil(data.length / n) || 1;
            for (let i = 0; i < n; i++) {
              bytes.push(encodeFrame(i === 0 ? it.op : 0, data.subarray(i * step, (i + 1) * step), {
                fin: i === n - 1,
                mask,
              }));
            }
            expected.push(msg(it.op, data));
          }
          const all = concat(...bytes);
          const splits = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
          assert.deepEqual(run(all, splits), expected);
        },
      ),
      { numRuns: 200 },
    );
  });
  it("any byte string yields only events, at most one error and nothing after it, never a throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.nat(200), (b, rsv, cut) => {
        const d = new WebSocketDecoder({ maxMessageBytes: 64, requireMask: true, allowRsv1: rsv });
        const c = Math.min(cut, b.length);
        const evs = [...d.push(b.subarray(0, c)), ...d.push(b.subarray(c))];
        const errs = evs.filter((e) => e.type === "error");
        assert.ok(errs.length <= 1);
        if (errs.length === 1) {
          assert.equal(evs.at(-1)?.type, "error");
          assert.ok([1002, 1007, 1009].includes((errs[0] as { code: number }).code));
        }
        const closes = evs.filter((e) => e.type === "close");
        if (closes.length) assert.equal(evs.at(-1)?.type, "close");
      }),
      { numRuns: 2000 },
    );
  });
});

describe("ws codec: decoders share one header buffer", () => {
  it("two decoders fed byte by byte, interleaved, each keep their own split header and mask", () => {
    const mask2 = new Uint8Array([0x01, 0x80, 0xfe, 0x7f]);
    const a = concat(cf(1, "first decoder, 16-bit length ".repeat(5)), cf(2, new Uint8Array(300)));
    const b = concat(
      encodeFrame(2, new Uint8Array(70000).fill(7), { mask: mask2 }),
      encodeFrame(9, te.encode("ping"), { mask: mask2 }),
    );
    const da = new WebSocketDecoder(opts), db = new WebSocketDecoder(opts);
    const outA: DecoderEvent[] = [], outB: DecoderEvent[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i < a.length) outA.push(...da.push(a.subarray(i, i + 1)));
      if (i < b.length) outB.push(...db.push(b.subarray(i, i + 1)));
    }
    assert.deepEqual(simplify(outA), run(a, []));
    assert.deepEqual(simplify(outB), [
      msg(2, new Uint8Array(70000).fill(7)),
      { type: "ping", data: h("ping") },
    ]);
  });
});
