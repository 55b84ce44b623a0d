/**
 * Options of the public {@link H2Connection}: which side, the SETTINGS we
 * advertise, outbound header validation, and the core's flood limits. They
 * resolve to the internal core options (`core/conn_options.ts`), with
 * RFC 9113 default windows (65,535 bytes) so that receive-side flow control
 * is visibly the caller's to drive, as in python-hyper h2.
 *
 * @module
 */
import { type H2CoreOptions, resolveOptions } from "../core/conn_options.ts";

/**
 * The SETTINGS this endpoint advertises in its first SETTINGS frame.
 *
 * @example
 * ```ts
 * import { H2Connection, type LocalSettingsInit } from "../../../http2.ts";
 * const settings: LocalSettingsInit = { initialWindowSize: 1 << 20, maxConcurrentStreams: 50 };
 * new H2Connection({ side: "server", settings });
 * ```
 */
export interface LocalSettingsInit {
  /** SETTINGS_HEADER_TABLE_SIZE: our HPACK decoder's table. Default 4096. */
  headerTableSize?: number;
  /** SETTINGS_ENABLE_PUSH (client side only): accept server push. Default false. */
  enablePush?: boolean;
  /** SETTINGS_MAX_CONCURRENT_STREAMS the peer may open (REFUSED_STREAM beyond). Default 100. */
  maxConcurrentStreams?: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE: each stream's receive window. Default 65535. */
  initialWindowSize?: number;
  /** SETTINGS_MAX_FRAME_SIZE: the largest frame we accept. Default 16384. */
  maxFrameSize?: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE: largest decoded header list. Default 65536. */
  maxHeaderListSize?: number;
  /** SETTINGS_ENABLE_CONNECT_PROTOCOL (server side): accept extended CONNECT (RFC 8441). Default false. */
  enableConnectProtocol?: boolean;
}

/**
 * The settings that may change after the start ({@link H2Connection.updateSettings}).
 *
 * @example
 * ```ts
 * import type { SettingsUpdate } from "../../../http2.ts";
 * const update: SettingsUpdate = { initialWindowSize: 1 << 20 };
 * ```
 */
export interface SettingsUpdate {
  /** SETTINGS_HEADER_TABLE_SIZE. */
  headerTableSize?: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS. */
  maxConcurrentStreams?: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE. */
  initialWindowSize?: number;
  /** SETTINGS_MAX_FRAME_SIZE. */
  maxFrameSize?: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE. */
  maxHeaderListSize?: number;
}

/**
 * Bounds the core enforces against a hostile peer (the server's defaults).
 *
 * @example
 * ```ts
 * import { H2Connection, type H2Limits } from "../../../http2.ts";
 * const limits: H2Limits = { maxContinuationFrames: 4, resetBurst: 100 };
 * new H2Connection({ side: "client", limits });
 * ```
 */
export interface H2Limits {
  /** Cap on the HPACK encoder's dynamic table, whatever the peer allows. Default 4096. */
  maxEncoderTableSize?: number;
  /** Fields in one header list (beyond: a "headers-too-large" event or a reset). Default 200. */
  maxHeaderFields?: number;
  /** Compressed bytes of one header block → GOAWAY ENHANCE_YOUR_CALM. Default 128 KiB. */
  maxHeaderBlockSize?: number;
  /** CONTINUATION frames in one header block → GOAWAY ENHANCE_YOUR_CALM. Default 8. */
  maxContinuationFrames?: number;
  /** Streams reset by or because of the peer before the budget is spent (rapid reset). Default 1000. */
  resetBurst?: number;
  /** Useless frames (empty DATA, unsolicited ACKs) before GOAWAY ENHANCE_YOUR_CALM. Default 1000. */
  uselessFrameBurst?: number;
  /** Control replies owed but not yet taken with dataToSend(). Default 1000. */
  maxQueuedControlFrames?: number;
  /** Recently closed streams remembered (frames after our RST_STREAM are ignored). Default 1000. */
  closedStreamMemory?: number;
  /** A clock in milliseconds; with it the budgets refill over time, else by progress. */
  now?: () => number;
}

/**
 * Options of {@link H2Connection}.
 *
 * @example
 * ```ts
 * import { H2Connection, type H2ConnectionOptions } from "../../../http2.ts";
 * const options: H2ConnectionOptions = { side: "client", settings: { enablePush: true } };
 * new H2Connection(options);
 * ```
 */
export interface H2ConnectionOptions {
  /** Which end this is: a client sends the preface and opens odd streams. */
  side: "server" | "client";
  /** The SETTINGS we advertise. */
  settings?: LocalSettingsInit;
  /** The connection receive window; above 65535 it is opened by a WINDOW_UPDATE at start. Default 65535. */
  connectionWindowSize?: number;
  /**
   * Check the headers we send (names, pseudo-headers, `:status`, connection-specific
   * fields) and throw {@link H2ProtocolError} before anything is encoded. Received
   * headers are always validated. Default true.
   */
  validateHeaders?: boolean;
  /** Flood and memory bounds. */
  limits?: H2Limits;
}

/**
 * The RFC's ranges for what a protocol library may be asked (RFC 9113 §6.5.2: 0 concurrent
 * streams is legal here, unlike serve()'s floors in src/options/schema.ts). The core trusts
 * its options, so the public face checks them once, here.
 */
const RANGES: ReadonlyArray<readonly [keyof H2CoreOptions, number, number]> = [
  ["headerTableSize", 0, 0xffffffff],
  ["maxEncoderTableSize", 0, 0xffffffff],
  ["maxConcurrentStreams", 0, 0xffffffff],
  ["initialWindowSize", 0, 0x7fffffff],
  ["connectionWindowSize", 65535, 0x7fffffff],
  ["maxFrameSize", 16384, 16777215],
  ["maxHeaderListSize", 0, 0xffffffff],
  ["maxContinuationFrames", 0, Infinity],
  ["resetBurst", 1, Infinity],
  ["uselessFrameBurst", 1, Infinity],
  ["maxQueuedControlFrames", 1, Infinity],
  ["closedStreamMemory", 0, Infinity],
];

/** Resolves the public options into the core's (throws RangeError naming a bad value). */
export function coreOptions(o: H2ConnectionOptions): H2CoreOptions {
  if (o.side !== "server" && o.side !== "client") {
    throw new RangeError(`side must be "server" or "client", got ${String(o.side)}`);
  }
  const resolved = resolveCore(o);
  for (const [name, lo, hi] of RANGES) {
    const v = resolved[name] as number;
    if (!(v >= lo && v <= hi)) throw new RangeError(`${name} must be in [${lo}, ${hi}], got ${v}`);
  }
  return resolved;
}

function resolveCore(o: H2ConnectionOptions): H2CoreOptions {
  const s = o.settings ?? {};
  const l = o.limits ?? {};
  return resolveOptions({
    ...l,
    side: o.side,
    enablePush: s.enablePush ?? false,
    headerTableSize: s.headerTableSize,
    maxConcurrentStreams: s.maxConcurrentStreams ?? 100,
    initialWindowSize: s.initialWindowSize ?? 65535,
    maxFrameSize: s.maxFrameSize,
    maxHeaderListSize: s.maxHeaderListSize,
    enableConnectProtocol: s.enableConnectProtocol ?? false,
    connectionWindowSize: o.connectionWindowSize ?? 65535,
    // dataToSend() takes everything at once.
    writeBatchSize: Infinity,
  });
}
