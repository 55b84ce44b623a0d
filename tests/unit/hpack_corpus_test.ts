// The hpack-test-case interoperability corpus: every story decodes exactly,
// case by case with one decoder per story; every raw-data story encodes and
// round-trips through our decoder.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Decoder, Encoder } from "../../src/http2/core/hpack/mod.ts";

const ROOT = fileURLToPath(new URL("../fixtures/conformance/hpack/", import.meta.url));
const DECODE_DIRS = [
  "nghttp2",
  "nghttp2-change-table-size",
  "go-hpack",
  "python-hpack",
  "swift-nio-hpack-huffman",
  "haskell-http2-linear-huffman",
];

interface Case {
  seqno?: number;
  wire?: string;
  header_table_size?: number | null;
  headers: Array<Record<string, string>>;
}
interface Story {
  cases: Case[];
}

function stories(dir: string): Array<[string, Story]> {
  const files = readdirSync(ROOT + dir).filter((f) => f.endsWith(".json")).sort();
  return files.map((f) => [f, JSON.parse(readFileSync(`${ROOT}${dir}/${f}`, "utf8")) as Story]);
}

function fields(c: Case): Array<[string, string]> {
  return c.headers.map((h) => {
    const entries = Object.entries(h);
    assert.equal(entries.length, 1);
    return entries[0]!;
  });
}

/** Hex to bytes, placed at a non-zero byteOffset of a larger buffer. */
function wireBytes(s: string): Uint8Array {
  const n = s.length / 2;
  const big = new Uint8Array(n + 5);
  for (let i = 0; i < n; i++) big[i + 1] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return big.subarray(1, 1 + n);
}

for (const dir of DECODE_DIRS) {
  describe(`hpack corpus: ${dir}`, () => {
    const all = stories(dir);
    it("has stories", () => assert.ok(all.length >= 30));
    for (const [file, story] of all) {
      it(`${file} decodes case by case`, () => {
        const decoder = new Decoder();
        story.cases.forEach((c, i) => {
          if (c.header_table_size != null) decoder.setMaxTableSize(c.header_table_size);
          assert.ok(c.wire !== undefined);
          const got = decoder.decode(wireBytes(c.wire));
          assert.deepEqual(got, fields(c), `${dir}/${file} case ${c.seqno ?? i}`);
        });
      });
    }
  });
}

describe("hpack corpus: raw-data round-trips through our encoder", () => {
  const all = stories("raw-data");
  it("has stories", () => assert.ok(all.length >= 30));
  for (const [file, story] of all) {
    it(`${file}`, () => {
      for (const options of [{}, { huffman: false }, { maxTableSize: 256 }, { maxTableSize: 0 }]) {
        const encoder = new Encoder(options);
        const decoder = new Decoder();
        if (options.maxTableSize !== undefined) decoder.setMaxTableSize(options.maxTableSize);
        for (const c of story.cases) {
          const headers = fields(c);
          const block = encoder.encode(headers);
          assert.deepEqual(decoder.decode(block), headers);
          assert.equal(decoder.table.size, encoder.tableSize);
        }
      }
    });
  }
});
