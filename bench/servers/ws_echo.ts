/**
 * The `ws` scenario's endpoint for h2serve: GET /ws upgrades with h2serve's
 * upgradeWebSocket and echoes every message back. The peers do the same
 * with their own APIs (Deno.upgradeWebSocket in deno.ts, Bun.serve's
 * `websocket` handler in bun.ts); none of them compresses.
 *
 * @module
 */
import { type Server, upgradeWebSocket } from "../../mod.ts";
import { handle, isWebSocketPath, pubSubRole } from "./handler.ts";

let publisher: Server | null = null;

/** The server whose `publish` the `publish` scenario's /pub socket calls. */
export function setPublisher(server: Server): void {
  publisher = server;
}

/** The `publish` scenario: /sub subscribes to `bench`, /pub's messages go to server.publish. */
export function pubSub(req: Request, role: "sub" | "pub"): Response {
  const { socket, response } = upgradeWebSocket(req);
  if (role === "sub") socket.subscribe("bench");
  else socket.onmessage = (e) => publisher!.publish("bench", e.data as ArrayBuffer);
  return response;
}

/** Upgrades and echoes. */
export function wsEcho(req: Request): Response {
  const { socket, response } = upgradeWebSocket(req);
  socket.onmessage = (e) => socket.send(e.data);
  return response;
}

/** The bench handler with /ws in front (for h2serve). */
export function handleWithWs(req: Request): Promise<Response> | Response {
  if (isWebSocketPath(req.url)) return wsEcho(req);
  const role = pubSubRole(req.url);
  return role === null ? handle(req) : pubSub(req, role);
}
