// HPACK primitives: prefixed integers (§5.1), Huffman (§5.2, Appendix B),
// string literals (§5.2) and the static table (Appendix A).
import { decodeLatin1, putLatin1Strict } from "../../src/bytes/latin1.ts";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hex } from "../support/common.ts";
import {
  CompressionError,
  decodeInteger,
  decodeString,
  encodeInteger,
  encodeString,
  huffmanDecode,
  huffmanDecodedMaxLength,
  huffmanEncode,
  huffmanEncodedLength,
  integerLength,
  MAX_INTEGER,
  STATIC_TABLE,
  STATIC_TABLE_LENGTH,
  stringLiteralMaxLength,
} from "../../src/http2/core/hpack/mod.ts";

function encodeInt(value: number, prefix: number, flags = 0): Uint8Array {
  const buf = new Uint8Array(16);
  const end = encodeInteger(buf, 0, value, prefix, flags);
  assert.equal(end, integerLength(value, prefix));
  return buf.slice(0, end);
}

function huff(str: string): Uint8Array {
  const out = new Uint8Array(huffmanEncodedLength(str));
  assert.equal(huffmanEncode(out, 0, str), out.length);
  return out;
}

function unhuff(bytes: Uint8Array): string {
  const dst = new Uint8Array(huffmanDecodedMaxLength(bytes.length));
  return decodeLatin1(dst, 0, huffmanDecode(bytes, 0, bytes.length, dst, 0));
}

/** Asserts `fn` throws a CompressionError with code 0x9. */
function compressionError(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof CompressionError && e.code === 0x9);
}

describe("integers (RFC 7541 §5.1, C.1)", () => {
  it("C.1.1 encodes 10 with a 5-bit prefix", () => assert.deepEqual(encodeInt(10, 5), hex("0a")));
  it("C.1.2 encodes 1337 with a 5-bit prefix", () => {
    assert.deepEqual(encodeInt(1337, 5), hex("1f9a0a"));
  });
  it("C.1.3 encodes 42 at an octet boundary", () => assert.deepEqual(encodeInt(42, 8), hex("2a")));
  it("keeps the flag bits", () => assert.deepEqual(encodeInt(1337, 5, 0xe0), hex("ff9a0a")));
  it("decodes C.1 examples, ignoring the bits above the prefix", () => {
    for (
      const [bytes, prefix, value] of [["ea", 5, 10], ["ff9a0a", 5, 1337], ["2a", 8, 42]] as const
    ) {
      const cursor = { pos: 0 };
      assert.equal(decodeInteger(hex(bytes), cursor, prefix), value);
      assert.equal(cursor.pos, bytes.length / 2);
    }
  });
  it("round-trips boundaries for every prefix", () => {
    for (let prefix = 1; prefix <= 8; prefix++) {
      const max = (1 << prefix) - 1;
      for (
        const v of [0, 1, max - 1, max, max + 1, max + 127, max + 128, 16383, 2 ** 21, MAX_INTEGER]
      ) {
        const bytes = encodeInt(v, prefix);
        const cursor = { pos: 0 };
        assert.equal(decodeInteger(bytes, cursor, prefix), v);
        assert.equal(cursor.pos, bytes.length);
      }
    }
  });
  it("decodes from a subarray at a non-zero byteOffset, honouring `end`", () => {
    const big = hex("00 1f9a0a 00");
    const view = big.subarray(1, 4);
    assert.equal(decodeInteger(view, { pos: 0 }, 5), 1337);
    compressionError(() => decodeInteger(big, { pos: 1 }, 5, 3));
  });
  it("rejects truncation at every split", () => {
    const bytes = encodeInt(MAX_INTEGER, 5);
    for (let cut = 0; cut < bytes.length; cut++) {
      compressionError(() => decodeInteger(bytes.subarray(0, cut), { pos: 0 }, 5));
    }
  });
  it("rejects values above 2^31 - 1", () => {
    compressionError(() => decodeInteger(encodeInt(MAX_INTEGER + 1, 5), { pos: 0 }, 5));
    compressionError(() => decodeInteger(hex("1fffffffff0f"), { pos: 0 }, 5));
  });
  it("rejects more than five continuation octets, even zero padding", () => {
    assert.equal(decodeInteger(hex("1f8080808000"), { pos: 0 }, 5), 31);
    compressionError(() => decodeInteger(hex("1f808080808000"), { pos: 0 }, 5));
  });
});

