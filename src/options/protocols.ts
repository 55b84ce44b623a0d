/**
 * Which protocols a listener speaks (the `protocols` option of serve()), and
 * the defaults when none are given. The validator checks the entries and
 * that they fit the listener (src/options/validate.ts); serve() reads the
 * resolved set to pick drivers (src/server.ts).
 *
 * @module
 */

/**
 * A protocol a listener may accept:
 *
 * - `"http/1.1"`: HTTP/1.1 (cleartext, or over TLS by ALPN or without ALPN);
 * - `"h2"`: HTTP/2 over TLS, by ALPN;
 * - `"h2c"`: cleartext HTTP/2 with prior knowledge (the client preface);
 * - `"h2c-upgrade"`: cleartext HTTP/2 by `Upgrade: h2c` from an HTTP/1.1
 *   request (RFC 7540 §3.2, deprecated by RFC 9113). Off unless listed: behind
 *   a proxy that forwards Upgrade headers (as for WebSocket), a client can
 *   switch its proxied connection to HTTP/2 and send requests the proxy never
 *   sees, past its path rules ("h2c smuggling").
 *
 * @example
 * ```ts
 * import type { ListenerProtocol } from "@h2serve/h2serve";
 * const h2cOnly: ListenerProtocol[] = ["h2c"];
 * ```
 */
export type ListenerProtocol = "http/1.1" | "h2" | "h2c" | "h2c-upgrade";

/**
 * Every valid entry of `protocols`, in the order messages list them.
 */
export const LISTENER_PROTOCOLS: readonly ListenerProtocol[] = [
  "http/1.1",
  "h2",
  "h2c",
  "h2c-upgrade",
];

/**
 * What a listener accepts, resolved from `protocols`, `tls` and `http2`.
 */
export interface ResolvedProtocols {
  /** HTTP/1.1 is served. */
  readonly http1: boolean;
  /** Cleartext HTTP/2 with prior knowledge (a cleartext listener). */
  readonly h2c: boolean;
  /** `Upgrade: h2c` switches an HTTP/1.1 connection to HTTP/2 (a cleartext listener). */
  readonly h2cUpgrade: boolean;
  /** ALPN protocols to offer, most preferred first (a TLS listener; empty otherwise). */
  readonly alpn: readonly string[];
}

/**
 * The defaults: TLS offers `h2` and `http/1.1` by ALPN; cleartext serves
 * `http/1.1` and `h2c` by prior knowledge, but not `h2c-upgrade`. With
 * `http2: false`, only `http/1.1`.
 */
export function defaultProtocols(tls: boolean, http2: boolean): ListenerProtocol[] {
  if (!http2) return ["http/1.1"];
  return tls ? ["h2", "http/1.1"] : ["http/1.1", "h2c"];
}

/**
 * Resolves what a listener accepts. Options are assumed valid (the validator
 * has run); entries that do not apply to the listener's transport are left out.
 */
export function resolveProtocols(options: {
  protocols?: readonly ListenerProtocol[];
  tls?: unknown;
  http2?: unknown;
}): ResolvedProtocols {
  const tls = options.tls !== undefined && options.tls !== null;
  const http2 = options.http2 !== false;
  const list = new Set(options.protocols ?? defaultProtocols(tls, http2));
  if (!http2) {
    list.delete("h2");
    list.delete("h2c");
    list.delete("h2c-upgrade");
  }
  const http1 = list.has("http/1.1");
  if (tls) {
    const alpn: string[] = [];
    if (list.has("h2")) alpn.push("h2");
    if (http1) alpn.push("http/1.1");
    return { http1, h2c: false, h2cUpgrade: false, alpn };
  }
  return { http1, h2c: list.has("h2c"), h2cUpgrade: http1 && list.has("h2c-upgrade"), alpn: [] };
}
