/**
 * Peer "node": node:http for HTTP/1.1, node:http2 createServer for h2c (prior
 * knowledge only: Node has no cleartext fallback) and createSecureServer with
 * allowHTTP1 for h2 over TLS. Same routes as handler.ts; HTTP/2 uses the
 * native stream API, the fast path in Node.
 *
 * Node 20 cannot run TypeScript: the harness first transpiles this file with
 * `bun build --target node` (Bun is a dev dependency) and runs the output.
 * Configuration comes from BENCH_PORT, BENCH_PROTO, BENCH_CERT, BENCH_KEY.
 *
 * @module
 */
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import process from "node:process";
import { JSON_100K, JSON_OBJ } from "./json_body.ts";

const port = Number(process.env.BENCH_PORT ?? 8000);
const proto = process.env.BENCH_PROTO ?? "h1";
const HELLO = Buffer.from("Hello, World!");
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
const EVENT = Buffer.from("data: tick\n\n");
const TEXT = "text/plain;charset=UTF-8";
const BYTES = "application/octet-stream";
const JSON_BODY = Buffer.from(JSON_100K);

// One shared 100 ms ticker, as in handler.ts.
const ticker = new EventEmitter();
ticker.setMaxListeners(0);
setInterval(() => ticker.emit("tick"), 100);

const downloadBytes = (url = ""): number => {
  const mib = Number(new URL(url, "http://x").searchParams.get("mib") ?? 256);
  return Math.max(0, Math.floor(mib * 1024 * 1024));
};

if (proto === "h1") {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/") {
      res.writeHead(200, { "content-type": TEXT, "content-length": HELLO.length });
      res.end(HELLO);
    } else if (path === "/64k") {
      res.writeHead(200, { "content-type": BYTES, "content-length": CHUNK.length });
      res.end(CHUNK);
    } else if (path === "/json-obj") {
      const text = JSON.stringify(JSON_OBJ);
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
      });
      res.end(text);
    } else if (path === "/json") {
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": JSON_BODY.length,
      });
      res.end(JSON_BODY);
    } else if (path === "/echo") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        res.writeHead(200, { "content-type": BYTES, "content-length": body.length });
        res.end(body);
      });
    } else if (path === "/download") {
      let left = downloadBytes(req.url);
      res.writeHead(200, { "content-type": BYTES, "content-length": left });
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, CHUNK.length);
          left -= n;
          if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      pump();
    } else if (path === "/sse") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
      res.write(": open\n\n");
      const send = () => res.write(EVENT);
      ticker.on("tick", send);
      res.on("close", () => ticker.off("tick", send));
    } else {
      res.writeHead(404).end("not found");
    }
  });
  // Keep idle keep-alive connections for the idle-connection scenario.
  server.keepAliveTimeout = 120_000;
  server.requestTimeout = 0;
  server.listen(port, "127.0.0.1", () => console.log(`READY ${port}`));
} else {
  const server = proto === "h2"
    ? http2.createSecureServer({
      cert: readFileSync(process.env.BENCH_CERT ?? "tests/fixtures/localhost.crt"),
      key: readFileSync(process.env.BENCH_KEY ?? "tests/fixtures/localhost.key"),
      allowHTTP1: true,
    })
    : http2.createServer();
  const onStream = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    stream.on("error", () => {});
    const path = String(headers[":path"] ?? "/").split("?")[0];
    if (path === "/") {
      stream.respond({ ":status": 200, "content-type": TEXT, "content-length": HELLO.length });
      stream.end(HELLO);
    } else if (path === "/64k") {
      stream.respond({ ":status": 200, "content-type": BYTES, "content-length": CHUNK.length });
      stream.end(CHUNK);
    } else if (path === "/json-obj") {
      const text = JSON.stringify(JSON_OBJ);
      stream.respond({
        ":status": 200,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
      });
      stream.end(text);
    } else if (path === "/json") {
      stream.respond({
        ":status": 200,
        "content-type": "application/json",
        "content-length": JSON_BODY.length,
      });
      stream.end(JSON_BODY);
    } else if (path === "/echo") {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        // The client may have reset the stream (h2load does at the end of -D).
        if (stream.destroyed || stream.closed) return;
        const body = Buffer.concat(chunks);
        stream.respond({ ":status": 200, "content-type": BYTES, "content-length": body.length });
        stream.end(body);
      });
    } else if (path === "/download") {
      let left = downloadBytes(String(headers[":path"]));
      stream.respond({ ":status": 200, "content-type": BYTES, "content-length": left });
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, CHUNK.length);
          left -= n;
          if (!stream.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
            stream.once("drain", pump);
            return;
          }
        }
        stream.end();
      };
      pump();
    } else if (path === "/sse") {
      stream.respond({
        ":status": 200,
        "content-type": "text/event-stream",
        "cache-control": "no-store",
      });
      stream.write(": open\n\n");
      const send = () => stream.write(EVENT);
      ticker.on("tick", send);
      stream.on("close", () => ticker.off("tick", send));
    } else {
      stream.respond({ ":status": 404 });
      stream.end("not found");
    }
  };
  server.on("stream", onStream);
  server.listen(port, "127.0.0.1", () => console.log(`READY ${port}`));
}
