/**
 * What a PROXY header says (source, destination, TLVs) and why one is
 * refused: the types shared by the parser (parser.ts) and the decoder of a
 * complete header (decode.ts).
 *
 * @module
 */

/** The fixed prefix of a v2 header: signature, version/command, family/transport, length. */
export const V2_PREFIX_BYTES = 16;

/** Address block sizes of v2, by family nibble. */
export const V2_ADDRESS_BYTES: Record<number, number> = { 0: 0, 1: 12, 2: 36, 3: 216 };

/**
 * An endpoint named by a PROXY header.
 */
export type ProxyAddress =
  | { transport: "tcp"; hostname: string; port: number }
  | { transport: "unix"; path: string };

/**
 * A v2 Type-Length-Value extension, as received.
 */
export interface ProxyTlv {
  /** The type byte (0x01 ALPN, 0x02 authority, 0x05 unique id, 0x20 SSL...). */
  type: number;
  /** The value bytes (a copy). */
  value: Uint8Array;
}

/**
 * A parsed PROXY header.
 */
export interface ProxyHeader {
  /** 1 (text) or 2 (binary). */
  version: 1 | 2;
  /**
   * "proxy": the addresses are the client's. "local": the balancer speaks
   * for itself (health checks); v1 UNKNOWN is reported as "local" too.
   */
  command: "proxy" | "local";
  /** The client; null when the header carries no address (use the socket's). */
  source: ProxyAddress | null;
  /** The address the client connected to; null as for source. */
  destination: ProxyAddress | null;
  /** v2 TLVs in order; empty for v1. */
  tlvs: ProxyTlv[];
}

/**
 * Why a header was rejected.
 */
export type ProxyErrorCode =
  | "signature"
  | "syntax"
  | "version"
  | "command"
  | "family"
  | "transport"
  | "length"
  | "oversized"
  | "address"
  | "port"
  | "tlv";

/**
 * A rejected PROXY header: the connection must be closed unserved.
 */
export class ProxyHeaderError extends Error {
  /** What was wrong. */
  readonly code: ProxyErrorCode;

  /** */
  constructor(code: ProxyErrorCode, message: string) {
    super(`PROXY header: ${message}`);
    this.name = "ProxyHeaderError";
    this.code = code;
  }
}
