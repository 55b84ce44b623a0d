/**
 * HTTP/3 SETTINGS (RFC 9114 §7.2.4, RFC 9204 §5): the identifiers, and the
 * parse of a peer's frame with its rules (no duplicates, no HTTP/2 ids).
 *
 * @module
 */
import { readVarint } from "./varint.ts";
import { H3Code, H3ConnectionError } from "./errors.ts";

/**
 * Setting identifiers.
 */
export const SettingId = {
  QPACK_MAX_TABLE_CAPACITY: 0x1,
  MAX_FIELD_SECTION_SIZE: 0x6,
  QPACK_BLOCKED_STREAMS: 0x7,
  ENABLE_CONNECT_PROTOCOL: 0x8,
  H3_DATAGRAM: 0x33,
} as const;

/** HTTP/2 setting ids that must not appear in HTTP/3 (§7.2.4.1). */
const H2_SETTING_IDS = new Set([0x2, 0x3, 0x4, 0x5]);

/**
 * What the peer told us; unknown identifiers are ignored (§7.2.4).
 */
export interface PeerSettings {
  /** SETTINGS_QPACK_MAX_TABLE_CAPACITY (default 0). */
  maxTableCapacity: number;
  /** SETTINGS_QPACK_BLOCKED_STREAMS (default 0). */
  blockedStreams: number;
  /** SETTINGS_MAX_FIELD_SECTION_SIZE (default unlimited). */
  maxFieldSectionSize: number;
}

/**
 * Parses a SETTINGS payload; throws H3ConnectionError SETTINGS_ERROR for a
 * duplicate or HTTP/2 identifier, FRAME_ERROR for a truncated pair.
 */
export function parseSettings(payload: Uint8Array): PeerSettings {
  const out: PeerSettings = {
    maxTableCapacity: 0,
    blockedStreams: 0,
    maxFieldSectionSize: Infinity,
  };
  const seen = new Set<number>();
  let pos = 0;
  while (pos < payload.length) {
    const id = readVarint(payload, pos);
    const v = id === null ? null : readVarint(payload, id[1]);
    if (id === null || v === null) {
      throw new H3ConnectionError(H3Code.FRAME_ERROR, "truncated SETTINGS");
    }
    pos = v[1];
    if (seen.has(id[0])) {
      throw new H3ConnectionError(H3Code.SETTINGS_ERROR, `setting 0x${id[0].toString(16)} twice`);
    }
    seen.add(id[0]);
    if (H2_SETTING_IDS.has(id[0])) {
      throw new H3ConnectionError(
        H3Code.SETTINGS_ERROR,
        `HTTP/2 setting 0x${id[0].toString(16)} in HTTP/3`,
      );
    }
    if (id[0] === SettingId.QPACK_MAX_TABLE_CAPACITY) out.maxTableCapacity = v[0];
    else if (id[0] === SettingId.QPACK_BLOCKED_STREAMS) out.blockedStreams = v[0];
    else if (id[0] === SettingId.MAX_FIELD_SECTION_SIZE) out.maxFieldSectionSize = v[0];
  }
  return out;
}

/**
 * A field section's size as SETTINGS_MAX_FIELD_SECTION_SIZE counts it (RFC
 * 9114 §4.2.2): each line's name and value lengths plus 32, uncompressed.
 */
export function fieldSectionSize(fields: ReadonlyArray<readonly [string, string]>): number {
  let n = 0;
  for (const [name, value] of fields) n += name.length + value.length + 32;
  return n;
}
