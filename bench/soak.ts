/**
 * Soak test: several thousand concurrent connections over a mix of
 * HTTP/1.1, h2c and h2 (TLS, ALPN) against our server, for a fixed request
 * count, on loopback. Reports errors, RSS over time and file descriptors
 * before and after; exits non-zero on any error, on descriptors not returned
 * to the baseline, or on RSS still climbing late in the run.
 *
 * ```sh
 * deno task soak                      # or: npm run soak (Deno), bun bench/soak.ts
 * SOAK_CONNS=6000 SOAK_REQUESTS=200000 deno run -A bench/soak.ts
 * ```
 *
 * It re-executes itself under `bash -c "ulimit -n 65536; exec ..."` so that
 * the connections (client and server ends live in this one process) fit.
 * The default run (3000 connections, 60,000 requests) takes well under two
 * minutes; SOAK_SECONDS caps any run (default 110).
 *
 * @module
 */
import net from "node:net";
import tls from "node:tls";
import process from "node:process";
import { spawnSync } from "node:child_process";
import v8 from "node:v8";
import vm from "node:vm";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { serve } from "../mod.ts";
import { Decoder } from "../src/http2/core/hpack/mod.ts";
import { FrameDecoder, FrameType } from "../src/http2/core/mod.ts";
import { concat } from "../tests/support/common.ts";
import {
  getRequest,
  headers,
  preface,
  settings,
  settingsAck,
  windowUpdate,
} from "../tests/support/http2_frames.ts";

const env = (k: string, d: number) => Number(process.env[k] ?? "") || d;
const CONNS = env("SOAK_CONNS", 3000);
const REQUESTS = env("SOAK_REQUESTS", 60_000);
const SECONDS = env("SOAK_SECONDS", 110);
const BODY = 1024;

// ---- re-exec with a raised descriptor limit -----------------------------------------------

if (process.env.SOAK_CHILD !== "1") {
  const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
  const self = new URL(import.meta.url).pathname;
  const cmd = runtime === "bun"
    ? `exec "${process.execPath}" "${self}"`
    : `exec "${process.execPath}" run -A "${self}"`;
  const r = spawnSync("bash", ["-c", `ulimit -n 65536 2>/dev/null || ulimit -n 16384; ${cmd}`], {
    stdio: "inherit",
    env: { ...process.env, SOAK_CHILD: "1" },
  });
  process.exit(r.status ?? 1);
}

// ---- measurements -------------------------------------------------------------------------

/** Open descriptors: fd number → what it is (socket:[…], anon_inode:…, a path). */
function fdTable(): Map<string, string> {
  const m = new Map<string, string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      m.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed while listing (the readdir handle itself)
    }
  }
  return m;
}

/** Open descriptors, counted. */
function fds(): number {
  return fdTable().size;
}

/** Inodes of this process's TCP sockets. */
function tcpInodes(): Set<string> {
  const out = new Set<string>();
  for (const f of ["/proc/self/net/tcp", "/proc/self/net/tcp6"]) {
    for (const line of readFileSync(f, "utf8").split("\n").slice(1)) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode) out.add(inode);
    }
  }
  return out;
}

function rssMiB(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.memoryUsage().rss / 2 ** 20);
}

function findGc(): () => void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  const bun = g.Bun;
  if (bun) return () => bun.gc(true);
  if (typeof g.gc === "function") return g.gc;
  try {
    v8.setFlagsFromString("--expose-gc");
    const f: unknown = vm.runInNewContext("gc");
    if (typeof f === "function") return f as () => void;
  } catch {
    // no forced GC
  }
  return () => {};
}
const gc = findGc();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- clients ------------------------------------------------------------------------------

let errors = 0;
let done = 0;
const errorKinds = new Map<string, number>();
function fail(kind: string): void {
  errors++;
  errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
}

