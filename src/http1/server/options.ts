/**
 * HTTP/1.1 connection options: the parser's limits plus the driver's timeouts.
 *
 * @module
 */
import { DEFAULT_HTTP1_LIMITS, type Http1Limits } from "../core/limits.ts";

/**
 * Limits and timeouts of an HTTP/1.1 connection. Times are in milliseconds.
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * serve({ port: 0, http1: { headersTimeout: 10_000, keepAliveTimeout: 5_000 } }, () =>
 *   new Response("ok"));
 * ```
 */
export interface Http1Options extends Http1Limits {
  /** From a request's first byte to the end of its head; then 408 and close (slowloris). Default 30 s. */
  headersTimeout: number;
  /** Idle time between requests on a keep-alive connection; then close. Default 30 s. */
  keepAliveTimeout: number;
  /** Longest pause between request body bytes while the handler reads; then 408 or abort. Default 30 s. */
  bodyTimeout: number;
  /** Longest time a response may wait for a client that does not read; then abort. Default 60 s. */
  sendTimeout: number;
  /** Unread request body we are willing to read and discard to keep a connection alive. Default 64 KiB. */
  maxDiscardBytes: number;
  /** Bytes of pipelined requests we hold while a response is pending; then we stop reading. Default 64 KiB. */
  maxPipelineBytes: number;
  /**
   * Minimum request data rate in bytes per second (slowloris, slow body).
   * While the server wants data — a request head has begun, or the handler
   * is ready for more body — the bytes received since the request began
   * must average at least this rate once `minRequestRateGrace` has passed;
   * otherwise the client gets 408 and the connection is closed (or just
   * closed if the response has started). Time when the handler applies
   * backpressure, or before a `100-continue` was sent, does not count.
   * 0 disables it. Default 240 B/s (as Kestrel).
   */
  minRequestRate: number;
  /** Time (ms) before {@link Http1Options.minRequestRate} applies. Default 5 s (as Kestrel). */
  minRequestRateGrace: number;
}

/**
 * The defaults.
 *
 * @example
 * ```ts
 * import { DEFAULT_HTTP1_OPTIONS } from "@h2serve/h2serve";
 * DEFAULT_HTTP1_OPTIONS.keepAliveTimeout; // ms an idle keep-alive connection stays open
 * ```
 */
export const DEFAULT_HTTP1_OPTIONS: Http1Options = {
  ...DEFAULT_HTTP1_LIMITS,
  headersTimeout: 30_000,
  keepAliveTimeout: 30_000,
  bodyTimeout: 30_000,
  sendTimeout: 60_000,
  maxDiscardBytes: 64 * 1024,
  maxPipelineBytes: 64 * 1024,
  minRequestRate: 240,
  minRequestRateGrace: 5_000,
};
