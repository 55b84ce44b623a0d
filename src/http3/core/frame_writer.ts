/**
 * Frame encoding: a frame header before a payload we already hold (HEADERS,
 * DATA without copying the body), SETTINGS and GOAWAY.
 *
 * @module
 */
import { varintLength, writeVarint } from "./varint.ts";
import { FrameType } from "./frame_types.ts";

/**
 * The header (type, length) of a frame whose payload is written separately.
 */
export function frameHeader(type: number, length: number): Uint8Array {
  const b = new Uint8Array(varintLength(type) + varintLength(length));
  writeVarint(b, writeVarint(b, 0, type), length);
  return b;
}

/**
 * A whole frame: header and payload in one buffer (for small payloads).
 */
export function encodeFrame(type: number, payload: Uint8Array): Uint8Array {
  const n = varintLength(type) + varintLength(payload.length);
  const b = new Uint8Array(n + payload.length);
  writeVarint(b, writeVarint(b, 0, type), payload.length);
  b.set(payload, n);
  return b;
}

/**
 * A SETTINGS frame from identifier/value pairs.
 */
export function encodeSettings(pairs: ReadonlyArray<readonly [number, number]>): Uint8Array {
  let n = 0;
  for (const [id, v] of pairs) n += varintLength(id) + varintLength(v);
  const payload = new Uint8Array(n);
  let pos = 0;
  for (const [id, v] of pairs) pos = writeVarint(payload, writeVarint(payload, pos, id), v);
  return encodeFrame(FrameType.SETTINGS, payload);
}

/**
 * A frame carrying one varint: GOAWAY, MAX_PUSH_ID or CANCEL_PUSH.
 */
export function encodeIdFrame(type: number, id: number): Uint8Array {
  const payload = new Uint8Array(varintLength(id));
  writeVarint(payload, 0, id);
  return encodeFrame(type, payload);
}
