/**
 * The server handle's public types: what serve() returns, its stats and
 * its shutdown options.
 *
 * @module
 */
import type { Addr, NetAddr } from "./transport/types.ts";
import type { ClientErrorKind } from "./types.ts";

/**
 * Options of `server.shutdown()`.
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * const server = serve({ port: 0 }, () => new Response("ok"));
 * await server.shutdown({ timeout: 5_000 }); // then in-flight requests are cut
 * ```
 */
export interface ShutdownOptions {
  /**
   * Milliseconds in-flight requests get to finish; then every `req.signal`
   * aborts, HTTP/2 streams are reset (CANCEL) and connections are closed.
   * Default: the server's `shutdownTimeout` (10 s).
   */
  timeout?: number;
}

/**
 * A snapshot of a server's activity, for monitoring and leak checks.
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * await using server = serve({ port: 0 }, () => new Response("ok"));
 * const { connections, inflight, requests } = server.stats();
 * ```
 */
export interface ServerStats {
  /** Open connections (any protocol, including ones still being identified). */
  connections: number;
  /** Requests in flight: received, response not yet fully sent or aborted. */
  inflight: number;
  /** Requests received since the server started. */
  requests: number;
  /**
   * Open WebSockets. An upgraded request also stays counted in `inflight`
   * until its WebSocket closes, and an upgraded HTTP/1.1 connection in `connections`.
   */
  websockets: number;
  /** Client protocol errors since the server started, by kind (see `onClientError`). */
  clientErrors: Record<ClientErrorKind, number>;
  /** Timeouts fired since the server started, by option name ("http1.headersTimeout": 3). */
  timeouts: Record<string, number>;
}

/**
 * A running server; `A` is its address type (a Unix socket server has a UnixAddr).
 *
 * @example
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * const server = serve({ port: 0, hostname: "127.0.0.1" }, () => new Response("ok"));
 * console.log(server.url.href);
 * await server.shutdown();
 * await server.finished;
 * ```
 */
export interface Server<A extends Addr = NetAddr> extends AsyncDisposable {
  /** Current counts of connections and requests. */
  stats(): ServerStats;
  /** Where it listens. */
  readonly addr: A;
  /** Its base URL, e.g. http://127.0.0.1:8000/ */
  readonly url: URL;
  /** Resolves when the server has shut down and every connection has closed. */
  readonly finished: Promise<void>;
  /**
   * Graceful shutdown with a deadline: stop accepting, send HTTP/2 GOAWAY and
   * HTTP/1.1 `Connection: close`, let in-flight responses finish, close idle
   * connections; when `timeout` passes, abort what is left. Resolves like
   * `finished`. A second call returns the same promise and may only shorten
   * the deadline.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /** The listener keeps the process alive again, as it does from the start. */
  ref(): void;
  /**
   * The listener stops keeping the process alive: the process may exit once
   * nothing else (open connections, timers) holds it, as `Deno.serve` and
   * `Bun.serve`'s `unref()`.
   */
  unref(): void;
  /**
   * Cuts the response to `request` off `seconds` from now unless it has
   * completed by then: `request.signal` aborts; a client still waiting for
   * the head gets a 500, one receiving the body is cut off (HTTP/1.1: the
   * connection closes; HTTP/2: RST_STREAM). A deadline from the call, not an idle timer;
   * a second call replaces the first, 0 clears it. As Bun's
   * `server.timeout(req, seconds)`.
   */
  timeout(request: Request, seconds: number): void;
}
