// Property tests (fast-check): encode → decode is the identity over random
// header lists and table size changes; arbitrary or corrupted input only ever
// raises CompressionError or HeaderListTooLargeError.
import { decodeLatin1 } from "../../src/bytes/latin1.ts";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CompressionError,
  decodeInteger,
  Decoder,
  encodeInteger,
  Encoder,
  HeaderListTooLargeError,
  huffmanDecode,
  huffmanDecodedMaxLength,
  huffmanEncode,
  huffmanEncodedLength,
  MAX_INTEGER,
  STATIC_TABLE,
} from "../../src/http2/core/hpack/mod.ts";

/** Strings of arbitrary octets, as latin1. */
const octets = (maxLength: number) =>
  fc.uint8Array({ maxLength }).map((bytes) => decodeLatin1(bytes, 0, bytes.length));

const staticNames = [...new Set(STATIC_TABLE.map(([name]) => name))];
const name = fc.oneof(
  { arbitrary: fc.constantFrom(...staticNames), weight: 3 },
  { arbitrary: fc.constantFrom("x-a", "x-b", "cookie", "authorization", "x-long"), weight: 3 },
  { arbitrary: octets(24), weight: 2 },
);
const value = fc.oneof(
  { arbitrary: fc.constantFrom("", "GET", "200", "/", "gzip, deflate", "text/html"), weight: 3 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 }, // printable ASCII
  { arbitrary: octets(40), weight: 2 },
  { arbitrary: octets(3000), weight: 1 },
);
const field = fc.tuple(name, value, fc.option(fc.boolean(), { nil: undefined })).map(
  ([n, v, s]): [string, string, boolean?] => s === undefined ? [n, v] : [n, v, s],
);
const tableSize = fc.oneof(
  fc.constantFrom(0, 1, 32, 64, 256, 4096),
  fc.integer({ min: 0, max: 16384 }),
);
const step = fc.record({
  sizes: fc.array(tableSize, { maxLength: 3 }), // SETTINGS changes before this block
  headers: fc.array(field, { maxLength: 12 }),
  repeat: fc.boolean(), // send the same list twice, to hit the dynamic table
});

function isHpackError(e: unknown): boolean {
  return e instanceof CompressionError || e instanceof HeaderListTooLargeError;
}

describe("hpack properties", () => {
  it("integers round-trip for every prefix", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_INTEGER }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 255 }),
        (v, prefix, flags) => {
          const buf = new Uint8Array(8);
          const high = flags & ~((1 << prefix) - 1) & 0xff;
          const end = encodeInteger(buf, 0, v, prefix, high);
          assert.equal(buf[0]! & ~((1 << prefix) - 1) & 0xff, high);
          const cursor = { pos: 0 };
          assert.equal(decodeInteger(buf.subarray(0, end), cursor, prefix), v);
          assert.equal(cursor.pos, end);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("Huffman round-trips arbitrary octets", () => {
    fc.assert(
      fc.property(octets(300), (s) => {
        const coded = new Uint8Array(huffmanEncodedLength(s) + 2);
        const end = huffmanEncode(coded, 1, s);
        assert.equal(end, coded.length - 1);
        const out = new Uint8Array(huffmanDecodedMaxLength(end - 1));
        const n = huffmanDecode(coded, 1, end, out, 0);
        assert.equal(decodeLatin1(out, 0, n), s);
      }),
      { numRuns: 500 },
    );
  });

  it("encode → decode is the identity, with table size changes between blocks", () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.constantFrom(0, 256, 4096, 65536),
        (steps, huffman, tableSizeLimit) => {
          const encoder = new Encoder({ huffman, tableSizeLimit });
          const decoder = new Decoder({ maxHeaderListSize: 1 << 30, maxFields: 1 << 20 });
          for (const { sizes, headers, repeat } of steps) {
            for (const size of sizes) {
              encoder.setMaxTableSize(size);
              decoder.setMaxTableSize(size);
            }
            const expected = headers.map(([n, v]) => [n, v]);
            for (let i = 0; i < (repeat ? 2 : 1); i++) {
              assert.deepEqual(decoder.decode(encoder.encode(headers)), expected);
              assert.equal(decoder.table.size, encoder.tableSize);
              assert.ok(decoder.table.size <= decoder.table.maxSize);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("random bytes only ever raise CompressionError or HeaderListTooLargeError", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.boolean(),
        fc.constantFrom(40, 200, 65536),
        (bytes, primed, maxHeaderListSize) => {
          const decoder = new Decoder({ maxHeaderListSize, maxFields: 8 });
          const blocks: Uint8Array[] = [bytes];
          if (primed) blocks.unshift(new Encoder().encode([["x-a", "b"], ["x-c", "d".repeat(50)]]));
          for (const block of blocks) {
            try {
              decoder.decode(block);
            } catch (e) {
              assert.ok(isHpackError(e), String(e));
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("corrupted valid blocks only ever raise CompressionError or HeaderListTooLargeError", () => {
    fc.assert(
      fc.property(
        fc.array(field, { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (headers, flips, cut) => {
          const encoder = new Encoder();
          const decoder = new Decoder({ maxHeaderListSize: 2000 });
          const first = encoder.encode(headers);
          try {
            decoder.decode(first);
          } catch (e) {
            assert.ok(e instanceof HeaderListTooLargeError, String(e));
          }
          const block = encoder.encode(headers);
          for (const [at, byte] of flips) if (block.length) block[at % block.length] = byte;
          try {
            decoder.decode(block.subarray(0, block.length ? cut % (block.length + 1) : 0));
          } catch (e) {
            assert.ok(isHpackError(e), String(e));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
