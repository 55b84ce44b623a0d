/**
 * A static-only QPACK field-section codec (RFC 9204 §4.5) for the test
 * client: it never inserts into a dynamic table (we advertise capacity 0),
 * so the server's encoder must answer with static references and literals.
 * Written independently of src/http3/core/qpack so that each checks the
 * other. Huffman decoding reuses the HPACK code table.
 *
 * @module
 */
import { huffmanDecode } from "../../src/http2/core/hpack/huffman.ts";

/** RFC 9204 Appendix A. */
const S = (n: string, v = ""): [string, string] => [n, v];
/**
 * The QPACK static table.
 *
 * @example
 * ```ts
 * import { STATIC_TABLE } from "./qpack_static.ts";
 * console.assert(STATIC_TABLE[17]?.[1] === "GET");
 * ```
 */
export const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  S(":authority"),
  S(":path", "/"),
  S("age", "0"),
  S("content-disposition"),
  S("content-length", "0"),
  S("cookie"),
  S("date"),
  S("etag"),
  S("if-modified-since"),
  S("if-none-match"),
  S("last-modified"),
  S("link"),
  S("location"),
  S("referer"),
  S("set-cookie"),
  S(":method", "CONNECT"),
  S(":method", "DELETE"),
  S(":method", "GET"),
  S(":method", "HEAD"),
  S(":method", "OPTIONS"),
  S(":method", "POST"),
  S(":method", "PUT"),
  S(":scheme", "http"),
  S(":scheme", "https"),
  S(":status", "103"),
  S(":status", "200"),
  S(":status", "304"),
  S(":status", "404"),
  S(":status", "503"),
  S("accept", "*/*"),
  S("accept", "application/dns-message"),
  S("accept-encoding", "gzip, deflate, br"),
  S("accept-ranges", "bytes"),
  S("access-control-allow-headers", "cache-control"),
  S("access-control-allow-headers", "content-type"),
  S("access-control-allow-origin", "*"),
  S("cache-control", "max-age=0"),
  S("cache-control", "max-age=2592000"),
  S("cache-control", "max-age=604800"),
  S("cache-control", "no-cache"),
  S("cache-control", "no-store"),
  S("cache-control", "public, max-age=31536000"),
  S("content-encoding", "br"),
  S("content-encoding", "gzip"),
  S("content-type", "application/dns-message"),
  S("content-type", "application/javascript"),
  S("content-type", "application/json"),
  S("content-type", "application/x-www-form-urlencoded"),
  S("content-type", "image/gif"),
  S("content-type", "image/jpeg"),
  S("content-type", "image/png"),
  S("content-type", "text/css"),
  S("content-type", "text/html; charset=utf-8"),
  S("content-type", "text/plain"),
  S("content-type", "text/plain;charset=utf-8"),
  S("range", "bytes=0-"),
  S("strict-transport-security", "max-age=31536000"),
  S("strict-transport-security", "max-age=31536000; includesubdomains"),
  S("strict-transport-security", "max-age=31536000; includesubdomains; preload"),
  S("vary", "accept-encoding"),
  S("vary", "origin"),
  S("x-content-type-options", "nosniff"),
  S("x-xss-protection", "1; mode=block"),
  S(":status", "100"),
  S(":status", "204"),
  S(":status", "206"),
  S(":status", "302"),
  S(":status", "400"),
  S(":status", "403"),
  S(":status", "421"),
  S(":status", "425"),
  S(":status", "500"),
  S("accept-language"),
  S("access-control-allow-credentials", "FALSE"),
  S("access-control-allow-credentials", "TRUE"),
  S("access-control-allow-headers", "*"),
  S("access-control-allow-methods", "get"),
  S("access-control-allow-methods", "get, post, options"),
  S("access-control-allow-methods", "options"),
  S("access-control-expose-headers", "content-length"),
  S("access-control-request-headers", "content-type"),
  S("access-control-request-method", "get"),
  S("access-control-request-method", "post"),
  S("alt-svc", "clear"),
  S("authorization"),
  S("content-security-policy", "script-src 'none'; object-src 'none'; base-uri 'none'"),
  S("early-data", "1"),
  S("expect-ct"),
  S("forwarded"),
  S("if-range"),
  S("origin"),
  S("purpose", "prefetch"),
  S("server"),
  S("timing-allow-origin", "*"),
  S("upgrade-insecure-requests", "1"),
  S("user-agent"),
  S("x-forwarded-for"),
  S("x-frame-options", "deny"),
  S("x-frame-options", "sameorigin"),
];

const te = new TextEncoder();
const td = new TextDecoder();