/** Sequential keep-alive GETs over one HTTP/1.1 connection. */
function h1Client(port: number, n: number): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    let buf = "";
    let left = n;
    let finished = false;
    const end = (err?: string) => {
      if (finished) return;
      finished = true;
      if (err) fail(err);
      sock.destroy();
      resolve();
    };
    const next = () => sock.write("GET /soak HTTP/1.1\r\nHost: soak\r\n\r\n");
    sock.on("connect", next);
    sock.on("error", () => end("h1 socket error"));
    sock.on("close", () => end(left > 0 ? "h1 closed early" : undefined));
    sock.on("data", (d: Uint8Array) => {
      buf += String.fromCharCode(...d);
      for (;;) {
        const h = buf.indexOf("\r\n\r\n");
        if (h < 0) return;
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, h))?.[1] ?? -1);
        if (buf.length < h + 4 + len) return;
        if (!buf.startsWith("HTTP/1.1 200 ") || len !== BODY) return end("h1 bad response");
        buf = buf.slice(h + 4 + len);
        done++;
        if (--left === 0) return end();
        next();
      }
    });
  });
}

/** Sequential GETs, one stream at a time, over one HTTP/2 connection (h2c or h2 over TLS). */
function h2Client(port: number, n: number, secure: boolean): Promise<void> {
  return new Promise((resolve) => {
    const sock: net.Socket = secure
      ? tls.connect({ port, host: "127.0.0.1", ALPNProtocols: ["h2"], rejectUnauthorized: false })
      : net.connect(port, "127.0.0.1");
    const frames = new FrameDecoder(1 << 24);
    const hpack = new Decoder();
    let id = 1;
    let left = n;
    let got = 0;
    let status = "";
    let finished = false;
    const end = (err?: string) => {
      if (finished) return;
      finished = true;
      if (err) fail(err);
      sock.destroy();
      resolve();
    };
    const next = () => sock.write(headers(id, getRequest("/soak"), { endStream: true }));
    sock.on(secure ? "secureConnect" : "connect", () => {
      if (secure && (sock as tls.TLSSocket).alpnProtocol !== "h2") return end("h2 ALPN");
      sock.write(concat(preface(), settings()));
      next();
    });
    sock.on("error", () => end(secure ? "h2 socket error" : "h2c socket error"));
    sock.on("close", () => end(left > 0 ? "h2 closed early" : undefined));
    sock.on("data", (d: Uint8Array) => {
      frames.push(new Uint8Array(d));
      try {
        for (let f = frames.next(); f !== null; f = frames.next()) {
          if (f.type === FrameType.SETTINGS && !f.ack) sock.write(settingsAck());
          else if (f.type === FrameType.GOAWAY || f.type === FrameType.RST_STREAM) {
            return end("h2 reset/goaway");
          } else if (f.type === FrameType.HEADERS && f.streamId === id) {
            status = hpack.decode(f.block).find(([k]) => k === ":status")?.[1] ?? "";
          } else if (f.type === FrameType.DATA && f.streamId === id) {
            got += f.data.length;
            if (f.flowLength > 0) sock.write(windowUpdate(0, f.flowLength));
          }
          if ((f.type === FrameType.DATA || f.type === FrameType.HEADERS) && f.endStream) {
            if (status !== "200" || got !== BODY) return end("h2 bad response");
            done++;
            got = 0;
            status = "";
            id += 2;
            if (--left === 0) return end();
            next();
          }
        }
      } catch {
        end("h2 protocol error");
      }
    });
  });
}

// ---- run ----------------------------------------------------------------------------------

const cert = readFileSync(new URL("../tests/fixtures/localhost.crt", import.meta.url), "utf8");
const key = readFileSync(new URL("../tests/fixtures/localhost.key", import.meta.url), "utf8");
const payload = new Uint8Array(BODY).fill(115);
const handler = () => new Response(payload);
const plain = serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
const secure = serve(
  { hostname: "127.0.0.1", port: 0, tls: { cert, key }, onListen() {} },
  handler,
);

