/**
 * The public events of {@link H2Connection.receiveData}, a union
 * discriminated on `type`, in python-hyper h2's vocabulary
 * (`RequestReceived` → `"request-received"`, ...), and their translation
 * from the core's events.
 *
 * @module
 */
import type { H2Event as CoreEvent } from "../core/events.ts";
import type { Settings } from "../core/settings.ts";

/**
 * A header field: lowercase name, value, and (when sending) whether it must
 * never be indexed by HPACK (`authorization`, `cookie` and `set-cookie` never are).
 *
 * @example
 * ```ts
 * import type { HeaderField } from "../../../http2.ts";
 * const secret: HeaderField = ["x-api-key", "k", true];
 * ```
 */
export type HeaderField = readonly [name: string, value: string, sensitive?: boolean];

/**
 * A header list in wire order, pseudo-headers first.
 *
 * @example
 * ```ts
 * import type { HeaderList } from "../../../http2.ts";
 * const response: HeaderList = [[":status", "200"], ["content-type", "text/plain"]];
 * ```
 */
export type HeaderList = ReadonlyArray<HeaderField>;

/**
 * Server side: a request's HEADERS (validated; a malformed request is reset and not reported).
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "request-received" ? ev.headers : null;
 * ```
 */
export interface RequestReceived {
  /** Discriminant. */
  type: "request-received";
  /** Stream id. */
  streamId: number;
  /** Fields as received, in order. */
  headers: Array<[string, string]>;
}

/**
 * Client side: the final (non-1xx) response HEADERS.
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "response-received" ? ev.headers[0] : null;
 * ```
 */
export interface ResponseReceived {
  /** Discriminant. */
  type: "response-received";
  /** Stream id. */
  streamId: number;
  /** Fields as received, `:status` first. */
  headers: Array<[string, string]>;
}

/**
 * Client side: an informational (1xx) response; the final one is still to come.
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "informational-response-received";
 * ```
 */
export interface InformationalResponseReceived {
  /** Discriminant. */
  type: "informational-response-received";
  /** Stream id. */
  streamId: number;
  /** Fields as received, `:status` first. */
  headers: Array<[string, string]>;
}

/**
 * Trailers: a HEADERS with END_STREAM after the body (a "stream-ended" event follows).
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "trailers-received" ? ev.headers : null;
 * ```
 */
export interface TrailersReceived {
  /** Discriminant. */
  type: "trailers-received";
  /** Stream id. */
  streamId: number;
  /** Trailer fields (no pseudo-headers). */
  headers: Array<[string, string]>;
}

/**
 * Body bytes. Pass `flowControlledLength` to `acknowledgeReceivedData` once
 * they are processed, or the peer stalls when the window is spent.
 *
 * @example
 * ```ts
 * import type { H2Connection, H2Event } from "../../../http2.ts";
 * const onEvent = (conn: H2Connection, ev: H2Event) => {
 *   if (ev.type === "data-received") conn.acknowledgeReceivedData(ev.flowControlledLength, ev.streamId);
 * };
 * ```
 */
export interface DataReceived {
  /** Discriminant. */
  type: "data-received";
  /** Stream id. */
  streamId: number;
  /** The payload without padding: a view of the bytes given to receiveData (copy it to keep it). */
  data: Uint8Array;
  /** Flow-controlled length, padding included (padding is credited back by the core). */
  flowControlledLength: number;
}

/**
 * The peer finished sending on a stream (END_STREAM; content-length matched).
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "stream-ended" ? ev.streamId : 0;
 * ```
 */
export interface StreamEnded {
  /** Discriminant. */
  type: "stream-ended";
  /** Stream id. */
  streamId: number;
}

/**
 * A stream was reset: by the peer (`remoteReset`), or by the core because the peer broke a rule.
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "stream-reset" ? ev.errorCode : -1;
 * ```
 */
export interface StreamReset {
  /** Discriminant. */
  type: "stream-reset";
  /** Stream id. */
  streamId: number;
  /** The RST_STREAM error code (see {@link ErrorCode}). */
  errorCode: number;
  /** True when the peer ended it (its RST_STREAM, or its GOAWAY); false when the core sent RST_STREAM. */
  remoteReset: boolean;
  /** Why the core reset it (when `remoteReset` is false). */
  reason?: string;
  /**
   * True for a stream we opened above the lastStreamId of the peer's GOAWAY
   * (errorCode REFUSED_STREAM, no frame sent): the peer never processed it,
   * so it is safe to retry on a new connection.
   */
  refusedByGoAway?: true;
}

/**
 * A send window grew (WINDOW_UPDATE, or a larger SETTINGS_INITIAL_WINDOW_SIZE); 0 is the connection.
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "window-updated" ? ev.delta : 0;
 * ```
 */
export interface WindowUpdated {
  /** Discriminant. */
  type: "window-updated";
  /** Stream id, 0 for the connection. */
  streamId: number;
  /** By how much. */
  delta: number;
}

/**
 * The peer's SETTINGS were applied and acknowledged.
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "remote-settings-changed" ? ev.changedSettings : null;
 * ```
 */
export interface RemoteSettingsChanged {
  /** Discriminant. */
  type: "remote-settings-changed";
  /** The known settings the frame carried, by name, with their new values. */
  changedSettings: Partial<Settings>;
}

/**
 * The peer acknowledged our SETTINGS: they are in force.
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "settings-acknowledged";
 * ```
 */
