/**
 * Sans-IO parser for the PROXY protocol header (HAProxy's proxy-protocol.txt,
 * versions 1 and 2), which a load balancer puts in front of the first byte of
 * a connection to say who the client is. Bytes in, one header (or an error)
 * out; the bytes after the header are handed back untouched.
 *
 * The version is told from the first byte ("P" for the v1 text line, CR for
 * the v2 binary signature), and every byte is checked as it arrives, so a
 * client that speaks HTTP (or TLS) directly fails on its first byte.
 *
 * @module
 */
import { latin1, parseV1Line, parseV2 } from "./decode.ts";
import {
  type ProxyErrorCode,
  type ProxyHeader,
  ProxyHeaderError,
  V2_ADDRESS_BYTES,
  V2_PREFIX_BYTES,
} from "./header.ts";

export {
  type ProxyAddress,
  type ProxyErrorCode,
  type ProxyHeader,
  ProxyHeaderError,
  type ProxyTlv,
} from "./header.ts";

/**
 * A v1 line is at most this long, CRLF included (the spec's worst case:
 * UNKNOWN with two IPv6 addresses).
 */
export const PROXY_V1_MAX_BYTES = 107;
/**
 * Default bound on a whole v2 header (16-byte prefix + address block +
 * TLVs). The largest address block is 216 bytes (two Unix paths); 4 KiB
 * leaves room for the TLVs balancers send (ALPN, authority of up to 255
 * bytes, a 128-byte unique id, SSL details with a client certificate's CN),
 * while a peer cannot make us buffer the 64 KiB the length field allows.
 */
export const DEFAULT_PROXY_V2_MAX_BYTES = 4096;

/**
 * The 12-byte v2 signature.
 */
export const PROXY_V2_SIGNATURE: Uint8Array = new Uint8Array([
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
]);
const V1_PREFIX = new Uint8Array([0x50, 0x52, 0x4f, 0x58, 0x59, 0x20]); // "PROXY "

/**
 * What one push() found.
 */
export type ProxyParseResult =
  | { kind: "more" }
  | { kind: "done"; header: ProxyHeader; rest: Uint8Array }
  | { kind: "error"; error: ProxyHeaderError };

/**
 * Options of the parser.
 */
export interface ProxyParserOptions {
  /** Bound on a whole v2 header in bytes; default {@link DEFAULT_PROXY_V2_MAX_BYTES}. */
  maxV2Bytes?: number;
}

const MORE = { kind: "more" } as const;
/** A header found inside the parser's buffer: `consumed` bytes of it. */
type Complete = { kind: "complete"; header: ProxyHeader; consumed: number };

/**
 * Reads one PROXY header from the first bytes of a connection.
 */
export class ProxyHeaderParser {
  readonly #maxV2: number;
  #buf: Uint8Array = new Uint8Array(PROXY_V1_MAX_BYTES);
  #len = 0;
  /** Bytes already checked against the signature / searched for CRLF. */
  #checked = 0;
  /** 0 until the first byte tells the version. */
  #version: 0 | 1 | 2 = 0;
  /** v2: the whole header length once the prefix is in; 0 before. */
  #v2Total = 0;
  #final: ProxyParseResult | null = null;

  constructor(options: ProxyParserOptions = {}) {
    this.#maxV2 = Math.max(V2_PREFIX_BYTES, options.maxV2Bytes ?? DEFAULT_PROXY_V2_MAX_BYTES);
  }

  /**
   * Feeds the next bytes. Returns "more" until a header is complete, then
   * "done" with the bytes that followed it; after "done" or "error" every
   * call returns that result again (with no rest).
   */
  push(chunk: Uint8Array): ProxyParseResult {
    if (this.#final !== null) {
      return this.#final.kind === "done"
        ? { ...this.#final, rest: new Uint8Array(0) }
        : this.#final;
    }
    let at = 0;
    while (at < chunk.byteLength) {
      const room = this.#limit() - this.#len;
      if (room <= 0) return this.#fail("oversized", "header longer than allowed");
      const take = Math.min(room, chunk.byteLength - at);
      this.#buf.set(chunk.subarray(at, at + take), this.#len);
      const before = this.#len;
      this.#len += take;
      const r = this.#analyse();
      if (r === MORE) {
        at += take;
        continue;
      }
      if (r.kind === "complete") {
        const used = r.consumed - before;
        this.#final = { kind: "done", header: r.header, rest: chunk.subarray(at + used) };
        this.#buf = new Uint8Array(0);
        return this.#final;
      }
      this.#final = r;
      return r;
    }
    return MORE;
  }

  /** How many bytes the buffer may hold at this point. */
  #limit(): number {
    if (this.#version === 2) return this.#v2Total || V2_PREFIX_BYTES;
    return PROXY_V1_MAX_BYTES;
  }

  #fail(code: ProxyErrorCode, message: string): ProxyParseResult {
    this.#final = { kind: "error", error: new ProxyHeaderError(code, message) };
    this.#buf = new Uint8Array(0);
    return this.#final;
  }

