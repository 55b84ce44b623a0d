/**
 * The scenarios and how one run of each is measured against a running server.
 * Every function here throws on failure; run.ts turns that into an "error"
 * cell and carries on.
 *
 * @module
 */
import {
  CURL_WRITE_OUT,
  type LoadOutput,
  logPercentiles,
  parseCurl,
  parseH2load,
  parseWrk,
} from "./parse.ts";
import { cpuTicks, memory, run, sleep, spawnPinned } from "./proc.ts";
import type { Better, Proto, RunSample } from "./types.ts";
import { killGroup } from "./proc.ts";

/** Settings a measurement needs, fixed for the whole harness run. */
export interface Ctx {
  root: string;
  deno: string;
  /** Runs the WebSocket load client (its built-in client is native). */
  bun: string;
  tmpDir: string;
  loadCpu: number;
  clkTck: number;
  durationS: number;
  warmS: number;
  idleConns: number;
  sseStreams: number;
  sseWindowS: number;
  downloadMiB: number;
  /** WebSocket connections of the `ws` scenario. */
  wsConns: number;
  /** Skip h2load's per-request log (no p50/p99 for h2, slightly less load-tool CPU). */
  noH2Log: boolean;
}

/** A server being measured. */
export interface Target {
  pid: number;
  port: number;
  proto: Proto;
}

/** A scenario: what is measured, in which unit, on which protocols. */
export interface Scenario {
  id: string;
  title: string;
  protos: readonly Proto[];
  unit: string;
  better: Better;
  cpuUnit: string;
  /** Start a fresh server for every run (memory and CPU baselines must be clean). */
  freshServerPerRun: boolean;
  /** Peers that cannot take part, by id, with the reason shown as "n/a". */
  unsupportedBy?: Record<string, string>;
  /** The scenario brings its own client: it needs neither wrk nor h2load. */
  ownClient?: boolean;
  /** Extra environment for the servers of this scenario (e.g. BENCH_COMPRESSION). */
  serverEnv?: Record<string, string>;
  /** Optional warm-up before the measured runs (JIT, pools). */
  warm?(ctx: Ctx, t: Target): Promise<void>;
  measure(ctx: Ctx, t: Target): Promise<RunSample>;
}

/** The base URL of a target. */
export function urlOf(t: Target, path: string): string {
  return `${t.proto === "h2" ? "https" : "http"}://127.0.0.1:${t.port}${path}`;
}

/** Options of one load-tool invocation. */
interface Load {
  path: string;
  /** wrk connections (h1) and h2load clients (h2). */
  conns: number;
  /** h2load max concurrent streams per connection. */
  streams: number;
  /** A request body file to POST. */
  bodyFile?: string;
  /** Request header lines ("name: value") for the load tool. */
  headers?: string[];
}

async function loadOnce(
  ctx: Ctx,
  t: Target,
  l: Load,
  seconds: number,
  log: boolean,
  /** h2load only: send this many requests instead of running for `seconds`. */
  requests?: number,
): Promise<LoadOutput> {
  // A warm-up by request count runs as long as the server needs: 10,000 TLS
  // responses of 100 KB JSON take Node over 20 s, which timed the cell out.
  const timeoutMs = (requests ? Math.max(seconds + 20, 120) : seconds + 20) * 1000;
  if (t.proto === "h1") {
    // wrk takes whole seconds only.
    const secs = Math.max(1, Math.round(seconds));
    const argv = ["wrk", "-t1", `-c${l.conns}`, `-d${secs}s`, "--latency", "--timeout", "10s"];
    if (l.bodyFile) argv.push("-s", await postScript(ctx, l.bodyFile));
    for (const h of l.headers ?? []) argv.push("-H", h);
    argv.push(urlOf(t, l.path));
    const r = await run(argv, { cpu: ctx.loadCpu, timeoutMs });
    if (r.timedOut) throw new Error("wrk timed out");
    return parseWrk(r.stdout + r.stderr);
  }
  const logFile = `${ctx.tmpDir}/h2load.log`;
  // h2load durations are integers with a unit.
  const argv = ["h2load", "-t1", `-c${l.conns}`, `-m${l.streams}`];
  argv.push(...(requests ? ["-n", String(requests)] : ["-D", `${Math.round(seconds * 1000)}ms`]));
  if (log) argv.push(`--log-file=${logFile}`);
  if (l.bodyFile) argv.push("-d", l.bodyFile);
  for (const h of l.headers ?? []) argv.push("-H", h);
  argv.push(urlOf(t, l.path));
  const r = await run(argv, { cpu: ctx.loadCpu, timeoutMs });
  if (r.timedOut) throw new Error("h2load timed out");
  const out = parseH2load(r.stdout + r.stderr);
  if (log) {
    Object.assign(out, logPercentiles(await Deno.readTextFile(logFile).catch(() => "")));
    await Deno.remove(logFile).catch(() => {});
  }
  return out;
}

