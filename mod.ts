/**
 * h2serve: a web-standard HTTP/1.1 and HTTP/2 server for Deno and Bun, with
 * its own protocol stack.
 *
 * ```ts
 * import { serve } from "./mod.ts";
 * serve({ port: 8080 }, (req) => new Response(`hello ${new URL(req.url).pathname}`));
 * ```
 *
 * @module
 */
export { serve } from "./src/server.ts";
export type {
  Completion,
  ConnectionHello,
  ConnectionInfo,
  ExpectHook,
  Handler,
  ListenInfo,
  NetAddr,
  Protocol,
  ServeInfo,
  ServeOptions,
  Server,
  ServerStats,
  TlsCertificate,
} from "./src/types.ts";
export type { Http1Options } from "./src/http1/options.ts";
export { DEFAULT_HTTP1_OPTIONS } from "./src/http1/options.ts";
export { Context, Router, router } from "./src/router.ts";
export type { Methods, Middleware, Params, RouteHandler, Variables } from "./src/router.ts";
export { encodeEvent, sse, SSE_HEARTBEAT_MS } from "./src/sse.ts";
export type { SseEvent, SseOptions } from "./src/sse.ts";
export { CONTENT_TYPES, serveDir } from "./src/static.ts";
export type { ServeDirOptions } from "./src/static.ts";
export { vhosts } from "./src/vhosts.ts";
export type { HostHandler } from "./src/vhosts.ts";
export type { Http2Options } from "./src/http2/server_options.ts";
export { DEFAULT_HTTP2_OPTIONS } from "./src/http2/server_options.ts";
export type { ClientErrorInfo, ClientErrorKind, ShutdownOptions } from "./src/types.ts";
export { OptionError } from "./src/options/validate.ts";
export { OPTION_SCHEMA } from "./src/options/schema.ts";
export type { OptionSpec } from "./src/options/schema.ts";
export { group } from "./src/group.ts";
export type { ServerGroup } from "./src/group.ts";
export { serveWorkers } from "./src/workers/pool.ts";
export type { WorkerPool, WorkersOptions } from "./src/workers/pool.ts";