  #analyse():
    | typeof MORE
    | Complete
    | ProxyParseResult {
    const b = this.#buf;
    if (this.#version === 0) {
      if (b[0] === V1_PREFIX[0]) this.#version = 1;
      else if (b[0] === PROXY_V2_SIGNATURE[0]) this.#version = 2;
      else return this.#fail("signature", "not a PROXY header");
    }
    return this.#version === 1 ? this.#analyseV1() : this.#analyseV2();
  }

  #analyseV1() {
    const b = this.#buf;
    for (; this.#checked < this.#len; this.#checked++) {
      const i = this.#checked;
      const c = b[i]!;
      if (i < V1_PREFIX.length) {
        if (c !== V1_PREFIX[i]) return this.#fail("signature", "not a PROXY header");
        continue;
      }
      if (c === 0x0a) {
        if (b[i - 1] !== 0x0d) return this.#fail("syntax", "bare LF in v1 line");
        const header = parseV1Line(latin1(b.subarray(V1_PREFIX.length, i - 1)));
        if (header instanceof ProxyHeaderError) return this.#failWith(header);
        return { kind: "complete" as const, header, consumed: i + 1 };
      }
      if (b[i - 1] === 0x0d) return this.#fail("syntax", "CR not followed by LF in v1 line");
      if (c !== 0x0d && (c < 0x20 || c > 0x7e)) {
        return this.#fail("syntax", "control or non-ASCII byte in v1 line");
      }
    }
    if (this.#len >= PROXY_V1_MAX_BYTES) {
      return this.#fail("oversized", `v1 line longer than ${PROXY_V1_MAX_BYTES} bytes`);
    }
    return MORE;
  }

  #analyseV2() {
    const b = this.#buf;
    for (
      ;
      this.#checked < this.#len && this.#checked < PROXY_V2_SIGNATURE.length;
      this.#checked++
    ) {
      if (b[this.#checked] !== PROXY_V2_SIGNATURE[this.#checked]) {
        return this.#fail("signature", "not a PROXY header");
      }
    }
    if (this.#v2Total === 0) {
      if (this.#len < V2_PREFIX_BYTES) return MORE;
      const verCmd = b[12]!;
      const famProto = b[13]!;
      if (verCmd >> 4 !== 2) return this.#fail("version", `unknown version ${verCmd >> 4}`);
      const command = verCmd & 0x0f;
      if (command > 1) return this.#fail("command", `unknown command ${command}`);
      const family = famProto >> 4;
      const proto = famProto & 0x0f;
      const addressBytes = V2_ADDRESS_BYTES[family];
      if (addressBytes === undefined) return this.#fail("family", `unknown family ${family}`);
      if (proto > 2) return this.#fail("transport", `unknown transport ${proto}`);
      const length = (b[14]! << 8) | b[15]!;
      const total = V2_PREFIX_BYTES + length;
      if (total > this.#maxV2) {
        return this.#fail("oversized", `v2 header of ${total} bytes, more than ${this.#maxV2}`);
      }
      if (command === 1 && length < addressBytes) {
        return this.#fail("length", "v2 length shorter than its address block");
      }
      this.#v2Total = total;
      // The first read may already hold bytes past the header: they stay, and are handed back.
      const grown = new Uint8Array(Math.max(total, this.#len));
      grown.set(b.subarray(0, this.#len));
      this.#buf = grown;
    }
    if (this.#len < this.#v2Total) return MORE;
    const header = parseV2(this.#buf.subarray(0, this.#v2Total));
    if (header instanceof ProxyHeaderError) return this.#failWith(header);
    return { kind: "complete" as const, header, consumed: this.#v2Total };
  }

  #failWith(e: ProxyHeaderError): ProxyParseResult {
    return this.#fail(e.code, e.message.replace(/^PROXY header: /, ""));
  }
}
