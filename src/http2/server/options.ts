/**
 * Options of the HTTP/2 server side: the sans-IO core's limits and settings
 * plus the connection driver's timeouts and buffering.
 *
 * @module
 */
import { DEFAULT_H2_OPTIONS, type H2Options } from "../core/conn_options.ts";

/**
 * HTTP/2 settings, limits and timeouts of a server. Times are in milliseconds.
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * serve({ port: 0, http2: { maxConcurrentStreams: 50, idleTimeout: 30_000 } }, () =>
 *   new Response("ok"));
 * ```
 */
export interface Http2Options extends H2Options {
  /**
   * A connection with no open stream for this long is closed with GOAWAY
   * NO_ERROR. 0 disables it. Default 60 s.
   */
  idleTimeout: number;
  /**
   * With streams open and nothing received for this long, a PING is sent to
   * check the peer is alive. 0 disables liveness checks. Default 30 s.
   */
  pingInterval: number;
  /**
   * After a liveness PING, the peer must send something (the ACK) within
   * this long, or the connection is declared dead: its streams are aborted
   * and it is closed with GOAWAY NO_ERROR. Default 15 s.
   */
  pingTimeout: number;
  /**
   * Response DATA bytes a stream may have queued (waiting for its flow-control
   * window or the socket) before its Response body is no longer pulled.
   * Default 128 KiB.
   */
  streamHighWaterMark: number;
  /**
   * Slow-read / zero-window defense. A stream whose queued response DATA
   * makes no progress for this long (the client keeps its window shut) is
   * reset with RST_STREAM CANCEL and its handler's body is cancelled; a socket
   * that accepts no bytes for this long (the client stopped reading) is
   * closed, aborting every stream. 0 disables it. Default 60 s.
   */
  sendTimeout: number;
  /**
   * From the start of the connection, the client must send its preface and
   * SETTINGS and acknowledge ours within this long; otherwise it gets
   * GOAWAY SETTINGS_TIMEOUT and is closed. 0 disables it. Default 10 s.
   */
  settingsTimeout: number;
  /**
   * Largest request body in bytes. Default `Infinity` (no limit). A larger
   * `content-length` is answered 413 before any DATA is read; a body that
   * crosses it errors the handler's body stream and gets 413, or RST_STREAM
   * CANCEL once the response has started.
   */
  maxBodyBytes: number;
}

/**
 * The defaults: the core's (1 MiB stream / 16 MiB connection receive windows) plus the timeouts above.
 *
 * @example
 * ```ts
 * import { DEFAULT_HTTP2_OPTIONS } from "@h2serve/h2serve";
 * DEFAULT_HTTP2_OPTIONS.maxConcurrentStreams; // advertised in our first SETTINGS
 * ```
 */
export const DEFAULT_HTTP2_OPTIONS: Readonly<Http2Options> = Object.freeze({
  ...DEFAULT_H2_OPTIONS,
  idleTimeout: 60_000,
  pingInterval: 30_000,
  pingTimeout: 15_000,
  streamHighWaterMark: 128 * 1024,
  sendTimeout: 60_000,
  settingsTimeout: 10_000,
  maxBodyBytes: Infinity,
});

/**
 * Fills defaults; the flood budgets get a clock so that they refill with time.
 * Ranges are checked once, by serve()'s option validation (src/options/schema.ts).
 */
export function resolveHttp2Options(options: Partial<Http2Options> = {}): Http2Options {
  const o: Http2Options = { ...DEFAULT_HTTP2_OPTIONS };
  for (const k of Object.keys(options) as Array<keyof Http2Options>) {
    const v = options[k];
    if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
  }
  o.now ??= Date.now;
  return o;
}
