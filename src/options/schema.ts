/**
 * Every option of serve() in one table: its path as the user writes it, what
 * values it takes, its default and a one-line description. The validator's
 * messages and the tables of docs/limits.md both come from here.
 *
 * @module
 */

/**
 * What kind of value an option takes.
 *
 * @example
 * ```ts
 * import type { OptionKind } from "@h2serve/h2serve";
 * const kind: OptionKind = "ms";
 * ```
 */
export type OptionKind =
  | "integer"
  | "number"
  | "ms"
  | "boolean"
  | "string"
  | "function"
  | "signal"
  | "tls"
  | "boolean-or-object"
  | "function-list"
  | "string-list";

/**
 * One row of the table.
 *
 * @example
 * ```ts
 * import type { OptionSpec } from "@h2serve/h2serve";
 * const row: OptionSpec = {
 *   path: "http1.headersTimeout",
 *   kind: "ms",
 *   min: 1,
 *   default: "30000",
 *   doc: "time to receive a request head",
 * };
 * ```
 */
export interface OptionSpec {
  /** The path as the user writes it: `port`, `http1.headersTimeout`. */
  readonly path: string;
  /** The kind of value. */
  readonly kind: OptionKind;
  /** Smallest allowed value (numbers), inclusive. */
  readonly min?: number;
  /** Largest allowed value (numbers), inclusive. */
  readonly max?: number;
  /** `Infinity` is accepted (meaning "no limit"). */
  readonly infinite?: boolean;
  /** The values a list's entries may take (kind `string-list`). */
  readonly values?: readonly string[];
  /** The default, as shown in docs. */
  readonly default: string;
  /** One line: what it bounds or does. */
  readonly doc: string;
}

import { LISTENER_PROTOCOLS } from "./protocols.ts";

const U32 = 0xffffffff;
const I31 = 0x7fffffff;
/** Longest timeout we accept: setTimeout's limit (about 24.8 days). */
const MAX_MS = I31;

const ms = (path: string, min: number, def: string, doc: string): OptionSpec => ({
  path,
  kind: "ms",
  min,
  max: MAX_MS,
  default: def,
  doc,
});
const int = (
  path: string,
  min: number,
  max: number,
  def: string,
  doc: string,
  infinite = false,
): OptionSpec => ({ path, kind: "integer", min, max, infinite, default: def, doc });
const fn = (path: string, doc: string): OptionSpec => ({
  path,
  kind: "function",
  default: "none",
  doc,
});

/**
 * The table. Nested objects (`http1`, `http2`) are listed by their leaves;
 * a key not in the table is an unknown option.
 *
 * @example
 * ```ts
 * import { OPTION_SCHEMA } from "@h2serve/h2serve";
 * const row = OPTION_SCHEMA.find((o) => o.path === "http1.headersTimeout");
 * console.log(row?.default); // "30 s"
 * ```
 */
