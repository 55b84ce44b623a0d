/**
 * What a protocol driver needs from the server: the handler, the error
 * fallback, a registry of live connections for shutdown and timeouts, and
 * where client protocol errors are reported.
 *
 * @module
 */
import type { ClientErrorKind, Handler } from "../types.ts";
import type { ErrorHandler } from "./exchange.ts";
import type { ConnectionFacts } from "./info.ts";

/**
 * A connection the server tracks. Upgraded connections (WebSocket) register
 * one too: their `shutdown()` sends their protocol's goodbye (close 1001)
 * and their `terminate()` drops the socket.
 */
export interface LiveConnection {
  /** Absolute time (ms since epoch) when onDeadline must run, or 0 for none. */
  deadline: number;
  /** The deadline passed. */
  onDeadline(now: number): void;
  /** Graceful shutdown: finish in-flight work, refuse new, then close. */
  shutdown(): void;
  /**
   * The shutdown deadline passed: abort in-flight work now (each request's
   * signal aborts; HTTP/2 streams are reset with CANCEL), then close.
   */
  terminate(): void;
}

/**
 * The server as its connections see it.
 */
export interface ServerHost {
  /** The application's handler. */
  readonly handler: Handler;
  /** Turns handler failures into responses. */
  readonly onError: ErrorHandler;
  /** True once shutdown began. */
  readonly shuttingDown: boolean;
  /** Starts tracking a connection. */
  add(conn: LiveConnection): void;
  /** Stops tracking a connection (it closed). */
  remove(conn: LiveConnection): void;
  /**
   * A client protocol error was decided: counts it and tells `onClientError`
   * (or the `debug` log). `code` is the HTTP status or HTTP/2 error code
   * sent; `timeout` names the option of a "timeout".
   */
  clientError(
    kind: ClientErrorKind,
    error: unknown,
    facts: ConnectionFacts | null,
    code?: number,
    timeout?: string,
  ): void;
}
