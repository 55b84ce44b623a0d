/**
 * Side-by-side benchmark: h2serve on Deno and on Bun against Deno.serve,
 * Bun.serve and Node's http/http2, each server pinned to one CPU and the load
 * generator (wrk, h2load, curl, or conn_client.ts) to another.
 *
 *     deno task bench                      # everything, ~15-20 min
 *     deno task bench --quick              # 1 run, short steps
 *     deno task bench --only hello,64k --proto h1 --servers h2serve-deno,deno
 *
 * Writes bench/results/<out>.{md,json,svg} (out: "latest", or "quick" with
 * --quick). See bench/README.md.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { loadAvg, machineInfo } from "./lib/machine.ts";
import { median, spreadPct } from "./lib/parse.ts";
import { notServed, type Peer, PEERS, RATIO_PAIRS, type Toolchain } from "./lib/peers.ts";
import {
  clockTicks,
  freePort,
  have,
  killAllStarted,
  killGroup,
  memory,
  run,
  type Spawned,
  spawnPinned,
  waitForPort,
} from "./lib/proc.ts";
import { markdown, svg } from "./lib/report.ts";
import {
  type Ctx,
  curlProtoFlags,
  type Scenario,
  scenarios,
  type Target,
  urlOf,
} from "./lib/scenarios.ts";
import {
  type BenchReport,
  type CellResult,
  type CellStatus,
  type Proto,
  PROTO_LABEL,
  PROTOS,
  type RatioResult,
  type RunSample,
  type ZlibCeiling,
} from "./lib/types.ts";

const HELP = `Usage: deno task bench [options]

  --quick               1 run, 2 s steps, fewer connections (writes results/quick.*)
  --only ID[,ID]        scenarios: hello,64k,upload,json,json-obj,json-gzip,busy-gzip,busy-identity,
                        download,idle,sse,ws,publish,streams; ID@PROTO for one protocol (hello@h2c)
  --proto P[,P]         protocols: h1,h2c,h2
  --servers ID[,ID]     servers: ${PEERS.map((p) => p.id).join(",")}
  --runs N              runs per cell (default 3; median reported)
  --duration S          seconds per load step (default 3)
  --idle-conns N        idle connections (default 10000)
  --sse-streams N       SSE streams (default 1000)
  --ws-conns N          WebSocket connections of the ws scenario (default 1000)
  --download-mib N      download size (default 256)
  --no-h2-log           skip h2load's per-request log (no h2 p50/p99)
  --max-minutes M       give up on remaining cells after M minutes (default 75)
  --out NAME            output basename in bench/results (default latest)
  --before DIR          also run the h2serve-*-before peers: DIR's bench/servers/h2serve.ts
                        (another checkout, e.g. a worktree of an older commit with
                        node_modules linked), for same-run before/after ratios
  --render FILE.json    only re-render .md and .svg from a results JSON
  --list                list scenarios and servers
`;

/** Parsed command line. */
interface Options {
  quick: boolean;
  only?: string[];
  protos: Proto[];
  servers: string[];
  runs: number;
  durationS: number;
  warmS: number;
  idleConns: number;
  sseStreams: number;
  sseWindowS: number;
  downloadMiB: number;
  wsConns: number;
  noH2Log: boolean;
  maxMinutes: number;
  out: string;
  list: boolean;
  render?: string;
  before?: string;
}

