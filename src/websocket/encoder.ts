/**
 * The WebSocket frame serializer (RFC 6455 §5.2). Server frames are never
 * masked; a mask is accepted so tests can play the client.
 *
 * @module
 */
import { Opcode } from "./constants.ts";

const encoder = new TextEncoder();

/**
 * Options of `encodeFrame`.
 */
export interface EncodeOptions {
  /** Last frame of the message. Default true. */
  fin?: boolean;
  /** RSV1 (permessage-deflate: the message is compressed). Default false. */
  rsv1?: boolean;
  /** A 4-byte masking key, as a client would send; servers pass none. */
  mask?: Uint8Array;
}

/**
 * Serializes one frame: header (7, 16 or 64-bit length) followed by the payload.
 */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  opts: EncodeOptions = {},
): Uint8Array {
  const len = payload.length;
  const mask = opts.mask;
  const lenBytes = len < 126 ? 0 : len < 0x10000 ? 2 : 8;
  const head = 2 + lenBytes + (mask ? 4 : 0);
  const out = new Uint8Array(head + len);
  out[0] = (opts.fin === false ? 0 : 0x80) | (opts.rsv1 ? 0x40 : 0) | (opcode & 0x0f);
  const m = mask ? 0x80 : 0;
  if (lenBytes === 0) out[1] = m | len;
  else if (lenBytes === 2) {
    out[1] = m | 126;
    out[2] = len >>> 8;
    out[3] = len & 0xff;
  } else {
    out[1] = m | 127;
    const hi = Math.floor(len / 0x1_0000_0000);
    new DataView(out.buffer).setUint32(2, hi);
    new DataView(out.buffer).setUint32(6, len >>> 0);
  }
  if (mask) {
    out.set(mask.subarray(0, 4), head - 4);
    for (let i = 0; i < len; i++) out[head + i] = payload[i]! ^ mask[i & 3]!;
  } else {
    out.set(payload, head);
  }
  return out;
}

/**
 * A close frame's payload: the code in network order then the UTF-8 reason;
 * empty when `code` is undefined.
 */
export function encodeClosePayload(code?: number, reason = ""): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const r = encoder.encode(reason);
  const out = new Uint8Array(2 + r.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
}

/**
 * A whole close frame (unmasked unless `mask` is given).
 */
export function encodeClose(code?: number, reason = "", mask?: Uint8Array): Uint8Array {
  return encodeFrame(Opcode.CLOSE, encodeClosePayload(code, reason), { mask });
}