// wrk needs a Lua script to POST a body; the body is built in Lua, not read.
async function postScript(ctx: Ctx, bodyFile: string): Promise<string> {
  const size = (await Deno.stat(bodyFile)).size;
  const path = `${ctx.tmpDir}/post_${size}.lua`;
  await Deno.writeTextFile(
    path,
    `wrk.method = "POST"\nwrk.body = string.rep("a", ${size})\n` +
      `wrk.headers["Content-Type"] = "application/octet-stream"\n`,
  );
  return path;
}

/** Ensures a body file of `bytes` exists in tmpDir. */
async function bodyFile(ctx: Ctx, bytes: number): Promise<string> {
  const path = `${ctx.tmpDir}/body_${bytes}.bin`;
  try {
    if ((await Deno.stat(path)).size === bytes) return path;
  } catch { /* create it */ }
  await Deno.writeFile(path, new Uint8Array(bytes).fill(0x61));
  return path;
}

function ticksOrThrow(pid: number): number {
  const t = cpuTicks(pid);
  if (t === null) throw new Error("server process is gone");
  return t;
}

function loadScenario(
  id: string,
  title: string,
  protos: readonly Proto[],
  load: (ctx: Ctx, t: Target) => Promise<Load>,
): Scenario {
  /** Each server's last h2load rate (warm-up, then each step): h2load steps run by request count. */
  const lastRate = new WeakMap<Target, number>();
  return {
    id,
    title,
    protos,
    unit: "req/s",
    better: "higher",
    cpuUnit: "CPU s/10k req",
    freshServerPerRun: false,
    async warm(ctx, t) {
      const l = await load(ctx, t);
      // h2load warms by request count: with -D, a cold server whose TLS
      // handshakes outlast the window has been seen to leave h2load hanging.
      const base = l.conns * l.streams * 20;
      const out = await loadOnce(ctx, t, l, ctx.warmS, false, base);
      if (t.proto === "h1" || !(out.reqPerSec > 0)) return;
      // That step is mostly a cold start (a fast server answers it in a tenth of a second), and
      // the measured steps' counts come from the rate: warm on for about warmS at that rate.
      const again = await loadOnce(
        ctx,
        t,
        l,
        ctx.warmS,
        false,
        Math.max(base, Math.round(out.reqPerSec * ctx.warmS)),
      );
      lastRate.set(t, again.reqPerSec > 0 ? again.reqPerSec : out.reqPerSec);
    },
    async measure(ctx, t) {
      const l = await load(ctx, t);
      // h2load's -D mode can hang at its end over TLS with many streams in flight to a slow
      // server (Node's h2 Response.json row: node:http2 and ours alike), while a count always
      // ends with its last response. So h2load steps run by count: the last rate seen (the
      // warm-up's, then the previous step's) times the step's duration.
      const rate = lastRate.get(t); // set by warm() for h2load rows only
      const count = rate === undefined
        ? undefined
        : Math.max(l.conns * l.streams * 4, Math.round(rate * ctx.durationS));
      const before = ticksOrThrow(t.pid);
      const out = await loadOnce(ctx, t, l, ctx.durationS, !ctx.noH2Log, count);
      const cpuSeconds = (ticksOrThrow(t.pid) - before) / ctx.clkTck;
      if (out.errors) throw new Error(`load tool saw errors: ${out.errorText}`);
      if (!out.requests) throw new Error("no request completed");
      if (rate !== undefined && out.reqPerSec > 0) lastRate.set(t, out.reqPerSec);
      return {
        value: out.reqPerSec,
        p50Ms: out.p50Ms,
        p99Ms: out.p99Ms,
        requests: out.requests,
        cpuSeconds,
        cpuMetric: (cpuSeconds / out.requests) * 10_000,
      };
    },
  };
}

