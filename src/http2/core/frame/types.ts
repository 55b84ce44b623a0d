/**
 * Frame types, flags and the decoded frame shapes (RFC 9113 §4, §6).
 *
 * @module
 */

/**
 * Frame type codes (RFC 9113 §6).
 */
export enum FrameType {
  DATA = 0x0,
  HEADERS = 0x1,
  PRIORITY = 0x2,
  RST_STREAM = 0x3,
  SETTINGS = 0x4,
  PUSH_PROMISE = 0x5,
  PING = 0x6,
  GOAWAY = 0x7,
  WINDOW_UPDATE = 0x8,
  CONTINUATION = 0x9,
  /** Not a wire value: stands for any type the decoder does not know (§4.1 says ignore it). */
  UNKNOWN = 0x100,
}

/**
 * Frame flag bits (RFC 9113 §6).
 */
export const Flags = {
  /** DATA, HEADERS. */
  END_STREAM: 0x1,
  /** SETTINGS, PING. */
  ACK: 0x1,
  /** HEADERS, PUSH_PROMISE, CONTINUATION. */
  END_HEADERS: 0x4,
  /** DATA, HEADERS, PUSH_PROMISE. */
  PADDED: 0x8,
  /** HEADERS. */
  PRIORITY: 0x20,
} as const;

/**
 * Size of the fixed frame header (§4.1).
 */
export const FRAME_HEADER_SIZE = 9;
/**
 * Default and minimum SETTINGS_MAX_FRAME_SIZE (§6.5.2).
 */
export const DEFAULT_MAX_FRAME_SIZE = 16384;
/**
 * Largest legal SETTINGS_MAX_FRAME_SIZE (§6.5.2).
 */
export const MAX_MAX_FRAME_SIZE = 16777215;
/**
 * Largest flow-control window (§6.9.1).
 */
export const MAX_WINDOW_SIZE = 0x7fffffff;
/**
 * Initial stream and connection window before SETTINGS / WINDOW_UPDATE (§6.9.2).
 */
export const DEFAULT_WINDOW_SIZE = 65535;
/**
 * Largest stream identifier (§5.1.1).
 */
export const MAX_STREAM_ID = 0x7fffffff;
/**
 * The client connection preface (§3.4).
 */
export const CLIENT_PREFACE: Uint8Array = new TextEncoder().encode(
  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
);

/**
 * The priority fields of HEADERS and PRIORITY (§5.3, deprecated; parsed and ignored).
 */
export interface PriorityFields {
  /** Stream this one depends on. */
  dependency: number;
  /** Exclusive flag. */
  exclusive: boolean;
  /** Weight 1..256. */
  weight: number;
}

/**
 * DATA (§6.1). `data` is a subarray of the received bytes (padding removed).
 */
export interface DataFrame {
  /** Frame type. */
  type: FrameType.DATA;
  /** Stream id (non-zero). */
  streamId: number;
  /** Raw flags. */
  flags: number;
  /** Application data, without padding. */
  data: Uint8Array;
  /** Bytes that count against flow control: the whole payload incl. padding. */
  flowLength: number;
  /** END_STREAM flag. */
  endStream: boolean;
}

/**
 * HEADERS (§6.2).
 */
export interface HeadersFrame {
  /** Frame type. */
  type: FrameType.HEADERS;
  /** Stream id (non-zero). */
  streamId: number;
  /** Raw flags. */
  flags: number;
  /** Field block fragment (subarray, padding removed). */
  block: Uint8Array;
  /** END_STREAM flag. */
  endStream: boolean;
  /** END_HEADERS flag. */
  endHeaders: boolean;
  /** Priority fields when the PRIORITY flag is set. */
  priority: PriorityFields | null;
}

/**
 * PRIORITY (§6.3).
 */
export interface PriorityFrame extends PriorityFields {
  /** Frame type. */
  type: FrameType.PRIORITY;
  /** Stream id (non-zero). */
  streamId: number;
  /** Raw flags. */
  flags: number;
}

/**
 * RST_STREAM (§6.4).
 */
export interface RstStreamFrame {
  /** Frame type. */
  type: FrameType.RST_STREAM;
  /** Stream id (non-zero). */
  streamId: number;
  /** Raw flags. */
  flags: number;
  /** Error code (may be outside §7). */
  code: number;
}

/**
 * SETTINGS (§6.5). Values are validated by the decoder (§6.5.2).
 */
export interface SettingsFrame {
  /** Frame type. */
  type: FrameType.SETTINGS;
  /** Always 0. */
  streamId: number;
  /** Raw flags. */
  flags: number;
  /** ACK flag. */
  ack: boolean;
  /** (identifier, value) pairs in wire order, unknown identifiers included. */
  settings: Array<[number, number]>;
}

/**
 * PUSH_PROMISE (§6.6); a server never accepts one.
 */
export interface PushPromiseFrame {
  /** Frame type. */
  type: FrameType.PUSH_PROMISE;
  /** Stream id (non-zero). */
  streamId: number;
  /** Raw flags. */
  flags: number;
  /** Promised stream id. */
  promisedStreamId: number;
  /** Field block fragment. */
  block: Uint8Array;
  /** END_HEADERS flag. */
  endHeaders: boolean;
}

/**
 * PING (§6.7).
 */
export interface PingFrame {
  /** Frame type. */
  type: FrameType.PING;
  /** Always 0. */
  streamId: number;
  /** Raw flags. */
  flags: number;
  /** ACK flag. */
  ack: boolean;
  /** The 8 opaque bytes (subarray). */
  data: Uint8Array;
}

/**
 * GOAWAY (§6.8).
 */
export interface GoAwayFrame {
  /** Frame type. */
  type: FrameType.GOAWAY;
  /** Always 0. */
  streamId: number;
  /** Raw flags. */
  flags: number;
  /** Last stream id the sender may have processed. */
  lastStreamId: number;
  /** Error code. */
  code: number;
  /** Additional debug data (subarray). */
  debug: Uint8Array;
}

/**
 * WINDOW_UPDATE (§6.9).
 */
export interface WindowUpdateFrame {
  /** Frame type. */
  type: FrameType.WINDOW_UPDATE;
  /** 0 for the connection window. */
  streamId: number;
  /** Raw flags. */
  flags: number;
  /** Window size increment (0 is rejected by the connection, with the scope §6.9 says). */
  increment: number;
}

/**
 * CONTINUATION (§6.10).
 */
export interface ContinuationFrame {
  /** Frame type. */
  type: FrameType.CONTINUATION;
  /** Stream id (non-zero). */
  streamId: number;
  /** Raw flags. */
  flags: number;
  /** Field block fragment (subarray). */
  block: Uint8Array;
  /** END_HEADERS flag. */
  endHeaders: boolean;
}

/**
 * A frame of a type this codec does not know; ignored per §4.1 (but it still ends no header block).
 */
export interface UnknownFrame {
  /** Marker type. */
  type: FrameType.UNKNOWN;
  /** The wire type code. */
  wireType: number;
  /** Stream id. */
  streamId: number;
  /** Raw flags. */
  flags: number;
  /** Payload (subarray). */
  payload: Uint8Array;
}

/**
 * Any decoded frame; discriminate on `type`.
 */
export type Frame =
  | DataFrame
  | HeadersFrame
  | PriorityFrame
  | RstStreamFrame
  | SettingsFrame
  | PushPromiseFrame
  | PingFrame
  | GoAwayFrame
  | WindowUpdateFrame
  | ContinuationFrame
  | UnknownFrame;