function parseOptions(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const [k, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
    const boolean = ["quick", "no-h2-log", "list", "help"].includes(k);
    flags.set(k, inline ?? (boolean ? "true" : argv[++i] ?? ""));
  }
  if (flags.has("help")) {
    console.log(HELP);
    Deno.exit(0);
  }
  const known = [
    "quick",
    "only",
    "proto",
    "servers",
    "runs",
    "duration",
    "idle-conns",
    "sse-streams",
    "ws-conns",
    "download-mib",
    "no-h2-log",
    "max-minutes",
    "out",
    "list",
    "render",
    "before",
  ];
  for (const k of flags.keys()) {
    if (!known.includes(k)) throw new Error(`unknown option --${k}\n\n${HELP}`);
  }
  const quick = flags.has("quick");
  const num = (k: string, d: number) => {
    const v = flags.get(k);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${k} wants a positive number`);
    return n;
  };
  const list = (k: string) => flags.get(k)?.split(",").map((s) => s.trim()).filter(Boolean);
  const protos = (list("proto") ?? [...PROTOS]) as Proto[];
  for (const p of protos) if (!PROTOS.includes(p)) throw new Error(`unknown protocol ${p}`);
  const before = flags.get("before");
  // The -before peers run only with a --before checkout.
  const servers = list("servers") ??
    PEERS.map((p) => p.id).filter((id) => before !== undefined || !id.endsWith("-before"));
  for (const s of servers) {
    if (!PEERS.some((p) => p.id === s)) throw new Error(`unknown server ${s}`);
  }
  return {
    quick,
    only: list("only"),
    protos,
    servers,
    runs: Math.round(num("runs", quick ? 1 : 3)),
    durationS: num("duration", quick ? 2 : 3),
    warmS: 1,
    idleConns: Math.round(num("idle-conns", quick ? 2000 : 10_000)),
    sseStreams: Math.round(num("sse-streams", quick ? 200 : 1000)),
    sseWindowS: quick ? 3 : 5,
    downloadMiB: Math.round(num("download-mib", quick ? 64 : 256)),
    wsConns: Math.round(num("ws-conns", quick ? 200 : 1000)),
    noH2Log: flags.has("no-h2-log"),
    maxMinutes: num("max-minutes", 75),
    out: flags.get("out") ?? (quick ? "quick" : "latest"),
    list: flags.has("list"),
    render: flags.get("render"),
    before: before?.replace(/\/$/, ""),
  };
}

const log = (s: string) => console.error(s);

/** Checks the system tools; prints how to install the missing ones. */
async function checkTools(needWrk: boolean, needH2load: boolean): Promise<boolean> {
  const missing: [string, string][] = [];
  for (
    const [cmd, pkg] of [["taskset", "util-linux"], ["setsid", "util-linux"], ["curl", "curl"]]
  ) {
    if (!(await have(cmd!))) missing.push([cmd!, pkg!]);
  }
  if (needWrk && !(await have("wrk"))) missing.push(["wrk", "wrk"]);
  if (needH2load && !(await have("h2load"))) missing.push(["h2load", "nghttp2-client"]);
  if (!missing.length) return true;
  const pkgs = [...new Set(missing.map(([, p]) => p))].join(" ");
  log(`missing tools: ${missing.map(([c]) => c).join(", ")}`);
  log(`install them with:  sudo apt-get install ${pkgs}`);
  log(
    `(wrk drives HTTP/1.1, h2load from nghttp2-client drives h2c and h2; taskset pins processes)`,
  );
  return false;
}

/** A started server, or why it could not serve this protocol. */
type Started =
  | { ok: true; proc: Spawned; target: Target }
  | { ok: false; status: CellStatus; reason: string; proc?: Spawned };

async function curlProbe(
  t: Target,
): Promise<{ code: number; status: number; version: string; err: string }> {
  const r = await run([
    "curl",
    "-sS",
    ...curlProtoFlags(t.proto),
    "--max-time",
    "5",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code} %{http_version}",
    urlOf(t, "/"),
  ], { timeoutMs: 10_000 });
  const [status, version] = r.stdout.trim().split(" ");
  return { code: r.code, status: Number(status), version: version ?? "", err: r.stderr.trim() };
}

/**
 * Starts a peer for a protocol and checks it really speaks it: a server that
 * answers but negotiates something else is "n/a", one that fails is "error".
 */
async function startServer(
  peer: Peer,
  proto: Proto,
  tc: Toolchain,
  serverCpu: number,
  env: Record<string, string> = {},
): Promise<Started> {
  if (!peer.protos.includes(proto)) {
    return { ok: false, status: "n/a", reason: `${peer.label} has no ${PROTO_LABEL[proto]}` };
  }
  const port = freePort();
  const proc = spawnPinned(serverCpu, peer.argv(tc), {
    BENCH_PORT: String(port),
    BENCH_PROTO: proto,
    BENCH_CERT: `${tc.root}/tests/fixtures/localhost.crt`,
    BENCH_KEY: `${tc.root}/tests/fixtures/localhost.key`,
    ...env,
  }, tc.root);
  const target: Target = { pid: proc.pid, port, proto };
  const tail = () => proc.stderr().trim().split("\n").slice(-3).join(" | ").slice(0, 300);
  if (!(await waitForPort(port, 30_000, () => !proc.dead()))) {
    return { ok: false, status: "error", reason: `did not listen within 30 s: ${tail()}`, proc };
  }
  const p = await curlProbe(target);
  const want = proto === "h1" ? "1.1" : "2";
  if (p.code === 0 && p.status === 200 && p.version === want) return { ok: true, proc, target };
  if (p.code === 0 && p.status === 200) {
    return {
      ok: false,
      status: "n/a",
      reason: `answered HTTP/${p.version}, not ${PROTO_LABEL[proto]} (ALPN offers no h2)`,
      proc,
    };
  }
  if (proto === "h2c") {
    // Does it speak HTTP/1.1 on that port? Then h2c is simply not spoken.
    const h1 = await curlProbe({ ...target, proto: "h1" });
    if (h1.code === 0 && h1.status === 200) {
      return {
        ok: false,
        status: "n/a",
        reason: `cleartext port speaks HTTP/1.1 only, no h2c prior knowledge (curl: ${
          p.err || p.status
        })`,
        proc,
      };
    }
  }
  return {
    ok: false,
    status: "error",
    reason: `probe failed: curl ${p.code} ${
      p.err || `status ${p.status} HTTP/${p.version}`
    } ${tail()}`,
    proc,
  };
}

/** Per-cell accumulator. */
interface Acc {
  peer: Peer;
  status: CellStatus | "pending";
  reason?: string;
  runs: RunSample[];
  hwmKiB: number;
  /** No more runs wanted (see RunSample.last). */
  done?: boolean;
}

function fmtSample(s: RunSample, unit: string): string {
  const v = s.value >= 100 ? Math.round(s.value).toLocaleString("en-US") : s.value.toFixed(2);
  const lat = s.p99Ms !== undefined
    ? `, p50 ${s.p50Ms?.toFixed(2)} / p99 ${s.p99Ms.toFixed(2)} ms`
    : "";
  return `${v} ${unit}${lat}${s.note ? ` (${s.note})` : ""}`;
}

async function measureInto(
  acc: Acc,
  sc: Scenario,
  ctx: Ctx,
  started: { proc: Spawned; target: Target },
  tag: string,
) {
  try {
    if (started.proc.dead()) throw new Error(`server exited: ${started.proc.stderr().slice(-300)}`);
    const s = await sc.measure(ctx, started.target);
    acc.runs.push(s);
    if (s.last) acc.done = true;
    log(`  ${tag} ${acc.peer.id}: ${fmtSample(s, sc.unit)}`);
  } catch (e) {
    acc.status = "error";
    const msg = e instanceof Error ? e.message : String(e);
    acc.reason = msg.startsWith("server exited") || !started.proc.dead()
      ? msg
      : `${msg} (server exited; stderr: ${started.proc.stderr().slice(-200)})`;
    log(`  ${tag} ${acc.peer.id}: error: ${acc.reason}`);
  }
  const m = memory(started.target.pid);
  if (m) acc.hwmKiB = Math.max(acc.hwmKiB, m.hwmKiB);
}

async function runGroup(
  sc: Scenario,
  proto: Proto,
  peers: Peer[],
  opts: Options,
  ctx: Ctx,
  tc: Toolchain,
  serverCpu: number,
  deadline: number,
): Promise<Acc[]> {
  const accs: Acc[] = peers.map((peer) => ({ peer, status: "pending", runs: [], hwmKiB: 0 }));
  const fail = (a: Acc, s: CellStatus, reason: string) => {
    a.status = s;
    a.reason = reason;
    log(`  ${a.peer.id}: ${s}: ${reason}`);
  };
  const late = () => Date.now() > deadline;
  for (const a of accs) {
    const why = notServed(a.peer, sc.id, proto);
    if (why !== undefined) fail(a, "n/a", why);
    const unsupported = sc.unsupportedBy?.[a.peer.id];
    if (why === undefined && unsupported) fail(a, "n/a", unsupported);
  }
  if (sc.freshServerPerRun) {
    for (let r = 0; r < opts.runs; r++) {
      for (const a of accs) {
        if (a.status !== "pending" || a.done) continue;
        if (late()) {
          fail(a, "error", "time budget (--max-minutes) exhausted");
          continue;
        }
        const s = await startServer(a.peer, proto, tc, serverCpu, sc.serverEnv);
        try {
          if (!s.ok) fail(a, s.status, s.reason);
          else await measureInto(a, sc, ctx, s, `run ${r + 1}/${opts.runs}`);
        } finally {
          if (s.proc) await killGroup(s.proc);
        }
      }
    }
  } else {
    const servers = new Map<Acc, { proc: Spawned; target: Target }>();
    try {
      for (const a of accs) {
        if (a.status !== "pending") continue;
        const s = await startServer(a.peer, proto, tc, serverCpu, sc.serverEnv);
        if (!s.ok) {
          fail(a, s.status, s.reason);
          if (s.proc) await killGroup(s.proc);
          continue;
        }
        servers.set(a, s);
        try {
          await sc.warm?.(ctx, s.target);
        } catch (e) {
          log(`  ${a.peer.id}: warm-up failed: ${e instanceof Error ? e.message : e}`);
        }
      }
      for (let r = 0; r < opts.runs; r++) {
        for (const [a, s] of servers) {
          if (a.status !== "pending" || a.done) continue;
          if (late()) {
            fail(a, "error", "time budget (--max-minutes) exhausted");
            continue;
          }
          await measureInto(a, sc, ctx, s, `run ${r + 1}/${opts.runs}`);
        }
      }
    } finally {
      await Promise.all([...servers.values()].map((s) => killGroup(s.proc)));
    }
  }
  return accs;
}

function toCell(a: Acc, sc: Scenario, proto: Proto): CellResult {
  const base = {
    scenario: sc.id,
    proto,
    server: a.peer.id,
    unit: sc.unit,
    better: sc.better,
    cpuUnit: sc.cpuUnit,
    runs: a.runs,
    peakRssKiB: a.hwmKiB || undefined,
  };
  if (a.status !== "pending" || !a.runs.length) {
    return {
      ...base,
      status: a.status === "pending" ? "error" : a.status,
      reason: a.reason ?? "no run",
    };
  }
  const vals = a.runs.map((r) => r.value);
  const med = (f: (r: RunSample) => number | undefined) => {
    const xs = a.runs.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
    return xs.length ? median(xs) : undefined;
  };
  const cut = a.runs.find((r) => r.last);
  return {
    ...base,
    status: "ok",
    reason: cut ? `cut off for slowness after ${a.runs.length} run(s): ${cut.note}` : undefined,
    value: median(vals),
    spreadPct: spreadPct(vals),
    p50Ms: med((r) => r.p50Ms),
    p99Ms: med((r) => r.p99Ms),
    cpuMetric: med((r) => r.cpuMetric),
  };
}

function ratios(cells: CellResult[]): RatioResult[] {
  const out: RatioResult[] = [];
  const keys = [...new Set(cells.map((c) => `${c.scenario}|${c.proto}`))];
  for (const key of keys) {
    const [scenario, proto] = key.split("|") as [string, Proto];
    const find = (id: string) =>
      cells.find((c) =>
        c.scenario === scenario && c.proto === proto && c.server === id && c.status === "ok"
      );
    for (const [ours, peer] of RATIO_PAIRS) {
      const o = find(ours), p = find(peer);
      if (!o || !p || !o.value || !p.value) continue;
      out.push({
        scenario,
        proto,
        ours,
        peer,
        value: o.value / p.value,
        cpu: o.cpuMetric && p.cpuMetric ? o.cpuMetric / p.cpuMetric : undefined,
      });
    }
  }
  return out;
}

/** bench/zlib_ceiling.ts on each runtime, pinned to the server's core. */
async function zlibCeilings(tc: Toolchain, cpu: number): Promise<ZlibCeiling[]> {
  const script = `${tc.root}/bench/zlib_ceiling.ts`;
  const nodeScript = `${tc.cacheDir}/zlib_ceiling.mjs`;
  await run([tc.bun, "build", "--target", "node", "--outfile", nodeScript, script], {
    timeoutMs: 60_000,
  });
  const out: ZlibCeiling[] = [];
  for (
    const argv of [[tc.deno, "run", "-A", script], [tc.bun, script], [tc.node, nodeScript]]
  ) {
    const r = await run(["taskset", "-c", String(cpu), ...argv, "--json"], { timeoutMs: 120_000 });
    try {
      const j = JSON.parse(r.stdout.trim().split("\n").pop()!);
      out.push({ runtime: j.runtime, perSec: j.ceiling.perSec, rows: j.rows });
    } catch {
      log(`zlib ceiling failed on ${argv[0]}: ${r.stderr.slice(0, 200)}`);
    }
  }
  return out;
}

async function resolveToolchain(root: string, cacheDir: string): Promise<Toolchain> {
  const local = async (name: string, fallback: string) => {
    const p = `${root}/node_modules/.bin/${name}`;
    try {
      await Deno.stat(p);
      return p;
    } catch {
      return fallback;
    }
  };
  return {
    root,
    deno: await local("deno", Deno.execPath()),
    bun: await local("bun", "bun"),
    node: "node",
    cacheDir,
  };
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(Deno.args);
  } catch (e) {
    log(e instanceof Error ? e.message : String(e));
    return 2;
  }
  const all = scenarios();
  const labels = {
    servers: PEERS.map((p) => ({ id: p.id, label: p.label })),
    scenarios: all.map((s) => ({
      id: s.id,
      title: s.title,
      unit: s.unit,
      better: s.better,
      cpuUnit: s.cpuUnit,
    })),
  };
  if (opts.render) {
    const report: BenchReport = JSON.parse(await Deno.readTextFile(opts.render));
    const base = opts.render.replace(/\.json$/, "");
    await Deno.writeTextFile(`${base}.md`, markdown(report, labels));
    await Deno.writeTextFile(`${base}.svg`, svg(report, labels));
    log(`wrote ${base}.md and ${base}.svg`);
    return 0;
  }
  if (opts.list) {
    console.log("scenarios:");
    for (const s of all) {
      console.log(`  ${s.id.padEnd(9)} ${s.title} [${s.protos.join(",")}] (${s.unit})`);
    }
    console.log("servers:");
    for (const p of PEERS) console.log(`  ${p.id.padEnd(13)} ${p.label}`);
    return 0;
  }
  // --only takes scenario ids, or id@proto for one protocol of a scenario (hello@h2c).
  const wanted = (id: string, p?: Proto) =>
    !opts.only || opts.only.includes(id) || (p !== undefined && opts.only.includes(`${id}@${p}`)) ||
    (p === undefined && opts.only.some((o) => o.startsWith(`${id}@`)));
  const selected = all.filter((s) => wanted(s.id));
  if (opts.only) {
    for (const id of opts.only.map((o) => o.split("@")[0]!)) {
      if (!all.some((s) => s.id === id)) {
        log(`unknown scenario ${id}; try --list`);
        return 2;
      }
    }
  }
  const groups = selected.flatMap((sc) =>
    sc.protos.filter((p) => opts.protos.includes(p) && wanted(sc.id, p)).map((p) =>
      [sc, p] as const
    )
  );
  const needWrk = groups.some(([sc, p]) =>
    p === "h1" && !sc.freshServerPerRun && sc.id !== "download" && !sc.ownClient
  );
  const needH2load = groups.some(([sc, p]) =>
    (p !== "h1" || sc.id.startsWith("busy-")) && !sc.freshServerPerRun && sc.id !== "download" &&
    !sc.ownClient
  );
  if (!(await checkTools(needWrk, needH2load))) return 3;

  const root = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
  const tmpDir = await Deno.makeTempDir({ prefix: "h2serve-bench-" });
  const tc = await resolveToolchain(root, tmpDir);
  if (opts.before !== undefined) tc.beforeRoot = opts.before;
  const cores = navigator.hardwareConcurrency;
  const serverCpu = 0;
  const loadCpu = cores > 1 ? 1 : 0;
  if (cores < 2) log("warning: one CPU only; server and load generator share it");
  const ctx: Ctx = {
    root,
    deno: tc.deno,
    bun: tc.bun,
    tmpDir,
    loadCpu,
    clkTck: await clockTicks(),
    durationS: opts.durationS,
    warmS: opts.warmS,
    idleConns: opts.idleConns,
    sseStreams: opts.sseStreams,
    sseWindowS: opts.sseWindowS,
    downloadMiB: opts.downloadMiB,
    wsConns: opts.wsConns,
    noH2Log: opts.noH2Log,
  };
  const onSignal = () => {
    log("interrupted; stopping servers");
    killAllStarted();
    try {
      Deno.removeSync(tmpDir, { recursive: true });
    } catch { /* best effort */ }
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);

  const peers = PEERS.filter((p) => opts.servers.includes(p.id));
  const prepared = new Map<string, string | undefined>();
  for (const p of peers) if (p.prepare) prepared.set(p.id, await p.prepare(tc));
  const machine = await machineInfo(tc);
  // The zlib ceiling reads the compression rows against what zlib itself can do on the server core.
  const zlib = selected.some((sc) => sc.id === "json-gzip" || sc.id.startsWith("busy-"))
    ? await zlibCeilings(tc, serverCpu)
    : undefined;
  const t0 = Date.now();
  const deadline = t0 + opts.maxMinutes * 60_000;
  const cells: CellResult[] = [];
  log(
    `h2serve bench: ${groups.length} rows × ${peers.length} servers × ${opts.runs} run(s); ` +
      `server on CPU ${serverCpu}, load on CPU ${loadCpu}`,
  );
  try {
    for (const [sc, proto] of groups) {
      log(
        `[${sc.id} ${PROTO_LABEL[proto]}] ${sc.title} (at ${
          ((Date.now() - t0) / 1000).toFixed(0)
        } s)`,
      );
      const ready = peers.filter((p) => !prepared.get(p.id));
      const accs = await runGroup(sc, proto, ready, opts, ctx, tc, serverCpu, deadline);
      for (const p of peers) {
        const a = accs.find((x) => x.peer === p);
        cells.push(
          a ? toCell(a, sc, proto) : {
            scenario: sc.id,
            proto,
            server: p.id,
            status: "error",
            reason: prepared.get(p.id),
            unit: sc.unit,
            better: sc.better,
            cpuUnit: sc.cpuUnit,
            runs: [],
          },
        );
      }
    }
  } finally {
    killAllStarted();
    await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
  }
  machine.loadAvgEnd = loadAvg();
  const report: BenchReport = {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine,
    settings: {
      runs: opts.runs,
      durationS: opts.durationS,
      quick: opts.quick,
      serverCpu,
      loadCpu,
      idleConns: opts.idleConns,
      sseStreams: opts.sseStreams,
      wsConns: opts.wsConns,
      downloadMiB: opts.downloadMiB,
      latencySource: opts.noH2Log
        ? "none (--no-h2-log)"
        : "nearest-rank percentiles of h2load --log-file per-request times",
    },
    cells,
    ratios: ratios(cells),
    zlib,
    elapsedS: Math.round((Date.now() - t0) / 1000),
  };
  const outDir = `${root}/bench/results`;
  await Deno.mkdir(outDir, { recursive: true });
  const md = markdown(report, labels);
  await Deno.writeTextFile(`${outDir}/${opts.out}.md`, md);
  await Deno.writeTextFile(`${outDir}/${opts.out}.json`, JSON.stringify(report, null, 2) + "\n");
  await Deno.writeTextFile(`${outDir}/${opts.out}.svg`, svg(report, labels));
  console.log(md);
  log(`wrote bench/results/${opts.out}.{md,json,svg} in ${(report.elapsedS / 60).toFixed(1)} min`);
  return 0;
}

if (import.meta.main) Deno.exit(await main());
