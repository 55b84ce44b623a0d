/**
 * WebSocket echo load client for the `ws` scenario, run by the harness as its
 * own pinned process under Bun (its built-in WebSocket client is native code,
 * so the client costs less CPU than the servers it drives):
 *
 *     bun bench/lib/ws_client.ts --port 8000 --conns 1000 --size 32 --warm 1 --seconds 3
 *
 * Opens `conns` WebSockets to ws://127.0.0.1:PORT/ws (256 handshakes at a
 * time) and prints {"event":"ready",...}. Then every connection plays
 * ping-pong: it sends one `size`-byte binary message, waits for the echo and
 * sends the next. After `warm` seconds it prints {"event":"start"}, counts
 * echoes and round-trip times for `seconds`, prints {"event":"done",...} with
 * messages, p50/p99 and errors, and exits. Only the web-standard WebSocket
 * API is used, so it also runs on Deno.
 *
 * @module
 */
import process from "node:process";

/** Parsed command line. */
interface Args {
  port: number;
  conns: number;
  size: number;
  warm: number;
  seconds: number;
}

function parseArgs(argv: string[]): Args {
  const get = (k: string, d: number) => {
    const i = argv.indexOf(`--${k}`);
    const v = i >= 0 ? Number(argv[i + 1]) : d;
    if (!Number.isFinite(v) || v < 0) throw new Error(`bad --${k}`);
    return v;
  };
  return {
    port: get("port", 8000),
    conns: get("conns", 1000),
    size: get("size", 32),
    warm: get("warm", 1),
    seconds: get("seconds", 3),
  };
}

const args = parseArgs(process.argv.slice(2));
const URL_ = `ws://127.0.0.1:${args.port}/ws`;
const CONNECT_PARALLEL = 256;
/** Round-trip samples kept (a bounded reservoir: every k-th sample once full). */
const RTT_SAMPLES = 100_000;

const payload = new Uint8Array(args.size).map((_, i) => i & 0xff);
let counting = false;
let stopped = false;
let messages = 0;
let errors = 0;
let firstError = "";
let extensions = "";
const rtts = new Float64Array(RTT_SAMPLES);
let rttSeen = 0;

function print(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function fail(e: unknown): void {
  errors++;
  if (!firstError) firstError = String(e);
}

function record(ms: number): void {
  if (!counting) return;
  messages++;
  if (rttSeen < RTT_SAMPLES) rtts[rttSeen] = ms;
  else {
    const j = Math.floor(Math.random() * (rttSeen + 1));
    if (j < RTT_SAMPLES) rtts[j] = ms;
  }
  rttSeen++;
}

function open(): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(URL_);
    ws.binaryType = "arraybuffer";
    let sentAt = 0;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      extensions ||= ws.extensions;
      resolve(ws);
    };
    ws.onerror = (e) => {
      fail((e as ErrorEvent).message ?? "error");
      resolve(null);
    };
    ws.onclose = (e) => {
      // A failed handshake was counted by onerror already.
      if (opened && !stopped) fail(`closed ${e.code} ${e.reason}`);
    };
    ws.onmessage = (e) => {
      const now = performance.now();
      if ((e.data as ArrayBuffer).byteLength !== args.size) fail("echo of the wrong size");
      record(now - sentAt);
      if (stopped) return;
      sentAt = now;
      ws.send(payload);
    };
    // The first message starts the ping-pong (see go()).
    (ws as WebSocket & { go?: () => void }).go = () => {
      sentAt = performance.now();
      ws.send(payload);
    };
  });
}

function percentile(xs: Float64Array, p: number): number {
  if (!xs.length) return 0;
  const i = Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1));
  return xs[i]!;
}

async function main(): Promise<void> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < args.conns; i += CONNECT_PARALLEL) {
    const n = Math.min(CONNECT_PARALLEL, args.conns - i);
    const batch = await Promise.all(Array.from({ length: n }, open));
    for (const ws of batch) if (ws) sockets.push(ws);
  }
  print({ event: "ready", connections: sockets.length, failed: errors, firstError, extensions });
  for (const ws of sockets) (ws as WebSocket & { go: () => void }).go();
  await new Promise((r) => setTimeout(r, args.warm * 1000));
  const errorsBefore = errors;
  counting = true;
  const t0 = performance.now();
  print({ event: "start" });
  await new Promise((r) => setTimeout(r, args.seconds * 1000));
  counting = false;
  const elapsedMs = performance.now() - t0;
  stopped = true;
  const kept = rtts.slice(0, Math.min(rttSeen, RTT_SAMPLES)).sort();
  print({
    event: "done",
    connections: sockets.length,
    messages,
    elapsedMs,
    p50Ms: percentile(kept, 50),
    p99Ms: percentile(kept, 99),
    errors: errors - errorsBefore,
    firstError,
  });
  for (const ws of sockets) ws.close(1000);
  setTimeout(() => process.exit(0), 200);
}

await main();
