/**
 * The session's contract with its two neighbours: the settings
 * upgradeWebSocket resolves for it (SessionConfig) and what it reports to
 * the socket object (SessionListener).
 *
 * @module
 */
import type { DeflateParams } from "./extensions.ts";
import type { DeflateMemory } from "./deflate.ts";

/**
 * What the session reports to the socket object.
 */
export interface SessionListener {
  /** The driver attached: the connection is open. */
  open(): void;
  /** A whole message; `text` tells TEXT (valid UTF-8) from BINARY. */
  message(data: Uint8Array, text: boolean): void;
  /** A failure worth an `error` event (before the close event). */
  error(message: string): void;
  /** The session reached CLOSED. */
  close(code: number, reason: string, wasClean: boolean): void;
}

/**
 * Session settings resolved from the options of upgradeWebSocket.
 */
export interface SessionConfig {
  /** Largest message in bytes, inflated size included. */
  maxMessageBytes: number;
  /** Seconds of silence before a ping; another half without reply closes (0 = off). */
  idleTimeout: number;
  /** Milliseconds to wait for the peer's close frame after ours. */
  closeTimeoutMs: number;
  /** Negotiated permessage-deflate, if any. */
  deflate: DeflateParams | undefined;
  /** How permessage-deflate keeps its zlib contexts. Default "ratio". */
  deflateMemory?: DeflateMemory;
  /**
   * Payload bytes send() and publish may leave unread by the client
   * (bufferedAmount) before the socket is closed with 1008.
   */
  maxBufferedBytes: number;
}
