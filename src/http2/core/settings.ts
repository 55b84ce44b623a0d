/**
 * SETTINGS identifiers, their validation (RFC 9113 §6.5.2) and the
 * payload codec shared by SETTINGS frames and the h2c `HTTP2-Settings`
 * header (RFC 7540 §3.2.1).
 *
 * @module
 */

import { ConnectionError, ErrorCode } from "./errors.ts";
import {
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW_SIZE,
  MAX_MAX_FRAME_SIZE,
  MAX_WINDOW_SIZE,
} from "./frame/types.ts";

/**
 * SETTINGS parameter identifiers (§6.5.2, RFC 8441 §3, RFC 9218 §2.1).
 */
export enum SettingId {
  HEADER_TABLE_SIZE = 0x1,
  ENABLE_PUSH = 0x2,
  MAX_CONCURRENT_STREAMS = 0x3,
  INITIAL_WINDOW_SIZE = 0x4,
  MAX_FRAME_SIZE = 0x5,
  MAX_HEADER_LIST_SIZE = 0x6,
  ENABLE_CONNECT_PROTOCOL = 0x8,
  NO_RFC7540_PRIORITIES = 0x9,
}

/**
 * The settings of one endpoint, by name. `maxConcurrentStreams`/`maxHeaderListSize` are unlimited by default.
 */
export interface Settings {
  /** SETTINGS_HEADER_TABLE_SIZE. */
  headerTableSize: number;
  /** SETTINGS_ENABLE_PUSH (0 or 1). */
  enablePush: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS (Infinity when not sent). */
  maxConcurrentStreams: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE. */
  initialWindowSize: number;
  /** SETTINGS_MAX_FRAME_SIZE. */
  maxFrameSize: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE (Infinity when not sent). */
  maxHeaderListSize: number;
}

/**
 * The initial values every endpoint assumes before any SETTINGS (§6.5.2).
 */
export function defaultSettings(): Settings {
  return {
    headerTableSize: 4096,
    enablePush: 1,
    maxConcurrentStreams: Infinity,
    initialWindowSize: DEFAULT_WINDOW_SIZE,
    maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
    maxHeaderListSize: Infinity,
  };
}

/**
 * Maps a known identifier to its {@link Settings} key; unknown ones map to undefined (and are ignored).
 */
export const SETTING_KEYS: Readonly<Record<number, keyof Settings | undefined>> = {
  [SettingId.HEADER_TABLE_SIZE]: "headerTableSize",
  [SettingId.ENABLE_PUSH]: "enablePush",
  [SettingId.MAX_CONCURRENT_STREAMS]: "maxConcurrentStreams",
  [SettingId.INITIAL_WINDOW_SIZE]: "initialWindowSize",
  [SettingId.MAX_FRAME_SIZE]: "maxFrameSize",
  [SettingId.MAX_HEADER_LIST_SIZE]: "maxHeaderListSize",
};

/**
 * Checks one received setting (§6.5.2). Throws {@link ConnectionError}:
 * ENABLE_PUSH > 1 → PROTOCOL_ERROR; INITIAL_WINDOW_SIZE > 2^31-1 →
 * FLOW_CONTROL_ERROR; MAX_FRAME_SIZE outside [2^14, 2^24-1] → PROTOCOL_ERROR;
 * the boolean settings of RFC 8441/9218 > 1 → PROTOCOL_ERROR.
 */
export function validateSetting(id: number, value: number): void {
  switch (id) {
    case SettingId.ENABLE_PUSH:
    case SettingId.ENABLE_CONNECT_PROTOCOL:
    case SettingId.NO_RFC7540_PRIORITIES:
      if (value > 1) {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `setting 0x${id.toString(16)} > 1`);
      }
      return;
    case SettingId.INITIAL_WINDOW_SIZE:
      if (value > MAX_WINDOW_SIZE) {
        throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE > 2^31-1");
      }
      return;
    case SettingId.MAX_FRAME_SIZE:
      if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "MAX_FRAME_SIZE out of range");
      }
      return;
  }
}

/**
 * Parses and validates a SETTINGS payload (a multiple of 6 bytes, else
 * FRAME_SIZE_ERROR). Unknown identifiers are kept in the result so that
 * callers can see them; {@link SETTING_KEYS} ignores them.
 */
export function parseSettingsPayload(payload: Uint8Array): Array<[number, number]> {
  if (payload.length % 6 !== 0) {
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS length not a multiple of 6");
  }
  const out: Array<[number, number]> = [];
  for (let i = 0; i < payload.length; i += 6) {
    const id = (payload[i]! << 8) | payload[i + 1]!;
    const value = ((payload[i + 2]! << 24) | (payload[i + 3]! << 16) | (payload[i + 4]! << 8) |
      payload[i + 5]!) >>> 0;
    validateSetting(id, value);
    out.push([id, value]);
  }
  return out;
}

/**
 * Encodes (identifier, value) pairs as a SETTINGS payload.
 */
export function encodeSettingsPayload(
  settings: ReadonlyArray<readonly [number, number]>,
): Uint8Array {
  const out = new Uint8Array(settings.length * 6);
  let i = 0;
  for (const [id, value] of settings) {
    out[i] = id >>> 8;
    out[i + 1] = id & 0xff;
    out[i + 2] = value >>> 24;
    out[i + 3] = (value >>> 16) & 0xff;
    out[i + 4] = (value >>> 8) & 0xff;
    out[i + 5] = value & 0xff;
    i += 6;
  }
  return out;
}
