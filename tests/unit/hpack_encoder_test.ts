// Encoder behaviour: static fast paths, indexing choices, never-indexed
// fields, Huffman selection and table size updates.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hex } from "../support/common.ts";
import { Decoder, Encoder, type HeaderField } from "../../src/http2/core/hpack/mod.ts";

/** Representation of the first field of a block (skipping size updates). */
function kind(block: Uint8Array): string {
  let i = 0;
  while ((block[i]! & 0xe0) === 0x20) {
    const prefixFull = (block[i++]! & 0x1f) === 0x1f;
    if (prefixFull) { while (block[i++]! & 0x80) continue; }
  }
  const b = block[i]!;
  if (b & 0x80) return "indexed";
  if (b & 0x40) return "incremental";
  if (b & 0x10) return "never";
  return "without";
}

describe("encoder: static table fast paths", () => {
  it("encodes :status 200 as the single octet 0x88", () => {
    const encoder = new Encoder();
    assert.deepEqual(encoder.encode([[":status", "200"]]), hex("88"));
    assert.deepEqual(encoder.encode([[":status", "200"]]), hex("88"));
    assert.equal(encoder.tableSize, 0);
  });
  it("uses full static matches for every static entry with a value", () => {
    const encoder = new Encoder();
    const block = encoder.encode([
      [":method", "GET"],
      [":method", "POST"],
      [":path", "/"],
      [":scheme", "https"],
      [":status", "404"],
      ["accept-encoding", "gzip, deflate"],
    ]);
    assert.deepEqual(block, hex("82 83 84 87 8d 90"));
  });
  it("indexes a repeated response header and then refers to it in one octet", () => {
    const encoder = new Encoder();
    const decoder = new Decoder();
    const headers: Array<[string, string]> = [
      [":status", "200"],
      ["content-type", "text/html; charset=utf-8"],
      ["server", "h2serve"],
    ];
    const first = encoder.encode(headers);
    assert.deepEqual(decoder.decode(first), headers);
    const second = encoder.encode(headers);
    assert.deepEqual(second, hex("88 bf be")); // 62 = server, 63 = content-type
    assert.deepEqual(decoder.decode(second), headers);
  });
  it("does not index volatile fields", () => {
    const encoder = new Encoder();
    const block = encoder.encode([["content-length", "1234"]]);
    assert.equal(kind(block), "without");
    assert.equal(block[0], 0x0f); // 4-bit prefix full: name index 28 = 15 + 13
    assert.equal(block[1], 13);
    assert.equal(encoder.tableSize, 0);
  });
  it("does not index an entry larger than 3/4 of the table", () => {
    const encoder = new Encoder();
    const decoder = new Decoder();
    const headers: Array<[string, string]> = [["x-big", "v".repeat(3100)]];
    const block = encoder.encode(headers);
    assert.equal(kind(block), "without");
    assert.deepEqual(decoder.decode(block), headers);
    assert.equal(encoder.tableSize, 0);
  });
});

describe("encoder: sensitive fields", () => {
  for (const name of ["authorization", "proxy-authorization", "cookie", "set-cookie"]) {
    it(`encodes ${name} as never indexed by default`, () => {
      const encoder = new Encoder();
      const block = encoder.encode([[name, "secret"]]);
      assert.equal(kind(block), "never");
      assert.equal(encoder.tableSize, 0);
      assert.deepEqual(encoder.encode([[name, "secret"]]), block); // never referenced later
      assert.deepEqual(new Decoder().decode(block), [[name, "secret"]]);
    });
  }
  it("honours a third tuple element: true forces, false allows indexing", () => {
    const encoder = new Encoder();
    const forced: HeaderField[] = [["x-token", "abc", true]];
    assert.equal(kind(encoder.encode(forced)), "never");
    assert.equal(kind(encoder.encode([["x-token", "abc"]])), "incremental");
    const allowed: HeaderField[] = [["cookie", "theme=dark", false]];
    assert.equal(kind(encoder.encode(allowed)), "incremental");
    assert.equal(kind(encoder.encode(allowed)), "indexed");
    // A sensitive field never refers to an equal entry indexed earlier.
    assert.equal(kind(encoder.encode([["cookie", "theme=dark"]])), "never");
  });
  it("never indexes a sensitive field even with a full static match", () => {
    const encoder = new Encoder();
    assert.equal(kind(encoder.encode([[":method", "GET", true]])), "never");
  });
  it("accepts a custom never-index list", () => {
    const encoder = new Encoder({ neverIndex: ["x-secret"] });
    assert.equal(kind(encoder.encode([["x-secret", "1"]])), "never");
    assert.equal(kind(encoder.encode([["cookie", "a=b"]])), "incremental");
  });
});

