/**
 * Scale check (issue #30), not part of the default test run: 10,000 idle
 * WebSockets with permessage-deflate on one h2serve server in this process,
 * each exchanging one compressed 200-byte message; after --hold seconds
 * (default 60) every socket must still be open and answer a ping. The
 * client is Node with `ws` in its own process (bench/lib/ws_mem_client.mjs).
 *
 *     deno run -A tests/scale/ws_idle_10k.ts [--count 10000] [--hold 60] [--memory balanced]
 *     bun tests/scale/ws_idle_10k.ts
 *
 * Needs count + 256 open files in this process (and in the client's): the
 * soft limit is raised up to the hard limit by re-running under
 * `ulimit -n`; when the hard limit is too low it prints SKIP and the reason.
 * Bounded: the whole run has a deadline of hold + 240 s. Exits 1 on failure.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { createInterface } from "node:readline";
import { serve, upgradeWebSocket } from "../../mod.ts";

const argv = process.argv.slice(2);
const arg = (k: string, d: string) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : d;
};
const count = Number(arg("count", "10000"));
const holdS = Number(arg("hold", "60"));
const memory = arg("memory", "balanced") as "low" | "balanced" | "ratio";
const need = count + 256;
const root = new URL("../..", import.meta.url).pathname;

function fileLimits(): { soft: number; hard: number } {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n")
    .find((l) => l.startsWith("Max open files"))!;
  const [soft, hard] = line.replace("Max open files", "").trim().split(/\s+/);
  const n = (s: string | undefined) => s === "unlimited" ? Infinity : Number(s);
  return { soft: n(soft), hard: n(hard) };
}

const limits = fileLimits();
if (limits.soft < need) {
  if (limits.hard < need || process.env.H2SERVE_SCALE_REEXEC === "1") {
    console.log(
      `SKIP: ${count} sockets need ${need} open files; this process may have ${limits.hard} ` +
        `(hard limit; raise it with ulimit -Hn as root, or pass --count)`,
    );
    process.exit(0);
  }
  // A process cannot raise its own soft limit from JavaScript here: run again under ulimit.
  const r = spawnSync("sh", [
    "-c",
    `ulimit -n ${need} && exec "$@"`,
    "sh",
    process.execPath,
    ...process.execArgv,
    ...("Deno" in globalThis ? ["run", "-A"] : []),
    new URL(import.meta.url).pathname,
    ...argv,
  ], { stdio: "inherit", env: { ...process.env, H2SERVE_SCALE_REEXEC: "1" } });
  process.exit(r.status ?? 1);
}

const deadline = setTimeout(() => {
  console.log(`FAIL: not done within ${holdS + 240} s`);
  process.exit(1);
}, (holdS + 240) * 1000);

const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
const server = serve({
  port: 0,
  hostname: "127.0.0.1",
  http1: { keepAliveTimeout: (holdS + 240) * 1000 },
}, (req) => {
  const { socket, response } = upgradeWebSocket(req, { compress: { memory } });
  socket.onmessage = (e) => socket.send(e.data);
  return response;
});
const rss0 = rssMiB();
const runtime = "Deno" in globalThis ? "deno" : "bun";

const client = spawn("sh", [
  "-c",
  `ulimit -n ${need} 2>/dev/null; exec node "$@"`,
  "sh",
  `${root}bench/lib/ws_mem_client.mjs`,
  "--port",
  String((server.addr as { port: number }).port),
  "--count",
  String(count),
  "--deflate",
  "1",
  "--lean",
  "1",
  "--size",
  "200",
], { stdio: ["pipe", "pipe", "inherit"] });
const lines = createInterface({ input: client.stdout! })[Symbol.asyncIterator]();
async function event(name: string): Promise<Record<string, unknown>> {
  for (;;) {
    const r = await lines.next();
    if (r.done) throw new Error(`client exited before "${name}"`);
    if (r.value.includes(`"event":"${name}"`)) return JSON.parse(r.value);
  }
}

let ok = false;
try {
  const ready = await event("ready");
  const rss1 = rssMiB();
  console.log(
    `${runtime}: ${ready.open}/${count} open (${ready.failed} failed${
      ready.firstError ? `: ${ready.firstError}` : ""
    }), extension "${ready.negotiated}", memory "${memory}"; RSS ${rss0.toFixed(0)} → ${
      rss1.toFixed(0)
    } MiB, ${((rss1 - rss0) * 1024 / Number(ready.open)).toFixed(1)} KiB/socket`,
  );
  await new Promise((r) => setTimeout(r, holdS * 1000));
  client.stdin!.write("ping\n");
  const pong = await event("pong");
  const rss2 = rssMiB();
  console.log(
    `after ${holdS} s: ${pong.open} open, ${pong.answered} answered a ping; RSS ${
      rss2.toFixed(0)
    } MiB, ${((rss2 - rss0) * 1024 / Number(ready.open)).toFixed(1)} KiB/socket`,
  );
  ok = ready.open === count && pong.open === count && pong.answered === count;
} catch (e) {
  console.log(`FAIL: ${(e as Error).message}`);
} finally {
  client.stdin!.write("quit\n");
  clearTimeout(deadline);
  setTimeout(() => client.kill("SIGKILL"), 2000).unref?.();
  await server.shutdown();
}
console.log(ok ? "PASS" : "FAIL");
process.exit(ok ? 0 : 1);
