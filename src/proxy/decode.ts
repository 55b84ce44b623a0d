/**
 * Decodes one complete PROXY header whose framing the parser (parser.ts)
 * has already checked: the v1 text line's fields, the v2 address block and
 * TLVs.
 *
 * @module
 */
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "./ip.ts";
import {
  type ProxyAddress,
  type ProxyHeader,
  ProxyHeaderError,
  type ProxyTlv,
  V2_ADDRESS_BYTES,
  V2_PREFIX_BYTES,
} from "./header.ts";

/** Bytes as Latin-1 chars (a v1 line is ASCII). */
export function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.byteLength; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function parsePort(s: string): number | null {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(s)) return null;
  const n = Number(s);
  return n <= 65535 ? n : null;
}

/** The part of a v1 line after "PROXY ", without its CRLF. */
export function parseV1Line(line: string): ProxyHeader | ProxyHeaderError {
  if (line === "UNKNOWN" || line.startsWith("UNKNOWN ")) {
    return { version: 1, command: "local", source: null, destination: null, tlvs: [] };
  }
  const parts = line.split(" ");
  if (parts.length !== 5) return new ProxyHeaderError("syntax", "malformed v1 line");
  const [proto, src, dst, sport, dport] = parts as [string, string, string, string, string];
  let srcHost: string;
  let dstHost: string;
  if (proto === "TCP4") {
    const a = parseIPv4(src);
    const b = parseIPv4(dst);
    if (a === null || b === null) return new ProxyHeaderError("address", "bad TCP4 address");
    srcHost = formatIPv4(a);
    dstHost = formatIPv4(b);
  } else if (proto === "TCP6") {
    const a = parseIPv6(src);
    const b = parseIPv6(dst);
    if (a === null || b === null) return new ProxyHeaderError("address", "bad TCP6 address");
    srcHost = formatIPv6(a);
    dstHost = formatIPv6(b);
  } else {
    return new ProxyHeaderError("family", "v1 protocol is not TCP4, TCP6 or UNKNOWN");
  }
  const sp = parsePort(sport);
  const dp = parsePort(dport);
  if (sp === null || dp === null) return new ProxyHeaderError("port", "bad v1 port");
  return {
    version: 1,
    command: "proxy",
    source: { transport: "tcp", hostname: srcHost, port: sp },
    destination: { transport: "tcp", hostname: dstHost, port: dp },
    tlvs: [],
  };
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

function unixPath(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return utf8.decode(nul < 0 ? b : b.subarray(0, nul));
}

/** A complete v2 header whose 16-byte prefix is already validated. */
export function parseV2(h: Uint8Array): ProxyHeader | ProxyHeaderError {
  const command = h[12]! & 0x0f;
  const family = h[13]! >> 4;
  const proto = h[13]! & 0x0f;
  if (command === 0) {
    // LOCAL: the balancer's own connection; its address block and TLVs are discarded.
    return { version: 2, command: "local", source: null, destination: null, tlvs: [] };
  }
  if (family !== 0 && proto !== 1) {
    return new ProxyHeaderError("transport", "v2 PROXY over a transport other than STREAM");
  }
  const body = h.subarray(V2_PREFIX_BYTES);
  const addressBytes = V2_ADDRESS_BYTES[family]!;
  let source: ProxyAddress | null = null;
  let destination: ProxyAddress | null = null;
  const port = (o: number) => (body[o]! << 8) | body[o + 1]!;
  if (family === 1) {
    source = { transport: "tcp", hostname: formatIPv4(body.subarray(0, 4)), port: port(8) };
    destination = { transport: "tcp", hostname: formatIPv4(body.subarray(4, 8)), port: port(10) };
  } else if (family === 2) {
    source = { transport: "tcp", hostname: formatIPv6(body.subarray(0, 16)), port: port(32) };
    destination = { transport: "tcp", hostname: formatIPv6(body.subarray(16, 32)), port: port(34) };
  } else if (family === 3) {
    source = { transport: "unix", path: unixPath(body.subarray(0, 108)) };
    destination = { transport: "unix", path: unixPath(body.subarray(108, 216)) };
  }
  const tlvs: ProxyTlv[] = [];
  let at = addressBytes;
  while (at < body.byteLength) {
    if (body.byteLength - at < 3) return new ProxyHeaderError("tlv", "truncated TLV");
    const type = body[at]!;
    const len = (body[at + 1]! << 8) | body[at + 2]!;
    const end = at + 3 + len;
    if (end > body.byteLength) return new ProxyHeaderError("tlv", "TLV runs past the header");
    tlvs.push({ type, value: body.slice(at + 3, end) });
    at = end;
  }
  return { version: 2, command: "proxy", source, destination, tlvs };
}
