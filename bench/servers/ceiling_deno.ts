/**
 * Peer "ceiling-deno": the raw-socket ceiling on Deno.listen. One read, one
 * write per batch of requests, fixed bytes (see ceiling_core.ts for what it
 * understands). The gap between it and any real server is the cost of doing
 * HTTP; the gap between it and zero is the runtime's socket path.
 *
 *     BENCH_PORT=8000 BENCH_PROTO=h1 deno run -A bench/servers/ceiling_deno.ts
 *
 * @module
 */
import { h1Responder, h2Responder } from "./ceiling_core.ts";
import { serverEnv } from "./handler.ts";

const env = serverEnv(Deno.env.toObject());
if (env.proto === "h2") throw new Error("the ceiling speaks h1 and h2c only");
const responder = env.proto === "h1" ? h1Responder : h2Responder;

async function serveConn(conn: Deno.Conn): Promise<void> {
  const r = responder();
  const buf = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      const out = r.feed(buf.subarray(0, n));
      if (out === null) continue;
      for (let at = 0; at < out.byteLength;) {
        at += await conn.write(at === 0 ? out : out.subarray(at));
      }
    }
  } catch {
    // reset by the peer: nothing to do
  }
  try {
    conn.close();
  } catch { /* closed */ }
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: env.port });
console.log(`READY ${(listener.addr as Deno.NetAddr).port}`);
for await (const conn of listener) {
  conn.setNoDelay(true);
  serveConn(conn);
}