describe("encoder: strings", () => {
  it("uses Huffman only when shorter", () => {
    const encoder = new Encoder();
    const text = encoder.encode([["x-a", "www.example.com"]]);
    // 0x40, name "x-a" (3 octets: Huffman not shorter), value Huffman 0x8c
    assert.deepEqual(text.subarray(0, 5), hex("40 03 782d61"));
    assert.equal(text[5], 0x8c);
    const binary = encoder.encode([["x-b", "\u00ff\u00fe\u00fd"]]);
    assert.deepEqual(binary.subarray(5), hex("03 fffefd"));
  });
  it("can disable Huffman", () => {
    const block = new Encoder({ huffman: false }).encode([["x-a", "www.example.com"]]);
    assert.equal(block[5], 15);
  });
  it("round-trips every octet value in names and values", () => {
    let all = "";
    for (let c = 0; c < 256; c++) all += String.fromCharCode(c);
    const headers: Array<[string, string]> = [[all, all], ["x", all.repeat(20)]];
    assert.deepEqual(new Decoder().decode(new Encoder().encode(headers)), headers);
  });
  it("rejects characters above U+00FF", () => {
    assert.throws(() => new Encoder().encode([["x-a", "€"]]), TypeError);
    assert.throws(() => new Encoder({ huffman: false }).encode([["x-a", "€"]]), TypeError);
  });
  it("stays in step with the peer after rejecting a block", () => {
    const encoder = new Encoder();
    const decoder = new Decoder();
    const ok: Array<[string, string]> = [["x-a", "1"], ["x-b", "2"]];
    assert.deepEqual(decoder.decode(encoder.encode(ok)), ok);
    assert.throws(() => encoder.encode([["x-c", "3"], ["x-d", "€"]]), TypeError);
    const next: Array<[string, string]> = [["x-c", "3"], ["x-a", "1"], ["x-c", "3"]];
    const block = encoder.encode(next);
    assert.deepEqual(block.subarray(0, 4), hex("20 3fe11f")); // empty the table, restore it
    assert.deepEqual(decoder.decode(block), next);
    assert.deepEqual(decoder.table.entries(), [["x-a", "1"], ["x-c", "3"]]);
    assert.equal(decoder.table.size, encoder.tableSize);
  });
  it("returns independent arrays although it reuses its buffer", () => {
    const encoder = new Encoder();
    const a = encoder.encode([["x-a", "1".repeat(3000)]]);
    const copy = a.slice();
    encoder.encode([["x-b", "2".repeat(5000)]]);
    assert.deepEqual(a, copy);
  });
  it("encodeShared gives the same bytes as encode, as a view it reuses", () => {
    const a = new Encoder();
    const b = new Encoder();
    const lists: HeaderField[][] = [
      [[":status", "200"], ["content-type", "text/plain"]],
      [[":status", "404"], ["x-long", "v".repeat(300)]],
      [[":status", "200"], ["content-type", "text/plain"]],
    ];
    let first: Uint8Array | null = null;
    for (const list of lists) {
      const shared = b.encodeShared(list);
      assert.deepEqual(shared, a.encode(list));
      if (first === null) first = shared;
    }
    assert.equal(first!.buffer, b.encodeShared(lists[0]!).buffer, "the view reuses the buffer");
  });
});

describe("encoder: dynamic table size", () => {
  it("emits a size update at the start of the next block only", () => {
    const encoder = new Encoder();
    const decoder = new Decoder();
    encoder.setMaxTableSize(100);
    decoder.setMaxTableSize(100);
    const block = encoder.encode([[":status", "200"]]);
    assert.deepEqual(block, hex("3f45 88")); // 100 = 31 + 69
    assert.deepEqual(decoder.decode(block), [[":status", "200"]]);
    assert.deepEqual(encoder.encode([[":status", "200"]]), hex("88"));
  });
  it("signals the smallest size then the final one (§4.2)", () => {
    const encoder = new Encoder();
    const decoder = new Decoder();
    decoder.decode(encoder.encode([["x-a", "1"]]));
    encoder.setMaxTableSize(0);
    decoder.setMaxTableSize(0);
    encoder.setMaxTableSize(4096);
    decoder.setMaxTableSize(4096);
    const block = encoder.encode([["x-a", "1"]]);
    assert.deepEqual(block.subarray(0, 4), hex("20 3fe11f"));
    assert.deepEqual(decoder.decode(block), [["x-a", "1"]]);
    assert.equal(decoder.table.size, encoder.tableSize);
  });
  it("caps the table at tableSizeLimit whatever the peer allows", () => {
    const encoder = new Encoder({ tableSizeLimit: 1024, maxTableSize: 65536 });
    assert.equal(encoder.maxTableSize, 1024);
    const block = encoder.encode([[":status", "200"]]);
    const decoder = new Decoder({ maxTableSize: 4096 });
    decoder.setMaxTableSize(65536);
    assert.deepEqual(decoder.decode(block), [[":status", "200"]]);
    assert.equal(decoder.table.maxSize, 1024);
  });
  it("with a zero table, nothing is indexed", () => {
    const encoder = new Encoder({ maxTableSize: 0 });
    const decoder = new Decoder();
    decoder.setMaxTableSize(0);
    for (let i = 0; i < 3; i++) {
      const block = encoder.encode([["x-a", "1"], ["date", "now"]]);
      assert.deepEqual(decoder.decode(block), [["x-a", "1"], ["date", "now"]]);
      assert.equal(decoder.table.length, 0);
    }
  });
  it("keeps its index right across evictions", () => {
    const encoder = new Encoder({ maxTableSize: 200 });
    const decoder = new Decoder({ maxTableSize: 200 });
    decoder.setMaxTableSize(200);
    for (let i = 0; i < 200; i++) {
      const headers: Array<[string, string]> = [
        ["x-n", String(i % 7)],
        ["x-m", String(i % 5)],
        [`x-${i % 3}`, "v"],
      ];
      assert.deepEqual(decoder.decode(encoder.encode(headers)), headers);
      assert.equal(decoder.table.size, encoder.tableSize);
    }
  });
});
