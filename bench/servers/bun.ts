/**
 * Peer "bun": Bun.serve. For h2c and h2 it sets `http2: true` (Bun ≥ 1.4):
 * cleartext connections that open with the HTTP/2 preface get h2c, TLS
 * clients offering "h2" by ALPN get h2. HTTP/1.1 cells run without it.
 *
 *     BENCH_PORT=8000 BENCH_PROTO=h1 bun bench/servers/bun.ts
 *
 * @module
 */
import process from "node:process";
import { handle, isWebSocketPath, pubSubRole, serverEnv } from "./handler.ts";

/** The part of Bun.serve's options used here (no bun-types in this repo). */
interface BunServeOptions {
  port: number;
  hostname: string;
  http2?: boolean;
  tls?: { cert: unknown; key: unknown };
  idleTimeout?: number;
  fetch: (req: Request, server: BunServer) => Response | Promise<Response> | undefined;
  websocket?: {
    open?(ws: BunSocket): void;
    message(ws: BunSocket, message: string | Uint8Array): void;
  };
}

/** The part of Bun's Server used here. */
interface BunServer {
  port: number;
  upgrade(req: Request, options?: { data: unknown }): boolean;
  publish(topic: string, data: string | Uint8Array): number;
}

/** The part of Bun's ServerWebSocket used here. */
interface BunSocket {
  send(data: string | Uint8Array): number;
  subscribe(topic: string): void;
  data: unknown;
}

/** The slice of the Bun global this script touches. */
declare const Bun: {
  serve(options: BunServeOptions): BunServer;
  file(path: string): unknown;
};

const env = serverEnv(process.env);
const server = Bun.serve({
  port: env.port,
  hostname: "127.0.0.1",
  http2: env.proto !== "h1",
  tls: env.proto === "h2"
    ? { cert: Bun.file(env.certFile), key: Bun.file(env.keyFile) }
    : undefined,
  // Seconds; the maximum, so idle keep-alive connections are not reaped mid-measurement.
  idleTimeout: 255,
  fetch(req, server) {
    // The `ws` scenario: Bun's own WebSocket server (uWebSockets), echoing.
    // The `publish` scenario: /sub subscribes to `bench`, /pub's messages go to server.publish.
    const role = pubSubRole(req.url);
    if (isWebSocketPath(req.url) || role !== null) {
      return server.upgrade(req, { data: role })
        ? undefined
        : new Response("upgrade failed", { status: 400 });
    }
    return handle(req);
  },
  websocket: {
    open(ws) {
      if (ws.data === "sub") ws.subscribe("bench");
    },
    message(ws, message) {
      if (ws.data === "pub") server.publish("bench", message);
      else ws.send(message);
    },
  },
});
console.log(`READY ${server.port}`);
