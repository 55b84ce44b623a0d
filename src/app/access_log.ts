/**
 * Access logging: what `onResponse` hears about each finished exchange, and
 * a ready hook that writes it as a common-log-format line or a JSON line.
 *
 * @module
 */
import type { Addr } from "../transport/types.ts";
import type { Protocol } from "../types.ts";

/**
 * How an exchange ended:
 * - "complete": the response went out in full (for a WebSocket: it closed cleanly);
 * - "aborted": the client went away first (connection closed, WebSocket dropped,
 *   or cut off by a timeout or the shutdown deadline);
 * - "reset": the client reset the HTTP/2 stream (RST_STREAM);
 * - "error": the handler failed (its onError answer, usually a 500, is what
 *   `status` shows) or the response body failed part way.
 *
 * @example
 * ```ts
 * import type { ResponseEnding } from "@h2serve/h2serve";
 * const ok: ResponseEnding = "complete";
 * ```
 */
export type ResponseEnding = "complete" | "aborted" | "reset" | "error";

/**
 * One finished exchange, as `onResponse` hears it.
 *
 * @example
 * ```ts
 * import { serve, type ResponseInfo } from "@h2serve/h2serve";
 * const slow = (i: ResponseInfo) => i.duration > 1000 && console.warn("slow:", i.method, i.url);
 * await using _server = serve({ port: 0, onResponse: slow }, () => new Response("ok"));
 * ```
 */
export interface ResponseInfo {
  /** The request method. */
  readonly method: string;
  /** The request URL. */
  readonly url: string;
  /** The status sent (101 or 200 for a WebSocket), or 0 when none went out. */
  readonly status: number;
  /** Request body bytes received: the body only, no head, framing or chunk sizes. */
  readonly requestBytes: number;
  /**
   * Response body bytes sent (after compression): the body only, no head,
   * framing or chunk sizes, as the Common Log Format's bytes field (a
   * head's h2/h3 wire size depends on the HPACK/QPACK state of earlier
   * streams); 0 for a WebSocket.
   */
  readonly responseBytes: number;
  /** Milliseconds from the request head to the end (for a WebSocket: until it closed). */
  readonly duration: number;
  /** "http/1.1", "h2", "h2c" or "h3". */
  readonly protocol: Protocol;
  /** The peer's address. */
  readonly remoteAddr: Addr;
  /** How it ended. */
  readonly ended: ResponseEnding;
}

/**
 * Options of {@link accessLog}.
 *
 * @example
 * ```ts
 * import type { AccessLogOptions } from "@h2serve/h2serve";
 * const options: AccessLogOptions = { format: "json", write: (line) => console.error(line) };
 * ```
 */
export interface AccessLogOptions {
  /**
   * "common" (default): the Common Log Format, as Apache and nginx write it
   * (`127.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /a?b HTTP/1.1" 200 2326`);
   * "json": one JSON object a line with every field of {@link ResponseInfo}
   * and `time` (ISO 8601, when the request arrived).
   */
  format?: "common" | "json";
  /** Where each line goes. Default `console.log`. */
  write?: (line: string) => void;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => (n < 10 ? "0" : "") + n;

/** `10/Oct/2026:13:55:36 +0000` (UTC). */
function clfTime(d: Date): string {
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function host(a: Addr): string {
  return a.transport === "unix" ? "-" : a.hostname;
}

/** The request target as the request line carries it: path and query. */
function target(url: string): string {
  const at = url.indexOf("/", url.indexOf("//") + 2);
  return at < 0 ? "/" : url.slice(at);
}

/**
 * Formats one exchange as a Common Log Format line.
 *
 * @example
 * ```ts
 * import { commonLogLine } from "@h2serve/h2serve";
 * const line = commonLogLine({
 *   method: "GET", url: "http://localhost/a?b=1", status: 200, requestBytes: 0, responseBytes: 5,
 *   duration: 1, protocol: "h2", remoteAddr: { transport: "tcp", hostname: "::1", port: 1 },
 *   ended: "complete",
 * }, new Date(0));
 * console.assert(line === '::1 - - [01/Jan/1970:00:00:00 +0000] "GET /a?b=1 HTTP/2" 200 5');
 * ```
 */
export function commonLogLine(i: ResponseInfo, time: Date): string {
  const version = i.protocol === "http/1.1"
    ? "HTTP/1.1"
    : i.protocol === "h3"
    ? "HTTP/3"
    : "HTTP/2";
  const bytes = i.responseBytes === 0 ? "-" : String(i.responseBytes);
  const status = i.status === 0 ? "-" : String(i.status);
  return `${host(i.remoteAddr)} - - [${clfTime(time)}] "${i.method} ${target(i.url)} ${version}" ` +
    `${status} ${bytes}`;
}

/**
 * A ready `onResponse` hook: one line per finished exchange, in the Common
 * Log Format or as JSON lines, to `console.log` or the sink you give.
 *
 * @example
 * ```ts
 * import { accessLog, serve } from "@h2serve/h2serve";
 * await using _server = serve({
 *   port: 0,
 *   onResponse: accessLog({ format: "json" }),
 *   fetch: () => new Response("ok"),
 * });
 * ```
 */
export function accessLog(options: AccessLogOptions = {}): (info: ResponseInfo) => void {
  const write = options.write ?? ((line: string) => console.log(line));
  if (options.format === "json") {
    return (i) => {
      const time = new Date(Date.now() - i.duration).toISOString();
      const remote = i.remoteAddr.transport === "unix" ? i.remoteAddr.path : i.remoteAddr.hostname;
      write(JSON.stringify({
        time,
        remoteAddr: remote,
        method: i.method,
        url: i.url,
        protocol: i.protocol,
        status: i.status,
        requestBytes: i.requestBytes,
        responseBytes: i.responseBytes,
        duration: Math.round(i.duration * 1000) / 1000,
        ended: i.ended,
      }));
    };
  }
  if (options.format !== undefined && options.format !== "common") {
    throw new TypeError(`accessLog: format must be "common" or "json", got ${options.format}`);
  }
  return (i) => write(commonLogLine(i, new Date(Date.now() - i.duration)));
}
