/**
 * Memory per WebSocket connection, ours beside the runtimes' own servers
 * (issue #30). Runs on Deno or Bun; the client is Node with the `ws` package
 * (bench/lib/ws_mem_client.mjs), in its own process:
 *
 *     deno run -A bench/ws_memory.ts                       # idle, 1,000 conns, all servers
 *     bun bench/ws_memory.ts --servers h2serve-bun,bun --deflate on --conns 2000
 *     deno run -A bench/ws_memory.ts --mode echo           # 500 conns, 200-byte echo, peak RSS
 *     deno run -A bench/ws_memory.ts --memory low          # h2serve with compress: { memory }
 *
 * idle: the client opens --conns sockets, exchanges one --size-byte message on
 *   each, and the server's RSS (from /proc) and JS heap (after a forced GC,
 *   from the server's GET /mem) are read before and --hold seconds after;
 *   growth / connections is printed. With --idle-wait S a second reading
 *   follows S seconds later (what an idle period gives back).
 * echo: --echo-conns sockets each echo --echo-msgs messages of --size bytes,
 *   --rounds times, every socket closed between rounds; the server's peak
 *   RSS (VmHWM) above its starting RSS is printed, with the rounds' wall time
 *   (reopening included) and the server's CPU time over them (user + system,
 *   /proc/PID/stat: the client, its own process, does not count).
 *   With --sample the server samples its memory every 100 ms and the peaks
 *   of RSS, JS heap, external and array buffers (and on Bun the JSC heap,
 *   its extra memory and mimalloc's committed bytes) are printed too.
 *
 * Servers: h2serve-deno, h2serve-bun, bun (Bun.serve websocket,
 * perMessageDeflate per --deflate), deno (Deno.upgradeWebSocket, which never
 * negotiates permessage-deflate: the client's `negotiated` column says so).
 * Bounded: every step has a deadline; only 127.0.0.1.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { createInterface } from "node:readline";

const argv = process.argv.slice(2);
const arg = (k: string, d: string) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : d;
};
const root = new URL("..", import.meta.url).pathname;
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const servers = arg("servers", "h2serve-deno,h2serve-bun,bun,deno").split(",");
const deflates = arg("deflate", "on,off").split(",").map((s) => s === "on");
const mode = arg("mode", "idle");
const conns = Number(arg("conns", mode === "echo" ? "500" : "1000"));
const size = arg("size", "200");
const holdS = Number(arg("hold", "3"));
const idleWaitS = Number(arg("idle-wait", "0"));
const echoMsgs = Number(arg("echo-msgs", "50"));
const rounds = Number(arg("rounds", "8"));
const memoryMode = arg("memory", "");
const sample = argv.includes("--sample");
let port = Number(arg("port", "18930"));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function proc(pid: number): { rss: number; hwm: number; cpu: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const f = (n: string) => Number(new RegExp(`^${n}:\\s+(\\d+)`, "m").exec(s)?.[1]) * 1024;
  // utime + stime, in clock ticks (100 per second), after the command name's parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { rss: f("VmRSS"), hwm: f("VmHWM"), cpu: (Number(fields[11]) + Number(fields[12])) / 100 };
}

/** A child whose stdout lines can be awaited one by one, with a deadline. */
class Child {
  p: ChildProcess;
  #lines: string[] = [];
  #wait: (() => void) | null = null;
  err = "";
  constructor(cmd: string, args: string[], env: Record<string, string>) {
    this.p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    createInterface({ input: this.p.stdout! }).on("line", (l) => {
      this.#lines.push(l);
      this.#wait?.();
    });
    this.p.stderr!.on("data", (d) => (this.err = (this.err + d).slice(-4000)));
    this.p.on("exit", () => this.#wait?.());
  }
  async next(match: (l: string) => boolean, ms: number): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.#lines.findIndex(match);
      if (i >= 0) return this.#lines.splice(0, i + 1).pop()!;
      if (this.p.exitCode !== null || Date.now() > end) {
        throw new Error(`no answer (exit ${this.p.exitCode}): ${this.err.slice(-800)}`);
      }
      await Promise.race([new Promise<void>((r) => (this.#wait = r)), sleep(250)]);
    }
  }
  async event(name: string, ms = 120_000): Promise<Record<string, unknown>> {
    return JSON.parse(await this.next((l) => l.includes(`"event":"${name}"`), ms));
  }
  send(line: string) {
    this.p.stdin!.write(line + "\n");
  }
  kill() {
    if (this.p.exitCode === null) this.p.kill("SIGKILL");
  }
}

function startServer(id: string, deflate: boolean, p: number): Child {
  const env: Record<string, string> = {
    WSM_PORT: String(p),
    WSM_IMPL: id.startsWith("h2serve") ? "h2serve" : "native",
    WSM_DEFLATE: deflate ? "1" : "0",
  };
  if (memoryMode && id.startsWith("h2serve")) env.WSM_MEMORY = memoryMode;
  if (sample) env.WSM_SAMPLE = "1";
  const script = `${root}bench/servers/ws_memory.ts`;
  const onDeno = id === "deno" || id === "h2serve-deno";
  const [cmd, args] = onDeno
    ? [bin("deno"), ["run", "-A", "--v8-flags=--expose-gc", script]]
    : [bin("bun"), [script]];
  return new Child("taskset", ["-c", "0", cmd, ...args], env);
}

async function heap(p: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${p}/mem`);
  return ((await r.json()) as { heapUsed: number }).heapUsed;
}

const KiB = (b: number) => (b / 1024).toFixed(1);

async function one(id: string, deflate: boolean): Promise<string> {
  const p = port++;
  const server = startServer(id, deflate, p);
  let client: Child | undefined;
  try {
    await server.next((l) => l.startsWith("READY"), 30_000);
    const pid = server.p.pid!;
    await heap(p);
    await sleep(300);
    const heap0 = await heap(p);
    const base = proc(pid);
    client = new Child("taskset", [
      "-c",
      "1",
      "node",
      `${root}bench/lib/ws_mem_client.mjs`,
      "--port",
      String(p),
      "--count",
      String(conns),
      "--deflate",
      deflate ? "1" : "0",
      "--size",
      size,
    ], {});
    const ready = await client.event("ready");
    const n = Number(ready.open);
    const label = `${id.padEnd(13)} deflate=${deflate ? "on " : "off"} ` +
      `negotiated=${String(ready.negotiated).padEnd(44)} n=${n}${
        ready.failed ? ` failed=${ready.failed} (${ready.firstError})` : ""
      }`;
    if (mode === "echo") {
      let echoed = 0;
      const t0 = performance.now();
      const cpu0 = proc(pid).cpu;
      for (let r = 0; r < rounds; r++) {
        if (r > 0) {
          client.send("reopen");
          await client.event("ready");
        }
        client.send(`echo ${echoMsgs}`);
        echoed += Number((await client.event("echoed", 300_000)).echoed);
        client.send("close");
        await client.event("closed");
      }
      const end = proc(pid);
      const peak = end.hwm - base.rss;
      const secs = (performance.now() - t0) / 1000;
      const line = `${label} echoed=${echoed} in ${secs.toFixed(1)} s (server CPU ${
        (end.cpu - cpu0).toFixed(1)
      } s), peak RSS +${(peak / 2 ** 20).toFixed(1)} MiB`;
      if (!sample) return line;
      const peaks = await (await fetch(`http://127.0.0.1:${p}/peak`)).json();
      return `${line}\n  peaks (MiB): ${JSON.stringify(peaks)}`;
    }
    await sleep(holdS * 1000);
    const heap1 = await heap(p);
    const after = proc(pid);
    let line = `${label} RSS ${KiB((after.rss - base.rss) / n)} KiB/conn, heap ${
      KiB((heap1 - heap0) / n)
    } KiB/conn`;
    if (idleWaitS > 0) {
      await sleep(idleWaitS * 1000);
      const heap2 = await heap(p);
      const later = proc(pid);
      line += ` | after ${idleWaitS}s idle: RSS ${KiB((later.rss - base.rss) / n)}, heap ${
        KiB((heap2 - heap0) / n)
      }`;
    }
    client.send("ping");
    const pong = await client.event("pong");
    return `${line} (pongs ${pong.answered}/${pong.open})`;
  } finally {
    client?.send("quit");
    await sleep(200);
    client?.kill();
    server.kill();
  }
}

console.log(
  `# ws_memory mode=${mode} conns=${conns} size=${size}${
    memoryMode ? ` memory=${memoryMode}` : ""
  } on ${"Deno" in globalThis ? "deno" : "bun"} driver, ${new Date().toISOString()}`,
);
for (const id of servers) {
  for (const d of deflates) {
    try {
      console.log(await one(id, d));
    } catch (e) {
      console.log(`${id} deflate=${d}: ERROR ${(e as Error).message}`);
    }
  }
}
process.exit(0);
