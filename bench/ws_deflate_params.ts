/**
 * What our permessage-deflate deflater's window and memLevel cost and give
 * (issue #30): compressed size of realistic small messages (chat JSON,
 * dashboard ticks, log lines; each stream compressed with context takeover,
 * as a connection does) and native memory per live deflater (RSS growth over
 * --n deflaters that each compressed one message). Each configuration's
 * memory is measured in a child process of its own: the allocator keeps
 * what an earlier one freed (Deno). Runs on Deno or Bun:
 *
 *     deno run -A --v8-flags=--expose-gc bench/ws_deflate_params.ts
 *     bun bench/ws_deflate_params.ts --n 500
 *
 * The window and memLevel of our deflater are ours to choose (RFC 7692
 * §7.1.2.1: the server may use a smaller LZ77 window than negotiated;
 * memLevel is never negotiated). zlib's own formula for deflate memory is
 * (1 << (windowBits + 2)) + (1 << (memLevel + 9)).
 *
 * @module
 */
import zlib from "node:zlib";
import process from "node:process";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

const argv = process.argv.slice(2);
const arg = (k: string, d: string) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : d;
};
const N = Number(arg("n", "500"));
const configs = arg("configs", "15/8,14/8,13/8,13/7,13/6,12/6,12/5,11/5,11/4,10/4,9/3")
  .split(",").map((c) => c.split("/").map(Number) as [number, number]);

// Deterministic pseudo-random words, so every run compresses the same bytes.
let seed = 42;
const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
const words = ("the quick brown fox jumps over lazy dog hello world message server client " +
  "update status online offline typing room channel user price volume order trade").split(" ");
const pick = () => words[rnd(words.length)]!;
const sentence = (n: number) => Array.from({ length: n }, pick).join(" ");

function streams(): Record<string, string[]> {
  const chat = [], ticks = [], logs = [];
  for (let i = 0; i < 400; i++) {
    chat.push(JSON.stringify({
      type: "message",
      room: `room-${rnd(5)}`,
      user: { id: 1000 + rnd(50), name: `user${rnd(50)}` },
      text: sentence(6 + rnd(12)),
      ts: 1765100000000 + i * 1731,
    }));
    ticks.push(JSON.stringify({
      symbol: ["AAPL", "MSFT", "GOOG", "AMZN"][rnd(4)],
      bid: 100 + rnd(10000) / 100,
      ask: 100 + rnd(10000) / 100,
      volume: rnd(1e6),
      ts: 1765100000000 + i * 250,
    }));
    logs.push(
      `2026-12-07T15:${String(i % 60).padStart(2, "0")}:00Z INFO ${pick()} ${
        sentence(5 + rnd(8))
      } id=${rnd(1e9)}`,
    );
  }
  return { chat, ticks, logs };
}

function deflateSync(z: zlib.DeflateRaw, data: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const onData = (c: Uint8Array) => (n += c.length);
    z.on("data", onData);
    z.on("error", reject);
    z.write(data);
    z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      z.off("data", onData);
      z.off("error", reject);
      resolve(n - 4); // the 00 00 ff ff tail is not sent
    });
  });
}

const enc = new TextEncoder();
const rss = () => {
  const s = readFileSync("/proc/self/status", "utf8");
  return Number(/^VmRSS:\s+(\d+)/m.exec(s)?.[1]) * 1024;
};
const gc = () => {
  const b = (globalThis as { Bun?: { gc(f: boolean): void } }).Bun;
  if (b) b.gc(true);
  else (globalThis as { gc?: () => void }).gc?.();
};

/** RSS growth per deflater over N live ones, each past one message (this process only). */
async function rssPer(wb: number, ml: number): Promise<number> {
  gc();
  await new Promise((r) => setTimeout(r, 100));
  const r0 = rss();
  const zs = [];
  for (let i = 0; i < N; i++) {
    const z = zlib.createDeflateRaw({ windowBits: wb, memLevel: ml });
    await deflateSync(z, enc.encode(`{"n":${i},"text":"${sentence(20)}"}`));
    zs.push(z);
  }
  gc();
  const per = (rss() - r0) / N / 1024;
  for (const z of zs) z.close();
  return per;
}

const only = arg("rss-of", "");
if (only) {
  const [wb, ml] = only.split("/").map(Number) as [number, number];
  console.log(String(await rssPer(wb, ml)));
  process.exit(0);
}

/** Runs this script again for one configuration's memory. */
function rssInChild(wb: number, ml: number): number {
  const self = new URL(import.meta.url).pathname;
  const onDeno = "Deno" in globalThis;
  const cmd = onDeno
    ? [process.execPath, "run", "-A", "--v8-flags=--expose-gc", self]
    : [process.execPath, self];
  const r = spawnSync(cmd[0]!, [...cmd.slice(1), "--n", String(N), "--rss-of", `${wb}/${ml}`]);
  return Number(new TextDecoder().decode(r.stdout).trim().split("\n").pop());
}

const data = streams();
console.log(`# ws_deflate_params on ${"Deno" in globalThis ? "deno" : "bun"}, n=${N}`);
console.log(
  "windowBits/memLevel | zlib formula KiB | RSS KiB/deflater | " +
    Object.keys(data).map((k) => `${k} % of plain`).join(" | "),
);
for (const [wb, ml] of configs) {
  const sizes: string[] = [];
  for (const msgs of Object.values(data)) {
    const z = zlib.createDeflateRaw({ windowBits: wb, memLevel: ml });
    let plain = 0, packed = 0;
    for (const m of msgs) {
      const b = enc.encode(m);
      plain += b.length;
      packed += await deflateSync(z, b);
    }
    z.close();
    sizes.push((100 * packed / plain).toFixed(1));
  }
  const formula = ((1 << (wb + 2)) + (1 << (ml + 9))) / 1024;
  console.log(
    `${wb}/${ml}`.padEnd(19),
    `| ${formula.toFixed(0).padStart(5)} | ${rssInChild(wb, ml).toFixed(1).padStart(6)} | ${
      sizes.join(" | ")
    }`,
  );
}
process.exit(0);
