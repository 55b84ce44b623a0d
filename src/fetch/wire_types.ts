/**
 * The shapes of `wire(req)` (wire.ts): what a handler that takes over its
 * response at the protocol level is given, per protocol, and the frames
 * `frames()` reports. The drivers implement them (HTTP/2:
 * src/http2/server/wire_stream.ts; HTTP/1.1: src/http1/server/wire_raw.ts).
 *
 * @module
 */
import type { Completion } from "../types.ts";

/**
 * Fields as they go on the wire: order, case and duplicates kept, nothing checked.
 *
 * @example
 * ```ts
 * import type { WireFields } from "./wire_types.ts";
 * const fields: WireFields = [["X-Early", "1"], [":status", "200"], ["x-dup", "a"], ["x-dup", "b"]];
 * ```
 */
export type WireFields = ReadonlyArray<readonly [string, string]>;

/**
 * Options of {@link WireH2.headers}.
 *
 * @example
 * ```ts
 * import type { WireHeadersOptions } from "./wire_types.ts";
 * const open: WireHeadersOptions = { endHeaders: false, padLength: 8 };
 * ```
 */
export interface WireHeadersOptions {
  /** Set END_STREAM (default false). */
  endStream?: boolean;
  /** Set END_HEADERS (default true); false leaves the block open for {@link WireH2.continuation}. */
  endHeaders?: boolean;
  /** Pad the frame with this many bytes (0..255). */
  padLength?: number;
  /** Priority fields (deprecated by RFC 9113, still on the wire): weight 1..256. */
  priority?: { dependency: number; exclusive: boolean; weight: number };
}

/**
 * Options of {@link WireH2.data}.
 *
 * @example
 * ```ts
 * import type { WireDataOptions } from "./wire_types.ts";
 * const tooBig: WireDataOptions = { oversize: true, ignoreFlowControl: true, endStream: true };
 * ```
 */
export interface WireDataOptions {
  /** Set END_STREAM on the (last) frame (default false). */
  endStream?: boolean;
  /** Pad each frame with this many bytes (0..255). */
  padLength?: number;
  /** Send now whatever the client's flow-control windows say (default false: wait for them). */
  ignoreFlowControl?: boolean;
  /** Send one frame even if larger than the client's SETTINGS_MAX_FRAME_SIZE (default false: split). */
  oversize?: boolean;
}

/**
 * Any frame, for {@link WireH2.frame}.
 *
 * @example
 * ```ts
 * import type { WireRawFrame } from "./wire_types.ts";
 * const unknownOnZero: WireRawFrame = { type: 0xfa, flags: 0, payload: new Uint8Array(4), streamId: 0 };
 * ```
 */
export interface WireRawFrame {
  /** Frame type (0..255; unknown types included). */
  type: number;
  /** Flags byte (default 0). */
  flags?: number;
  /** Payload (default empty). */
  payload?: Uint8Array;
  /** Stream id (default this stream; 0 for the connection). */
  streamId?: number;
}

/**
 * A pushed response, for {@link WireH2.push}.
 *
 * @example
 * ```ts
 * import type { WirePushResponse } from "./wire_types.ts";
 * const pushed: WirePushResponse = { status: 200, headers: [["content-type", "text/css"]], body: "p{}" };
 * ```
 */
export interface WirePushResponse {
  /** The status (default 200). */
  status?: number;
  /** Response fields after `:status`, lowercase. */
  headers?: WireFields;
  /** The body (a string is UTF-8 encoded). */
  body?: Uint8Array | string;
}

/**
 * A frame received on the stream, as {@link WireH2.frames} reports it.
 *
 * @example
 * ```ts
 * import type { WireFrame } from "./wire_types.ts";
 * const describe = (f: WireFrame) => `${f.name} flags=${f.flags} length=${f.length} pad=${f.padLength ?? 0}`;
 * ```
 */
export interface WireFrame {
  /** The frame type code (0 DATA, 1 HEADERS, 2 PRIORITY, 3 RST_STREAM, 8 WINDOW_UPDATE, 9 CONTINUATION). */
  type: number;
  /** The type's name ("DATA", "HEADERS", ...). */
  name: string;
  /** The flags byte as received. */
  flags: number;
  /** The payload length (padding included). */
  length: number;
  /** The stream id. */
  streamId: number;
  /** DATA and HEADERS with PADDED: the padding length. */
  padLength?: number;
  /** HEADERS or CONTINUATION that ends a header block: the whole block's decoded fields. */
  fields?: Array<[string, string]>;
  /** DATA: the data (a copy, padding removed). */
  data?: Uint8Array;
  /** RST_STREAM: the error code. */
  errorCode?: number;
  /** WINDOW_UPDATE: the increment. */
  increment?: number;
}

