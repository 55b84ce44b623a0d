/**
 * The benchmark application, written once against the web-standard
 * Request/Response API and served by every fetch-style peer (h2serve on Deno
 * and Bun, Deno.serve, Bun.serve). bench/servers/node.ts mirrors it for Node.
 *
 * Routes:
 *   GET  /            "Hello, World!"
 *   GET  /64k         64 KiB of bytes
 *   POST /echo        the request body, read whole, sent back
 *   GET  /download?mib=N   N MiB (default 256) streamed in 64 KiB chunks
 *   GET  /sse         an event stream; every open stream gets "data: tick" every 100 ms
 *   GET  /json        about 100 KB of JSON, a string prepared once (compressed when the server is told to)
 *   GET  /json-obj    the same JSON from `Response.json(obj)`: stringified per request
 *   GET  /ws          (not here) each server script upgrades it with its own
 *                     WebSocket API and echoes every message; see isWebSocketPath
 *
 * @module
 */
import { JSON_100K, JSON_OBJ } from "./json_body.ts";

/** The hello-world body. */
export const HELLO = "Hello, World!";
/** Size of the /64k body and of each /download chunk. */
export const CHUNK_BYTES = 64 * 1024;
/** Default /download size in MiB. */
export const DEFAULT_DOWNLOAD_MIB = 256;
/** Interval between SSE events. */
export const SSE_INTERVAL_MS = 100;

const enc = new TextEncoder();
const BODY_64K = new Uint8Array(CHUNK_BYTES).fill(0x61);
const EVENT = enc.encode("data: tick\n\n");
const TEXT = { "content-type": "text/plain;charset=UTF-8" };
const BYTES = { "content-type": "application/octet-stream" };
const JSON_TYPE = { "content-type": "application/json" };

// One shared ticker for all streams: the cost measured is the server's write
// path, not a thousand timers.
const sseStreams = new Set<ReadableStreamDefaultController<Uint8Array>>();
let ticker: ReturnType<typeof setInterval> | undefined;
function tick(): void {
  for (const c of sseStreams) {
    try {
      // A fresh copy: a runtime may take ownership of enqueued buffers.
      c.enqueue(EVENT.slice());
    } catch {
      sseStreams.delete(c);
    }
  }
}

function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const q = url.indexOf("?", start);
  return q < 0 ? url.slice(start) : url.slice(start, q);
}

function download(url: string): Response {
  const mib = Number(new URL(url).searchParams.get("mib") ?? DEFAULT_DOWNLOAD_MIB);
  let left = Math.max(0, Math.floor(mib * 1024 * 1024));
  const total = left;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (left <= 0) return c.close();
      const n = Math.min(left, CHUNK_BYTES);
      left -= n;
      c.enqueue(n === CHUNK_BYTES ? BODY_64K.slice() : BODY_64K.slice(0, n));
    },
  }, { highWaterMark: 4 });
  return new Response(body, { headers: { ...BYTES, "content-length": String(total) } });
}

function sse(req: Request): Response {
  let ctl: ReadableStreamDefaultController<Uint8Array> | undefined;
  const drop = (): void => {
    if (ctl) sseStreams.delete(ctl);
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
      sseStreams.add(c);
      c.enqueue(enc.encode(": open\n\n"));
      ticker ??= setInterval(tick, SSE_INTERVAL_MS);
    },
    cancel: drop,
  });
  req.signal?.addEventListener("abort", drop, { once: true });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
  });
}

/**
 * The `publish` scenario's sockets: "sub" (/sub, subscribes to topic `bench`), "pub"
 * (/pub, each message it sends is published to `bench` with server.publish), else null.
 */
export function pubSubRole(url: string): "sub" | "pub" | null {
  const p = pathOf(url);
  return p === "/sub" ? "sub" : p === "/pub" ? "pub" : null;
}

/** True when the URL's path is /ws, the `ws` scenario's echo socket (no URL parse). */
export function isWebSocketPath(url: string): boolean {
  return pathOf(url) === "/ws";
}

/**
 * The fetch handler every web-standard peer serves. It answers synchronously
 * where it can (a Response, not a Promise), as routers such as Hono do for
 * synchronous routes, so servers with a synchronous fast path can take it.
 */
export function handle(req: Request): Response | Promise<Response> {
  switch (pathOf(req.url)) {
    case "/":
      return new Response(HELLO, { headers: TEXT });
    case "/64k":
      return new Response(BODY_64K, { headers: BYTES });
    case "/echo":
      return req.arrayBuffer().then((body) => new Response(body, { headers: BYTES }));
    case "/download":
      return download(req.url);
    case "/sse":
      return sse(req);
    case "/json":
      return new Response(JSON_100K, { headers: JSON_TYPE });
    case "/json-obj":
      return Response.json(JSON_OBJ);
    default:
      return new Response("not found", { status: 404 });
  }
}

/** Where a server script listens and how, from the environment the harness sets. */
export interface ServerEnv {
  port: number;
  /** "h1" and "h2c": cleartext listener; "h2": TLS listener offering h2 by ALPN. */
  proto: "h1" | "h2c" | "h2";
  certFile: string;
  keyFile: string;
}

/** Reads BENCH_PORT, BENCH_PROTO, BENCH_CERT, BENCH_KEY. */
export function serverEnv(env: Record<string, string | undefined>): ServerEnv {
  const proto = env.BENCH_PROTO ?? "h1";
  if (proto !== "h1" && proto !== "h2c" && proto !== "h2") {
    throw new Error(`bad BENCH_PROTO ${proto}`);
  }
  return {
    port: Number(env.BENCH_PORT ?? 8000),
    proto,
    certFile: env.BENCH_CERT ?? "tests/fixtures/localhost.crt",
    keyFile: env.BENCH_KEY ?? "tests/fixtures/localhost.key",
  };
}
