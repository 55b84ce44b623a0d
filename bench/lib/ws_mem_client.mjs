// WebSocket client for bench/ws_memory.ts, run by Node with the `ws` package
// (an independent client, as the figures used python3-websockets):
//
//     node bench/lib/ws_mem_client.mjs --port 8000 --count 1000 --deflate 1 --size 200
//
// Opens `count` WebSockets to ws://127.0.0.1:PORT/ws (offering
// permessage-deflate with `--deflate 1`, compressing every message: threshold
// 0), 200 handshakes at a time; each sends one `size`-byte text message and
// waits for its echo. Then it prints {"event":"ready",...} and obeys lines on
// stdin:
//   ping          ping every socket, print {"event":"pong","answered":N,"open":M}
//   echo M        every socket sends M messages one after another (each waits
//                 for its echo); print {"event":"echoed",...}
//   close         close every socket; print {"event":"closed"}
//   reopen        open `count` sockets again (and exchange one message); print ready
//   quit          exit
// Bounded: every step has a deadline (60 s) after which it reports what it got.

import WebSocket from "ws";
import readline from "node:readline";

const argv = process.argv.slice(2);
const arg = (k, d) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : d;
};
const PORT = Number(arg("port", "8000"));
const COUNT = Number(arg("count", "1000"));
const DEFLATE = arg("deflate", "0") === "1";
const SIZE = Number(arg("size", "200"));
// --lean 1: a small client-side deflater (the scale test's 10,000 sockets would
// otherwise cost the client 300 KiB each); the server side is unchanged.
const LEAN = arg("lean", "0") === "1";
const PARALLEL = 200;
const STEP_MS = 60_000;

const payload = (i) => {
  // Text that compresses like chat (repeated words, a varying number).
  const base = `{"user":"u${i}","text":"hello from the memory bench, message number ${i}"}`;
  return base.repeat(Math.ceil(SIZE / base.length)).slice(0, SIZE);
};

let sockets = [];
let negotiated = "";
let failed = 0;
let firstError = "";

const print = (o) => process.stdout.write(JSON.stringify(o) + "\n");

function once(ws, send) {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), STEP_MS);
    ws.once("message", () => {
      clearTimeout(t);
      resolve(true);
    });
    send();
  });
}

function open1(i) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${PORT}/ws`, {
      perMessageDeflate: DEFLATE
        ? LEAN
          ? { threshold: 0, clientMaxWindowBits: 9, zlibDeflateOptions: { memLevel: 1 } }
          : { threshold: 0 }
        : false,
    });
    let done = false;
    const finish = (ok, err) => {
      if (done) return;
      done = true;
      if (ok) sockets.push(ws);
      else {
        failed++;
        if (!firstError) firstError = String(err);
      }
      resolve();
    };
    ws.on("open", async () => {
      negotiated ||= ws.extensions || "none";
      const ok = await once(ws, () => ws.send(payload(i)));
      finish(ok, "no echo");
    });
    ws.on("error", (e) => finish(false, e));
  });
}

async function openAll() {
  sockets = [];
  failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < COUNT) await open1(next++);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  print({ event: "ready", open: sockets.length, failed, firstError, negotiated });
}

async function pingAll() {
  let answered = 0;
  await Promise.all(sockets.map((ws) =>
    new Promise((resolve) => {
      if (ws.readyState !== WebSocket.OPEN) return resolve();
      const t = setTimeout(resolve, STEP_MS);
      ws.once("pong", () => {
        answered++;
        clearTimeout(t);
        resolve();
      });
      ws.ping();
    })
  ));
  const open = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
  print({ event: "pong", answered, open, count: sockets.length });
}

async function echoAll(m) {
  let echoed = 0;
  await Promise.all(sockets.map(async (ws, i) => {
    for (let k = 0; k < m && ws.readyState === WebSocket.OPEN; k++) {
      if (await once(ws, () => ws.send(payload(i + k)))) echoed++;
    }
  }));
  print({ event: "echoed", echoed });
}

async function closeAll() {
  await Promise.all(sockets.map((ws) =>
    new Promise((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve();
      const t = setTimeout(() => (ws.terminate(), resolve()), 5000);
      ws.once("close", () => (clearTimeout(t), resolve()));
      ws.close(1000);
    })
  ));
  sockets = [];
  print({ event: "closed" });
}

await openAll();
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const [cmd, n] = line.trim().split(/\s+/);
  if (cmd === "ping") await pingAll();
  else if (cmd === "echo") await echoAll(Number(n ?? 1));
  else if (cmd === "close") await closeAll();
  else if (cmd === "reopen") await openAll();
  else if (cmd === "quit") break;
}
for (const ws of sockets) ws.terminate();
process.exit(0);
