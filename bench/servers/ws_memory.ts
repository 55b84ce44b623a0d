/**
 * The WebSocket echo server of bench/ws_memory.ts, on whichever runtime runs
 * it (Deno or Bun):
 *
 *     WSM_PORT=8000 WSM_IMPL=h2serve WSM_DEFLATE=1 deno run -A --v8-flags=--expose-gc bench/servers/ws_memory.ts
 *     WSM_PORT=8000 WSM_IMPL=native WSM_DEFLATE=1 bun bench/servers/ws_memory.ts
 *
 * WSM_IMPL=h2serve: our upgradeWebSocket (`compress` from WSM_DEFLATE, or
 * `{ memory: WSM_MEMORY }` when that is set); native: Deno.upgradeWebSocket
 * (which never negotiates permessage-deflate) or Bun.serve's `websocket`
 * (`perMessageDeflate` from WSM_DEFLATE). GET /mem collects garbage and
 * answers the JS heap figures as JSON; GET /ws upgrades and echoes.
 * WSM_SAMPLE=1: every 100 ms `process.memoryUsage()` (and on Bun the JSC
 * heap size and, every second, `heapStats()`' extra memory, mimalloc's
 * committed bytes and the object counts by type when the heap is at its
 * largest) is read and the peak of each figure kept; GET /peak answers them
 * (MiB) without collecting garbage.
 *
 * @module
 */
import process from "node:process";
import { serve, upgradeWebSocket } from "../../mod.ts";

const port = Number(process.env.WSM_PORT ?? 8000);
const impl = process.env.WSM_IMPL ?? "h2serve";
const deflate = process.env.WSM_DEFLATE === "1";
const memoryMode = process.env.WSM_MEMORY;

interface BunLike {
  gc(force: boolean): void;
  serve(o: unknown): { port: number; upgrade(req: Request): boolean };
}
const bun = (globalThis as { Bun?: BunLike }).Bun;

function mem(): Response {
  if (bun) bun.gc(true);
  else (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return Response.json({ heapUsed: m.heapUsed, external: m.external, rss: m.rss });
}

const peaks: Record<string, number> = {};
let types: [string, number][] = [];
function keep(k: string, v: number | undefined): void {
  if (typeof v === "number" && !(v <= (peaks[k] ?? -1))) peaks[k] = v;
}
if (process.env.WSM_SAMPLE === "1") {
  // deno-lint-ignore no-explicit-any
  const jsc: any = bun ? await import("bun:jsc") : undefined;
  let tick = 0;
  let typesAt = 0;
  setInterval(() => {
    const m = process.memoryUsage();
    for (const [k, v] of Object.entries(m)) keep(k, v);
    if (jsc === undefined) return;
    keep("jscHeap", jsc.heapSize());
    if (++tick % 10 !== 0) return;
    const h = jsc.heapStats();
    if (h.heapSize > typesAt) {
      // What the heap held at its largest (sampled): the most numerous object types.
      typesAt = h.heapSize;
      types = Object.entries(h.objectTypeCounts as Record<string, number>)
        .sort((a, b) => b[1] - a[1]).slice(0, 14);
    }
    keep("extraMemory", h.extraMemorySize);
    keep("mimallocCommitted", h.mimalloc?.committed?.current);
  }, 100);
}
function peak(): Response {
  const mib: Record<string, number> = {};
  for (const [k, v] of Object.entries(peaks)) mib[k] = Math.round(v / 2 ** 20 * 10) / 10;
  return Response.json(types.length > 0 ? { ...mib, types: Object.fromEntries(types) } : mib);
}

const isWs = (url: string) => new URL(url).pathname === "/ws";
const route = (url: string) => new URL(url).pathname === "/peak" ? peak() : mem();

if (impl === "h2serve") {
  const compress = memoryMode ? { memory: memoryMode } : deflate;
  serve({
    port,
    hostname: "127.0.0.1",
    http1: { keepAliveTimeout: 600_000 },
    onListen: ({ port }) => console.log(`READY ${port}`),
  }, (req) => {
    if (!isWs(req.url)) return route(req.url);
    // deno-lint-ignore no-explicit-any
    const { socket, response } = upgradeWebSocket(req, { compress: compress as any });
    socket.onmessage = (e) => socket.send(e.data);
    return response;
  });
} else if (bun) {
  const s = bun.serve({
    port,
    hostname: "127.0.0.1",
    idleTimeout: 255,
    fetch(req: Request, server: { upgrade(req: Request): boolean }) {
      if (!isWs(req.url)) return route(req.url);
      return server.upgrade(req) ? undefined : new Response("upgrade failed", { status: 400 });
    },
    websocket: {
      perMessageDeflate: deflate,
      idleTimeout: 960,
      message(ws: { send(d: unknown): void }, m: unknown) {
        ws.send(m);
      },
    },
  });
  console.log(`READY ${s.port}`);
} else {
  Deno.serve({
    port,
    hostname: "127.0.0.1",
    onListen: ({ port }) => console.log(`READY ${port}`),
  }, (req) => {
    if (!isWs(req.url)) return route(req.url);
    const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 600 });
    socket.onmessage = (e) => socket.send(e.data);
    return response;
  });
}
