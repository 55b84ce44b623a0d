// Hostile input: each bomb gets its QPACK error code (0x200 decompression
// failed, 0x201 encoder stream, 0x202 decoder stream), and random or
// corrupted bytes only ever raise QpackError.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { hex } from "../support/common.ts";
import {
  BLOCKED,
  FieldSectionTooLargeError,
  QpackDecoder,
  QpackEncoder,
  QpackError,
} from "../../src/http3/core/qpack/mod.ts";

const DECOMPRESSION = { name: "QpackError", code: 0x200 };
const ENCODER_STREAM = { name: "QpackError", code: 0x201 };
const DECODER_STREAM = { name: "QpackError", code: 0x202 };

function decoder(cap = 100, blocked = 1, maxSection = 4096): QpackDecoder {
  return new QpackDecoder({
    maxTableCapacity: cap,
    maxBlockedStreams: blocked,
    maxFieldSectionSize: maxSection,
  });
}
const SET_CAP_100 = "3f45"; // Set Dynamic Table Capacity = 31 + 69
const INSERT_A_B = "4161 0162"; // Insert With Literal Name a=b (size 34)

describe("qpack encoder stream bombs (0x201)", () => {
  it("an insert larger than the capacity", () => {
    const d = decoder();
    const big = "4161 50" + "62".repeat(80); // a = 80 × b: 1 + 80 + 32 > 100
    assert.throws(() => d.encoderStream(hex(SET_CAP_100 + big)), {
      ...ENCODER_STREAM,
      message: /capacity/,
    });
  });

  it("a declared huge string is refused before its body arrives", () => {
    const d = decoder();
    // Insert With Name Reference (static 0), value length 1 000 000, no body.
    assert.throws(() => d.encoderStream(hex(SET_CAP_100 + "c0 7f c1 84 3d")), {
      ...ENCODER_STREAM,
      message: /capacity/,
    });
  });

  it("an insert while the capacity is 0", () => {
    assert.throws(() => decoder().encoderStream(hex(INSERT_A_B)), ENCODER_STREAM);
  });

  it("a capacity above what we advertised", () => {
    assert.throws(() => decoder().encoderStream(hex("3f46")), ENCODER_STREAM); // 101 > 100
  });

  it("a name reference or duplicate of a missing entry", () => {
    assert.throws(() => decoder().encoderStream(hex(SET_CAP_100 + "80 0162")), ENCODER_STREAM);
    assert.throws(() => decoder().encoderStream(hex(SET_CAP_100 + "00")), ENCODER_STREAM);
    assert.throws(() => decoder().encoderStream(hex(SET_CAP_100 + "ff 40 0162")), ENCODER_STREAM); // static 127
    // Relative index 1 with one entry inserted.
    assert.throws(
      () => decoder().encoderStream(hex(SET_CAP_100 + INSERT_A_B + "01")),
      ENCODER_STREAM,
    );
  });

  it("malformed Huffman in an insert", () => {
    // Name "0" + three 0-bits of padding: padding must be ones.
    assert.throws(() => decoder().encoderStream(hex(SET_CAP_100 + "61 00 00")), ENCODER_STREAM);
    // 32 one-bits contain EOS.
    assert.throws(
      () => decoder().encoderStream(hex(SET_CAP_100 + "64 ffffffff 00")),
      ENCODER_STREAM,
    );
  });

  it("an integer with endless continuation octets", () => {
    assert.throws(() => decoder().encoderStream(hex("3f" + "ff".repeat(12))), ENCODER_STREAM);
  });

  it("a partial instruction is kept, then completed", () => {
    const d = decoder();
    const wire = hex(SET_CAP_100 + INSERT_A_B);
    for (const b of wire) d.encoderStream(new Uint8Array([b]));
    assert.equal(d.insertCount, 1);
  });
});

