/**
 * Connection client for the idle-connection and SSE scenarios, run by the
 * harness as its own pinned process (node:net, so it runs on Deno or Bun):
 *
 *     deno run -A bench/lib/conn_client.ts --mode idle --proto h1 --port 8000 --count 10000 --hold 5
 *     deno run -A bench/lib/conn_client.ts --mode sse --proto h2c --port 8000 --count 1000 --hold 8
 *
 * idle: opens `count` connections, makes one request on each and keeps them
 *       open without traffic.
 * sse:  opens `count` event streams on /sse (h1: one per connection; h2c: up
 *       to 100 streams per connection, fewer if the server's
 *       SETTINGS_MAX_CONCURRENT_STREAMS says so) and counts events.
 *
 * Once everything is established it prints {"event":"ready",...}, holds for
 * `hold` seconds, prints {"event":"done",...} and exits. HTTP/2 is spoken
 * with a few hand-built frames, so the client costs little CPU.
 *
 * @module
 */
import net from "node:net";
import process from "node:process";

/** Parsed command line of the client. */
interface Args {
  mode: "idle" | "sse";
  proto: "h1" | "h2c";
  port: number;
  count: number;
  hold: number;
}

function parseArgs(argv: string[]): Args {
  const get = (k: string, d: string) => {
    const i = argv.indexOf(`--${k}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : d;
  };
  const mode = get("mode", "idle");
  const proto = get("proto", "h1");
  if (mode !== "idle" && mode !== "sse") throw new Error(`bad --mode ${mode}`);
  if (proto !== "h1" && proto !== "h2c") throw new Error(`bad --proto ${proto}`);
  return {
    mode,
    proto,
    port: Number(get("port", "8000")),
    count: Number(get("count", "1000")),
    hold: Number(get("hold", "5")),
  };
}

const args = parseArgs(process.argv.slice(2));
const HOST = "127.0.0.1";
const PATH = args.mode === "sse" ? "/sse" : "/";
const CONNECT_PARALLEL = 256;
const H2_STREAMS_PER_CONN = 100;

let failed = 0;
let closed = 0;
let ready = false;
let events = 0;
let firstError = "";
const sockets: net.Socket[] = [];

function print(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function fail(e: unknown): void {
  failed++;
  if (!firstError) firstError = String(e);
}

// "tick" may straddle reads, so the last 3 bytes are carried over.
function countTicks(carry: string, chunk: Buffer): string {
  const s = carry + chunk.toString("latin1");
  let i = 0;
  while ((i = s.indexOf("tick", i)) >= 0) {
    if (ready) events++;
    i += 4;
  }
  return s.slice(-3);
}

// ---- HTTP/1.1 -------------------------------------------------------------

/** Opens one HTTP/1.1 connection; resolves when its response (idle) or response head (sse) is in. */
function openH1(): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port: args.port });
    let head = "";
    let need = -1;
    let done = false;
    let carry = "";
    const finish = (ok: boolean, err?: unknown) => {
      if (done) return;
      done = true;
      if (ok) sockets.push(sock);
      else fail(err ?? "closed before response");
      resolve();
    };
    sock.setNoDelay(true);
    sock.on("connect", () => {
      sock.write(`GET ${PATH} HTTP/1.1\r\nHost: ${HOST}:${args.port}\r\n\r\n`);
    });
    sock.on("data", (chunk: Buffer) => {
      if (args.mode === "sse") {
        carry = countTicks(carry, chunk);
        if (!done && chunk.toString("latin1").includes("HTTP/1.1 200")) finish(true);
        return;
      }
      if (done) return;
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      if (need < 0) {
        const m = /content-length:\s*(\d+)/i.exec(head.slice(0, end));
        need = end + 4 + (m ? Number(m[1]) : 0);
      }
      if (head.length >= need) finish(head.startsWith("HTTP/1.1 200"), head.slice(0, 40));
    });
    sock.on("error", (e) => finish(false, e));
    sock.on("close", () => {
      if (done) closed++;
      finish(false);
    });
  });
}

// ---- h2c (prior knowledge) ------------------------------------------------

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

// SETTINGS_INITIAL_WINDOW_SIZE = 2^31-1 and a matching connection
// WINDOW_UPDATE: the server never waits for us, and we never send updates.
const MAX_WINDOW = 0x7fffffff;
const CLIENT_START = (() => {
  const settings = Buffer.alloc(6);
  settings.writeUInt16BE(0x4, 0);
  settings.writeUInt32BE(MAX_WINDOW, 2);
  const wu = Buffer.alloc(4);
  wu.writeUInt32BE(MAX_WINDOW - 65535, 0);
  return Buffer.concat([PREFACE, frame(0x4, 0, 0, settings), frame(0x8, 0, 0, wu)]);
})();

// HPACK: :method GET (2), :scheme http (6), then literal-without-indexing
// with indexed names :path (4) and :authority (1).
function requestBlock(): Buffer {
  const lit = (idx: number, v: string) =>
    Buffer.concat([Buffer.from([idx, v.length]), Buffer.from(v, "latin1")]);
  return Buffer.concat([
    Buffer.from([0x82, 0x86]),
    lit(0x04, PATH),
    lit(0x01, `${HOST}:${args.port}`),
  ]);
}
const REQUEST_BLOCK = requestBlock();
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const ACK = 0x1;

/**
 * Opens one h2c connection carrying up to `want` streams (fewer if the
 * server's SETTINGS say so); resolves with how many were opened and how many
 * got a response (idle: complete; sse: headers).
 */
function openH2(want: number): Promise<{ opened: number; answered: number }> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port: args.port });
    let buf: Buffer = Buffer.alloc(0);
    let opened = 0;
    let answered = 0;
    let done = false;
    let carry = "";
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      if (answered > 0) sockets.push(sock);
      if (answered < want) {
        for (let i = answered; i < want; i++) fail(err ?? "stream not answered");
      }
      resolve({ opened: want, answered });
    };
    const open = (n: number) => {
      const frames: Buffer[] = [];
      for (let i = 0; i < n; i++) {
        const id = 1 + 2 * opened++;
        frames.push(frame(0x1, END_STREAM | END_HEADERS, id, REQUEST_BLOCK));
      }
      sock.write(Buffer.concat(frames));
    };
    sock.setNoDelay(true);
    sock.on("connect", () => sock.write(CLIENT_START));
    sock.on("data", (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        const type = buf[3]!;
        const flags = buf[4]!;
        const payload = buf.subarray(9, 9 + len);
        buf = buf.subarray(9 + len);
        if (type === 0x4 && !(flags & ACK)) {
          let max = H2_STREAMS_PER_CONN;
          for (let i = 0; i + 6 <= payload.length; i += 6) {
            if (payload.readUInt16BE(i) === 0x3) max = Math.min(max, payload.readUInt32BE(i + 2));
          }
          sock.write(frame(0x4, ACK, 0, Buffer.alloc(0)));
          if (opened === 0) {
            want = Math.min(want, Math.max(1, max));
            open(want);
          }
        } else if (type === 0x6 && !(flags & ACK)) {
          sock.write(frame(0x6, ACK, 0, Buffer.from(payload)));
        } else if (type === 0x7) {
          finish(`GOAWAY ${len >= 8 ? payload.readUInt32BE(4) : "?"}`);
        } else if (args.mode === "sse") {
          if (type === 0x1) {
            answered++;
            if (answered === want) finish();
          } else if (type === 0x0) carry = countTicks(carry, payload);
          else if (type === 0x3 && !done) finish(`RST_STREAM ${payload.readUInt32BE(0)}`);
        } else if ((type === 0x0 || type === 0x1) && flags & END_STREAM) {
          answered++;
          if (answered === want) finish();
        }
      }
    });
    sock.on("error", (e) => finish(e));
    sock.on("close", () => {
      if (done) closed++;
      finish("closed");
    });
  });
}

// ---- main -----------------------------------------------------------------

async function establish(): Promise<number> {
  let next = 0;
  let established = 0;
  if (args.proto === "h1") {
    const worker = async () => {
      while (next < args.count) {
        next++;
        await openH1();
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONNECT_PARALLEL, args.count) }, worker));
    return sockets.length;
  }
  // h2c: idle wants one stream per connection; sse packs streams per connection.
  const perConn = args.mode === "idle" ? 1 : H2_STREAMS_PER_CONN;
  const worker = async () => {
    while (next < args.count) {
      const want = Math.min(perConn, args.count - next);
      next += want;
      const got = await openH2(want);
      established += got.answered;
      // The server allowed fewer streams than asked: ask for the rest on another connection.
      if (got.opened < want && got.answered === got.opened) next -= want - got.opened;
    }
  };
  const parallel = args.mode === "idle" ? CONNECT_PARALLEL : 8;
  await Promise.all(Array.from({ length: parallel }, worker));
  return args.mode === "idle" ? sockets.length : established;
}

const t0 = Date.now();
const established = await establish();
ready = true;
const openAtReady = sockets.length;
print({
  event: "ready",
  established,
  connections: openAtReady,
  failed,
  firstError: firstError || undefined,
  ms: Date.now() - t0,
});
const tReady = Date.now();
const closedAtReady = closed;
await new Promise((r) => setTimeout(r, args.hold * 1000));
print({
  event: "done",
  connections: openAtReady,
  closedDuringHold: closed - closedAtReady,
  events,
  holdMs: Date.now() - tReady,
});
for (const s of sockets) s.destroy();
process.exit(0);
