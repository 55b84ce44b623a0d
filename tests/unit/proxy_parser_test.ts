/**
 * PROXY protocol header parser: v1 and v2, every family and command, TLVs,
 * and malformed input, each fed whole, byte by byte and split at every offset.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DEFAULT_PROXY_V2_MAX_BYTES,
  PROXY_V1_MAX_BYTES,
  PROXY_V2_SIGNATURE,
  type ProxyErrorCode,
  type ProxyHeader,
  ProxyHeaderParser,
  type ProxyParseResult,
} from "../../src/proxy/parser.ts";
import { formatIPv6, parseIPv4, parseIPv6 } from "../../src/proxy/ip.ts";
import { concat, hex } from "../support/common.ts";

const enc = new TextEncoder();
const APP = enc.encode("GET / HTTP/1.1\r\n\r\n");

/** Every way to cut `bytes` into pieces we test: whole, byte by byte, two pieces at each offset. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [[bytes]];
  out.push([...bytes].map((b) => new Uint8Array([b])));
  for (let i = 1; i < bytes.byteLength; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return out;
}

/** Feeds the pieces; returns the final result and every byte handed back after the header. */
function feed(pieces: Uint8Array[]): { result: ProxyParseResult; rest: Uint8Array } {
  const p = new ProxyHeaderParser();
  let result: ProxyParseResult = { kind: "more" };
  const rest: Uint8Array[] = [];
  for (const piece of pieces) {
    if (result.kind === "done") {
      rest.push(piece);
      continue;
    }
    result = p.push(piece);
    if (result.kind === "done") rest.push(result.rest);
    if (result.kind === "error") break;
  }
  return { result, rest: concat(...rest) };
}

/** Asserts that every split yields `header`, and the application bytes after it intact. */
function accepts(bytes: Uint8Array, header: ProxyHeader): void {
  for (const pieces of splits(concat(bytes, APP))) {
    const { result, rest } = feed(pieces);
    assert.equal(result.kind, "done");
    if (result.kind !== "done") return;
    assert.deepEqual(result.header, header);
    assert.deepEqual(rest, APP);
  }
}

/** Asserts that every split fails with `code`. */
function rejects(bytes: Uint8Array, code: ProxyErrorCode): void {
  for (const pieces of splits(bytes)) {
    const { result } = feed(pieces);
    assert.equal(result.kind, "error", `expected ${code}`);
    if (result.kind === "error") assert.equal(result.error.code, code);
  }
}

/** Asserts that no split completes: the parser still waits for bytes. */
function waits(bytes: Uint8Array): void {
  for (const pieces of splits(bytes)) assert.equal(feed(pieces).result.kind, "more");
}

function v2(verCmd: number, famProto: number, body: Uint8Array): Uint8Array {
  const len = new Uint8Array([body.byteLength >> 8, body.byteLength & 0xff]);
  return concat(PROXY_V2_SIGNATURE, new Uint8Array([verCmd, famProto]), len, body);
}

const INET_BODY = hex("c0000201 c6336402 d431 01bb"); // 192.0.2.1:54321 -> 198.51.100.2:443