const ALL: readonly Proto[] = ["h1", "h2c", "h2"];

/** Connections that fetch the 100 KB JSON beside the hello clients, and each one's rate. */
const BUSY_CONNS = 4;
const BUSY_RPS = 75;
/** Hello connections measured beside them, and each one's rate. */
const BUSY_HELLO_CONNS = 10;
const BUSY_HELLO_RPS = 100;

/** h2load over HTTP/1.1 at a fixed rate per connection (wrk has no rate). */
async function paced(
  ctx: Ctx,
  t: Target,
  path: string,
  conns: number,
  rps: number,
  seconds: number,
  headers: string[],
  logFile?: string,
): Promise<LoadOutput> {
  const argv = ["h2load", "--h1", "-t1", `-c${conns}`, "-m1", `--rps=${rps}`];
  argv.push("-D", `${seconds}s`);
  if (logFile) argv.push(`--log-file=${logFile}`);
  for (const h of headers) argv.push("-H", h);
  argv.push(urlOf(t, path));
  const r = await run(argv, { cpu: ctx.loadCpu, timeoutMs: (seconds + 20) * 1000 });
  if (r.timedOut) throw new Error("h2load timed out");
  const out = parseH2load(r.stdout + r.stderr, "http/1.1");
  if (logFile) {
    Object.assign(out, logPercentiles(await Deno.readTextFile(logFile).catch(() => "")));
    await Deno.remove(logFile).catch(() => {});
  }
  return out;
}

/**
 * Scenarios busy-gzip and busy-identity (h1): the latency of hello while
 * other connections fetch the 100 KB JSON, gzip-compressed (Accept-Encoding:
 * gzip) or as it is (no Accept-Encoding). The server runs with compression on
 * in both, so the two rows differ only in whether the background responses
 * are compressed. Both loads are paced (h2load --rps), so that neither
 * saturates the server core: what hello's p99 shows is how long a request
 * waits behind the background's work on the loop, not the kernel's share of a
 * saturated core. The primary metric is hello's p99 in ms (h2load's
 * per-request log); the note gives hello's and the background's rates.
 */
function busyScenario(id: string, title: string, headers: string[]): Scenario {
  return {
    id,
    title,
    protos: ["h1"],
    unit: "hello p99 ms",
    better: "lower",
    cpuUnit: "CPU s/10k req",
    freshServerPerRun: false,
    serverEnv: { BENCH_COMPRESSION: "1" },
    async warm(ctx, t) {
      await paced(ctx, t, "/json", BUSY_CONNS, BUSY_RPS, 1, headers);
    },
    async measure(ctx, t) {
      const secs = Math.max(1, Math.round(ctx.durationS));
      const before = ticksOrThrow(t.pid);
      // The background starts a second early and ends a second late: hello runs beside it throughout.
      const bg = paced(ctx, t, "/json", BUSY_CONNS, BUSY_RPS, secs + 2, headers);
      await sleep(1000);
      const hello = await paced(
        ctx,
        t,
        "/",
        BUSY_HELLO_CONNS,
        BUSY_HELLO_RPS,
        secs,
        [],
        `${ctx.tmpDir}/busy_hello.log`,
      );
      const busy = await bg;
      const cpuSeconds = (ticksOrThrow(t.pid) - before) / ctx.clkTck;
      if (hello.errors || busy.errors) {
        throw new Error(`load tool saw errors: ${hello.errorText || busy.errorText}`);
      }
      if (!hello.requests || !busy.requests || hello.p99Ms === undefined) {
        throw new Error("no request completed");
      }
      return {
        value: hello.p99Ms,
        p50Ms: hello.p50Ms,
        p99Ms: hello.p99Ms,
        requests: hello.requests + busy.requests,
        cpuSeconds,
        cpuMetric: (cpuSeconds / (hello.requests + busy.requests)) * 10_000,
        note: `hello ${Math.round(hello.reqPerSec)} req/s beside ${
          Math.round(busy.reqPerSec)
        } JSON/s`,
      };
    },
  };
}

