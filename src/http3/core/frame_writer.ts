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
 *
 * @example
 * ```ts
 * import { frameHeader } from "./frame_writer.ts";
 * console.assert(frameHeader(0x0, 5).length === 2); // DATA of 5 bytes: 0x00 0x05
 * ```
 */
export function frameHeader(type: number, length: number): Uint8Array {
  const b = new Uint8Array(varintLength(type) + varintLength(length));
  writeVarint(b, writeVarint(b, 0, type), length);
  return b;
}

/**
 * A whole frame: header and payload in one buffer (for small payloads).
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./frame_writer.ts";
 * const f = encodeFrame(0x1, new Uint8Array([0, 0, 0xd1])); // HEADERS ":method GET"
 * console.assert(f.length === 5);
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeSettings } from "./frame_writer.ts";
 * const f = encodeSettings([[0x6, 16384]]); // SETTINGS_MAX_FIELD_SECTION_SIZE
 * console.assert(f[0] === 0x04);
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeIdFrame } from "./frame_writer.ts";
 * const goaway = encodeIdFrame(0x7, 8); // no request stream from id 8 on will be processed
 * console.assert(goaway.length === 3);
 * ```
 */
export function encodeIdFrame(type: number, id: number): Uint8Array {
  const payload = new Uint8Array(varintLength(id));
  writeVarint(payload, 0, id);
  return encodeFrame(type, payload);
}
