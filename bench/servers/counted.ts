/**
 * Our server answering hello on cleartext (h1 or h2c) for exactly
 * BENCH_REQUESTS requests, then exiting by itself: the fixed workload that
 * `bench/counters.ts --callgrind` runs under valgrind. With 0 it exits as soon
 * as it listens, which gives the start-up cost to subtract.
 *
 *     BENCH_PORT=8000 BENCH_REQUESTS=2000 deno run -A bench/servers/counted.ts
 *
 * @module
 */
import process from "node:process";
import { serve } from "../../mod.ts";

const port = Number(process.env.BENCH_PORT ?? 8000);
const total = Number(process.env.BENCH_REQUESTS ?? 0);
let left = total;
const server = serve({
  port,
  hostname: "127.0.0.1",
  onListen: () => {
    console.log(`READY ${port}`);
    if (total === 0) setTimeout(() => process.exit(0), 0);
  },
}, () => {
  if (--left === 0) setTimeout(() => process.exit(0), 50);
  return new Response("Hello, World!");
});
void server;