/** Scenario 4: one large download with curl. */
const download: Scenario = {
  id: "download",
  title: "Single large download",
  protos: ALL,
  unit: "MB/s",
  better: "higher",
  cpuUnit: "CPU s/GiB",
  freshServerPerRun: false,
  async warm(ctx, t) {
    await curlDownload(ctx, t, Math.min(4, ctx.downloadMiB));
  },
  async measure(ctx, t) {
    const before = ticksOrThrow(t.pid);
    const c = await curlDownload(ctx, t, ctx.downloadMiB);
    const cpuSeconds = (ticksOrThrow(t.pid) - before) / ctx.clkTck;
    return {
      value: c.bytesPerSec / 1e6,
      requests: 1,
      cpuSeconds,
      cpuMetric: cpuSeconds / (c.bytes / 2 ** 30),
      note: c.partial
        ? `stopped after ${c.totalS.toFixed(0)} s with ${(c.bytes / 2 ** 20).toFixed(0)} MiB`
        : `${c.totalS.toFixed(2)} s`,
      last: c.partial,
    };
  },
};

/** curl flags that select a protocol. */
export function curlProtoFlags(proto: Proto): string[] {
  return proto === "h1"
    ? ["--http1.1"]
    : proto === "h2c"
    ? ["--http2-prior-knowledge"]
    : ["-k", "--http2"];
}

/**
 * Downloads `mib` MiB with curl. A server slower than ~10 MB/s is cut off
 * after maxTime; its speed so far is still reported, marked partial.
 */
async function curlDownload(ctx: Ctx, t: Target, mib: number) {
  const maxTime = Math.max(20, Math.ceil(mib / 10));
  const argv = [
    "curl",
    "-sS",
    ...curlProtoFlags(t.proto),
    "-o",
    "/dev/null",
    "--max-time",
    String(maxTime),
    "-w",
    CURL_WRITE_OUT,
    urlOf(t, `/download?mib=${mib}`),
  ];
  const r = await run(argv, { cpu: ctx.loadCpu, timeoutMs: (maxTime + 10) * 1000 });
  const c = parseCurl(r.stdout);
  const partial = r.code === 28 && c.status === 200 && c.bytes > 0; // 28: --max-time hit
  if (r.code !== 0 && !partial) {
    throw new Error(`curl failed (${r.code}): ${r.stderr.trim().slice(0, 200)}`);
  }
  if (c.status !== 200) throw new Error(`status ${c.status}`);
  if (!partial && c.bytes !== mib * 2 ** 20) {
    throw new Error(`got ${c.bytes} bytes, wanted ${mib * 2 ** 20}`);
  }
  return { ...c, partial };
}

/** Reads the connection client's next JSON line, or throws after `ms`. */
async function nextEvent(
  lines: AsyncIterator<string>,
  ms: number,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + ms;
  while (true) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error("connection client timed out");
    const r = await Promise.race([lines.next(), sleep(left).then(() => null)]);
    if (r === null) throw new Error("connection client timed out");
    if (r.done) throw new Error("connection client exited early");
    try {
      return JSON.parse(r.value);
    } catch { /* not ours; keep reading */ }
  }
}

