/**
 * The types between a WebSocket session and its socket object, and the
 * settings it runs with.
 *
 * @module
 */
import type { DeflateParams } from "./extensions.ts";

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
  /**
   * Payload bytes send() and publish may leave unread by the client
   * (bufferedAmount) before the socket is closed with 1008.
   */
  maxBufferedBytes: number;
}

/**
 * Pings received while our output is stalled before the session gives up (1008).
 */
export const MAX_UNANSWERED_PINGS = 256;
/** Inbound events waiting behind inflation before inbound reading pauses. */
export const MAX_QUEUED_INBOUND = 8;
/** Messages smaller than this are sent uncompressed even with permessage-deflate. */
export const COMPRESS_MIN_BYTES = 32;

/**
 * The idle ping must not keep a process alive on its own: unref where the
 * timer object has it (Node, Bun). The close timeout stays referenced: it is
 * bounded, and it may be all that is left to end a connection whose socket
 * is paused.
 */
export function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