function prefixInt(out: number[], first: number, bits: number, v: number): void {
  const max = (1 << bits) - 1;
  if (v < max) {
    out.push(first | v);
    return;
  }
  out.push(first | max);
  v -= max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function literal(out: number[], first: number, bits: number, s: string): void {
  const b = te.encode(s);
  prefixInt(out, first, bits, b.length); // H = 0: no Huffman
  for (const x of b) out.push(x);
}

/**
 * Encodes a field section with static references and literals only.
 *
 * @example
 * ```ts
 * import { encodeStatic } from "./qpack_static.ts";
 * console.assert(encodeStatic([[":method", "GET"]]).join() === "0,0,209");
 * ```
 */
export function encodeStatic(fields: ReadonlyArray<readonly [string, string]>): Uint8Array {
  const out = [0, 0]; // Required Insert Count 0, Base 0
  for (const [name, value] of fields) {
    const exact = STATIC_TABLE.findIndex(([n, v]) => n === name && v === value);
    if (exact >= 0) {
      prefixInt(out, 0xc0, 6, exact);
      continue;
    }
    const named = STATIC_TABLE.findIndex(([n]) => n === name);
    if (named >= 0) prefixInt(out, 0x50, 4, named);
    else literal(out, 0x20, 3, name);
    literal(out, 0x00, 7, value);
  }
  return Uint8Array.from(out);
}

class Cursor {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  int(bits: number): number {
    const max = (1 << bits) - 1;
    let v = this.b[this.pos++]! & max;
    if (v < max) return v;
    let m = 1;
    for (;;) {
      const x = this.b[this.pos++];
      if (x === undefined) throw new Error("truncated integer");
      v += (x & 127) * m;
      m *= 128;
      if ((x & 128) === 0) return v;
    }
  }
  str(bits: number): string {
    const huff = (this.b[this.pos]! & (1 << bits)) !== 0;
    const len = this.int(bits);
    const end = this.pos + len;
    if (end > this.b.length) throw new Error("truncated string");
    let s: string;
    if (huff) {
      const dst = new Uint8Array(len * 2 + 8);
      const n = huffmanDecode(this.b, this.pos, end, dst, 0);
      s = td.decode(dst.subarray(0, n));
    } else s = td.decode(this.b.subarray(this.pos, end));
    this.pos = end;
    return s;
  }
}

function fromStatic(i: number): readonly [string, string] {
  const e = STATIC_TABLE[i];
  if (e === undefined) throw new Error(`static index ${i} out of range`);
  return e;
}

/**
 * Decodes a field section that uses no dynamic table; throws otherwise.
 *
 * @example
 * ```ts
 * import { decodeStatic, encodeStatic } from "./qpack_static.ts";
 * console.assert(decodeStatic(encodeStatic([["x-a", "b"]]))[0]?.[1] === "b");
 * ```
 */
export function decodeStatic(block: Uint8Array): Array<[string, string]> {
  const c = new Cursor(block);
  if (c.int(8) !== 0) throw new Error("field section references the dynamic table");
  c.int(7); // Delta Base: meaningless without a dynamic table
  const out: Array<[string, string]> = [];
  while (c.pos < block.length) {
    const b = block[c.pos]!;
    if (b & 0x80) {
      if (!(b & 0x40)) throw new Error("dynamic indexed field line");
      const [n, v] = fromStatic(c.int(6));
      out.push([n, v]);
    } else if (b & 0x40) {
      if (!(b & 0x10)) throw new Error("dynamic name reference");
      const [n] = fromStatic(c.int(4));
      out.push([n, c.str(7)]);
    } else if (b & 0x20) {
      const n = c.str(3);
      out.push([n, c.str(7)]);
    } else throw new Error("post-base reference");
  }
  return out;
}

/**
 * A QPACK pair for the core's unit tests: static-only both ways, so a
 * section is never blocked and the encoder and decoder streams stay silent.
 *
 * @example
 * ```ts
 * import { staticQpack } from "./qpack_static.ts";
 * const q = staticQpack();
 * console.assert(q.decoder.decoderStream().length === 0);
 * ```
 */
export function staticQpack(): {
  decoder: {
    encoderStream(b: Uint8Array): { streamId: number; fields: Array<[string, string]> }[];
    decodeSection(id: number, b: Uint8Array): Array<[string, string]>;
    cancelStream(id: number): void;
    decoderStream(): Uint8Array;
  };
  encoder: {
    setPeerSettings(s: { maxTableCapacity: number; blockedStreams: number }): void;
    encodeSection(id: number, f: Array<[string, string]>): Uint8Array;
    encoderStream(): Uint8Array;
    decoderStream(b: Uint8Array): void;
  };
} {
  const none = new Uint8Array(0);
  return {
    decoder: {
      encoderStream: () => [],
      decodeSection: (_id, b) => decodeStatic(b),
      cancelStream: () => {},
      decoderStream: () => none,
    },
    encoder: {
      setPeerSettings: () => {},
      encodeSection: (_id, f) => encodeStatic(f),
      encoderStream: () => none,
      decoderStream: () => {},
    },
  };
}