function startClient(ctx: Ctx, t: Target, mode: "idle" | "sse", count: number, holdS: number) {
  if (t.proto === "h2") throw new Error("not measured over TLS");
  return spawnPinned(ctx.loadCpu, [
    ctx.deno,
    "run",
    "-A",
    `${ctx.root}/bench/lib/conn_client.ts`,
    "--mode",
    mode,
    "--proto",
    t.proto,
    "--port",
    String(t.port),
    "--count",
    String(count),
    "--hold",
    String(holdS),
  ]);
}

/** Scenario 5: RSS per idle keep-alive connection. */
const idle: Scenario = {
  id: "idle",
  title: "Idle keep-alive connections",
  protos: ["h1", "h2c"],
  unit: "KiB/conn",
  better: "lower",
  cpuUnit: "CPU s/10k conns",
  freshServerPerRun: true,
  async measure(ctx, t) {
    await sleep(300);
    const before = memory(t.pid);
    if (!before) throw new Error("server process is gone");
    const ticks0 = ticksOrThrow(t.pid);
    // Hold 1.5 s: RSS is sampled 1 s after the last connection is up.
    const client = startClient(ctx, t, "idle", ctx.idleConns, 1.5);
    try {
      const ready = await nextEvent(client.lines, 120_000);
      const cpuSeconds = (ticksOrThrow(t.pid) - ticks0) / ctx.clkTck;
      const conns = Number(ready.connections);
      if (conns < ctx.idleConns * 0.95) {
        throw new Error(
          `only ${conns}/${ctx.idleConns} connections (${ready.failed} failed: ${ready.firstError})`,
        );
      }
      await sleep(1000);
      const after = memory(t.pid);
      if (!after) throw new Error("server process is gone");
      const done = await nextEvent(client.lines, 30_000);
      const lost = Number(done.closedDuringHold);
      return {
        value: (after.rssKiB - before.rssKiB) / conns,
        cpuSeconds,
        cpuMetric: (cpuSeconds / conns) * 10_000,
        note: `RSS ${(before.rssKiB / 1024).toFixed(0)}→${(after.rssKiB / 1024).toFixed(0)} MiB` +
          (lost ? `, ${lost} closed by server` : ""),
      };
    } finally {
      await killGroup(client, 1000);
    }
  },
};

/** Scenario 6: server CPU % while SSE streams each get an event every 100 ms. */
const sse: Scenario = {
  id: "sse",
  title: "SSE streams, an event every 100 ms",
  protos: ["h1", "h2c"],
  unit: "CPU %",
  better: "lower",
  cpuUnit: "CPU s/1M events",
  // CPU over a window needs no fresh process; each run brings its own client.
  freshServerPerRun: false,
  async measure(ctx, t) {
    const holdS = ctx.sseWindowS + 2;
    const client = startClient(ctx, t, "sse", ctx.sseStreams, holdS);
    try {
      const ready = await nextEvent(client.lines, 60_000);
      if (Number(ready.established) < ctx.sseStreams) {
        throw new Error(
          `only ${ready.established}/${ctx.sseStreams} streams (${ready.failed} failed: ${ready.firstError})`,
        );
      }
      await sleep(1000);
      const ticks0 = ticksOrThrow(t.pid);
      const t0 = performance.now();
      await sleep(ctx.sseWindowS * 1000);
      const cpuSeconds = (ticksOrThrow(t.pid) - ticks0) / ctx.clkTck;
      const windowS = (performance.now() - t0) / 1000;
      const done = await nextEvent(client.lines, (holdS + 30) * 1000);
      const rate = Number(done.events) / ctx.sseStreams / (Number(done.holdMs) / 1000);
      const events = ctx.sseStreams * 10 * windowS;
      if (rate < 5) throw new Error(`clients got only ${rate.toFixed(1)} events/s per stream`);
      return {
        value: (cpuSeconds / windowS) * 100,
        cpuSeconds,
        cpuMetric: (cpuSeconds / events) * 1e6,
        note: `${rate.toFixed(1)} events/s/stream`,
      };
    } finally {
      await killGroup(client, 1000);
    }
  },
};

