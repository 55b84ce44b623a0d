// Server, ServerGroup and WorkerPool are AsyncDisposable (`await using`): the declarations
// carry the lib they need, so a tsc consumer's own `lib` need not list it.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * h2serve: a web-standard HTTP/1.1 and HTTP/2 server for Deno, Bun and Node.js, with
 * its own protocol stack.
 *
 * ```ts
 * import { serve } from "@h2serve/h2serve";
 * serve({ port: 8080 }, (req) => new Response(`hello ${new URL(req.url).pathname}`));
 * ```
 *
 * @module
 */
export { serve } from "./src/server.ts";
export type {
  Addr,
  Completion,
  ConnectionHello,
  ConnectionInfo,
  ExpectHook,
  Handler,
  ListenInfo,
  NetAddr,
  Protocol,
  ServeInfo,
  Server,
  ServerStats,
  TlsCertificate,
  UnixAddr,
} from "./src/types.ts";
export type { ServeOptions, ServeUnixOptions } from "./src/serve_options.ts";
export type { Http1Options } from "./src/http1/server/options.ts";
export type { Http1Limits } from "./src/http1/core/limits.ts";
export { DEFAULT_HTTP1_OPTIONS } from "./src/http1/server/options.ts";
export { Context, Router, router } from "./src/app/router.ts";
export type {
  Methods,
  Middleware,
  ParamNames,
  Params,
  RouteHandler,
  Variables,
} from "./src/app/router.ts";
export { encodeEvent, sse, SSE_HEARTBEAT_MS } from "./src/app/sse.ts";
export type { SseEvent, SseOptions } from "./src/app/sse.ts";
export { CONTENT_TYPES, serveDir } from "./src/app/static.ts";
export type { ServeDirOptions } from "./src/app/static.ts";
export { vhosts } from "./src/app/vhosts.ts";
export type { HostHandler } from "./src/app/vhosts.ts";
export type { Http2Options } from "./src/http2/server/options.ts";
export type { Http3Options } from "./src/http3/server/options.ts";
export type { H3CoreOptions } from "./src/http3/core/options.ts";
export type { H2Options } from "./src/http2/core/conn_options.ts";
export { DEFAULT_HTTP2_OPTIONS } from "./src/http2/server/options.ts";
export type { ClientErrorInfo, ClientErrorKind, ShutdownOptions } from "./src/types.ts";
export { OptionError } from "./src/options/validate.ts";
export { OPTION_SCHEMA } from "./src/options/schema.ts";
export type { OptionKind, OptionSpec } from "./src/options/schema.ts";
export type { ListenerProtocol } from "./src/options/protocols.ts";
export { accessLog, commonLogLine } from "./src/app/access_log.ts";
export type { AccessLogOptions, ResponseEnding, ResponseInfo } from "./src/app/access_log.ts";
export type { PemSource, TlsCertificateInput } from "./src/options/tls_input.ts";
export { group } from "./src/app/group.ts";
export type { ServerGroup } from "./src/app/group.ts";
export { serveWorkers } from "./src/workers/pool.ts";
export type { WorkerPool, WorkersOptions } from "./src/workers/pool.ts";
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  ServerWebSocket,
  upgradeWebSocket,
  WebSocketHandshakeError,
} from "./src/websocket/mod.ts";
export type {
  PublishOptions,
  UpgradeWebSocketOptions,
  WebSocketCloseInfo,
  WebSocketCompressOptions,
  WebSocketEventHandler,
  WebSocketStreamConnection,
  WebSocketStreamView,
  WebSocketUpgrade,
} from "./src/websocket/mod.ts";
export type { CompressionOptions, ContentEncoding } from "./src/compression/options.ts";
export { TrailersError, withTrailers } from "./src/fetch/trailers.ts";
export { requestTrailers } from "./src/fetch/request_trailers.ts";
export type { TrailersErrorCode, TrailersInit } from "./src/fetch/trailers.ts";
export { installLightResponse, materializeResponse } from "./src/fetch/light_response.ts";
export { wire, WireError } from "./src/fetch/wire.ts";
export type { WireErrorCode } from "./src/fetch/wire.ts";
export type {
  Wire,
  WireDataOptions,
  WireFields,
  WireFrame,
  WireH1,
  WireH2,
  WireHeadersOptions,
  WireOverH1,
  WireOverH2,
  WirePushResponse,
  WireRawFrame,
} from "./src/fetch/wire_types.ts";
export type { BinaryTypeLike, BufferSourceLike, HeadersInitLike } from "./src/web_types.ts";