describe("qpack field section bombs (0x200)", () => {
  it("a reference to an evicted entry", () => {
    const d = decoder(64);
    d.encoderStream(hex("3f21" + INSERT_A_B + INSERT_A_B)); // capacity 64: the second evicts the first
    assert.throws(() => d.decodeSection(0, hex("0200 80")), {
      ...DECOMPRESSION,
      message: /missing entry/,
    }); // RIC 1, Base 1, abs 0
  });

  it("references at or past the Required Insert Count", () => {
    const d = decoder();
    d.encoderStream(hex(SET_CAP_100 + INSERT_A_B));
    assert.throws(() => d.decodeSection(0, hex("0280 11")), DECOMPRESSION); // post-base abs 1, RIC 1
    assert.throws(() => d.decodeSection(0, hex("0200 81")), DECOMPRESSION); // relative abs -1
    assert.throws(() => d.decodeSection(0, hex("0201 80")), DECOMPRESSION); // Base 2: abs 1 ≥ RIC
    assert.throws(() => d.decodeSection(0, hex("0280 01 0178")), DECOMPRESSION); // post-base name ref abs 1
  });

  it("a huge Required Insert Count", () => {
    assert.throws(() => decoder(0).decodeSection(0, hex("0100")), {
      ...DECOMPRESSION,
      message: /Required/,
    }); // no dynamic table
    assert.throws(() => decoder().decodeSection(0, hex("0700")), {
      ...DECOMPRESSION,
      message: /Required/,
    }); // > 2·MaxEntries
    assert.throws(() => decoder().decodeSection(0, hex("0600")), {
      ...DECOMPRESSION,
      message: /Required/,
    }); // > MaxValue, unwrappable
    assert.throws(
      () => decoder().decodeSection(0, hex("ff" + "ff".repeat(9) + "7f 00")),
      DECOMPRESSION,
    );
  });

  it("a Required Insert Count larger than the references need", () => {
    const d = decoder();
    d.encoderStream(hex(SET_CAP_100 + INSERT_A_B + INSERT_A_B));
    assert.throws(() => d.decodeSection(0, hex("0300 81")), {
      ...DECOMPRESSION,
      message: /not matched/,
    }); // RIC 2, only abs 0 used
  });

  it("a negative Base", () => {
    const d = decoder();
    d.encoderStream(hex(SET_CAP_100 + INSERT_A_B));
    assert.throws(() => d.decodeSection(0, hex("0281 80")), {
      ...DECOMPRESSION,
      message: /negative Base/,
    });
  });

  it("too many blocked streams", () => {
    const d = decoder(100, 1);
    assert.equal(d.decodeSection(0, hex("0200 80")), BLOCKED);
    assert.equal(d.decodeSection(0, hex("0200 80")), BLOCKED); // same stream: still one
    assert.throws(() => d.decodeSection(4, hex("0200 80")), {
      ...DECOMPRESSION,
      message: /too many blocked/,
    });
    assert.throws(() => decoder(100, 0).decodeSection(0, hex("0200 80")), DECOMPRESSION);
  });

  it("malformed Huffman, truncation and bad static indexes", () => {
    const d = decoder();
    assert.throws(() => d.decodeSection(0, hex("0000 29 00 00")), DECOMPRESSION); // bad padding
    assert.throws(() => d.decodeSection(0, hex("0000 5f 1d 84 ffffffff")), DECOMPRESSION); // EOS
    assert.throws(() => d.decodeSection(0, new Uint8Array(0)), DECOMPRESSION);
    assert.throws(() => d.decodeSection(0, hex("00")), DECOMPRESSION);
    assert.throws(() => d.decodeSection(0, hex("0000 510b 2f")), DECOMPRESSION);
    assert.throws(() => d.decodeSection(0, hex("0000 ff 24")), DECOMPRESSION); // static 99
    assert.throws(() => d.decodeSection(0, hex("0000 5f 54 00")), DECOMPRESSION); // static 99 name
  });

  it("an oversize section refuses the stream and leaves the decoder usable", () => {
    const d = decoder(100, 1, 100);
    const e = new QpackEncoder();
    const section = e.encodeSection(0, [["x-big", "y".repeat(80)]]); // 5 + 80 + 32 > 100
    assert.throws(
      () => d.decodeSection(8, section),
      (err: unknown) =>
        err instanceof FieldSectionTooLargeError && err.code === 0x200 && err.streamId === 8,
    );
    assert.deepEqual(d.decodeSection(12, e.encodeSection(12, [[":path", "/"]])), [[":path", "/"]]);
    // Many small fields count their 32-octet overhead too.
    const many = e.encodeSection(0, [[":path", "/"], [":path", "/"], [":path", "/"]]);
    assert.throws(() => d.decodeSection(16, many), FieldSectionTooLargeError);
  });

  it("an oversize section that references the table is still acknowledged", () => {
    const d = decoder(4096, 4, 100);
    d.encoderStream(hex("3f e1 1f" + "4161 50" + "62".repeat(80))); // capacity 4096; a = 80 × b
    d.decoderStream();
    assert.throws(() => d.decodeSection(4, hex("0200 80")), FieldSectionTooLargeError);
    assert.equal(Array.from(d.decoderStream()).join(), String(0x84)); // Section Acknowledgment (4)
  });

  it("an oversize section found while unblocking is reported for its stream only", () => {
    const d = decoder(4096, 4, 100);
    assert.equal(d.decodeSection(4, hex("0200 80")), BLOCKED);
    assert.deepEqual(d.decodeSection(8, hex("0000 d1")), [[":method", "GET"]]); // unaffected
    const out = d.encoderStream(hex("3f e1 1f" + "4161 50" + "62".repeat(80)));
    assert.equal(out.length, 1);
    assert.equal(out[0]!.streamId, 4);
    assert.ok(out[0]!.error instanceof FieldSectionTooLargeError);
    assert.deepEqual(out[0]!.fields, []);
  });

  it("a blocked section too long to ever fit is refused and cancelled at once", () => {
    const d = decoder(4096, 4, 100);
    const body = "5f 1d 7f 82 03" + "78".repeat(513); // content-type: 513 × "x", never fits 100
    assert.throws(() => d.decodeSection(4, hex("0200" + body)), FieldSectionTooLargeError);
    assert.equal(d.blockedStreams, 0);
    assert.equal(Array.from(d.decoderStream()).join(), String(0x44)); // Stream Cancellation (4)
  });

  it("cancelStream drops a blocked section and its slot", () => {
    const d = decoder(100, 1);
    assert.equal(d.decodeSection(0, hex("0200 80")), BLOCKED);
    d.cancelStream(0);
    assert.equal(d.blockedStreams, 0);
    assert.equal(d.decodeSection(4, hex("0200 80")), BLOCKED);
    assert.deepEqual(d.encoderStream(hex(SET_CAP_100 + INSERT_A_B)).map((s) => s.streamId), [4]);
  });
});

