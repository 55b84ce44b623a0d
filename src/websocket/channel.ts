/**
 * The seam between a connection driver and a WebSocket session. A driver
 * (HTTP/1.1 after a 101, or one HTTP/2 stream after a 200 to an extended
 * CONNECT) implements `WebSocketChannel` for the session to write through,
 * and calls the `WebSocketSessionHandle` it gets back with what arrives.
 *
 * @module
 */

/**
 * What the session needs from the driver for one upgraded connection or
 * h2 stream. Every method must be safe to call after the channel ended.
 */
export interface WebSocketChannel {
  /**
   * Queues bytes for the peer (already framed). Returns false when the
   * driver's buffer is above its high-water mark: the session then waits on
   * `drain()` before it treats the channel as writable again.
   * h1: the transport's write queue; h2: DATA frames within the stream's window.
   */
  write(bytes: Uint8Array): boolean;
  /** Resolves when what was written has been flushed below the high-water mark. */
  drain(): Promise<void>;
  /** Stop delivering inbound bytes (h1: stop reading the socket; h2: withhold WINDOW_UPDATE). */
  pause(): void;
  /** Deliver inbound bytes again. */
  resume(): void;
  /** Finish after flushing what was written (h1: close TCP; h2: END_STREAM). */
  end(): void;
  /** Drop at once (h1: destroy the socket; h2: RST_STREAM CANCEL). */
  abort(): void;
  /**
   * Optional: the session is failing the connection with close `code`
   * (a protocol error, a limit, the idle timeout), before its close frame is
   * written. Drivers report it to `onClientError`.
   */
  failed?(code: number, reason: string): void;
}

/**
 * Told once when a WebSocket session closed.
 */
export interface SessionCloseWatcher {
  /** The session reached CLOSED (`wasClean` is final). */
  sessionClosed(): void;
}

/**
 * What the driver calls on the session it attached.
 */
export interface WebSocketSessionHandle {
  /** Bytes from the peer (h1: socket data after the handshake; h2: the stream's DATA payloads). */
  receive(bytes: Uint8Array): void;
  /** The peer's side ended (TCP closed, END_STREAM or RST_STREAM); `error` if abnormally. */
  peerEnded(error?: Error): void;
  /** Server shutdown: start a close handshake with 1001 (going away). */
  goingAway(): void;
  /**
   * Drops the connection now (the channel aborts; the socket closes with
   * 1006 and `reason`), as `server.timeout(req)` does to a response.
   */
  abort(reason: Error): void;
  /** Settles when the session reached CLOSED. */
  readonly closed: Promise<void>;
  /**
   * Tells `watcher` a microtask after the session reached CLOSED, as a
   * reaction to `closed` would, without a promise per socket (for stats and
   * `info.completed`).
   */
  watchClosed(watcher: SessionCloseWatcher): void;
  /** Once `closed` settled: whether the close handshake completed cleanly. */
  readonly wasClean: boolean;
}
