/**
 * The `ws` scenario's endpoint for h2serve: GET /ws upgrades with h2serve's
 * upgradeWebSocket and echoes every message back. The peers do the same
 * with their own APIs (Deno.upgradeWebSocket in deno.ts, Bun.serve's
 * `websocket` handler in bun.ts); none of them compresses.
 *
 * @module
 */
import { upgradeWebSocket } from "../../mod.ts";
import { handle, isWebSocketPath } from "./handler.ts";

/** Upgrades and echoes. */
export function wsEcho(req: Request): Response {
  const { socket, response } = upgradeWebSocket(req);
  socket.onmessage = (e) => socket.send(e.data);
  return response;
}

/** The bench handler with /ws in front (for h2serve). */
export function handleWithWs(req: Request): Promise<Response> | Response {
  return isWebSocketPath(req.url) ? wsEcho(req) : handle(req);
}
