// RFC 7541 Appendix C: every example, decoded with the dynamic table checked
// after each block, and the request examples re-encoded byte for byte.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hex } from "../support/common.ts";
import { CompressionError, Decoder, Encoder } from "../../src/http2/core/hpack/mod.ts";

interface Step {
  wire: string;
  headers: Array<[string, string]>;
  /** Expected dynamic table, newest first. */
  table: Array<[string, string]>;
  size: number;
}

/** Places `bytes` inside a larger buffer so the decoder sees a non-zero byteOffset. */
function offset(bytes: Uint8Array): Uint8Array {
  const big = new Uint8Array(bytes.length + 7).fill(0xff);
  big.set(bytes, 3);
  return big.subarray(3, 3 + bytes.length);
}

function checkSequence(steps: Step[], tableSize: number): void {
  const decoder = new Decoder({ maxTableSize: tableSize });
  for (const step of steps) {
    const got = decoder.decode(offset(hex(step.wire)));
    assert.deepEqual(got, step.headers);
    assert.deepEqual(decoder.table.entries(), step.table);
    assert.equal(decoder.table.size, step.size);
    assert.equal(decoder.table.length, step.table.length);
  }
}

/**
 * Truncating each block at every offset must either fail with a
 * CompressionError or yield a prefix of the fields, never anything else.
 */
function checkTruncations(steps: Step[], tableSize: number): void {
  const prior: Uint8Array[] = [];
  for (const step of steps) {
    const wire = hex(step.wire);
    for (let cut = 0; cut < wire.length; cut++) {
      const decoder = new Decoder({ maxTableSize: tableSize });
      for (const block of prior) decoder.decode(block);
      try {
        const got = decoder.decode(wire.subarray(0, cut));
        assert.deepEqual(got, step.headers.slice(0, got.length));
        assert.ok(got.length < step.headers.length || cut === wire.length);
      } catch (e) {
        assert.ok(e instanceof CompressionError, `cut ${cut}: ${e}`);
      }
    }
    prior.push(wire);
  }
}

const DATE1 = "Mon, 21 Oct 2013 20:13:21 GMT";
const DATE2 = "Mon, 21 Oct 2013 20:13:22 GMT";
const LOC = "https://www.example.com";
const COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

const requests = (wires: [string, string, string]): Step[] => [
  {
    wire: wires[0],
    headers: [[":method", "GET"], [":scheme", "http"], [":path", "/"], [
      ":authority",
      "www.example.com",
    ]],
    table: [[":authority", "www.example.com"]],
    size: 57,
  },
  {
    wire: wires[1],
    headers: [
      [":method", "GET"],
      [":scheme", "http"],
      [":path", "/"],
      [":authority", "www.example.com"],
      ["cache-control", "no-cache"],
    ],
    table: [["cache-control", "no-cache"], [":authority", "www.example.com"]],
    size: 110,
  },
  {
    wire: wires[2],
    headers: [
      [":method", "GET"],
      [":scheme", "https"],
      [":path", "/index.html"],
      [":authority", "www.example.com"],
      ["custom-key", "custom-value"],
    ],
    table: [
      ["custom-key", "custom-value"],
      ["cache-control", "no-cache"],
      [":authority", "www.example.com"],
    ],
    size: 164,
  },
];

const responses = (wires: [string, string, string]): Step[] => [
  {
    wire: wires[0],
    headers: [[":status", "302"], ["cache-control", "private"], ["date", DATE1], [
      "location",
      LOC,
    ]],
    table: [["location", LOC], ["date", DATE1], ["cache-control", "private"], [":status", "302"]],
    size: 222,
  },
  {
    wire: wires[1],
    headers: [[":status", "307"], ["cache-control", "private"], ["date", DATE1], [
      "location",
      LOC,
    ]],
    table: [[":status", "307"], ["location", LOC], ["date", DATE1], ["cache-control", "private"]],
    size: 222,
  },
  {
    wire: wires[2],
    headers: [
      [":status", "200"],
      ["cache-control", "private"],
      ["date", DATE2],
      ["location", LOC],
      ["content-encoding", "gzip"],
      ["set-cookie", COOKIE],
    ],
    table: [["set-cookie", COOKIE], ["content-encoding", "gzip"], ["date", DATE2]],
    size: 215,
  },
];

const C3 = requests([
  "828684410f7777772e6578616d706c652e636f6d",
  "828684be58086e6f2d6361636865",
  "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
]);
const C4 = requests([
  "828684418cf1e3c2e5f23a6ba0ab90f4ff",
  "828684be5886a8eb10649cbf",
  "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
]);
const C5 = responses([
  `4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d54
   6e1768747470733a2f2f7777772e6578616d706c652e636f6d`,
  "4803333037c1c0bf",
  `88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f
   3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076
   657273696f6e3d31`,
]);
const C6 = responses([
  `488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f
   0b97c8e9ae82ae43d3`,
  "4883640effc1c0bf",
  `88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335df
   dfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007`,
]);

describe("RFC 7541 C.2 header field representations", () => {
  it("C.2.1 literal with indexing", () => {
    checkSequence([{
      wire: "400a637573746f6d2d6b65790d637573746f6d2d686561646572",
      headers: [["custom-key", "custom-header"]],
      table: [["custom-key", "custom-header"]],
      size: 55,
    }], 4096);
  });
  it("C.2.2 literal without indexing", () => {
    checkSequence([{
      wire: "040c2f73616d706c652f70617468",
      headers: [[":path", "/sample/path"]],
      table: [],
      size: 0,
    }], 4096);
  });
  it("C.2.3 literal never indexed", () => {
    checkSequence([{
      wire: "100870617373776f726406736563726574",
      headers: [["password", "secret"]],
      table: [],
      size: 0,
    }], 4096);
  });
  it("C.2.4 indexed", () => {
    checkSequence([{ wire: "82", headers: [[":method", "GET"]], table: [], size: 0 }], 4096);
  });
});

describe("RFC 7541 C.3-C.6 sequences", () => {
  const cases: Array<[string, Step[], number]> = [
    ["C.3 requests without Huffman", C3, 4096],
    ["C.4 requests with Huffman", C4, 4096],
    ["C.5 responses without Huffman", C5, 256],
    ["C.6 responses with Huffman", C6, 256],
  ];
  for (const [title, steps, size] of cases) {
    it(`${title}: fields and dynamic table after each block`, () => checkSequence(steps, size));
    it(`${title}: every truncation fails cleanly or yields a prefix`, () =>
      checkTruncations(steps, size));
  }
});

describe("RFC 7541 request examples re-encoded", () => {
  it("C.4 (Huffman) bytes are reproduced exactly", () => {
    const encoder = new Encoder();
    for (const step of C4) {
      assert.deepEqual(encoder.encode(step.headers), hex(step.wire));
    }
    assert.equal(encoder.tableSize, 164);
  });
  it("C.3 (raw) bytes are reproduced exactly with Huffman disabled", () => {
    const encoder = new Encoder({ huffman: false });
    for (const step of C3) {
      assert.deepEqual(encoder.encode(step.headers), hex(step.wire));
    }
  });
  it("C.5/C.6 responses round-trip through a 256-octet table", () => {
    for (const steps of [C5, C6]) {
      const encoder = new Encoder({ maxTableSize: 256 });
      const decoder = new Decoder({ maxTableSize: 256 });
      for (const step of steps) {
        assert.deepEqual(decoder.decode(encoder.encode(step.headers)), step.headers);
        assert.equal(decoder.table.size, encoder.tableSize);
      }
    }
  });
});
