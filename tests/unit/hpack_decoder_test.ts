// Decoder behaviour beyond the RFC examples: malformed blocks, table size
// updates, header list limits and the HPACK bomb.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { concat, hex } from "../support/common.ts";
import {
  CompressionError,
  Decoder,
  encodeInteger,
  Encoder,
  HeaderListTooLargeError,
} from "../../src/http2/core/hpack/mod.ts";

/** Bytes of an integer with the given prefix and flags. */
function int(value: number, prefix: number, flags: number): Uint8Array {
  const buf = new Uint8Array(8);
  return buf.slice(0, encodeInteger(buf, 0, value, prefix, flags));
}

/** A raw (non-Huffman) string literal of ASCII text. */
function literal(text: string): Uint8Array {
  return concat(int(text.length, 7, 0), new TextEncoder().encode(text));
}

/** A raw string literal of `n` x's. */
function rawString(n: number): Uint8Array {
  return literal("x".repeat(n));
}

/** Literal with incremental indexing, a new name and a value of `valueLength` x's. */
function indexedLiteral(name: string, valueLength: number): Uint8Array {
  return concat(hex("40"), literal(name), rawString(valueLength));
}

function compressionError(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof CompressionError && e.code === 0x9);
}

function tooLarge(fn: () => unknown, limit?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HeaderListTooLargeError, String(e));
    assert.ok(!(e instanceof CompressionError));
    if (limit) assert.equal(e.limit, limit);
    return true;
  });
}

describe("decoder: malformed blocks are CompressionErrors", () => {
  const cases: Array<[string, string]> = [
    ["index 0", "80"],
    ["static index beyond an empty dynamic table", "be"],
    ["huge index", "ffffffff07"],
    ["literal name index out of range", "7f00 00"],
    ["truncated integer", "ff"],
    ["overlong integer", "ff8080808080 8000"],
    ["integer overflow", "ffffffffff0f"],
    ["truncated literal (no name)", "40"],
    ["truncated literal (no value)", "4001 61"],
    ["name length past the block", "400a 6162"],
    ["value length past the block", "0402 61"],
    ["Huffman EOS in a value", "0484 ffffffff"],
    ["Huffman padding not all ones", "0481 18"],
    ["Huffman padding over 7 bits", "0482 1fff"],
    ["Huffman EOS in a name", "1084 ffffffff 00"],
    ["size update above the limit", "3fe21f"],
    ["size update after a field", "82 20"],
    ["size update between fields", "82 3f e11f 82"],
  ];
  for (const [title, bytes] of cases) {
    it(title, () => compressionError(() => new Decoder().decode(hex(bytes))));
  }
  it("a CompressionError wins over an exceeded limit in the same block", () => {
    const decoder = new Decoder({ maxFields: 1 });
    compressionError(() => decoder.decode(hex("82 82 82 80")));
  });
});

describe("decoder: dynamic table size updates (§4.2, §6.3)", () => {
  it("applies updates at the block start, several in a row", () => {
    const decoder = new Decoder();
    decoder.decode(indexedLiteral("a", 10)); // 43 octets
    assert.equal(decoder.table.size, 43);
    assert.deepEqual(decoder.decode(hex("20 3fe11f 82")), [[":method", "GET"]]);
    assert.equal(decoder.table.size, 0);
    assert.equal(decoder.table.maxSize, 4096);
  });
  it("evicts on a shrinking update", () => {
    const decoder = new Decoder();
    decoder.decode(indexedLiteral("a", 10));
    decoder.decode(indexedLiteral("b", 10));
    decoder.decode(concat(int(50, 5, 0x20)));
    assert.equal(decoder.table.length, 1);
    assert.deepEqual(decoder.table.get(0), ["b", "x".repeat(10)]);
    assert.equal(decoder.table.get(1), undefined);
  });
  it("checks updates against setMaxTableSize", () => {
    const decoder = new Decoder({ maxTableSize: 100 });
    assert.deepEqual(decoder.decode(concat(int(100, 5, 0x20))), []);
    compressionError(() => decoder.decode(concat(int(101, 5, 0x20))));
    decoder.setMaxTableSize(8192); // growing needs no update
    assert.deepEqual(decoder.decode(hex("82")), [[":method", "GET"]]);
    decoder.decode(concat(int(8192, 5, 0x20)));
    assert.equal(decoder.table.maxSize, 8192);
  });
  it("requires an update after the advertised size shrank below the table's", () => {
    const decoder = new Decoder();
    decoder.setMaxTableSize(1000);
    compressionError(() => decoder.decode(hex("82")));
  });
  it("requires the update to reach the smallest size advertised meanwhile", () => {
    const decoder = new Decoder();
    decoder.setMaxTableSize(0);
    decoder.setMaxTableSize(2000);
    const fresh = () => {
      const d = new Decoder();
      d.setMaxTableSize(0);
      d.setMaxTableSize(2000);
      return d;
    };
    compressionError(() => fresh().decode(concat(int(1000, 5, 0x20), hex("82"))));
    assert.deepEqual(fresh().decode(concat(hex("20"), int(2000, 5, 0x20), hex("82"))), [[
      ":method",
      "GET",
    ]]);
    const d = fresh();
    d.decode(hex("20"));
    assert.deepEqual(d.decode(hex("82")), [[":method", "GET"]]); // only once
  });
  it("an entry larger than the table empties it", () => {
    const decoder = new Decoder({ maxTableSize: 100 });
    decoder.decode(indexedLiteral("a", 10));
    assert.equal(decoder.table.length, 1);
    const [[name, value]] = decoder.decode(indexedLiteral("b", 80)) as [[string, string]];
    assert.equal(name, "b");
    assert.equal(value.length, 80);
    assert.equal(decoder.table.length, 0);
    assert.equal(decoder.table.size, 0);
  });
});

