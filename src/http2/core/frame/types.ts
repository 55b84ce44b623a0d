/**
 * Frame types, flags and the decoded frame shapes (RFC 9113 §4, §6).
 *
 * @module
 */

/**
 * Frame type codes (RFC 9113 §6).
 *
 * @example
 * ```ts
 * import { FrameType } from "./types.ts";
 * FrameType.WINDOW_UPDATE; // 0x8
 * ```
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
 *
 * @example
 * ```ts
 * import { Flags } from "./types.ts";
 * const flags = Flags.END_STREAM | Flags.END_HEADERS; // 0x5
 * ```
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
 *
 * @example
 * ```ts
 * import { FRAME_HEADER_SIZE } from "./types.ts";
 * FRAME_HEADER_SIZE; // 9
 * ```
 */
export const FRAME_HEADER_SIZE = 9;
/**
 * Default and minimum SETTINGS_MAX_FRAME_SIZE (§6.5.2).
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_FRAME_SIZE } from "./types.ts";
 * DEFAULT_MAX_FRAME_SIZE; // 16384
 * ```
 */
export const DEFAULT_MAX_FRAME_SIZE = 16384;
/**
 * Largest legal SETTINGS_MAX_FRAME_SIZE (§6.5.2).
 *
 * @example
 * ```ts
 * import { MAX_MAX_FRAME_SIZE } from "./types.ts";
 * MAX_MAX_FRAME_SIZE; // 16777215
 * ```
 */
export const MAX_MAX_FRAME_SIZE = 16777215;
/**
 * Largest flow-control window (§6.9.1).
 *
 * @example
 * ```ts
 * import { MAX_WINDOW_SIZE } from "./types.ts";
 * MAX_WINDOW_SIZE; // 2147483647
 * ```
 */
export const MAX_WINDOW_SIZE = 0x7fffffff;
/**
 * Initial stream and connection window before SETTINGS / WINDOW_UPDATE (§6.9.2).
 *
 * @example
 * ```ts
 * import { DEFAULT_WINDOW_SIZE } from "./types.ts";
 * DEFAULT_WINDOW_SIZE; // 65535
 * ```
 */
export const DEFAULT_WINDOW_SIZE = 65535;
/**
 * Largest stream identifier (§5.1.1).
 *
 * @example
 * ```ts
 * import { MAX_STREAM_ID } from "./types.ts";
 * MAX_STREAM_ID; // 2147483647
 * ```
 */
export const MAX_STREAM_ID = 0x7fffffff;
/**
 * The client connection preface (§3.4).
 *
 * @example
 * ```ts
 * import { CLIENT_PREFACE } from "./types.ts";
 * CLIENT_PREFACE.length; // 24
 * ```
 */
export const CLIENT_PREFACE: Uint8Array = new TextEncoder().encode(
  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
);

/**
 * The priority fields of HEADERS and PRIORITY (§5.3, deprecated; parsed and ignored).
 *
 * @example
 * ```ts
 * import type { PriorityFields } from "./types.ts";
 * const p: PriorityFields = { dependency: 0, exclusive: false, weight: 16 }; // the default priority
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./encoder.ts";
 * import { FrameType, type DataFrame } from "./types.ts";
 * const f: DataFrame = { type: FrameType.DATA, streamId: 1, flags: 0, data: new Uint8Array(3), flowLength: 3, endStream: true };
 * encodeFrame(f).length; // 12
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./encoder.ts";
 * import { FrameType, type HeadersFrame } from "./types.ts";
 * const f: HeadersFrame = {
 *   type: FrameType.HEADERS, streamId: 1, flags: 0, block: new Uint8Array([0x88]),
 *   endStream: false, endHeaders: true, priority: null,
 * };
 * encodeFrame(f).length; // 10
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./encoder.ts";
 * import { FrameType, type PriorityFrame } from "./types.ts";
 * const f: PriorityFrame = { type: FrameType.PRIORITY, streamId: 3, flags: 0, dependency: 1, exclusive: false, weight: 16 };
 * encodeFrame(f).length; // 14
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./encoder.ts";
 * import { FrameType, type RstStreamFrame } from "./types.ts";
 * const f: RstStreamFrame = { type: FrameType.RST_STREAM, streamId: 1, flags: 0, code: 8 };
 * encodeFrame(f).length; // 13
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./encoder.ts";
 * import { FrameType, type SettingsFrame } from "./types.ts";
 * const f: SettingsFrame = { type: FrameType.SETTINGS, streamId: 0, flags: 0, ack: false, settings: [[3, 100]] };
 * encodeFrame(f).length; // 15
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./encoder.ts";
 * import { FrameType, type PushPromiseFrame } from "./types.ts";
 * const f: PushPromiseFrame = {
 *   type: FrameType.PUSH_PROMISE, streamId: 1, flags: 0, promisedStreamId: 2,
 *   block: new Uint8Array([0x82]), endHeaders: true,
 * };
 * encodeFrame(f).length; // 14
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./encoder.ts";
 * import { FrameType, type PingFrame } from "./types.ts";
 * const f: PingFrame = { type: FrameType.PING, streamId: 0, flags: 0, ack: false, data: new Uint8Array(8) };
 * encodeFrame(f).length; // 17
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./encoder.ts";
 * import { FrameType, type GoAwayFrame } from "./types.ts";
 * const f: GoAwayFrame = {
 *   type: FrameType.GOAWAY, streamId: 0, flags: 0, lastStreamId: 5, code: 0,
 *   debug: new Uint8Array(0),
 * };
 * encodeFrame(f).length; // 17
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./encoder.ts";
 * import { FrameType, type WindowUpdateFrame } from "./types.ts";
 * const f: WindowUpdateFrame = { type: FrameType.WINDOW_UPDATE, streamId: 0, flags: 0, increment: 1000 };
 * encodeFrame(f).length; // 13
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./encoder.ts";
 * import { FrameType, type ContinuationFrame } from "./types.ts";
 * const f: ContinuationFrame = { type: FrameType.CONTINUATION, streamId: 1, flags: 0, block: new Uint8Array([0x82]), endHeaders: true };
 * encodeFrame(f).length; // 10
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./encoder.ts";
 * import { FrameType, type UnknownFrame } from "./types.ts";
 * const f: UnknownFrame = { type: FrameType.UNKNOWN, wireType: 0xfa, streamId: 0, flags: 0, payload: new Uint8Array(2) };
 * encodeFrame(f).length; // 11
 * ```
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
 *
 * @example
 * ```ts
 * import { FrameDecoder } from "./decoder.ts";
 * import { type Frame, FrameType } from "./types.ts";
 * const streamOf = (f: Frame) => f.type === FrameType.GOAWAY ? f.lastStreamId : f.streamId;
 * const d = new FrameDecoder();
 * ```
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
