/**
 * Peer "deno": Deno.serve. Its cleartext port speaks HTTP/1.1 and h2c with
 * prior knowledge; with cert/key it offers h2 and http/1.1 by ALPN.
 *
 *     BENCH_PORT=8000 BENCH_PROTO=h1 deno run -A bench/servers/deno.ts
 *
 * @module
 */
import { handle, isWebSocketPath, serverEnv } from "./handler.ts";

const env = serverEnv(Deno.env.toObject());
const tls = env.proto === "h2"
  ? { cert: Deno.readTextFileSync(env.certFile), key: Deno.readTextFileSync(env.keyFile) }
  : {};
Deno.serve({
  port: env.port,
  hostname: "127.0.0.1",
  ...tls,
  onListen: ({ port }) => console.log(`READY ${port}`),
}, (req) => {
  if (!isWebSocketPath(req.url)) return handle(req);
  // The `ws` scenario: Deno's own WebSocket server, echoing.
  const { socket, response } = Deno.upgradeWebSocket(req);
  socket.onmessage = (e) => socket.send(e.data);
  return response;
});