export interface SettingsAcknowledged {
  /** Discriminant. */
  type: "settings-acknowledged";
}

/**
 * The peer pinged us (the ACK is queued).
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "ping-received" ? ev.pingData : null;
 * ```
 */
export interface PingReceived {
  /** Discriminant. */
  type: "ping-received";
  /** The 8 opaque bytes. */
  pingData: Uint8Array;
}

/**
 * The peer answered our PING.
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "ping-ack-received" ? ev.pingData : null;
 * ```
 */
export interface PingAckReceived {
  /** Discriminant. */
  type: "ping-ack-received";
  /** The 8 opaque bytes we sent. */
  pingData: Uint8Array;
}

/**
 * Client side: the server promised a pushed response; it arrives on `pushedStreamId`.
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "push-promise-received" ? ev.pushedStreamId : 0;
 * ```
 */
export interface PushPromiseReceived {
  /** Discriminant. */
  type: "push-promise-received";
  /** The stream the promise came on. */
  parentStreamId: number;
  /** The reserved stream. */
  pushedStreamId: number;
  /** The promised request. */
  headers: Array<[string, string]>;
}

/**
 * The connection ended: the peer sent GOAWAY (`remote`), or the core detected
 * a connection error and queued its GOAWAY (write dataToSend(), then close).
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "connection-terminated" ? ev.errorCode : -1;
 * ```
 */
export interface ConnectionTerminated {
  /** Discriminant. */
  type: "connection-terminated";
  /** The GOAWAY error code (0: graceful; streams up to lastStreamId finish). */
  errorCode: number;
  /** The last stream id the sender of the GOAWAY processed. */
  lastStreamId: number;
  /** The GOAWAY debug data. */
  additionalData: Uint8Array;
  /** True when the peer sent the GOAWAY. */
  remote: boolean;
}

/**
 * Server side: a request's header list exceeded maxHeaderListSize or
 * maxHeaderFields. The stream is open; answer 431 and end it.
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const onEvent = (ev: H2Event) => ev.type === "headers-too-large" ? ev.streamId : 0;
 * ```
 */
export interface HeadersTooLarge {
  /** Discriminant. */
  type: "headers-too-large";
  /** Stream id. */
  streamId: number;
}

/**
 * Any event.
 *
 * @example
 * ```ts
 * import type { H2Event } from "../../../http2.ts";
 * const describe = (ev: H2Event) => ev.type === "data-received" ? `${ev.data.length} bytes` : ev.type;
 * ```
 */
export type H2Event =
  | RequestReceived
  | ResponseReceived
  | InformationalResponseReceived
  | TrailersReceived
  | DataReceived
  | StreamEnded
  | StreamReset
  | WindowUpdated
  | RemoteSettingsChanged
  | SettingsAcknowledged
  | PingReceived
  | PingAckReceived
  | PushPromiseReceived
  | ConnectionTerminated
  | HeadersTooLarge;

const textEncoder = new TextEncoder();

/** Translates core events (dropping "stream-closed", which the others imply). */
export function publicEvents(events: CoreEvent[], lastSentId: () => number): H2Event[] {
  const out: H2Event[] = [];
  for (const e of events) {
    switch (e.type) {
      case "request":
        out.push({ type: "request-received", streamId: e.streamId, headers: e.headers });
        break;
      case "response":
        out.push({
          type: e.informational ? "informational-response-received" : "response-received",
          streamId: e.streamId,
          headers: e.headers,
        });
        break;
      case "trailers":
        out.push({ type: "trailers-received", streamId: e.streamId, headers: e.headers });
        break;
      case "data":
        out.push({
          type: "data-received",
          streamId: e.streamId,
          data: e.data,
          flowControlledLength: e.flowLength,
        });
        break;
      case "stream-end":
        out.push({ type: "stream-ended", streamId: e.streamId });
        break;
      case "stream-reset":
        out.push({
          type: "stream-reset",
          streamId: e.streamId,
          errorCode: e.code,
          remoteReset: e.remote,
          ...(e.reason === undefined ? {} : { reason: e.reason }),
          ...(e.refusedByGoAway ? { refusedByGoAway: true } : {}),
        });
        break;
      case "window":
        out.push({ type: "window-updated", streamId: e.streamId, delta: e.delta });
        break;
      case "settings":
        out.push({ type: "remote-settings-changed", changedSettings: e.changes });
        break;
      case "settings-ack":
        out.push({ type: "settings-acknowledged" });
        break;
      case "ping":
        out.push({ type: "ping-received", pingData: e.data });
        break;
      case "ping-ack":
        out.push({ type: "ping-ack-received", pingData: e.data });
        break;
      case "push-promise":
        out.push({
          type: "push-promise-received",
          parentStreamId: e.streamId,
          pushedStreamId: e.promisedStreamId,
          headers: e.headers,
        });
        break;
      case "goaway":
        out.push({
          type: "connection-terminated",
          errorCode: e.code,
          lastStreamId: e.lastStreamId,
          additionalData: e.debug,
          remote: true,
        });
        break;
      case "connection-error":
        out.push({
          type: "connection-terminated",
          errorCode: e.code,
          lastStreamId: lastSentId(),
          additionalData: textEncoder.encode(e.reason.slice(0, 256)),
          remote: false,
        });
        break;
      case "headers-too-large":
        out.push({ type: "headers-too-large", streamId: e.streamId });
        break;
      case "stream-closed":
        break;
    }
  }
  return out;
}
