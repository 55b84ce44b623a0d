/**
 * CPU cost per request from hardware counters: the server is pinned to CPU 0,
 * the load generator to CPU 1, and `perf stat` counts the server's
 * instructions and cycles over a measured window. Instructions per request
 * vary by a few percent between runs where req/s on this machine swings 2x,
 * so this is the number to judge a hot-path change by. Where the machine has
 * no hardware counters (most virtual machines: "PMU not available"), only
 * CPU µs per request (perf's software task-clock) is printed; it moves with
 * load on a shared machine, so compare A and B interleaved, several runs each.
 *
 *     deno run -A bench/counters.ts [--servers h2serve-deno,deno] [--proto h1|h2c|h2] [--path /]
 *     deno run -A bench/counters.ts --servers h2serve-deno --flags=--v8-flags=--single-threaded-gc
 *     deno run -A bench/counters.ts --servers h2serve-bun --env BUN_JSC_useConcurrentGC=0
 *
 * `--flags` go to the runtime before the script (after `run` for Deno);
 * `--env K=V[,K=V]` is added to the server's environment. `--root DIR` runs
 * the server scripts of another checkout (A/B of a patch on the same build).
 *
 * Needs perf (linux-perf), wrk and h2load.
 *
 * Where perf has no hardware counters (a VM), `--callgrind` counts with
 * valgrind instead (bench/lib/callgrind.ts): our server only, h1 or h2c,
 * `--requests` (default 2000) on one connection, minus a 0-request run:
 *
 *     deno run -A bench/counters.ts --callgrind --servers h2serve-deno,h2serve-bun --proto h2c
 *
 * With `--root`, that checkout needs bench/servers/counted.ts (copy it there).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { run, sleep, spawnPinned, waitForPort } from "./lib/proc.ts";
import { PEERS, type Toolchain } from "./lib/peers.ts";
import { instructionsPerRequest } from "./lib/callgrind.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    servers: { type: "string", default: "h2serve-deno,deno,h2serve-bun,bun" },
    proto: { type: "string", default: "h1" },
    path: { type: "string", default: "/" },
    seconds: { type: "string", default: "4" },
    runs: { type: "string", default: "2" },
    /** Threads for our server (serveWorkers when > 1). */
    workers: { type: "string", default: "1" },
    /** CPUs the server may use (taskset list), and the load generator's. */
    "server-cpus": { type: "string", default: "0" },
    "load-cpus": { type: "string", default: "1" },
    /** Load generator connections. */
    connections: { type: "string", default: "50" },
    /** Count with valgrind (no perf counters needed); our servers only, h1 or h2c. */
    callgrind: { type: "boolean", default: false },
    /** Requests per counted run with --callgrind. */
    requests: { type: "string", default: "2000" },
    /** Runtime flags, space-separated, inserted before the script. */
    flags: { type: "string", default: "" },
    /** Extra server environment, K=V pairs separated by commas. */
    env: { type: "string", default: "" },
    /** Repository whose bench/servers are run (default: this one). */
    root: { type: "string" },
    /** Printed with every line, to tell A/B runs apart. */
    tag: { type: "string", default: "" },
  },
});
const loadCpus = values["load-cpus"];
const conns = values.connections;

const proto = values.proto as "h1" | "h2c" | "h2";
const seconds = Number(values.seconds);
const port = 18_300;
const here = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const root = values.root ?? here;
const tc: Toolchain = {
  root,
  deno: `${here}/node_modules/.bin/deno`,
  bun: `${here}/node_modules/.bin/bun`,
  node: "node",
  cacheDir: await Deno.makeTempDir(),
};

/** Runs argv to completion (bounded) and returns its stdout and stderr. */
async function output(argv: string[]): Promise<string> {
  const r = await run(argv, { timeoutMs: 60_000 });
  return r.stdout + r.stderr;
}

function loadArgv(duration: number): string[] {
  const url = `${proto === "h2" ? "https" : "http"}://127.0.0.1:${port}${values.path}`;
  if (proto === "h1") {
    const threads = String(loadCpus.split(",").length);
    return ["taskset", "-c", loadCpus, "wrk", `-t${threads}`, `-c${conns}`, `-d${duration}s`, url];
  }
  return ["taskset", "-c", loadCpus, "h2load", `-c${conns}`, "-m10", `-D${duration}`, url];
}