/**
 * The HTTP/2 side of a wire: this stream's frames, sent as given. Once the
 * client has gone (it reset the stream, the connection closed), sends are
 * dropped silently (`info.completed` says `"aborted"`); after the handler's
 * own `end()` or `reset()` they throw `WireError`.
 *
 * @example
 * ```ts
 * import type { WireH2 } from "./wire_types.ts";
 * async function trickle(h2: WireH2): Promise<void> {
 *   h2.headers([[":status", "200"]]);
 *   for (const part of ["a", "b", "c"]) await h2.data(part);
 *   h2.end();
 * }
 * ```
 */
export interface WireH2 {
  /** The stream id. */
  readonly streamId: number;
  /** The client's SETTINGS_MAX_FRAME_SIZE. */
  readonly maxPayloadSize: number;
  /** The send windows now: the stream's and the connection's. */
  readonly window: { stream: number; connection: number };
  /** One HEADERS frame; the fields are HPACK-encoded in the given order and case, unvalidated. */
  headers(fields: WireFields, options?: WireHeadersOptions): void;
  /** One CONTINUATION frame (END_HEADERS unless `endHeaders: false`). */
  continuation(fields: WireFields, options?: { endHeaders?: boolean }): void;
  /** DATA: waits for the windows unless told not to; split at the client's max frame size unless `oversize`. */
  data(bytes: Uint8Array | string, options?: WireDataOptions): Promise<void>;
  /** Any frame, unknown types and stream 0 included. */
  frame(frame: WireRawFrame): void;
  /** PUSH_PROMISE for `requestFields`, then the pushed response; returns the promised stream id. Throws when the client disabled push. */
  push(requestFields: WireFields, response?: WirePushResponse): number;
  /** RST_STREAM with this code (default 8, CANCEL); the wire ends. */
  reset(errorCode?: number): void;
  /** Ends the response: an empty DATA with END_STREAM unless END_STREAM went out already; the wire ends. */
  end(): void;
  /** The stream's frames as received from now on (HEADERS, CONTINUATION, DATA, RST_STREAM, PRIORITY, WINDOW_UPDATE). */
  frames(): AsyncIterableIterator<WireFrame>;
}

/**
 * The HTTP/1.1 side of a wire: the connection's bytes, sent as given.
 *
 * @example
 * ```ts
 * import type { WireH1 } from "./wire_types.ts";
 * async function badStatus(h1: WireH1): Promise<void> {
 *   await h1.write("HTTP/1.1 9999 Nope\r\n\r\n");
 *   await h1.end();
 * }
 * ```
 */
export interface WireH1 {
  /** Writes bytes as they are: no framing, no validation. Resolves when the socket took them. */
  write(bytes: Uint8Array | string): Promise<void>;
  /**
   * Ends the response. The connection closes unless `close: false`, which
   * says the bytes were one complete, correctly framed response.
   */
  end(options?: { close?: boolean }): Promise<void>;
}

/**
 * What `wire(req)` returns on HTTP/2.
 *
 * @example
 * ```ts
 * import type { WireOverH2 } from "./wire_types.ts";
 * const streamOf = (w: WireOverH2) => w.h2.streamId;
 * ```
 */
export interface WireOverH2 {
  /** "h2" over TLS, "h2c" in cleartext. */
  readonly protocol: "h2" | "h2c";
  /** The marker the handler returns: the server then sends nothing of its own. */
  readonly response: Response;
  /** The stream's frames. */
  readonly h2: WireH2;
  /** Null on HTTP/2. */
  readonly h1: null;
}

/**
 * What `wire(req)` returns on HTTP/1.1.
 *
 * @example
 * ```ts
 * import type { WireOverH1 } from "./wire_types.ts";
 * const close = (w: WireOverH1) => w.h1.end({ close: true });
 * ```
 */
export interface WireOverH1 {
  /** "http/1.1". */
  readonly protocol: "http/1.1";
  /** The marker the handler returns: the server then sends nothing of its own. */
  readonly response: Response;
  /** Null on HTTP/1.1. */
  readonly h2: null;
  /** The connection's bytes. */
  readonly h1: WireH1;
}

/**
 * What `wire(req)` returns: check `protocol` (or `h2`/`h1`) to pick a side.
 *
 * @example
 * ```ts
 * import type { Wire } from "./wire_types.ts";
 * const protocolOf = (w: Wire) => (w.h2 !== null ? `h2 stream ${w.h2.streamId}` : w.protocol);
 * ```
 */
export type Wire = WireOverH2 | WireOverH1;

/** @internal What a driver's writer hands over when the handler takes the wire. */
export interface WireGrant {
  /** The side the handler drives. */
  readonly side: { h2: WireH2; h1: null } | { h2: null; h1: WireH1 };
  /** Settles when the wire ends: "sent" by end(), "aborted" by reset, loss or abort. */
  readonly ended: Promise<Completion>;
  /** The handler failed (or returned another Response): cut the response off. */
  abort(reason: unknown): void;
  /** The client went away: end the wire. */
  lost(reason: unknown): void;
}
