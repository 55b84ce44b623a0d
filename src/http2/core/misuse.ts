/**
 * Errors thrown at the caller of a connection action that the protocol
 * forbids in the current state (a send on a closed stream, a response
 * without `:status`, DATA beyond the flow-control window). They are thrown
 * before anything is queued or any state (HPACK included) changes, so the
 * connection goes on working. Errors the *peer* makes never throw: they
 * become RST_STREAM / GOAWAY frames and events.
 *
 * @module
 */

/**
 * A call the protocol forbids now; `rule` names the RFC section it breaks.
 *
 * @example
 * ```ts
 * import { H2Connection, H2ProtocolError } from "../../../http2.ts";
 * const conn = new H2Connection({ side: "server" });
 * try {
 *   conn.sendData(1, new Uint8Array(1));
 * } catch (e) {
 *   if (e instanceof H2ProtocolError) console.log(e.rule); // stream 1 was never opened
 * }
 * ```
 */
export class H2ProtocolError extends Error {
  /** The rule the call breaks, e.g. "RFC 9113 §5.1". */
  readonly rule: string;
  /** The stream concerned, or 0 for the connection. */
  readonly streamId: number;
  /** Creates the error for `streamId` with the rule it breaks. */
  constructor(message: string, rule: string, streamId = 0) {
    super(`${message} (${rule})`);
    this.name = "H2ProtocolError";
    this.rule = rule;
    this.streamId = streamId;
  }
}

/**
 * A send on a stream that is closed (ended both ways, or reset).
 *
 * @example
 * ```ts
 * import { StreamClosedError } from "../../../http2.ts";
 * const e = new StreamClosedError("stream 1 is closed", "RFC 9113 §5.1", 1);
 * e instanceof Error; // true
 * ```
 */
export class StreamClosedError extends H2ProtocolError {
  /** Creates the error. */
  constructor(message: string, rule: string, streamId: number) {
    super(message, rule, streamId);
    this.name = "StreamClosedError";
  }
}

/**
 * DATA larger than the send window the peer granted (stream or connection).
 *
 * @example
 * ```ts
 * import { FlowControlError } from "../../../http2.ts";
 * const e = new FlowControlError("10 bytes, window 5", "RFC 9113 §6.9", 1);
 * e.rule; // "RFC 9113 §6.9"
 * ```
 */
export class FlowControlError extends H2ProtocolError {
  /** Creates the error. */
  constructor(message: string, rule: string, streamId: number) {
    super(message, rule, streamId);
    this.name = "FlowControlError";
  }
}

/**
 * A frame larger than the peer's SETTINGS_MAX_FRAME_SIZE.
 *
 * @example
 * ```ts
 * import { FrameTooLargeError } from "../../../http2.ts";
 * const e = new FrameTooLargeError("20000 bytes", "RFC 9113 §4.2", 1);
 * e.name; // "FrameTooLargeError"
 * ```
 */
export class FrameTooLargeError extends H2ProtocolError {
  /** Creates the error. */
  constructor(message: string, rule: string, streamId: number) {
    super(message, rule, streamId);
    this.name = "FrameTooLargeError";
  }
}

/**
 * Opening a stream beyond the peer's SETTINGS_MAX_CONCURRENT_STREAMS.
 *
 * @example
 * ```ts
 * import { TooManyStreamsError } from "../../../http2.ts";
 * const e = new TooManyStreamsError("101 streams, limit 100", "RFC 9113 §5.1.2", 201);
 * e.streamId; // 201
 * ```
 */
export class TooManyStreamsError extends H2ProtocolError {
  /** Creates the error. */
  constructor(message: string, rule: string, streamId: number) {
    super(message, rule, streamId);
    this.name = "TooManyStreamsError";
  }
}

/**
 * Opening a stream (a request or a push) once a GOAWAY was received or
 * sent: the connection accepts no new streams (§6.8). Nothing was sent, so
 * the request is safe to make on a new connection.
 *
 * @example
 * ```ts
 * import { ConnectionClosingError } from "../../../http2.ts";
 * const e = new ConnectionClosingError("the peer sent GOAWAY", "RFC 9113 §6.8", 5);
 * e.name; // "ConnectionClosingError"
 * ```
 */
export class ConnectionClosingError extends H2ProtocolError {
  /** Creates the error. */
  constructor(message: string, rule: string, streamId: number) {
    super(message, rule, streamId);
    this.name = "ConnectionClosingError";
  }
}