describe("Huffman code (RFC 7541 Appendix B)", () => {
  const examples: Array<[string, string]> = [
    ["www.example.com", "f1e3c2e5f23a6ba0ab90f4ff"],
    ["no-cache", "a8eb10649cbf"],
    ["custom-key", "25a849e95ba97d7f"],
    ["custom-value", "25a849e95bb8e8b4bf"],
    ["302", "6402"],
    ["private", "aec3771a4b"],
    ["Mon, 21 Oct 2013 20:13:21 GMT", "d07abe941054d444a8200595040b8166e082a62d1bff"],
    ["https://www.example.com", "9d29ad171863c78f0b97c8e9ae82ae43d3"],
  ];
  for (const [text, code] of examples) {
    it(`encodes and decodes ${JSON.stringify(text)}`, () => {
      assert.deepEqual(huff(text), hex(code));
      assert.equal(unhuff(hex(code)), text);
    });
  }
  it("round-trips every octet, alone and in a run", () => {
    for (let c = 0; c < 256; c++) {
      const s = String.fromCharCode(c);
      assert.equal(unhuff(huff(s)), s);
      assert.equal(unhuff(huff(s.repeat(9) + "a")), s.repeat(9) + "a");
    }
    let all = "";
    for (let c = 255; c >= 0; c--) all += String.fromCharCode(c);
    assert.equal(unhuff(huff(all)), all);
  });
  it("codes are 5 to 30 bits: 8 copies of a symbol fill exactly that many octets", () => {
    for (let c = 0; c < 256; c++) {
      const bits = huffmanEncodedLength(String.fromCharCode(c).repeat(8));
      assert.ok(bits >= 5 && bits <= 30, `symbol ${c}: ${bits}`);
    }
  });
  it("decodes the empty string", () => assert.equal(unhuff(new Uint8Array(0)), ""));
  it("rejects EOS", () => {
    compressionError(() => unhuff(hex("ffffffff"))); // 30 ones + padding
    compressionError(() => unhuff(hex("1fffffffff"))); // "a" then EOS
  });
  it("rejects padding longer than 7 bits", () => {
    compressionError(() => unhuff(hex("ff"))); // eight one-bits of padding
    compressionError(() => unhuff(hex("1fff"))); // "a" (00011) + 11 one-bits
  });
  it("rejects padding that is not all ones", () => {
    compressionError(() => unhuff(hex("18"))); // "a" + 000
    compressionError(() => unhuff(hex("1e"))); // "a" + 110
  });
  it("accepts every valid short padding", () => {
    // "0" is 00000 (5 bits): 3 bits of padding; "a0" is 10 bits: 6 bits of padding.
    assert.equal(unhuff(hex("07")), "0");
    assert.equal(unhuff(hex("183f")), "a0"); // 00011 00000 + 111111
  });
  it("rejects non-latin1 characters when encoding", () => {
    assert.throws(() => huffmanEncodedLength("é€"), TypeError);
    assert.throws(() => huffmanEncode(new Uint8Array(8), 0, "€"), TypeError);
  });
});

describe("string literals (RFC 7541 §5.2)", () => {
  it("decodes raw and Huffman literals and advances the cursor", () => {
    const bytes = hex("0a637573746f6d2d6b6579 88 25a849e95ba97d7f");
    const cursor = { pos: 0 };
    assert.equal(decodeString(bytes, cursor), "custom-key");
    assert.equal(cursor.pos, 11);
    assert.equal(decodeString(bytes, cursor), "custom-key");
    assert.equal(cursor.pos, bytes.length);
  });
  it("rejects a length beyond the remaining octets at every split", () => {
    const bytes = hex("88 25a849e95ba97d7f");
    for (let cut = 0; cut < bytes.length; cut++) {
      compressionError(() => decodeString(bytes.subarray(0, cut), { pos: 0 }));
      compressionError(() => decodeString(bytes, { pos: 0 }, cut));
    }
  });
  it("rejects a length far beyond the block without allocating it", () => {
    compressionError(() => decodeString(hex("7fffffffff07"), { pos: 0 }));
  });
  it("encodes with Huffman only when strictly shorter", () => {
    const buf = new Uint8Array(64);
    let end = encodeString(buf, 0, "www.example.com");
    assert.deepEqual(buf.slice(0, end), hex("8c f1e3c2e5f23a6ba0ab90f4ff"));
    end = encodeString(buf, 0, "\u00ff\u00fe"); // long codes: raw is shorter
    assert.deepEqual(buf.slice(0, end), hex("02 fffe"));
    end = encodeString(buf, 0, "www.example.com", false);
    assert.equal(buf[0], 15);
    assert.ok(end <= stringLiteralMaxLength("www.example.com"));
  });
  it("maps octets to latin1 one to one, for short and long strings", () => {
    const lengths = [...Array(41).keys(), 100, 4096, 4097, 5000, 10000];
    for (const n of lengths) {
      const bytes = new Uint8Array(n);
      for (const high of [0, 0x80]) {
        // ASCII and full-range octets take different paths.
        for (let i = 0; i < n; i++) bytes[i] = ((i * 7) & 0x7f) | (i % 3 === 0 ? high : 0);
        const s = decodeLatin1(bytes, 0, n);
        assert.equal(s.length, n);
        for (let i = 0; i < n; i++) assert.equal(s.charCodeAt(i), bytes[i]);
        const back = new Uint8Array(n);
        assert.equal(putLatin1Strict(back, 0, s), n);
        assert.deepEqual(back, bytes);
      }
    }
    assert.throws(() => putLatin1Strict(new Uint8Array(4), 0, "€"), TypeError);
  });
});

describe("static table (RFC 7541 Appendix A)", () => {
  it("has 61 entries with the known ends", () => {
    assert.equal(STATIC_TABLE.length, 61);
    assert.equal(STATIC_TABLE_LENGTH, 61);
    assert.deepEqual(STATIC_TABLE[0], [":authority", ""]);
    assert.deepEqual(STATIC_TABLE[7], [":status", "200"]);
    assert.deepEqual(STATIC_TABLE[15], ["accept-encoding", "gzip, deflate"]);
    assert.deepEqual(STATIC_TABLE[60], ["www-authenticate", ""]);
  });
});
