/**
 * A WebSocket chat room for the demo: `chatPage()` is the browser page,
 * `joinChat(req)` upgrades a request and broadcasts every line to everyone in
 * the room. The same handler serves HTTP/1.1 (Upgrade) and HTTP/2 (RFC 8441
 * extended CONNECT, which browsers may use on https://localhost:8443).
 *
 * @module
 */
import { type ServerWebSocket, upgradeWebSocket } from "../mod.ts";

/** Longest chat line accepted, in bytes; longer ones close the socket with 1009. */
const MAX_LINE_BYTES = 2048;
/** A member whose unsent backlog exceeds this is too slow to keep: closed with 1008. */
const MAX_BACKLOG_BYTES = 1 << 20;

const room = new Set<ServerWebSocket>();
let guests = 0;

function broadcast(line: string): void {
  for (const member of room) {
    if (member.readyState !== member.OPEN) continue;
    // One slow reader must not make the server buffer without bound for it.
    if (member.bufferedAmount > MAX_BACKLOG_BYTES) member.close(1008, "too slow");
    else member.send(line);
  }
}

/**
 * Upgrades `req` to a WebSocket in the chat room. `?name=` picks a name.
 *
 * @example
 * ```ts
 * serve((req) => req.headers.get("upgrade") ? joinChat(req) : chatPage());
 * ```
 */
export function joinChat(req: Request): Response {
  const asked = new URL(req.url).searchParams.get("name")?.trim().slice(0, 32);
  const name = asked || `guest-${++guests}`;
  const { socket, response } = upgradeWebSocket(req, {
    compress: true,
    maxMessageBytes: MAX_LINE_BYTES,
    idleTimeout: 60,
  });
  socket.onopen = () => {
    room.add(socket);
    broadcast(`* ${name} joined (${room.size} here)`);
  };
  socket.onmessage = (e) => {
    if (typeof e.data !== "string") return socket.close(1003, "text only");
    const line = e.data.trim();
    if (line) broadcast(`${name}: ${line}`);
  };
  socket.onclose = () => {
    if (room.delete(socket)) broadcast(`* ${name} left (${room.size} here)`);
  };
  return response;
}

/**
 * The chat page: a log, a text box, and a WebSocket to `/chat/ws` on the same
 * origin (ws: or wss: as the page was loaded).
 *
 * @example
 * ```ts
 * serve(() => chatPage());
 * ```
 */
export function chatPage(): Response {
  return new Response(PAGE, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": "default-src 'self'; script-src 'unsafe-inline'; " +
        "style-src 'unsafe-inline'; connect-src 'self'",
    },
  });
}

const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>h2serve chat</title>
<style>
  body { font: 16px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  #log { height: 60vh; overflow-y: auto; border: 1px solid #ccc; padding: .5rem; white-space: pre-wrap; }
  form { display: flex; gap: .5rem; margin-top: .5rem; } #text { flex: 1; }
  .sys { color: #666; } #status { color: #666; font-size: .9em; }
</style>
<h1>h2serve chat</h1>
<p id="status">connecting…</p>
<div id="log" aria-live="polite"></div>
<form id="form"><input id="text" autocomplete="off" maxlength="500" placeholder="Say something" autofocus><button>Send</button></form>
<script type="module">
  const log = document.getElementById("log");
  const status = document.getElementById("status");
  const text = document.getElementById("text");
  const add = (line) => {
    const p = document.createElement("div");
    if (line.startsWith("* ")) p.className = "sys";
    p.textContent = line;
    log.append(p);
    log.scrollTop = log.scrollHeight;
  };
  const name = new URLSearchParams(location.search).get("name") ?? "";
  const url = new URL("/chat/ws", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  if (name) url.searchParams.set("name", name);
  const ws = new WebSocket(url);
  ws.onopen = () => {
    const via = performance.getEntriesByType("navigation")[0]?.nextHopProtocol ?? "?";
    status.textContent = "connected (page over " + via + ", extensions: " + (ws.extensions || "none") + ")";
  };
  ws.onmessage = (e) => add(e.data);
  ws.onclose = (e) => { status.textContent = "closed: " + e.code + " " + e.reason; };
  document.getElementById("form").onsubmit = (e) => {
    e.preventDefault();
    if (text.value && ws.readyState === WebSocket.OPEN) ws.send(text.value);
    text.value = "";
  };
</script>
</html>
`;
