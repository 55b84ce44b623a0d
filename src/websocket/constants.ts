/**
 * RFC 6455 numbers: opcodes, close codes and the defaults of the limits.
 *
 * @module
 */

/**
 * Frame opcodes (RFC 6455 §5.2).
 */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/**
 * One of the opcodes RFC 6455 defines.
 */
export type Opcode = typeof Opcode[keyof typeof Opcode];

/**
 * Close codes this server sends (RFC 6455 §7.4.1).
 */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
} as const;

/**
 * Default `maxMessageBytes`: 16 MiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_MESSAGE_BYTES } from "./constants.ts";
 * import { upgradeWebSocket } from "./upgrade.ts";
 * const upgrade = (req: Request) =>
 *   upgradeWebSocket(req, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES * 4 });
 * ```
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/**
 * Largest control frame payload (RFC 6455 §5.5).
 */
export const MAX_CONTROL_PAYLOAD = 125;
/**
 * The GUID appended to the key to compute Sec-WebSocket-Accept (RFC 6455 §1.3).
 */
export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/**
 * Whether `code` may appear in a close frame on the wire (RFC 6455 §7.4):
 * 1000-1003, 1007-1014 and 3000-4999. 1004, 1005, 1006 and 1015 are reserved
 * or local-only; 1016-2999 are unassigned.
 */
export function isWireCloseCode(code: number): boolean {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}
