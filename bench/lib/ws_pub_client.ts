/**
 * Load client for the `publish` scenario, run by the harness as its own
 * pinned process under Bun (its WebSocket client is native code):
 *
 *     bun bench/lib/ws_pub_client.ts --port 8000 --conns 1000 --size 32 --window 16 --warm 1 --seconds 3
 *
 * Opens `conns` subscribers on ws://127.0.0.1:PORT/sub (the server subscribes
 * each to topic `bench`) and one publisher on /pub (the server hands each of
 * its messages to server.publish). The publisher keeps `window` messages in
 * flight: it sends message k once message k - window has reached every
 * subscriber, so nothing queues without bound. After `warm` seconds it
 * counts, for `seconds`, the messages delivered to subscribers and the
 * fan-out time (publish sent → last subscriber got it, p50/p99), prints
 * {"event":"done",...} and exits. Web-standard WebSocket only.
 *
 * @module
 */
import process from "node:process";

function arg(k: string, d: number): number {
  const argv = process.argv;
  const i = argv.indexOf(`--${k}`);
  const v = i >= 0 ? Number(argv[i + 1]) : d;
  if (!Number.isFinite(v) || v < 0) throw new Error(`bad --${k}`);
  return v;
}

const port = arg("port", 8000);
const conns = arg("conns", 1000);
const size = Math.max(4, arg("size", 32));
const windowSize = Math.max(1, arg("window", 16));
const warm = arg("warm", 1);
const seconds = arg("seconds", 3);
const CONNECT_PARALLEL = 256;
const RING = windowSize * 4;

const got = new Uint32Array(RING);
const sentAt = new Float64Array(RING);
const fanout: number[] = [];
let next = 0;
let complete = 0;
let counting = false;
let stopped = false;
let delivered = 0;
let published = 0;
let errors = 0;
let firstError = "";

function print(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function fail(e: unknown): void {
  errors++;
  if (!firstError) firstError = String(e);
}

function open(path: string, onMessage?: (seq: number) => void): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    ws.binaryType = "arraybuffer";
    let opened = false;
    ws.onopen = () => {
      opened = true;
      resolve(ws);
    };
    ws.onerror = (e) => {
      fail((e as ErrorEvent).message ?? "error");
      resolve(null);
    };
    ws.onclose = (e) => {
      if (opened && !stopped) fail(`closed ${e.code} ${e.reason}`);
    };
    if (onMessage) {
      ws.onmessage = (e) => onMessage(new DataView(e.data as ArrayBuffer).getUint32(0));
    }
  });
}

let publisher: WebSocket | null = null;
const payload = new Uint8Array(size);

function pump(): void {
  while (!stopped && next < complete + windowSize) {
    new DataView(payload.buffer).setUint32(0, next);
    sentAt[next % RING] = performance.now();
    got[next % RING] = 0;
    publisher!.send(payload);
    next++;
  }
}

function onSubscriberMessage(seq: number): void {
  if (counting) delivered++;
  if (++got[seq % RING]! < subscribers) return;
  // Every subscriber has it (each receives in order, so completions come in order).
  complete++;
  if (counting) {
    published++;
    if (fanout.length < 100_000) fanout.push(performance.now() - sentAt[seq % RING]!);
  }
  pump();
}

let subscribers = 0;

function percentile(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const subs: WebSocket[] = [];
for (let i = 0; i < conns; i += CONNECT_PARALLEL) {
  const n = Math.min(CONNECT_PARALLEL, conns - i);
  const batch = await Promise.all(
    Array.from({ length: n }, () => open("/sub", onSubscriberMessage)),
  );
  for (const ws of batch) if (ws) subs.push(ws);
}
subscribers = subs.length;
const pub = await open("/pub");
print({ event: "ready", connections: subs.length, failed: errors, firstError });
if (pub === null || subscribers === 0) process.exit(1);
publisher = pub;
pump();
await new Promise((r) => setTimeout(r, warm * 1000));
const errorsBefore = errors;
counting = true;
const t0 = performance.now();
print({ event: "start" });
await new Promise((r) => setTimeout(r, seconds * 1000));
counting = false;
const elapsedMs = performance.now() - t0;
stopped = true;
print({
  event: "done",
  connections: subscribers,
  messages: delivered,
  published,
  elapsedMs,
  p50Ms: percentile(fanout, 50),
  p99Ms: percentile(fanout, 99),
  errors: errors - errorsBefore,
  firstError,
});
for (const ws of [...subs, pub]) ws.close(1000);
setTimeout(() => process.exit(0), 200);
