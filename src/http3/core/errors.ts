/**
 * HTTP/3 error codes (RFC 9114 §8.1, RFC 9204 §6) and the two scopes an
 * error can have: the connection (CONNECTION_CLOSE) or one request stream
 * (RESET_STREAM / STOP_SENDING).
 *
 * @module
 */

/**
 * The codes, by RFC name.
 */
export const H3Code = {
  NO_ERROR: 0x100,
  GENERAL_PROTOCOL_ERROR: 0x101,
  INTERNAL_ERROR: 0x102,
  STREAM_CREATION_ERROR: 0x103,
  CLOSED_CRITICAL_STREAM: 0x104,
  FRAME_UNEXPECTED: 0x105,
  FRAME_ERROR: 0x106,
  EXCESSIVE_LOAD: 0x107,
  ID_ERROR: 0x108,
  SETTINGS_ERROR: 0x109,
  MISSING_SETTINGS: 0x10a,
  REQUEST_REJECTED: 0x10b,
  REQUEST_CANCELLED: 0x10c,
  REQUEST_INCOMPLETE: 0x10d,
  MESSAGE_ERROR: 0x10e,
  CONNECT_ERROR: 0x10f,
  VERSION_FALLBACK: 0x110,
  QPACK_DECOMPRESSION_FAILED: 0x200,
  QPACK_ENCODER_STREAM_ERROR: 0x201,
  QPACK_DECODER_STREAM_ERROR: 0x202,
} as const;

/**
 * Names by code, for messages.
 */
export function h3CodeName(code: number): string {
  for (const [k, v] of Object.entries(H3Code)) {
    if (v === code) return k.startsWith("QPACK") ? k : "H3_" + k;
  }
  return `0x${code.toString(16)}`;
}

/**
 * A connection error: the whole connection closes with `code`.
 */
export class H3ConnectionError extends Error {
  constructor(readonly code: number, reason: string) {
    super(`${h3CodeName(code)}: ${reason}`);
  }
}

/**
 * A stream error: only request stream `streamId` is reset with `code`.
 */
export class H3StreamError extends Error {
  constructor(readonly streamId: number, readonly code: number, reason: string) {
    super(`${h3CodeName(code)} on stream ${streamId}: ${reason}`);
  }
}
