/**
 * What a protocol driver needs from the server: the handler, the error
 * fallback, and a registry of live connections for shutdown and timeouts.
 *
 * @module
 */
import type { Handler } from "../types.ts";
import type { ErrorHandler } from "./exchange.ts";

/** A connection the server tracks. */
export interface LiveConnection {
  /** Absolute time (ms since epoch) when onDeadline must run, or 0 for none. */
  deadline: number;
  /** The deadline passed. */
  onDeadline(now: number): void;
  /** Graceful shutdown: finish in-flight work, refuse new, then close. */
  shutdown(): void;
}

/** The server as its connections see it. */
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
}
