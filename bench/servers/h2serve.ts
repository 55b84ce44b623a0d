/**
 * Peer "h2serve": our server, on whichever runtime runs this file.
 *
 *     BENCH_PORT=8000 BENCH_PROTO=h1 deno run -A bench/servers/h2serve.ts
 *     BENCH_PORT=8000 BENCH_PROTO=h2 bun bench/servers/h2serve.ts
 *
 * The cleartext port is the same for h1 and h2c (serve() sniffs the preface);
 * "h2" listens with TLS and negotiates by ALPN.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { serve, serveWorkers } from "../../mod.ts";
import { serverEnv } from "./handler.ts";
import { handleWithWs, setPublisher } from "./ws_echo.ts";

const env = serverEnv(process.env);
// BENCH_WORKERS=N serves on N threads sharing the port (SO_REUSEPORT).
const workers = Number(process.env.BENCH_WORKERS ?? 1);
const options = {
  port: env.port,
  hostname: "127.0.0.1",
  tls: env.proto === "h2"
    ? { cert: readFileSync(env.certFile, "utf8"), key: readFileSync(env.keyFile, "utf8") }
    : undefined,
  // Idle connections must outlive the idle-connection scenario, as for the peers.
  http1: { keepAliveTimeout: 120_000 },
  onListen: ({ port }: { port: number }) => console.log(`READY ${port}`),
  // Set by the compression scenarios only, so the other rows measure the plain handler.
  compression: process.env.BENCH_COMPRESSION === "1",
  // BENCH_TLS_UNBOUNDED=1: no handshake bound; on Deno that serves TLS through Deno.listenTls
  // instead of node:tls (the h2serve-deno-unbounded peer measures what the bound costs).
  ...(process.env.BENCH_TLS_UNBOUNDED === "1" ? { tlsHandshakeTimeout: 0 } : {}),
};
if (workers > 1) await serveWorkers(new URL("./app.ts", import.meta.url), { ...options, workers });
else setPublisher(serve(options, handleWithWs));
