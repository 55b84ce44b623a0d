import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CompressionError,
  HeaderListTooLargeError,
  HpackDecoder,
  HpackEncoder,
} from "../../hpack.ts";

describe("h2serve/hpack: public encoder and decoder", () => {
  it("round-trips, indexing repeated fields (the second block is smaller)", () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    const list: Array<[string, string]> = [[":method", "GET"], ["x-long-name", "some value here"]];
    const a = e.encode(list);
    const b = e.encode(list);
    assert.ok(b.length < a.length);
    assert.deepEqual(d.decode(a), list);
    assert.deepEqual(d.decode(b), list);
    assert.ok(e.tableSize > 0);
  });

  it("sensitive fields are never indexed (RFC 7541 §6.2.3)", () => {
    const e = new HpackEncoder();
    const block = e.encode([["x-token", "secret", true]]);
    assert.equal(block[0]! & 0xf0, 0x10, "literal never indexed");
    assert.equal(e.tableSize, 0);
  });

  it("Huffman can be turned off", () => {
    const plain = new HpackEncoder({ huffman: false }).encode([["x-a", "aaaaaaaaaa"]]);
    const huff = new HpackEncoder().encode([["x-a", "aaaaaaaaaa"]]);
    assert.ok(huff.length < plain.length);
    assert.deepEqual(new HpackDecoder().decode(plain), [["x-a", "aaaaaaaaaa"]]);
  });

  it("a table size update is emitted and honoured", () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    e.maxTableSize = 0;
    const block = e.encode([["x-a", "b"]]);
    assert.equal(block[0], 0x20, "size update to 0 first");
    assert.deepEqual(d.decode(block), [["x-a", "b"]]);
  });

  it("the server's bounds: too many fields / too large a list; malformed blocks", () => {
    const many = Array.from({ length: 201 }, (_, i) => [`x-${i}`, "v"] as [string, string]);
    assert.throws(
      () => new HpackDecoder().decode(new HpackEncoder().encode(many)),
      HeaderListTooLargeError,
    );
    const d = new HpackDecoder({ maxHeaderListSize: 100 });
    assert.throws(
      () => d.decode(new HpackEncoder().encode([["x", "y".repeat(100)]])),
      HeaderListTooLargeError,
    );
    assert.throws(() => new HpackDecoder().decode(new Uint8Array([0x80])), CompressionError);
  });
});
