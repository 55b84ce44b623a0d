// RFC 9204 Appendix B, byte for byte: the decoder fed each encoder-stream
// and field-section example answers with the decoder-stream bytes shown, and
// the encoder reproduces B.1 and B.2. Plus static table spot checks.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hex } from "../support/common.ts";
import {
  BLOCKED,
  QpackDecoder,
  QpackEncoder,
  STATIC_TABLE,
} from "../../src/http3/core/qpack/mod.ts";

const B1_SECTION = "0000 510b 2f69 6e64 6578 2e68 746d 6c";
const B2_ENCODER =
  "3fbd01 c00f 7777 772e 6578 616d 706c 652e 636f 6d c10c 2f73 616d 706c 652f 7061 7468";
const B2_SECTION = "0381 10 11";
const B3_ENCODER = "4a63 7573 746f 6d2d 6b65 790c 6375 7374 6f6d 2d76 616c 7565";
const B4_ENCODER = "02";
const B4_SECTION = "0500 80 c1 81";
const B5_ENCODER = "810d 6375 7374 6f6d 2d76 616c 7565 32";

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const clean = (s: string) => s.replace(/\s+/g, "");

function rfcDecoder(): QpackDecoder {
  return new QpackDecoder({
    maxTableCapacity: 220,
    maxBlockedStreams: 1,
    maxFieldSectionSize: 4096,
  });
}

describe("RFC 9204 Appendix B, decoder", () => {
  it("B.1 literal field line with static name reference", () => {
    const d = rfcDecoder();
    assert.deepEqual(d.decodeSection(0, hex(B1_SECTION)), [[":path", "/index.html"]]);
    assert.equal(d.decoderStream().length, 0); // Required Insert Count 0: nothing to acknowledge
  });

  it("B.1–B.5 in sequence, with the decoder stream of each step", () => {
    const d = rfcDecoder();
    d.decodeSection(0, hex(B1_SECTION));

    // B.2: the section arrives first and blocks; the inserts release it.
    assert.equal(d.decodeSection(4, hex(B2_SECTION)), BLOCKED);
    assert.equal(d.blockedStreams, 1);
    const released = d.encoderStream(hex(B2_ENCODER));
    assert.deepEqual(released, [{
      streamId: 4,
      fields: [[":authority", "www.example.com"], [":path", "/sample/path"]],
    }]);
    assert.equal(d.blockedStreams, 0);
    assert.equal(toHex(d.decoderStream()), "84"); // Section Acknowledgment (stream=4)

    // B.3: speculative insert.
    assert.deepEqual(d.encoderStream(hex(B3_ENCODER)), []);
    assert.equal(toHex(d.decoderStream()), "01"); // Insert Count Increment (1)

    // B.4: duplicate, then a section on stream 8 that is reset before its
    // acknowledgement goes out: the RFC's Stream Cancellation. Our decoder
    // also reports the duplicate's insert, which the RFC leaves unacknowledged.
    d.encoderStream(hex(B4_ENCODER));
    assert.equal(d.insertCount, 4);
    assert.deepEqual(d.decodeSection(8, hex(B4_SECTION)), [
      [":authority", "www.example.com"],
      [":path", "/"],
      ["custom-key", "custom-value"],
    ]);
    d.cancelStream(8);
    assert.equal(toHex(d.decoderStream()), "4801");

    // B.5: insert with a dynamic name reference, evicting the oldest entry.
    d.encoderStream(hex(B5_ENCODER));
    assert.equal(toHex(d.decoderStream()), "01"); // Insert Count Increment (1)
    // Absolute 0 (:authority) is evicted; 4 is the new entry, 3 the duplicate.
    assert.deepEqual(d.decodeSection(12, hex("0600 80 81")), [
      ["custom-key", "custom-value2"],
      [":authority", "www.example.com"],
    ]);
    assert.throws(() => d.decodeSection(16, hex("0600 84 80")), { code: 0x200 });
  });

  it("B.4 acknowledged when not cancelled", () => {
    const d = rfcDecoder();
    d.encoderStream(hex(B2_ENCODER + B3_ENCODER));
    d.decoderStream();
    d.encoderStream(hex(B4_ENCODER));
    d.decodeSection(8, hex(B4_SECTION));
    assert.equal(toHex(d.decoderStream()), "88"); // the ack covers the duplicate too
  });

  it("every example split at every offset decodes the same", () => {
    const stream = hex(B2_ENCODER + B3_ENCODER + B4_ENCODER + B5_ENCODER);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = rfcDecoder();
      d.encoderStream(stream.subarray(0, cut));
      d.encoderStream(stream.subarray(cut));
      assert.equal(d.insertCount, 5);
      assert.deepEqual(d.decodeSection(12, hex("0600 80 81 82")), [
        ["custom-key", "custom-value2"],
        [":authority", "www.example.com"],
        ["custom-key", "custom-value"],
      ]);
    }
  });
});

