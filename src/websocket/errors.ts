/**
 * The error every WebSocket protocol violation becomes: it carries the close
 * code to send (1002 protocol, 1007 bad payload, 1009 too big, 1008 policy).
 *
 * @module
 */

/**
 * A WebSocket protocol or limit violation; `code` is the close code to send.
 */
export class WebSocketError extends Error {
  /** The close code (RFC 6455 §7.4.1) to send to the peer. */
  readonly code: number;
  /** Builds the error with its close code and a short reason (sent as the close reason). */
  constructor(code: number, reason: string) {
    super(reason);
    this.name = "WebSocketError";
    this.code = code;
  }
}
