/**
 * Several listeners run as one: for example a plain port and a TLS port, or
 * two TLS ports, started together and shut down together.
 *
 * @module
 */
import type { Server, ShutdownOptions } from "../types.ts";

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
    [Symbol.asyncDispose]: () => shutdown(),
  };
}
