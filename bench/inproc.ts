/**
 * CPU per request of our drivers alone, in one process, without sockets: a
 * memory transport feeds h1 or h2c hello requests to the HTTP/1.1 or HTTP/2
 * driver of a checkout (`--root`, default this one) and the process's CPU
 * time over `--requests` is divided by their number. No kernel, no load
 * generator: what moves is our JavaScript (and the runtime's Request,
 * Response and GC), so an A/B of two checkouts on a shared machine is read
 * from the minimum of several interleaved runs.
 *
 *     deno run -A bench/inproc.ts --proto h2c --root ../before
 *     bun bench/inproc.ts --proto h1 --requests 200000
 *
 * h1: one request, then await its response (keep-alive, one connection).
 * h2c: batches of 100 streams on one connection, each batch answered before
 * the next. The checkout may be laid out before or after the #24 moves.
 *
 * @module
 */
import { existsSync } from "node:fs";
import process from "node:process";
import { setImmediate } from "node:timers";
import { MemoryTransport } from "../tests/support/memory_transport.ts";

const argv = process.argv.slice(2);
const arg = (k: string, d: string) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : d;
};
const root = arg("root", new URL("..", import.meta.url).pathname).replace(/\/?$/, "/");
const proto = arg("proto", "h2c");
const requests = Number(arg("requests", "100000"));
const warmup = Number(arg("warmup", "20000"));

const first = (...paths: string[]) => {
  const p = paths.find((x) => existsSync(root + x));
  if (p === undefined) throw new Error(`none of ${paths.join(", ")} in ${root}`);
  return root + p;
};
// deno-lint-ignore no-explicit-any
type Any = any;
const h2 = await import(first("src/http2/server/driver.ts", "src/http2/driver.ts")) as Any;
const h2opts = await import(
  first("src/http2/server/options.ts", "src/http2/server_options.ts")
) as Any;
const h1 = await import(first("src/http1/server/driver.ts", "src/http1/driver.ts")) as Any;
const h1opts = await import(first("src/http1/server/options.ts", "src/http1/options.ts")) as Any;
const info = await import(root + "src/fetch/info.ts") as Any;
const exchange = await import(root + "src/fetch/exchange.ts") as Any;

const host = {
  handler: () => new Response("hello"),
  onError: exchange.defaultOnError,
  shuttingDown: false,
  add() {},
  remove() {},
  clientError(_k: string, e: unknown) {
    throw e;
  },
};
const t = new MemoryTransport();
const stats = { requests: 0, inflight: 0, websockets: 0 };
const facts = {
  stats,
  remoteAddr: t.remoteAddr,
  localAddr: t.localAddr,
  protocol: proto === "h1" ? "http/1.1" : "h2c",
  secure: false,
  serverName: null,
  connection: new info.Connection(),
};
const turn = () => new Promise<void>((r) => setImmediate(r));
const enc = new TextEncoder();

/** Runs `n` requests; resolves when all are answered. */
let run: (n: number) => Promise<void>;

if (proto === "h1") {
  new h1.Http1Driver(t, host, facts, { ...h1opts.DEFAULT_HTTP1_OPTIONS }).start();
  const req = enc.encode("GET / HTTP/1.1\r\nHost: bench\r\n\r\n");
  run = async (n) => {
    for (let i = 0; i < n; i++) {
      const answered = new Promise<void>((r) => (t.onWrite = () => r()));
      t.sink!.data(req.slice());
      await answered;
    }
  };
} else {
  const f = await import("../tests/support/http2_frames.ts");
  const { concat } = await import("../tests/support/common.ts");
  new h2.Http2Driver(t, host, facts, h2opts.resolveHttp2Options({})).start();
  t.sink!.data(
    concat(f.preface(), f.settings(), f.settingsAck(), f.windowUpdate(0, 2 ** 31 - 65536)),
  );
  let id = 1;
  run = async (n) => {
    for (let done = 0; done < n; done += 100) {
      const frames: Uint8Array[] = [];
      for (let i = 0; i < 100; i++, id += 2) {
        frames.push(f.headers(id, f.getRequest("/"), { endStream: true }));
      }
      const target = stats.requests + 100;
      t.sink!.data(concat(...frames));
      while (stats.requests < target || stats.inflight > 0) await turn();
    }
  };
}

await run(warmup);
const c0 = process.cpuUsage();
const w0 = performance.now();
await run(requests);
const cpu = process.cpuUsage(c0);
const wall = performance.now() - w0;
const us = (cpu.user + cpu.system) / requests;
console.log(
  JSON.stringify({
    root,
    proto,
    requests,
    cpuUsPerReq: +us.toFixed(3),
    wallUsPerReq: +((wall * 1000) / requests).toFixed(3),
  }),
);
process.exit(0);