describe("RFC 9204 Appendix B, encoder", () => {
  it("B.1 static-only encoding", () => {
    const e = new QpackEncoder({ huffman: false });
    assert.equal(toHex(e.encodeSection(0, [[":path", "/index.html"]])), clean(B1_SECTION));
    assert.equal(e.encoderStream().length, 0);
  });

  it("B.2 inserts and post-base references, then the acknowledgement", () => {
    const e = new QpackEncoder({ maxTableCapacity: 220, huffman: false });
    e.setPeerSettings({ maxTableCapacity: 220, blockedStreams: 1 });
    const section = e.encodeSection(4, [[":authority", "www.example.com"], [
      ":path",
      "/sample/path",
    ]]);
    assert.equal(toHex(e.encoderStream()), clean(B2_ENCODER));
    assert.equal(toHex(section), clean(B2_SECTION));
    assert.equal(e.blockedStreams, 1);
    e.decoderStream(hex("84"));
    assert.equal(e.knownReceivedCount, 2);
    assert.equal(e.blockedStreams, 0);
    // Stream 4 has nothing left to acknowledge.
    assert.throws(() => e.decoderStream(hex("84")), { code: 0x202 });
  });
});

describe("QPACK static table", () => {
  it("has the 99 entries of Appendix A", () => {
    assert.equal(STATIC_TABLE.length, 99);
    const spot: [number, string, string][] = [
      [0, ":authority", ""],
      [1, ":path", "/"],
      [17, ":method", "GET"],
      [25, ":status", "200"],
      [31, "accept-encoding", "gzip, deflate, br"],
      [52, "content-type", "text/html; charset=utf-8"],
      [63, ":status", "100"],
      [72, "accept-language", ""],
      [85, "content-security-policy", "script-src 'none'; object-src 'none'; base-uri 'none'"],
      [98, "x-frame-options", "sameorigin"],
    ];
    for (const [i, name, value] of spot) assert.deepEqual(STATIC_TABLE[i], [name, value], `#${i}`);
  });

  it("decodes each index and refuses index 99", () => {
    const d = new QpackDecoder({
      maxTableCapacity: 0,
      maxBlockedStreams: 0,
      maxFieldSectionSize: 1 << 16,
    });
    for (let i = 0; i < 99; i++) {
      const wire = i < 63 ? [0, 0, 0xc0 | i] : [0, 0, 0xff, i - 63];
      assert.deepEqual(d.decodeSection(0, new Uint8Array(wire)), [[...STATIC_TABLE[i]!]]);
    }
    assert.throws(() => d.decodeSection(0, new Uint8Array([0, 0, 0xff, 36])), { code: 0x200 });
  });

  it("the encoder uses exact and name matches without a dynamic table", () => {
    const e = new QpackEncoder({ huffman: false });
    // :method GET = 17 (d1), :status 200 = 25 (d9), content-type name 44 with a literal value.
    const out = e.encodeSection(0, [[":method", "GET"], [":status", "200"], ["content-type", "x"]]);
    assert.equal(toHex(out), "0000d1d95f1d0178");
  });
});