/** Payload of each `ws` message, bytes. */
export const WS_MESSAGE_BYTES = 32;

/**
 * Scenario 7: WebSocket echo. `wsConns` connections each play ping-pong with
 * a 32-byte binary message (send, wait for the echo, send again); the metric
 * is echoed messages per second over the window, with the server's CPU per
 * 100k messages. Node has no WebSocket server of its own: n/a.
 */
const ws: Scenario = {
  id: "ws",
  title: `WebSocket echo, ${WS_MESSAGE_BYTES}-byte messages, ping-pong per connection`,
  protos: ["h1"],
  unit: "msg/s",
  better: "higher",
  cpuUnit: "CPU s/100k msg",
  freshServerPerRun: false,
  ownClient: true,
  unsupportedBy: { node: "Node has no WebSocket server (node:http only hands over the socket)" },
  async measure(ctx, t) {
    const client = spawnPinned(ctx.loadCpu, [
      ctx.bun,
      `${ctx.root}/bench/lib/ws_client.ts`,
      "--port",
      String(t.port),
      "--conns",
      String(ctx.wsConns),
      "--size",
      String(WS_MESSAGE_BYTES),
      "--warm",
      String(ctx.warmS),
      "--seconds",
      String(ctx.durationS),
    ]);
    try {
      const ready = await nextEvent(client.lines, 60_000);
      if (Number(ready.connections) < ctx.wsConns) {
        throw new Error(
          `only ${ready.connections}/${ctx.wsConns} WebSockets (${ready.failed} failed: ${ready.firstError})`,
        );
      }
      if (ready.extensions) throw new Error(`unexpected extension ${ready.extensions}`);
      await nextEvent(client.lines, (ctx.warmS + 30) * 1000); // "start"
      const ticks0 = ticksOrThrow(t.pid);
      const done = await nextEvent(client.lines, (ctx.durationS + 30) * 1000);
      const cpuSeconds = (ticksOrThrow(t.pid) - ticks0) / ctx.clkTck;
      const messages = Number(done.messages);
      if (Number(done.errors)) throw new Error(`client saw errors: ${done.firstError}`);
      if (!messages) throw new Error("no message echoed");
      return {
        value: messages / (Number(done.elapsedMs) / 1000),
        p50Ms: Number(done.p50Ms),
        p99Ms: Number(done.p99Ms),
        requests: messages,
        cpuSeconds,
        cpuMetric: (cpuSeconds / messages) * 100_000,
        note: `${done.connections} connections`,
      };
    } finally {
      await killGroup(client, 1000);
    }
  },
};

/**
 * Scenario 8: topic fan-out. `wsConns` subscribers on one topic and one
 * publisher whose every 32-byte message the server hands to its
 * `server.publish` (h2serve's and Bun.serve's; Deno.serve and Node have no
 * topics: n/a), 16 messages in flight. The metric is messages delivered to
 * subscribers per second; p50/p99 are the fan-out time of one message.
 */
