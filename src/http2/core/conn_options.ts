/**
 * Every limit and advertised setting of the HTTP/2 core in one options object.
 * Each limit names what the peer gets when it is exceeded.
 *
 * @module
 */

/**
 * Options of {@link H2Connection}; all fields have defaults ({@link DEFAULT_H2_OPTIONS}).
 *
 * @example
 * ```ts
 * import { type H2Options, serve } from "@h2serve/h2serve";
 * const limits: Partial<H2Options> = { maxConcurrentStreams: 10, initialWindowSize: 1 << 20 };
 * serve({ port: 0, http2: limits }, () => new Response("ok"));
 * ```
 */
export interface H2Options {
  /** SETTINGS_HEADER_TABLE_SIZE we advertise: our HPACK decoder's table. Default 4096. */
  headerTableSize: number;
  /** Cap on the HPACK encoder table we use, whatever the peer allows. Default 4096. */
  maxEncoderTableSize: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS we advertise and enforce (REFUSED_STREAM). Default 100. */
  maxConcurrentStreams: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE we advertise: receive window of each stream. Default 1 MiB. */
  initialWindowSize: number;
  /** Connection receive window; above 65535 it is opened by a WINDOW_UPDATE at start. Default 16 MiB. */
  connectionWindowSize: number;
  /** SETTINGS_MAX_FRAME_SIZE we advertise (larger frames → FRAME_SIZE_ERROR). Default 16384. */
  maxFrameSize: number;
  /**
   * SETTINGS_MAX_HEADER_LIST_SIZE we advertise and give the HPACK decoder
   * (decoded size incl. 32 bytes per field). Exceeded → "headers-too-large"
   * event (request) or RST_STREAM ENHANCE_YOUR_CALM (trailers). Default 64 KiB.
   */
  maxHeaderListSize: number;
  /** Cap on the number of fields in one header list (same outcome as maxHeaderListSize). Default 200. */
  maxHeaderFields: number;
  /** Cap on the compressed bytes of one header block (HEADERS + CONTINUATIONs) → GOAWAY ENHANCE_YOUR_CALM. Default 128 KiB. */
  maxHeaderBlockSize: number;
  /** Cap on CONTINUATION frames in one header block (CVE-2024 CONTINUATION flood) → GOAWAY ENHANCE_YOUR_CALM. Default 8. */
  maxContinuationFrames: number;
  /**
   * Rapid-reset budget (CVE-2023-44487, CVE-2025-8671): token-bucket burst.
   * A token is spent for each stream the peer resets before we finished it,
   * each stream we reset because of peer misbehaviour, each refused
   * stream, and each request refused for an oversized header list (431).
   * Empty → GOAWAY ENHANCE_YOUR_CALM. Default 1000.
   */
  resetBurst: number;
  /** Tokens regained per second when `now` is given. Default 33. */
  resetRefillPerSecond: number;
  /**
   * Budget for useless frames (empty DATA without END_STREAM, empty header
   * fragments without END_HEADERS, unsolicited PING ACKs, frames ignored on
   * streams we reset). Empty → GOAWAY ENHANCE_YOUR_CALM. Default 1000.
   */
  uselessFrameBurst: number;
  /** Useless-frame tokens regained per second when `now` is given. Default 100. */
  uselessFrameRefillPerSecond: number;
  /**
   * Max control replies (PING ACK, SETTINGS ACK, RST_STREAM we owe the peer)
   * waiting in the outbox; a peer that floods them without reading →
   * GOAWAY ENHANCE_YOUR_CALM. Default 1000.
   */
  maxQueuedControlFrames: number;
  /** How many recently closed streams are remembered (the grace window for frames after our RST_STREAM). Default 1000. */
  closedStreamMemory: number;
  /** Upper bound of DATA bytes placed in one `takeOutput()` batch (control frames are never held back). Default 256 KiB. */
  writeBatchSize: number;
  /**
   * Advertise SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 and accept extended
   * CONNECT (`:protocol`, RFC 8441): WebSockets over HTTP/2. Default true.
   */
  enableConnectProtocol: boolean;
  /**
   * Clock in milliseconds, used only to refill the token buckets. The core
   * never reads a clock itself: without `now`, the buckets are refilled by
   * progress instead (one reset token per stream completed normally, one
   * useless-frame token per useful frame). Default undefined.
   */
  now: (() => number) | undefined;
}

/**
 * The defaults: fast on loopback (1 MiB stream / 16 MiB connection windows), nghttp2-like flood limits.
 */
export const DEFAULT_H2_OPTIONS: Readonly<H2Options> = Object.freeze({
  headerTableSize: 4096,
  maxEncoderTableSize: 4096,
  maxConcurrentStreams: 100,
  initialWindowSize: 1 << 20,
  connectionWindowSize: 16 << 20,
  maxFrameSize: 16384,
  maxHeaderListSize: 64 << 10,
  maxHeaderFields: 200,
  maxHeaderBlockSize: 128 << 10,
  maxContinuationFrames: 8,
  resetBurst: 1000,
  resetRefillPerSecond: 33,
  uselessFrameBurst: 1000,
  uselessFrameRefillPerSecond: 100,
  maxQueuedControlFrames: 1000,
  closedStreamMemory: 1000,
  writeBatchSize: 256 << 10,
  enableConnectProtocol: true,
  now: undefined,
});

/**
 * What the core needs beyond the limits: which end it is. Not a serve() option (a server is
 * always the server side), so kept apart from {@link H2Options}.
 */
export interface H2CoreOptions extends H2Options {
  /** Which end of the connection this is: stream-id parity, the preface, who may push. */
  side: "server" | "client";
  /** Client side: advertise SETTINGS_ENABLE_PUSH = 1 and accept PUSH_PROMISE. */
  enablePush: boolean;
}

/**
 * Fills defaults (a server side without push). Ranges are checked once: by serve()'s option
 * validation (src/options/schema.ts), or by the public face's (src/http2/api/options.ts).
 */
export function resolveOptions(options: Partial<H2CoreOptions> = {}): H2CoreOptions {
  const o: H2CoreOptions = { side: "server", enablePush: false, ...DEFAULT_H2_OPTIONS };
  for (const k of Object.keys(options) as Array<keyof H2CoreOptions>) {
    const v = options[k];
    if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
  }
  return o;
}

const RESOLVED = new WeakMap<object, H2CoreOptions>();

/**
 * {@link resolveOptions}, once per options object: the connections of one server share
 * their resolved options instead of a copy each. The object must not change afterwards
 * (a server's resolved options never do).
 */
export function sharedOptions(options?: Partial<H2CoreOptions>): H2CoreOptions {
  if (options === undefined) return resolveOptions();
  let o = RESOLVED.get(options);
  if (o === undefined) RESOLVED.set(options, o = resolveOptions(options));
  return o;
}