describe("decoder: header list limits", () => {
  it("caps the header list size and keeps the table consistent", () => {
    const encoder = new Encoder();
    const decoder = new Decoder({ maxHeaderListSize: 200 });
    const big: Array<[string, string]> = [
      ["x-one", "a".repeat(60)],
      ["x-two", "b".repeat(60)],
      ["x-three", "c".repeat(60)],
    ];
    tooLarge(() => decoder.decode(encoder.encode(big)), "maxHeaderListSize");
    // All three were indexed by the encoder, and the decoder kept them.
    assert.equal(decoder.table.length, 3);
    assert.equal(decoder.table.size, encoder.tableSize);
    // The next block references them and decodes correctly.
    const next: Array<[string, string]> = [["x-three", "c".repeat(60)], ["x-one", "a".repeat(60)]];
    const block = encoder.encode(next);
    assert.equal(block.length, 2); // two indexed fields
    assert.deepEqual(decoder.decode(block), next);
  });
  it("caps the number of fields", () => {
    const decoder = new Decoder({ maxFields: 3 });
    assert.equal(decoder.decode(hex("82 84 86")).length, 3);
    tooLarge(() => decoder.decode(hex("82 84 86 87")), "maxFields");
    // Table updates after the cap are still applied.
    tooLarge(() => decoder.decode(concat(hex("82 84 86 87"), indexedLiteral("a", 3))));
    assert.deepEqual(decoder.table.get(0), ["a", "xxx"]);
    assert.deepEqual(decoder.decode(hex("be")), [["a", "xxx"]]);
  });
  it("counts name + value + 32 per field, exactly at the limit", () => {
    const block = hex("82"); // :method GET = 7 + 3 + 32 = 42
    assert.equal(new Decoder({ maxHeaderListSize: 42 }).decode(block).length, 1);
    tooLarge(() => new Decoder({ maxHeaderListSize: 41 }).decode(block));
  });
  it("survives an HPACK bomb of references to a 4 KiB entry", () => {
    const decoder = new Decoder({ maxTableSize: 4096 });
    const entry = indexedLiteral("bomb", 4000);
    const refs = new Uint8Array(200_000).fill(0xbe); // index 62, over and over
    tooLarge(() => decoder.decode(concat(entry, refs)), "maxHeaderListSize");
    // The connection can go on with the same decoder.
    assert.equal(decoder.table.length, 1);
    assert.deepEqual(decoder.decode(hex("82")), [[":method", "GET"]]);
  });
  it("past the cap, literals that fit the table are still indexed", () => {
    const decoder = new Decoder({ maxHeaderListSize: 100, maxTableSize: 65536 });
    decoder.setMaxTableSize(65536);
    const block = concat(indexedLiteral("a", 200), indexedLiteral("b", 50_000));
    tooLarge(() => decoder.decode(block));
    assert.equal(decoder.table.length, 2);
    assert.equal(decoder.table.get(0)![1].length, 50_000);
  });
  it("a too-large list in one block does not affect the next", () => {
    const decoder = new Decoder({ maxHeaderListSize: 100 });
    tooLarge(() => decoder.decode(concat(hex("82 04"), rawString(90))));
    assert.deepEqual(decoder.decode(hex("82")), [[":method", "GET"]]);
  });
});

describe("decoder: input views", () => {
  it("decodes a subarray at a non-zero byteOffset without reading outside it", () => {
    const block = hex("828684418cf1e3c2e5f23a6ba0ab90f4ff");
    const big = new Uint8Array(block.length + 20).fill(0x80); // index 0 around it
    big.set(block, 10);
    const view = big.subarray(10, 10 + block.length);
    assert.deepEqual(new Decoder().decode(view), [
      [":method", "GET"],
      [":scheme", "http"],
      [":path", "/"],
      [":authority", "www.example.com"],
    ]);
  });
  it("decodes a block backed by a SharedArrayBuffer", () => {
    const value = "x".repeat(40); // long enough for the bulk string path
    const block = new Encoder().encode([["x-a", value]]);
    const shared = new Uint8Array(new SharedArrayBuffer(block.length));
    shared.set(block);
    assert.deepEqual(new Decoder().decode(shared), [["x-a", value]]);
    const raw = new Encoder({ huffman: false }).encode([["x-a", value]]);
    const sharedRaw = new Uint8Array(new SharedArrayBuffer(raw.length));
    sharedRaw.set(raw);
    assert.deepEqual(new Decoder().decode(sharedRaw), [["x-a", value]]);
  });
  it("decodes the empty block", () => assert.deepEqual(new Decoder().decode(new Uint8Array()), []));
  it("returns names and values as latin1, one character per octet", () => {
    const block = hex("00 02 c3a9 02 ff00");
    assert.deepEqual(new Decoder().decode(block), [["\u00c3\u00a9", "\u00ff\u0000"]]);
  });
});