function requestsOf(out: string): number {
  const wrk = /(\d+) requests in/.exec(out);
  if (wrk) return Number(wrk[1]);
  const h2 = /requests: \d+ total, \d+ started, (\d+) done/.exec(out);
  return h2 ? Number(h2[1]) : 0;
}

function countOf(out: string, event: string): number {
  const m = new RegExp(`([\\d,]+)\\s+${event}`).exec(out);
  return m ? Number(m[1]!.replaceAll(",", "")) : NaN;
}

/** Inserts runtime flags before the script: after `run` for Deno, after the binary otherwise. */
function withFlags(argv: string[], flags: string[]): string[] {
  if (!flags.length) return argv;
  const at = argv[1] === "run" ? 2 : 1;
  return [...argv.slice(0, at), ...flags, ...argv.slice(at)];
}

if (values.callgrind) {
  for (const name of values.servers.split(",")) {
    const bare = name === "h2serve-deno"
      ? [tc.deno, "run", "-A"]
      : name === "h2serve-bun"
      ? [tc.bun]
      : undefined;
    if (!bare) {
      throw new Error(`--callgrind counts h2serve-deno and h2serve-bun only, not ${name}`);
    }
    if (proto === "h2") throw new Error("--callgrind counts cleartext only (--proto h1 or h2c)");
    const runtime = withFlags([...bare, "script"], values.flags.split(" ").filter(Boolean));
    runtime.pop();
    const perRequest = await instructionsPerRequest({
      runtime,
      script: `${root}/bench/servers/counted.ts`,
      proto,
      requests: Number(values.requests),
      port,
      serverCpus: values["server-cpus"],
      loadCpus,
    });
    console.log(
      `${values.tag}${name.padEnd(14)} ${proto} callgrind  instr/req ${
        Math.round(perRequest / 100) / 10
      }k`,
    );
  }
  Deno.exit(0);
}

for (const name of values.servers.split(",")) {
  const peer = PEERS.find((p) => p.id === name);
  if (!peer) throw new Error(`unknown server ${name}`);
  const failed = await peer.prepare?.(tc);
  if (failed) throw new Error(failed);
  const argv = withFlags(peer.argv(tc), values.flags.split(" ").filter(Boolean));
  const extraEnv = Object.fromEntries(
    values.env.split(",").filter(Boolean).map((kv) => {
      const eq = kv.indexOf("=");
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
  );
  for (let r = 0; r < Number(values.runs); r++) {
    const server = spawnPinned(values["server-cpus"], argv, {
      ...extraEnv,
      BENCH_WORKERS: values.workers,
      BENCH_PORT: String(port),
      BENCH_PROTO: proto,
      BENCH_CERT: `${root}/tests/fixtures/localhost.crt`,
      BENCH_KEY: `${root}/tests/fixtures/localhost.key`,
    });
    try {
      await waitForPort(port, 20_000);
      await output(loadArgv(2)); // warm-up: JIT and buffers settle
      const load = output(loadArgv(seconds));
      await sleep(300);
      const perf = await output([
        "perf",
        "stat",
        "-e",
        "instructions,cycles,task-clock",
        "-p",
        String(server.pid),
        "--",
        "sleep",
        String(seconds - 1),
      ]);
      const loadOut = await load;
      const requests = requestsOf(loadOut) * (seconds - 1) / seconds;
      const instr = countOf(perf, "instructions");
      const cycles = countOf(perf, "cycles");
      // task-clock is a software event (ms of CPU, all threads): it works where
      // a virtual machine exposes no hardware counters, but moves with load.
      const cpuMs = Number(/([\d,.]+)\s+msec task-clock/.exec(perf)?.[1]?.replaceAll(",", ""));
      const hw = Number.isFinite(instr)
        ? `  instr/req ${Math.round(instr / requests / 100) / 10}k  cycles/req ${
          Math.round(cycles / requests / 100) / 10
        }k  IPC ${(instr / cycles).toFixed(2)}`
        : "";
      console.log(
        `${values.tag}${name.padEnd(14)} ${proto} ${values.path} w${values.workers}  req/s ${
          Math.round(requestsOf(loadOut) / seconds)
        }  cpu µs/req ${(cpuMs * 1000 / requests).toFixed(2)}${hw}`,
      );
    } finally {
      try {
        Deno.kill(-server.pid, "SIGKILL");
      } catch { /* gone */ }
      await server.exited;
      await sleep(300);
    }
  }
}
