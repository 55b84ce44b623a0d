/**
 * Events returned by {@link H2Connection.receive}, a union discriminated on `type`.
 *
 * @module
 */

import type { Settings } from "./settings.ts";

/**
 * A header or trailer field list, in wire order, names lowercase.
 */
export type HeaderList = Array<[string, string]>;

/**
 * A new request (validated per §8.2/§8.3; a malformed one is reset and not reported).
 */
export interface RequestEvent {
  /** Discriminant. */
  type: "request";
  /** Stream id. */
  streamId: number;
  /** Fields in wire order, pseudo-headers first; split cookie fields are left as they came. */
  headers: HeaderList;
  /** The request has no body (HEADERS carried END_STREAM); a "stream-end" event follows too. */
  endStream: boolean;
}

/**
 * Request body bytes.
 */
export interface DataEvent {
  /** Discriminant. */
  type: "data";
  /** Stream id. */
  streamId: number;
  /** Payload without padding; a subarray of the received chunk (not copied). */
  data: Uint8Array;
  /** Flow-controlled length incl. padding (the padding is credited back by the core). */
  flowLength: number;
  /** This DATA carried END_STREAM. */
  endStream: boolean;
}

/**
 * Request trailers (a HEADERS with END_STREAM after the body).
 */
export interface TrailersEvent {
  /** Discriminant. */
  type: "trailers";
  /** Stream id. */
  streamId: number;
  /** Trailer fields (no pseudo-headers). */
  headers: HeaderList;
}

/**
 * The peer finished sending on this stream (END_STREAM seen, content-length matched).
 */
export interface StreamEndEvent {
  /** Discriminant. */
  type: "stream-end";
  /** Stream id. */
  streamId: number;
}

/**
 * A stream was reset: by the peer (`remote`) or by us because of a stream error.
 */
export interface StreamResetEvent {
  /** Discriminant. */
  type: "stream-reset";
  /** Stream id. */
  streamId: number;
  /** RST_STREAM code. */
  code: number;
  /** True when the peer sent RST_STREAM; false when we did (its reason is in `reason`). */
  remote: boolean;
  /** Why we reset it (only when `remote` is false). */
  reason?: string;
  /** True for our stream above the lastStreamId of the peer's GOAWAY: never processed, safe to retry. */
  refusedByGoAway?: true;
}

/**
 * A stream became closed because of a received frame (END_STREAM after ours, or RST_STREAM).
 */
export interface StreamClosedEvent {
  /** Discriminant. */
  type: "stream-closed";
  /** Stream id. */
  streamId: number;
}

/**
 * Send capacity grew on a stream, or on the connection (`streamId` 0): resume pulling bodies.
 */
export interface WindowEvent {
  /** Discriminant. */
  type: "window";
  /** Stream id, 0 for the connection window. */
  streamId: number;
  /** How much the window grew (a WINDOW_UPDATE increment, or a SETTINGS_INITIAL_WINDOW_SIZE raise). */
  delta: number;
}

/**
 * The peer's SETTINGS were applied (and ACKed).
 */
export interface SettingsEvent {
  /** Discriminant. */
  type: "settings";
  /** The known settings that this frame carried, by name. */
  changes: Partial<Settings>;
}

/**
 * The peer acknowledged our SETTINGS; they are now in force.
 */
export interface SettingsAckEvent {
  /** Discriminant. */
  type: "settings-ack";
}

/**
 * The peer pinged (we queued the ACK).
 */
export interface PingEvent {
  /** Discriminant. */
  type: "ping";
  /** The 8 opaque bytes. */
  data: Uint8Array;
}

/**
 * The peer answered one of our PINGs.
 */
export interface PingAckEvent {
  /** Discriminant. */
  type: "ping-ack";
  /** The 8 opaque bytes we sent. */
  data: Uint8Array;
}

/**
 * The peer sent GOAWAY: no new streams; those above `lastStreamId` were not processed.
 */
export interface GoAwayEvent {
  /** Discriminant. */
  type: "goaway";
  /** Last stream id the peer processed. */
  lastStreamId: number;
  /** Error code. */
  code: number;
  /** Debug data (subarray). */
  debug: Uint8Array;
}

/**
 * We detected a connection error and queued GOAWAY: flush output, then close the socket.
 */
export interface ConnectionErrorEvent {
  /** Discriminant. */
  type: "connection-error";
  /** The GOAWAY code. */
  code: number;
  /** Why. */
  reason: string;
}

/**
 * The request's header list exceeded maxHeaderListSize/maxHeaderFields
 * (HPACK decoded it anyway to keep the table in sync). The stream is open;
 * the server should answer 431 (with END_STREAM) and may then reset it with NO_ERROR.
 */
export interface HeadersTooLargeEvent {
  /** Discriminant. */
  type: "headers-too-large";
  /** Stream id. */
  streamId: number;
  /** The HEADERS carried END_STREAM. */
  endStream: boolean;
}

/**
 * Client side: response HEADERS on a stream we opened (or a pushed one), informational (1xx) or final.
 */
export interface ResponseEvent {
  /** Discriminant. */
  type: "response";
  /** Stream id. */
  streamId: number;
  /** Fields in wire order, `:status` first. */
  headers: HeaderList;
  /** The `:status` code. */
  status: number;
  /** A 1xx response: the final one is still to come. */
  informational: boolean;
  /** The response has no body (HEADERS carried END_STREAM); a "stream-end" event follows too. */
  endStream: boolean;
}

/**
 * Client side: the server promised a pushed stream (PUSH_PROMISE), now reserved (remote).
 */
export interface PushPromiseEvent {
  /** Discriminant. */
  type: "push-promise";
  /** The associated stream the promise came on. */
  streamId: number;
  /** The reserved stream that will carry the pushed response. */
  promisedStreamId: number;
  /** The promised request's fields. */
  headers: HeaderList;
}

/**
 * Any event.
 */
export type H2Event =
  | RequestEvent
  | DataEvent
  | TrailersEvent
  | StreamEndEvent
  | StreamResetEvent
  | StreamClosedEvent
  | WindowEvent
  | SettingsEvent
  | SettingsAckEvent
  | PingEvent
  | PingAckEvent
  | GoAwayEvent
  | ConnectionErrorEvent
  | HeadersTooLargeEvent
  | ResponseEvent
  | PushPromiseEvent;