const publish: Scenario = {
  id: "publish",
  title: `WebSocket publish, 1 publisher → N subscribers, ${WS_MESSAGE_BYTES}-byte messages`,
  protos: ["h1"],
  unit: "msg/s",
  better: "higher",
  cpuUnit: "CPU s/100k msg",
  freshServerPerRun: false,
  ownClient: true,
  unsupportedBy: {
    deno: "Deno.upgradeWebSocket has no topics (no publish)",
    node: "Node has no WebSocket server (node:http only hands over the socket)",
  },
  async measure(ctx, t) {
    const client = spawnPinned(ctx.loadCpu, [
      ctx.bun,
      `${ctx.root}/bench/lib/ws_pub_client.ts`,
      "--port",
      String(t.port),
      "--conns",
      String(ctx.wsConns),
      "--size",
      String(WS_MESSAGE_BYTES),
      "--window",
      "16",
      "--warm",
      String(ctx.warmS),
      "--seconds",
      String(ctx.durationS),
    ]);
    try {
      const ready = await nextEvent(client.lines, 60_000);
      if (Number(ready.connections) < ctx.wsConns) {
        throw new Error(
          `only ${ready.connections}/${ctx.wsConns} WebSockets (${ready.failed} failed: ${ready.firstError})`,
        );
      }
      await nextEvent(client.lines, (ctx.warmS + 30) * 1000); // "start"
      const ticks0 = ticksOrThrow(t.pid);
      const done = await nextEvent(client.lines, (ctx.durationS + 30) * 1000);
      const cpuSeconds = (ticksOrThrow(t.pid) - ticks0) / ctx.clkTck;
      const messages = Number(done.messages);
      if (Number(done.errors)) throw new Error(`client saw errors: ${done.firstError}`);
      if (!messages) throw new Error("no message delivered");
      const secs = Number(done.elapsedMs) / 1000;
      return {
        value: messages / secs,
        p50Ms: Number(done.p50Ms),
        p99Ms: Number(done.p99Ms),
        requests: messages,
        cpuSeconds,
        cpuMetric: (cpuSeconds / messages) * 100_000,
        note: `${done.connections} subscribers, ${
          Math.round(Number(done.published) / secs)
        } publishes/s`,
      };
    } finally {
      await killGroup(client, 1000);
    }
  },
};

/** Every scenario, in report order. */
export function scenarios(): Scenario[] {
  return [
    loadScenario(
      "hello",
      "Hello world, keep-alive",
      ALL,
      () => Promise.resolve({ path: "/", conns: 50, streams: 10 }),
    ),
    loadScenario(
      "64k",
      "64 KiB response",
      ALL,
      () => Promise.resolve({ path: "/64k", conns: 50, streams: 10 }),
    ),
    loadScenario("upload", "1 MiB upload, echoed", ALL, async (ctx) => ({
      path: "/echo",
      conns: 8,
      streams: 1,
      bodyFile: await bodyFile(ctx, 1 << 20),
    })),
    loadScenario(
      "json",
      "100 KB JSON, no Accept-Encoding",
      ALL,
      () => Promise.resolve({ path: "/json", conns: 50, streams: 10 }),
    ),
    {
      ...loadScenario(
        "json-gzip",
        "100 KB JSON, gzip (h2serve: compression on)",
        ALL,
        () =>
          Promise.resolve({
            path: "/json",
            conns: 50,
            streams: 10,
            headers: ["Accept-Encoding: gzip"],
          }),
      ),
      serverEnv: { BENCH_COMPRESSION: "1" },
    },
    loadScenario(
      "json-obj",
      "100 KB JSON from Response.json(obj), stringified per request",
      ALL,
      () => Promise.resolve({ path: "/json-obj", conns: 50, streams: 10 }),
    ),
    busyScenario(
      "busy-gzip",
      `Hello p99 (${BUSY_HELLO_CONNS * BUSY_HELLO_RPS}/s) beside ${
        BUSY_CONNS * BUSY_RPS
      } 100 KB JSON/s, gzip`,
      ["Accept-Encoding: gzip"],
    ),
    busyScenario(
      "busy-identity",
      `Hello p99 (${BUSY_HELLO_CONNS * BUSY_HELLO_RPS}/s) beside ${
        BUSY_CONNS * BUSY_RPS
      } 100 KB JSON/s, identity`,
      [],
    ),
    download,
    idle,
    sse,
    ws,
    publish,
    loadScenario(
      "streams",
      "h2, 100 streams per connection",
      ["h2c", "h2"],
      () => Promise.resolve({ path: "/", conns: 4, streams: 100 }),
    ),
  ];
}