// Warm-up: one connection of each kind, so lazily created runtime descriptors are in the baseline.
await Promise.all([
  h1Client(plain.addr.port, 2),
  h2Client(plain.addr.port, 2, false),
  h2Client(secure.addr.port, 2, true),
]);
done = 0;
await sleep(300);
gc();
const table0 = fdTable();
const fd0 = table0.size;
const rss0 = rssMiB();
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
console.log(
  `soak on ${runtime}: ${CONNS} connections (h1 / h2c / h2 TLS), ${REQUESTS} requests; ` +
    `baseline ${fd0} fds, ${rss0} MiB RSS`,
);

const t0 = Date.now();
/** RSS samples taken once every connection has been opened (the steady state). */
const samples: number[] = [];
let rampedUp = false;
let ticks = 0;
const sampler = setInterval(() => {
  const rss = rssMiB();
  if (rampedUp) samples.push(rss);
  if (++ticks % 4 !== 0) return;
  const conns = plain.stats().connections + secure.stats().connections;
  console.log(
    `  ${((Date.now() - t0) / 1000).toFixed(0)} s: ${done} done, ${conns} connections open, ` +
      `${rss} MiB RSS, ${errors} errors`,
  );
}, 500);

const per = Math.max(1, Math.floor(REQUESTS / CONNS));
const clients: Array<Promise<void>> = [];
for (let i = 0; i < CONNS; i++) {
  const kind = i % 3;
  clients.push(
    kind === 0
      ? h1Client(plain.addr.port, per)
      : kind === 1
      ? h2Client(plain.addr.port, per, false)
      : h2Client(secure.addr.port, per, true),
  );
  if (i % 250 === 249) await sleep(50); // do not overrun the listen backlog
}
rampedUp = true;
const timedOut = await Promise.race([
  Promise.all(clients).then(() => false),
  sleep(SECONDS * 1000).then(() => true),
]);
clearInterval(sampler);
if (timedOut) fail(`not finished in ${SECONDS} s`);

// Everything closes; descriptors and connections go back to the baseline.
const settleEnd = Date.now() + 15_000;
while (
  (plain.stats().connections > 0 || secure.stats().connections > 0 || fds() > fd0 + 4) &&
  Date.now() < settleEnd
) await sleep(100);
gc();
await sleep(200);
const table1 = fdTable();
const fd1 = table1.size;
const added = [...table1].filter(([fd, what]) => table0.get(fd) !== what).map(([, w]) => w);
const rss1 = rssMiB();
const stats = [plain.stats(), secure.stats()];
await Promise.all([plain.shutdown(), secure.shutdown()]);

// Stable: in the steady state, the second half peaks no higher than the first (within 25% + 32 MiB).
const mid = Math.ceil(samples.length / 2);
const earlyMax = Math.max(0, ...samples.slice(0, mid));
const lateMax = Math.max(0, ...samples.slice(mid));
const stable = lateMax <= earlyMax * 1.25 + 32;

console.log(`requests: ${done} of ${per * CONNS} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`errors: ${errors}${errors ? " " + JSON.stringify([...errorKinds]) : ""}`);
console.log(
  `server connections left: ${stats[0]!.connections + stats[1]!.connections}, ` +
    `inflight: ${stats[0]!.inflight + stats[1]!.inflight}`,
);
// Network sockets must all be gone; a runtime may keep a few internal descriptors (Deno keeps
// a unix socketpair after TLS use), which are reported but tolerated.
const tcp = tcpInodes();
const leakedTcp = added.filter((w) => tcp.has(/socket:\[(\d+)\]/.exec(w)?.[1] ?? ""));
console.log(
  `fds: ${fd0} before, ${fd1} after; TCP sockets left: ${leakedTcp.length}` +
    (added.length ? ` (new descriptors: ${added.join(", ")})` : ""),
);
console.log(
  `RSS: ${rss0} MiB baseline, first-half peak ${earlyMax}, second-half peak ${lateMax}, ` +
    `${rss1} MiB after (${stable ? "stable" : "STILL GROWING"})`,
);
const ok = errors === 0 && done === per * CONNS && leakedTcp.length === 0 && fd1 <= fd0 + 4 &&
  stable &&
  stats.every((s) => s.connections === 0 && s.inflight === 0);
console.log(ok ? "PASS" : "FAIL");
process.exit(ok ? 0 : 1);