export const OPTION_SCHEMA: readonly OptionSpec[] = [
  // ---- top level
  int("port", 0, 65535, "8000", "TCP port; 0 picks a free one"),
  { path: "hostname", kind: "string", default: '"0.0.0.0"', doc: "interface to bind" },
  {
    path: "tls",
    kind: "tls",
    default: "none",
    doc: "PEM cert and key as text, bytes or a file (or a list with serverName for SNI): HTTPS",
  },
  ms(
    "tlsHandshakeTimeout",
    0,
    "http1.headersTimeout",
    "a TLS handshake must finish within (0: unbounded, see the README)",
  ),
  { path: "reusePort", kind: "boolean", default: "false", doc: "SO_REUSEPORT (Linux)" },
  fn("fetch", "the handler"),
  fn("onListen", "called once bound; default logs the URL"),
  fn("onError", "turns a handler failure into a response; default 500"),
  fn("onConnection", "per-connection hook; its return value is info.connection.context"),
  fn("onClientError", "hears protocol errors of clients (bad requests, resets, timeouts)"),
  fn("onResponse", "hears each finished exchange (access log; see accessLog())"),
  {
    path: "expect",
    kind: "function-list",
    default: "none",
    doc: "Expect: 100-continue filters",
  },
  { path: "signal", kind: "signal", default: "none", doc: "aborting it shuts the server down" },
  {
    path: "debug",
    kind: "boolean",
    default: "false",
    doc: "print one line per client protocol error (rate-limited)",
  },
  {
    ...ms(
      "shutdownTimeout",
      0,
      "10 s",
      "shutdown deadline when none is given; then abort the rest",
    ),
    infinite: true,
  },
  {
    path: "compression",
    kind: "boolean-or-object",
    default: "false",
    doc: "negotiated response compression",
  },
  {
    path: "proxyProtocol",
    kind: "boolean",
    default: "false",
    doc: "every connection begins with a PROXY protocol v1/v2 header",
  },
  { path: "path", kind: "string", default: "none", doc: "listen on this Unix socket" },
  {
    path: "protocols",
    kind: "string-list",
    values: LISTENER_PROTOCOLS,
    default: 'TLS ["h2", "http/1.1"], else ["http/1.1", "h2c"]',
    doc: 'protocols the listener accepts; "h2c-upgrade" (Upgrade: h2c) only if listed',
  },

  // ---- http1
  int("http1.maxRequestLineBytes", 16, I31, "8 KiB", "longest request line; then 414"),
  int("http1.maxHeaderBytes", 64, I31, "16 KiB", "request header section; then 431"),
  int("http1.maxHeaderCount", 1, I31, "100", "header field lines; then 431"),
  int("http1.maxBodyBytes", 0, Number.MAX_SAFE_INTEGER, "Infinity", "request body; then 413", true),
  int("http1.maxChunkExtensionBytes", 0, I31, "1 KiB", "chunk extension of one chunk; then 400"),
  { path: "http1.requireHost", kind: "boolean", default: "true", doc: "HTTP/1.1 needs a Host" },
  ms("http1.headersTimeout", 1, "30 s", "first byte to end of head; then 408 (slowloris)"),
  ms("http1.keepAliveTimeout", 1, "30 s", "idle time between requests; then close"),
  ms("http1.bodyTimeout", 1, "30 s", "longest pause in a request body; then 408 or abort"),
  ms("http1.sendTimeout", 1, "60 s", "a response may wait this long for a non-reading client"),
  int("http1.maxDiscardBytes", 0, I31, "64 KiB", "unread request body read to keep alive"),
  int("http1.maxPipelineBytes", 0, I31, "64 KiB", "pipelined bytes held; then reading stops"),
  {
    path: "http1.minRequestRate",
    kind: "number",
    min: 0,
    max: I31,
    default: "240 B/s",
    doc: "minimum request data rate; 0 disables; then 408",
  },
  ms("http1.minRequestRateGrace", 0, "5 s", "time before minRequestRate applies"),

  // ---- http2
  int("http2.headerTableSize", 0, U32, "4096", "SETTINGS_HEADER_TABLE_SIZE (HPACK decoder)"),
  int("http2.maxEncoderTableSize", 0, U32, "4096", "HPACK encoder table cap"),
  int("http2.maxConcurrentStreams", 1, U32, "100", "SETTINGS_MAX_CONCURRENT_STREAMS"),
  int("http2.initialWindowSize", 1, I31, "1 MiB", "stream receive window"),
  int("http2.connectionWindowSize", 65535, I31, "16 MiB", "connection receive window"),
  int("http2.maxFrameSize", 16384, 16777215, "16384", "SETTINGS_MAX_FRAME_SIZE"),
  int("http2.maxHeaderListSize", 64, U32, "64 KiB", "SETTINGS_MAX_HEADER_LIST_SIZE; then 431"),
  int("http2.maxHeaderFields", 1, I31, "200", "fields in one header list; then 431"),
  int("http2.maxHeaderBlockSize", 64, I31, "128 KiB", "compressed header block; then GOAWAY"),
  int("http2.maxContinuationFrames", 0, I31, "8", "CONTINUATIONs per header block; then GOAWAY"),
  int("http2.resetBurst", 1, I31, "1000", "rapid-reset budget; then GOAWAY ENHANCE_YOUR_CALM"),
  {
    path: "http2.resetRefillPerSecond",
    kind: "number",
    min: 0,
    max: I31,
    default: "33",
    doc: "reset tokens regained per second",
  },
  int("http2.uselessFrameBurst", 1, I31, "1000", "useless-frame budget; then GOAWAY"),
  {
    path: "http2.uselessFrameRefillPerSecond",
    kind: "number",
    min: 0,
    max: I31,
    default: "100",
    doc: "useless-frame tokens regained per second",
  },
  int("http2.maxQueuedControlFrames", 1, I31, "1000", "control replies queued; then GOAWAY"),
  int("http2.closedStreamMemory", 0, I31, "1000", "recently closed streams remembered"),
  int("http2.writeBatchSize", 1, I31, "256 KiB", "DATA bytes per output batch"),
  int(
    "http2.maxBodyBytes",
    0,
    Number.MAX_SAFE_INTEGER,
    "Infinity",
    "request body; then 413 or RST_STREAM",
    true,
  ),
  fn("http2.now", "clock for the flood budgets; default Date.now"),
  {
    path: "http2.enableConnectProtocol",
    kind: "boolean",
    default: "true",
    doc: "SETTINGS_ENABLE_CONNECT_PROTOCOL: WebSocket on h2 (RFC 8441)",
  },
  ms("http2.idleTimeout", 0, "60 s", "no open stream this long: GOAWAY; 0 disables"),
  ms("http2.pingInterval", 0, "30 s", "quiet this long with streams open: PING; 0 disables"),
  ms("http2.pingTimeout", 1, "15 s", "no answer to a liveness PING: close"),
  int("http2.streamHighWaterMark", 1, I31, "128 KiB", "response DATA queued per stream"),
  ms("http2.sendTimeout", 0, "60 s", "no send progress this long: RST/close; 0 disables"),
  ms("http2.settingsTimeout", 0, "10 s", "preface and SETTINGS exchange; 0 disables"),

  // ---- http3 (Deno only; `http3: true` takes these defaults)
  int("http3.altSvcMaxAge", 0, I31, "86400 s", "ma= of the Alt-Svc the TLS listener sends"),
  int(
    "http3.maxConcurrentStreams",
    1,
    I31,
    "100",
    "request streams per connection (QUIC MAX_STREAMS)",
  ),
  int("http3.maxFieldSectionSize", 64, I31, "64 KiB", "SETTINGS_MAX_FIELD_SECTION_SIZE; then 431"),
  int(
    "http3.maxHeaderBlockSize",
    64,
    I31,
    "128 KiB",
    "encoded HEADERS frame; then H3_EXCESSIVE_LOAD",
  ),
  int("http3.qpackMaxTableCapacity", 0, I31, "4096", "SETTINGS_QPACK_MAX_TABLE_CAPACITY"),
  int("http3.qpackBlockedStreams", 0, 65535, "16", "SETTINGS_QPACK_BLOCKED_STREAMS"),
  int("http3.maxBlockedBytes", 0, I31, "64 KiB", "bytes held behind a blocked field section"),
  int("http3.resetBurst", 1, I31, "1000", "rapid-reset budget; then H3_EXCESSIVE_LOAD"),
  {
    path: "http3.resetRefillPerSecond",
    kind: "number",
    min: 0,
    max: I31,
    default: "33",
    doc: "reset tokens regained per second",
  },
  int(
    "http3.uselessFrameBurst",
    1,
    I31,
    "1000",
    "unknown frames/streams budget; then H3_EXCESSIVE_LOAD",
  ),
  {
    path: "http3.uselessFrameRefillPerSecond",
    kind: "number",
    min: 0,
    max: I31,
    default: "100",
    doc: "useless-frame tokens regained per second",
  },
  ms("http3.idleTimeout", 0, "30 s", "no open stream this long: GOAWAY; QUIC idle is this + 5 s"),
  ms("http3.sendTimeout", 0, "60 s", "send waits this long on a non-reader: reset; 0 disables"),
  int(
    "http3.maxBodyBytes",
    0,
    Number.MAX_SAFE_INTEGER,
    "Infinity",
    "request body; then 413 or H3_REQUEST_CANCELLED",
    true,
  ),
  fn("http3.now", "clock for the flood budgets; default Date.now"),
];

/**
 * The table by path.
 */
export const OPTION_BY_PATH: ReadonlyMap<string, OptionSpec> = new Map(
  OPTION_SCHEMA.map((o) => [o.path, o]),
);

/**
 * Keys a TLS certificate entry may have.
 */
export const TLS_ENTRY_KEYS: readonly string[] = ["cert", "key", "serverName"];
