/**
 * The zlib ceiling and the sync/async threshold of response compression, in
 * one process on whichever runtime runs this file (no sockets):
 *
 *     deno run -A bench/zlib_ceiling.ts
 *     bun bench/zlib_ceiling.ts
 *     bun build --target node --outfile /tmp/zc.js bench/zlib_ceiling.ts && node /tmp/zc.js
 *
 * Not pinned to one core: the asynchronous calls need a second core for the
 * pool, and the loop's share is read from the main thread's own CPU time.
 *
 * - ceiling: gzipSync of the bench's 100 KB JSON at level 6, compressions per
 *   second on one core (what any server compressing that body per request can
 *   at best do on this core; nginx's zlib is the same library).
 * - sweep: per body size, the loop time of one gzipSync (the loop is blocked
 *   for all of it) against the loop time of one zlib.gzip (the runtime's thread
 *   pool compresses; the loop pays the call and the callback), the latter as CPU µs of
 *   the main thread (/proc/self/task/PID/stat) over about a second of calls. Where the first exceeds the
 *   second by a margin the asynchronous call pays; src/compression/encoders.ts
 *   takes its ASYNC_MIN_BYTES from this sweep.
 *
 * `--json` prints one JSON object instead of the table.
 *
 * @module
 */
import zlib from "node:zlib";
import process from "node:process";
import { readFileSync } from "node:fs";
import { JSON_100K } from "./servers/json_body.ts";

const LEVEL = 6;
const enc = new TextEncoder();
const body = enc.encode(JSON_100K);

function runtime(): string {
  const g = globalThis as Record<string, unknown>;
  if (g.Deno) return `deno ${(g.Deno as { version: { deno: string } }).version.deno}`;
  if (g.Bun) return `bun ${(g.Bun as { version: string }).version}`;
  return `node ${process.version}`;
}

/** Compressions per second of `data`, synchronous, for about `ms` of wall time. */
function syncRate(data: Uint8Array, ms: number): { perSec: number; usEach: number } {
  for (let i = 0; i < 20; i++) zlib.gzipSync(data, { level: LEVEL });
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 10; i++) zlib.gzipSync(data, { level: LEVEL });
    n += 10;
    t = performance.now();
  }
  const usEach = ((t - t0) * 1000) / n;
  return { perSec: 1e6 / usEach, usEach };
}

/** CPU seconds of this process's main thread (the event loop), from /proc. */
function loopCpuS(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Main-thread CPU µs per asynchronous gzip, `inFlight` at a time, `total` calls. */
async function asyncLoopCost(
  data: Uint8Array,
  total: number,
  inFlight: number,
): Promise<{ loopUs: number; wallUs: number }> {
  const one = (): Promise<void> =>
    new Promise((resolve, reject) =>
      zlib.gzip(data, { level: LEVEL }, (e) => (e ? reject(e) : resolve()))
    );
  for (let i = 0; i < 20; i++) await one();
  const c0 = loopCpuS();
  const t0 = performance.now();
  let started = 0;
  await new Promise<void>((resolve, reject) => {
    let done = 0;
    const next = (): void => {
      if (started >= total) return;
      started++;
      zlib.gzip(data, { level: LEVEL }, (e) => {
        if (e) return reject(e);
        done++;
        next();
        if (done === total) resolve();
      });
    };
    for (let i = 0; i < inFlight; i++) next();
  });
  const wall = performance.now() - t0;
  return { loopUs: ((loopCpuS() - c0) * 1e6) / total, wallUs: (wall * 1000) / total };
}

const SIZES = [1024, 4096, 8192, 16384, 32768, 65536, 102400, 262144, 1048576];

function sized(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += body.byteLength) {
    out.set(body.subarray(0, Math.min(body.byteLength, n - o)), o);
  }
  return out;
}

const asJson = process.argv.includes("--json");
const ceiling = syncRate(body, 2000);
const rows: { bytes: number; syncUs: number; asyncLoopUs: number; asyncWallUs: number }[] = [];
for (const n of SIZES) {
  const data = sized(n);
  const s = syncRate(data, 300);
  const a = await asyncLoopCost(data, Math.max(50, Math.round(1_000_000 / s.usEach)), 1);
  rows.push({ bytes: n, syncUs: s.usEach, asyncLoopUs: a.loopUs, asyncWallUs: a.wallUs });
}
if (asJson) {
  console.log(JSON.stringify({ runtime: runtime(), level: LEVEL, ceiling, rows }));
} else {
  console.log(`${runtime()}, gzip level ${LEVEL}`);
  console.log(
    `ceiling: ${
      Math.round(ceiling.perSec)
    } compressions/s of ${body.byteLength} B JSON on one core ` +
      `(${ceiling.usEach.toFixed(0)} µs each)`,
  );
  console.log("| bytes | gzipSync µs (loop blocked) | gzip async: loop µs | async: wall µs |");
  console.log("| ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(
      `| ${r.bytes} | ${r.syncUs.toFixed(1)} | ${r.asyncLoopUs.toFixed(1)} | ${
        r.asyncWallUs.toFixed(1)
      } |`,
    );
  }
}
