/**
 * The QUIC transport as the HTTP/3 driver sees it: a listener of sessions,
 * and per session its streams as pausable byte sources and writers with
 * backpressure. Only src/transport implements it (Deno today).
 *
 * @module
 */
import type { Addr } from "./types.ts";

/**
 * Where a receive stream's bytes go.
 */
export interface QuicSink {
  /** Bytes, owned by the receiver. */
  data(bytes: Uint8Array): void;
  /** The peer's FIN. */
  end(): void;
  /** The peer reset the stream, or the connection went away. */
  reset(reason: unknown): void;
}

/**
 * The receive side of a stream: reading pauses, so a slow consumer leaves
 * the bytes in QUIC's flow-control window instead of our memory.
 */
export interface QuicRecv {
  /** The QUIC stream id. */
  readonly id: number;
  /** Starts reading into `sink`. */
  start(sink: QuicSink): void;
  /** Stops reading until resume(). */
  pause(): void;
  /** Reads again. */
  resume(): void;
  /** STOP_SENDING with `code`; nothing more is read. */
  stop(code: number): void;
}

/**
 * The send side of a stream.
 */
export interface QuicSend {
  /** Queues bytes; false means wait for ready() before writing more. */
  write(bytes: Uint8Array): boolean;
  /** Resolves when more may be written (or the stream is gone). */
  ready(): Promise<void>;
  /** FIN after what was written; settles when the stream has finished sending (or failed). */
  end(): Promise<void>;
  /** RESET_STREAM with `code` (see QuicSession.streamCodes for what reaches the wire). */
  reset(code: number): void;
  /**
   * `cb` runs once if a write fails: the peer's STOP_SENDING or the
   * connection's loss. Later writes are dropped.
   */
  onFail(cb: (reason: unknown) => void): void;
  /** Since when a write has waited for room (0: not waiting), ms since the epoch. */
  readonly blockedSince: number;
}

/**
 * Stream handlers of a session.
 */
export interface QuicStreamHandlers {
  /** A request stream the client opened. */
  bidi(recv: QuicRecv, send: QuicSend): void;
  /** A unidirectional stream the client opened. */
  uni(recv: QuicRecv): void;
}

/**
 * One QUIC connection.
 */
export interface QuicSession {
  /** Peer address. */
  readonly remoteAddr: Addr;
  /** Local address. */
  readonly localAddr: Addr;
  /**
   * Whether a stream's RESET_STREAM / STOP_SENDING carries our code. Deno
   * 2.9 cannot: its abort() finishes the stream (FIN) and cancel() sends
   * STOP_SENDING with code 0, so the driver resets by closing the connection.
   */
  readonly streamCodes: boolean;
  /** SNI name, when known. */
  readonly serverName: string | null;
  /** Settles when the connection is closed, by either side. */
  readonly closed: Promise<void>;
  /** Starts accepting the peer's streams. */
  accept(handlers: QuicStreamHandlers): void;
  /** Opens a unidirectional stream of ours. */
  openUni(): Promise<QuicSend>;
  /** CONNECTION_CLOSE with an application code. */
  close(code: number, reason: string): void;
}

/**
 * What listenQuic needs.
 */
export interface QuicListenOptions {
  /** Interface to bind (UDP). */
  hostname: string;
  /** UDP port: the TLS listener's. */
  port: number;
  /** PEM certificate chain. */
  cert: string;
  /** PEM private key. */
  key: string;
  /** Request streams a client may have open at once (QUIC MAX_STREAMS). */
  maxConcurrentStreams: number;
  /** QUIC idle timeout, ms. */
  idleTimeout: number;
}

/**
 * A bound QUIC listener.
 */
export interface QuicListenerHandle {
  /** The bound UDP address. */
  readonly addr: Addr;
  /** Stops accepting new connections (open ones go on). */
  stop(): void;
  /** Closes the endpoint and every connection on it. */
  close(): void;
}
