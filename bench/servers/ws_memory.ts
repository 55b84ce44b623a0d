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

const isWs = (url: string) => new URL(url).pathname === "/ws";

if (impl === "h2serve") {
  const compress = memoryMode ? { memory: memoryMode } : deflate;
  serve({
    port,
    hostname: "127.0.0.1",
    http1: { keepAliveTimeout: 600_000 },
    onListen: ({ port }) => console.log(`READY ${port}`),
  }, (req) => {
    if (!isWs(req.url)) return mem();
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
      if (!isWs(req.url)) return mem();
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
    if (!isWs(req.url)) return mem();
    const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 600 });
    socket.onmessage = (e) => socket.send(e.data);
    return response;
  });
}