describe("qpack decoder stream bombs (0x202)", () => {
  function encoder(): QpackEncoder {
    const e = new QpackEncoder();
    e.setPeerSettings({ maxTableCapacity: 4096, blockedStreams: 4 });
    return e;
  }

  it("a Section Acknowledgement for a stream with nothing unacknowledged", () => {
    assert.throws(() => encoder().decoderStream(hex("84")), DECODER_STREAM);
    const e = encoder();
    e.encodeSection(4, [[":method", "GET"]]); // static only: nothing to acknowledge
    assert.throws(() => e.decoderStream(hex("84")), DECODER_STREAM);
  });

  it("an Insert Count Increment of zero or past the inserts", () => {
    assert.throws(() => encoder().decoderStream(hex("00")), DECODER_STREAM);
    assert.throws(() => encoder().decoderStream(hex("01")), DECODER_STREAM);
    const e = encoder();
    e.encodeSection(0, [["x-a", "1"]]);
    e.decoderStream(hex("01"));
    assert.throws(() => e.decoderStream(hex("01")), DECODER_STREAM);
  });

  it("an overlong integer, truncated or garbled", () => {
    assert.throws(() => encoder().decoderStream(hex("ff" + "ff".repeat(10))), DECODER_STREAM);
    const e = encoder();
    e.decoderStream(hex("ffff")); // truncated: waits
    assert.throws(() => e.decoderStream(hex("00")), DECODER_STREAM); // completes to an unknown stream
  });

  it("a peer that never acknowledges caps our bookkeeping, then gets static-only sections", () => {
    const e = encoder();
    const d = new QpackDecoder({
      maxTableCapacity: 4096,
      maxBlockedStreams: 4,
      maxFieldSectionSize: 4096,
    });
    for (let i = 0; i < 1100; i++) {
      const section = e.encodeSection(4 * i, [["x-a", "1"]]);
      d.encoderStream(e.encoderStream());
      assert.deepEqual(d.decodeSection(4 * i, section), [["x-a", "1"]]);
      if (i === 0) e.decoderStream(hex("01")); // the insert is acknowledged, no section ever is
      assert.equal(section[0] === 0, i >= 1024, `section ${i}`); // past the cap: no dynamic reference
    }
    // Stream Cancellations free the budget again.
    const canceller = new QpackDecoder({
      maxTableCapacity: 1,
      maxBlockedStreams: 0,
      maxFieldSectionSize: 1,
    });
    for (let i = 0; i < 1100; i++) canceller.cancelStream(4 * i);
    e.decoderStream(canceller.decoderStream());
    assert.notEqual(e.encodeSection(9999, [["x-a", "1"]])[0], 0);
  });

  it("a Stream Cancellation for an unknown stream is harmless", () => {
    const e = encoder();
    e.decoderStream(hex("48 7f 80 01"));
    assert.equal(e.blockedStreams, 0);
  });
});

