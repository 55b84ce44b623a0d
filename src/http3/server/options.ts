/**
 * serve()'s `http3` option resolved: the core's limits plus what the
 * server and the QUIC listener need.
 *
 * @module
 */
import { DEFAULT_H3_OPTIONS, type H3CoreOptions } from "../core/options.ts";

/**
 * HTTP/3 server options (all optional in `serve({ http3: { ... } })`; Deno with
 * `--unstable-net` only). Times are in milliseconds.
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * const tls = { cert: Deno.readTextFileSync("leaf.crt"), key: Deno.readTextFileSync("leaf.key") };
 * serve({ port: 8443, tls, http3: { altSvcMaxAge: 3600, maxConcurrentStreams: 50 } }, () =>
 *   new Response("over h3 too"));
 * ```
 */
export interface Http3Options extends H3CoreOptions {
  /** `ma=` of the Alt-Svc header the TLS listener sends, seconds. */
  altSvcMaxAge: number;
  /** Request streams a client may have open at once (QUIC MAX_STREAMS). */
  maxConcurrentStreams: number;
  /**
   * No request stream open this long: GOAWAY and close (as h2's idleTimeout).
   * QUIC's idle timeout (silence) is this plus 5 s; with 0 (no GOAWAY), 30 s.
   */
  idleTimeout: number;
  /** A stream's send waits this long on a client that does not read: reset (H3_REQUEST_CANCELLED); 0 disables. */
  sendTimeout: number;
  /** Request body limit; then 413 or H3_REQUEST_CANCELLED. */
  maxBodyBytes: number;
}

/**
 * Defaults.
 */
export const DEFAULT_HTTP3_OPTIONS: Readonly<Http3Options> = Object.freeze({
  ...DEFAULT_H3_OPTIONS,
  altSvcMaxAge: 86400,
  maxConcurrentStreams: 100,
  idleTimeout: 30_000,
  sendTimeout: 60_000,
  maxBodyBytes: Infinity,
});

/**
 * `true` or an options object → the full options (the clock defaults to Date.now).
 */
export function resolveHttp3Options(o: true | Partial<Http3Options>): Http3Options {
  return { ...DEFAULT_HTTP3_OPTIONS, now: Date.now, ...(o === true ? {} : o) };
}