describe("PROXY v1", () => {
  it("TCP4", () => {
    accepts(enc.encode("PROXY TCP4 192.0.2.1 198.51.100.2 54321 443\r\n"), {
      version: 1,
      command: "proxy",
      source: { transport: "tcp", hostname: "192.0.2.1", port: 54321 },
      destination: { transport: "tcp", hostname: "198.51.100.2", port: 443 },
      tlvs: [],
    });
  });

  it("TCP6, normalised to RFC 5952 text", () => {
    accepts(enc.encode("PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::1 65535 0\r\n"), {
      version: 1,
      command: "proxy",
      source: { transport: "tcp", hostname: "2001:db8::1", port: 65535 },
      destination: { transport: "tcp", hostname: "::1", port: 0 },
      tlvs: [],
    });
  });

  it("the longest lines the spec allows (107 bytes, UNKNOWN with IPv6) are accepted", () => {
    const a = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    accepts(enc.encode(`PROXY TCP6 ${a} ${a} 65535 65535\r\n`), {
      version: 1,
      command: "proxy",
      source: { transport: "tcp", hostname: a, port: 65535 },
      destination: { transport: "tcp", hostname: a, port: 65535 },
      tlvs: [],
    });
    const longest = enc.encode(`PROXY UNKNOWN ${a} ${a} 65535 65535\r\n`);
    assert.equal(longest.byteLength, PROXY_V1_MAX_BYTES);
    accepts(longest, { version: 1, command: "local", source: null, destination: null, tlvs: [] });
  });

  it("UNKNOWN, bare or with addresses, carries no address", () => {
    const header: ProxyHeader = {
      version: 1,
      command: "local",
      source: null,
      destination: null,
      tlvs: [],
    };
    accepts(enc.encode("PROXY UNKNOWN\r\n"), header);
    accepts(enc.encode("PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n"), header);
  });

  it("rejects malformed lines", () => {
    const bad: [string, ProxyErrorCode][] = [
      ["GET / HTTP/1.1\r\n\r\n", "signature"],
      ["PROXX TCP4 1.2.3.4 1.2.3.4 1 2\r\n", "signature"],
      ["proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n", "signature"],
      ["PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", "family"],
      ["PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n", "family"],
      ["PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n", "syntax"],
      ["PROXY TCP4 1.2.3.4 1.2.3.4 1 2\rX\n", "syntax"],
      ["PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n", "syntax"],
      ["PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n", "syntax"],
      ["PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n", "syntax"],
      ["PROXY TCP4 1.2.3.4\t1.2.3.4 1 2\r\n", "syntax"],
      ["PROXY TCP4 1.2.3.256 1.2.3.4 1 2\r\n", "address"],
      ["PROXY TCP4 1.2.3.04 1.2.3.4 1 2\r\n", "address"],
      ["PROXY TCP4 ::1 1.2.3.4 1 2\r\n", "address"],
      ["PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "address"],
      ["PROXY TCP6 1:::2 ::1 1 2\r\n", "address"],
      ["PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n", "port"],
      ["PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n", "port"],
      ["PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n", "port"],
      ["PROXY TCP4 1.2.3.4 1.2.3.4 1 x\r\n", "port"],
    ];
    for (const [line, code] of bad) rejects(enc.encode(line), code);
    rejects(concat(enc.encode("PROXY TCP4 1.2.3.4 1.2.3.4 1 2"), hex("ff 0d 0a")), "syntax");
  });

  it("a line with no CRLF within 107 bytes is oversized", () => {
    rejects(enc.encode(`PROXY UNKNOWN ${"x".repeat(200)}\r\n`), "oversized");
    rejects(enc.encode(`PROXY UNKNOWN ${"x".repeat(PROXY_V1_MAX_BYTES - 15)}\r\n`), "oversized");
  });

  it("a truncated line waits for more", () => {
    waits(enc.encode("PROXY TCP4 192.0.2.1 198.51.100.2 54321 443\r"));
    waits(enc.encode("P"));
  });
});

describe("PROXY v2", () => {
  it("PROXY over AF_INET", () => {
    accepts(v2(0x21, 0x11, INET_BODY), {
      version: 2,
      command: "proxy",
      source: { transport: "tcp", hostname: "192.0.2.1", port: 54321 },
      destination: { transport: "tcp", hostname: "198.51.100.2", port: 443 },
      tlvs: [],
    });
  });

  it("PROXY over AF_INET6", () => {
    const body = concat(
      parseIPv6("2001:db8::7")!,
      parseIPv6("::ffff:10.0.0.1")!,
      hex("0050 1f90"),
    );
    accepts(v2(0x21, 0x21, body), {
      version: 2,
      command: "proxy",
      source: { transport: "tcp", hostname: "2001:db8::7", port: 80 },
      destination: { transport: "tcp", hostname: "::ffff:10.0.0.1", port: 8080 },
      tlvs: [],
    });
  });

  it("PROXY over AF_UNIX", () => {
    const path = (s: string) => {
      const b = new Uint8Array(108);
      b.set(enc.encode(s));
      return b;
    };
    accepts(v2(0x21, 0x31, concat(path("/tmp/client.sock"), path("/run/app.sock"))), {
      version: 2,
      command: "proxy",
      source: { transport: "unix", path: "/tmp/client.sock" },
      destination: { transport: "unix", path: "/run/app.sock" },
      tlvs: [],
    });
  });

  it("PROXY with AF_UNSPEC carries no address", () => {
    accepts(v2(0x21, 0x00, new Uint8Array(0)), {
      version: 2,
      command: "proxy",
      source: null,
      destination: null,
      tlvs: [],
    });
  });

  it("LOCAL (health check) discards any address block and TLVs", () => {
    const local: ProxyHeader = {
      version: 2,
      command: "local",
      source: null,
      destination: null,
      tlvs: [],
    };
    accepts(v2(0x20, 0x00, new Uint8Array(0)), local);
    accepts(v2(0x20, 0x11, concat(INET_BODY, hex("04 0001 00"))), local);
    accepts(v2(0x20, 0x11, hex("0102")), local); // LOCAL need not carry a full block
  });

  it("TLVs are returned in order, including empty and unknown ones", () => {
    const tlvs = hex("01 0002 6832   02 000b 6578616d706c652e636f6d   04 0000   e0 0001 ff");
    accepts(v2(0x21, 0x11, concat(INET_BODY, tlvs)), {
      version: 2,
      command: "proxy",
      source: { transport: "tcp", hostname: "192.0.2.1", port: 54321 },
      destination: { transport: "tcp", hostname: "198.51.100.2", port: 443 },
      tlvs: [
        { type: 1, value: enc.encode("h2") },
        { type: 2, value: enc.encode("example.com") },
        { type: 4, value: new Uint8Array(0) },
        { type: 0xe0, value: hex("ff") },
      ],
    });
  });

  it("rejects malformed headers", () => {
    const sig = PROXY_V2_SIGNATURE;
    rejects(
      concat(sig.subarray(0, 5), hex("ff"), sig.subarray(6), hex("21 11 000c"), INET_BODY),
      "signature",
    );
    rejects(v2(0x11, 0x11, INET_BODY), "version");
    rejects(v2(0x31, 0x11, INET_BODY), "version");
    rejects(v2(0x22, 0x11, INET_BODY), "command");
    rejects(v2(0x2f, 0x11, INET_BODY), "command");
    rejects(v2(0x21, 0x41, INET_BODY), "family");
    rejects(v2(0x21, 0xf1, INET_BODY), "family");
    rejects(v2(0x21, 0x13, INET_BODY), "transport");
    rejects(v2(0x21, 0x12, INET_BODY), "transport"); // DGRAM on a stream server
    rejects(v2(0x21, 0x11, INET_BODY.subarray(0, 11)), "length");
    rejects(v2(0x21, 0x21, INET_BODY), "length");
    rejects(v2(0x21, 0x31, new Uint8Array(215)), "length");
    rejects(v2(0x21, 0x11, concat(INET_BODY, hex("01"))), "tlv");
    rejects(v2(0x21, 0x11, concat(INET_BODY, hex("01 00"))), "tlv");
    rejects(v2(0x21, 0x11, concat(INET_BODY, hex("01 0003 6832"))), "tlv");
    rejects(v2(0x21, 0x11, concat(INET_BODY, hex("04 0000 01 ffff"))), "tlv");
  });

  it("a length field beyond the bound is refused before the body is read", () => {
    const over = DEFAULT_PROXY_V2_MAX_BYTES - 16 + 1;
    const prefix = concat(
      PROXY_V2_SIGNATURE,
      hex("21 11"),
      new Uint8Array([over >> 8, over & 0xff]),
    );
    rejects(prefix, "oversized");
    rejects(concat(PROXY_V2_SIGNATURE, hex("21 11 ffff")), "oversized");
    // Exactly at the bound is fine.
    const fill = DEFAULT_PROXY_V2_MAX_BYTES - 16 - INET_BODY.byteLength - 3;
    const tlv = concat(hex("04"), new Uint8Array([fill >> 8, fill & 0xff]), new Uint8Array(fill));
    const { result } = feed([v2(0x21, 0x11, concat(INET_BODY, tlv))]);
    assert.equal(result.kind, "done");
  });

  it("a truncated header waits for more", () => {
    waits(v2(0x21, 0x11, INET_BODY).subarray(0, 27));
    waits(PROXY_V2_SIGNATURE.subarray(0, 7));
  });
});

describe("PROXY parser properties", () => {
  const valid = [
    enc.encode("PROXY TCP4 192.0.2.1 198.51.100.2 54321 443\r\n"),
    enc.encode("PROXY TCP6 2001:db8::1 ::1 1 2\r\n"),
    enc.encode("PROXY UNKNOWN\r\n"),
    v2(0x21, 0x11, concat(INET_BODY, hex("01 0002 6832"))),
    v2(0x20, 0x00, new Uint8Array(0)),
  ];

  it("every strict prefix of a valid header waits; the whole one completes", () => {
    for (const h of valid) {
      for (let i = 1; i < h.byteLength; i++) {
        assert.equal(feed([h.subarray(0, i)]).result.kind, "more");
      }
      assert.equal(feed([h]).result.kind, "done");
    }
  });

  it("random bytes never throw, and the result does not depend on how they are cut", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 120 }).map((b) => concat(enc.encode("PROXY "), b)),
          fc.uint8Array({ maxLength: 300 }).map((b) => concat(PROXY_V2_SIGNATURE, b)),
          fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 })).map(
            ([h, at, byte]) => {
              const m = h.slice();
              m[at % m.byteLength] = byte;
              return m;
            },
          ),
        ),
        fc.nat(),
        (bytes, cut) => {
          const whole = feed([bytes]).result;
          const at = bytes.byteLength === 0 ? 0 : cut % bytes.byteLength;
          const split = feed([bytes.subarray(0, at), bytes.subarray(at)]).result;
          assert.equal(split.kind, whole.kind);
          if (whole.kind === "error" && split.kind === "error") {
            assert.equal(split.error.code, whole.error.code);
          }
          if (whole.kind === "done" && split.kind === "done") {
            assert.deepEqual(split.header, whole.header);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("IP text", () => {
  it("IPv4 strict dotted quad", () => {
    assert.deepEqual(parseIPv4("0.0.0.0"), new Uint8Array(4));
    for (const bad of ["1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.x", "256.0.0.1", "", "1..2.3"]) {
      assert.equal(parseIPv4(bad), null, bad);
    }
  });

  it("IPv6 forms round-trip to RFC 5952 text", () => {
    const cases: [string, string][] = [
      ["::", "::"],
      ["::1", "::1"],
      ["1::", "1::"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"],
      ["1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"],
      ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
      ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ];
    for (const [input, text] of cases) assert.equal(formatIPv6(parseIPv6(input)!), text, input);
    for (
      const bad of [":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::", "1:2:3:4:5:6:7"]
    ) {
      assert.equal(parseIPv6(bad), null, bad);
    }
  });
});