describe("qpack random and corrupted input", () => {
  const isQpack = (e: unknown) => e instanceof QpackError;

  it("random bytes on every input only raise QpackError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        const d = decoder(256, 2, 1024);
        try {
          d.encoderStream(a);
        } catch (e) {
          assert.ok(isQpack(e), String(e));
        }
        try {
          d.decodeSection(0, b);
          d.decodeSection(4, b);
        } catch (e) {
          assert.ok(isQpack(e), String(e));
        }
        try {
          const e = new QpackEncoder();
          e.setPeerSettings({ maxTableCapacity: 256, blockedStreams: 2 });
          e.encodeSection(0, [["x-a", "1"], ["x-b", "2"]]);
          e.decoderStream(a);
        } catch (e) {
          assert.ok(isQpack(e), String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("valid sections with a corrupted byte only raise QpackError", () => {
    const e = new QpackEncoder();
    e.setPeerSettings({ maxTableCapacity: 512, blockedStreams: 4 });
    const lists: [string, string][][] = [
      [[":method", "POST"], [":path", "/upload?id=1"], ["content-type", "text/plain"], [
        "x-a",
        "1",
      ]],
      [[":method", "POST"], [":path", "/upload?id=2"], ["x-a", "1"], ["x-b", "ü"]],
    ];
    const sections = lists.map((l, i) => e.encodeSection(4 * i, l));
    const ins = e.encoderStream();
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, x, inSection) => {
        const d = decoder(512, 4, 4096);
        const stream = ins.slice();
        const secs = sections.map((s) => s.slice());
        const target = inSection ? secs[at % 2]! : stream;
        target[at % target.length] = target[at % target.length]! ^ x;
        try {
          d.encoderStream(stream);
          for (const [i, s] of secs.entries()) d.decodeSection(4 * i, s);
        } catch (err) {
          assert.ok(isQpack(err), String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
