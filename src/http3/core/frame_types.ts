/**
 * HTTP/3 frame types (RFC 9114 §7.2) and how each is received: streamed
 * (DATA, never held whole), buffered up to a bound, or skipped (unknown and
 * reserved types, §9).
 *
 * @module
 */

/**
 * Frame type codes.
 */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  CANCEL_PUSH: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  GOAWAY: 0x7,
  MAX_PUSH_ID: 0xd,
} as const;

/**
 * HTTP/2 frame types with no HTTP/3 meaning (PRIORITY, PING, WINDOW_UPDATE,
 * CONTINUATION): receiving one is H3_FRAME_UNEXPECTED (§7.2.8).
 */
export const H2_ONLY_TYPES: ReadonlySet<number> = new Set([0x2, 0x6, 0x8, 0x9]);

/**
 * The class of a frame type for the stream tables: each known type is its
 * own class; HTTP/2-only types are "h2"; anything else is "unknown" (ignored).
 */
export type FrameClass = keyof typeof FrameType | "h2" | "unknown";

const BY_CODE = new Map<number, FrameClass>(
  Object.entries(FrameType).map(([k, v]) => [v, k as FrameClass]),
);

/** See {@link FrameClass}. */
export function frameClass(type: number): FrameClass {
  return BY_CODE.get(type) ?? (H2_ONLY_TYPES.has(type) ? "h2" : "unknown");
}

/**
 * Whether `type` is a reserved "grease" type (0x1f * N + 0x21), which
 * peers send to exercise the ignore rule.
 */
export function isGrease(type: number): boolean {
  return type >= 0x21 && (type - 0x21) % 0x1f === 0;
}
