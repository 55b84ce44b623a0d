/**
 * HTTP/2 error codes (RFC 9113 §7) and the two error scopes of §5.4:
 * a {@link ConnectionError} ends the whole connection with GOAWAY, a
 * {@link StreamError} ends one stream with RST_STREAM.
 *
 * @module
 */

/**
 * RFC 9113 §7 error codes, as carried by RST_STREAM and GOAWAY.
 */
export enum ErrorCode {
  NO_ERROR = 0x0,
  PROTOCOL_ERROR = 0x1,
  INTERNAL_ERROR = 0x2,
  FLOW_CONTROL_ERROR = 0x3,
  SETTINGS_TIMEOUT = 0x4,
  STREAM_CLOSED = 0x5,
  FRAME_SIZE_ERROR = 0x6,
  REFUSED_STREAM = 0x7,
  CANCEL = 0x8,
  COMPRESSION_ERROR = 0x9,
  CONNECT_ERROR = 0xa,
  ENHANCE_YOUR_CALM = 0xb,
  INADEQUATE_SECURITY = 0xc,
  HTTP_1_1_REQUIRED = 0xd,
}

/**
 * The name of an error code, or `UNKNOWN(0x..)` for codes outside §7
 * (unknown codes are legal on the wire and must not be treated specially).
 */
export function errorCodeName(code: number): string {
  return ErrorCode[code] ?? `UNKNOWN(0x${code.toString(16)})`;
}

/**
 * A connection error (§5.4.1): the connection is answered with GOAWAY and closed.
 */
export class ConnectionError extends Error {
  /** The §7 code sent in GOAWAY. */
  readonly code: ErrorCode;
  /** Human-readable cause; also sent as GOAWAY debug data. */
  readonly reason: string;
  /** Creates a connection error with its code and reason. */
  constructor(code: ErrorCode, reason: string) {
    super(`${errorCodeName(code)}: ${reason}`);
    this.name = "ConnectionError";
    this.code = code;
    this.reason = reason;
  }
}

/**
 * A stream error (§5.4.2): one stream is answered with RST_STREAM; the connection lives on.
 */
export class StreamError extends Error {
  /** The stream that is reset. */
  readonly streamId: number;
  /** The §7 code sent in RST_STREAM. */
  readonly code: ErrorCode;
  /** Human-readable cause (not sent on the wire). */
  readonly reason: string;
  /** Creates a stream error for `streamId` with its code and reason. */
  constructor(streamId: number, code: ErrorCode, reason: string) {
    super(`stream ${streamId} ${errorCodeName(code)}: ${reason}`);
    this.name = "StreamError";
    this.streamId = streamId;
    this.code = code;
    this.reason = reason;
  }
}
