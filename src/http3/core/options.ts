/**
 * The HTTP/3 core's limits, with their defaults. Each bounds a buffer or a
 * budget; the serve() option `http3` sets them by the same names.
 *
 * @module
 */

/**
 * Limits of one HTTP/3 connection core; `serve({ http3: { ... } })` takes them by these names.
 *
 * @example
 * ```ts
 * import type { H3CoreOptions } from "@h2serve/h2serve";
 * const limits: Partial<H3CoreOptions> = { maxFieldSectionSize: 16 * 1024, qpackBlockedStreams: 0 };
 * ```
 */
export interface H3CoreOptions {
  /** SETTINGS_MAX_FIELD_SECTION_SIZE: decoded request field section; larger gets 431. */
  maxFieldSectionSize: number;
  /** Encoded HEADERS payload we buffer; larger is H3_EXCESSIVE_LOAD (like h2's maxHeaderBlockSize). */
  maxHeaderBlockSize: number;
  /** SETTINGS_QPACK_MAX_TABLE_CAPACITY we offer the peer's encoder. */
  qpackMaxTableCapacity: number;
  /** SETTINGS_QPACK_BLOCKED_STREAMS we allow. */
  qpackBlockedStreams: number;
  /** Request streams the peer may reset (or we must refuse) in a burst; then H3_EXCESSIVE_LOAD. */
  resetBurst: number;
  /** Reset tokens regained per second. */
  resetRefillPerSecond: number;
  /** Unknown frames, unknown unidirectional streams and push-control frames in a burst. */
  uselessFrameBurst: number;
  /** Useless-frame tokens regained per second. */
  uselessFrameRefillPerSecond: number;
  /** Bytes held for a request stream whose field section is blocked on the encoder stream. */
  maxBlockedBytes: number;
  /** The clock of the budgets (ms); without one they refill only by progress. */
  now?: () => number;
}

/**
 * Defaults (the h2 equivalents where there is one).
 */
export const DEFAULT_H3_OPTIONS: Readonly<H3CoreOptions> = Object.freeze({
  maxFieldSectionSize: 64 * 1024,
  maxHeaderBlockSize: 128 * 1024,
  qpackMaxTableCapacity: 4096,
  qpackBlockedStreams: 16,
  resetBurst: 1000,
  resetRefillPerSecond: 33,
  uselessFrameBurst: 1000,
  uselessFrameRefillPerSecond: 100,
  maxBlockedBytes: 64 * 1024,
});
