/**
 * Instructions per request where `perf stat` has no hardware counters (VMs):
 * our server (bench/servers/counted.ts) runs under `valgrind --tool=callgrind`
 * for a fixed number of requests and exits by itself; valgrind prints the
 * total instructions executed (Ir). A run with 0 requests (after a run that
 * fills the runtime's compile cache) gives the start-up and exit cost to
 * subtract. JIT warm-up stays in the figure, so compare runs of the same N.
 * Measured here: Deno's counts repeat within about 2% (a cold compile cache
 * adds about 300 M to the first run); Bun's 0-request runs varied from 123 M
 * to 236 M, so for Bun repeat the runs or subtract two large N instead.
 *
 * @module
 */
import { run, sleep, spawnPinned, waitForPort } from "./proc.ts";

/** What one count needs. */
export interface CallgrindRun {
  /** The runtime binary and its arguments before the script (`[deno, "run", "-A"]`, `[bun]`). */
  runtime: string[];
  /** Path of bench/servers/counted.ts in the tree being measured. */
  script: string;
  /** h1 or h2c (cleartext; one connection, one request at a time). */
  proto: "h1" | "h2c";
  /** Requests in the measured run. */
  requests: number;
  /** Port for the server. */
  port: number;
  /** CPUs for the server (taskset list) and for the load generator. */
  serverCpus: string;
  loadCpus: string;
}

/**
 * Total instructions of one server run under callgrind answering `requests`
 * requests (0: start and exit only). NaN when valgrind printed no total.
 *
 * @example
 * ```ts
 * import { countRun } from "./callgrind.ts";
 * const ir = await countRun({
 *   runtime: ["deno", "run", "-A"], script: "bench/servers/counted.ts", proto: "h2c",
 *   requests: 0, port: 18_500, serverCpus: "0", loadCpus: "1",
 * });
 * ```
 */
export async function countRun(o: CallgrindRun, requests = o.requests): Promise<number> {
  const argv = [
    "valgrind",
    "--tool=callgrind",
    "--callgrind-out-file=/dev/null",
    ...o.runtime,
    o.script,
  ];
  const server = spawnPinned(o.serverCpus, argv, {
    BENCH_PORT: String(o.port),
    BENCH_REQUESTS: String(requests),
  });
  if (requests > 0) {
    await waitForPort(o.port, 600_000); // start-up under valgrind takes a while
    const h1 = o.proto === "h1" ? ["--h1"] : [];
    await run(
      [
        "taskset",
        "-c",
        o.loadCpus,
        "h2load",
        ...h1,
        "-n",
        String(requests),
        "-c1",
        "-m1",
        `http://127.0.0.1:${o.port}/`,
      ],
      { timeoutMs: 1_200_000 },
    );
  }
  const code = await Promise.race([server.exited, sleep(1_200_000).then(() => -1)]);
  if (code === -1) Deno.kill(-server.pid, "SIGKILL");
  const m = /Collected\s*:\s*(\d+)/.exec(server.stderr());
  return m ? Number(m[1]) : NaN;
}

/**
 * Instructions per request: (Ir of N requests − Ir of 0 requests) / N, after one
 * unmeasured 0-request run that fills the compile cache.
 *
 * @example
 * ```ts
 * import { instructionsPerRequest } from "./callgrind.ts";
 * const perRequest = await instructionsPerRequest({
 *   runtime: ["bun"], script: "bench/servers/counted.ts", proto: "h1",
 *   requests: 2000, port: 18_500, serverCpus: "0", loadCpus: "1",
 * });
 * ```
 */
export async function instructionsPerRequest(o: CallgrindRun): Promise<number> {
  await countRun(o, 0);
  const idle = await countRun(o, 0);
  const busy = await countRun(o);
  return (busy - idle) / o.requests;
}
