/**
 * Several listeners run as one: for example a plain port and a TLS port, or
 * two TLS ports, started together and shut down together.
 *
 * @module
 */
import type { Server, ServerStats, ShutdownOptions } from "../types.ts";

/**
 * A set of servers that stop together.
 *
 * @example
 * ```ts
 * import { group, serve, type ServerGroup } from "@h2serve/h2serve";
 * const all: ServerGroup = group(serve({ port: 8000 }, () => new Response("a")));
 * await all.shutdown();
 * ```
 */
export interface ServerGroup extends AsyncDisposable {
  /** The servers, in the order given. */
  readonly servers: readonly Server[];
  /** Resolves when every server has finished. */
  readonly finished: Promise<void>;
  /** Shuts every server down gracefully, at once, with one deadline; resolves like `finished`. */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /** Every server's stats() added up (counts by kind and by timeout name too). */
  stats(): ServerStats;
}

/**
 * Groups servers, each made by its own serve() call, so they can be shut
 * down as one. If one server's shutdown is triggered (e.g. by its signal),
 * the others keep running; call the group's shutdown() to stop all.
 *
 * @example
 * ```ts
 * import { group, serve } from "@h2serve/h2serve";
 * const app = () => new Response("hello");
 * const tls = { cert: await Deno.readTextFile("cert.pem"), key: await Deno.readTextFile("key.pem") };
 * const all = group(
 *   serve({ port: 8080 }, app),
 *   serve({ port: 8443, tls }, app),
 * );
 * await all.shutdown();
 * ```
 */
export function group(...servers: Server[]): ServerGroup {
  const finished = Promise.all(servers.map((s) => s.finished)).then(() => {});
  const shutdown = (options?: ShutdownOptions) =>
    Promise.all(servers.map((s) => s.shutdown(options))).then(() => {});
  return {
    servers,
    finished,
    shutdown,
    stats: () => sumStats(servers.map((s) => s.stats())),
    [Symbol.asyncDispose]: () => shutdown(),
  };
}

/** Adds stats up field by field, and the per-kind records key by key. */
function sumStats(all: ServerStats[]): ServerStats {
  const sum = (records: Array<Record<string, number>>) => {
    const out: Record<string, number> = {};
    for (const r of records) for (const [k, n] of Object.entries(r)) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  const total = (pick: (s: ServerStats) => number) => all.reduce((n, s) => n + pick(s), 0);
  return {
    connections: total((s) => s.connections),
    inflight: total((s) => s.inflight),
    requests: total((s) => s.requests),
    websockets: total((s) => s.websockets),
    clientErrors: sum(all.map((s) => s.clientErrors)) as ServerStats["clientErrors"],
    timeouts: sum(all.map((s) => s.timeouts)),
  };
}
