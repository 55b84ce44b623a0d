// HTTP/2 flow control end to end: a small client window throttles a large
// download without loss, a handler that does not read stops the uploader at
// the advertised windows, and 100 streams share one connection byte-exact.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import { pattern, run, sha256, sleep, start } from "../support/live.ts";

/** A pull-based body serving `data` in `chunk`-sized pieces (views, never copied). */
function chunked(data: Uint8Array, chunk: number, delayMs = 0): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream({
    async pull(c) {
      if (delayMs > 0) await sleep(delayMs);
      c.enqueue(data.subarray(off, Math.min(off + chunk, data.length)));
      off += chunk;
      if (off >= data.length) c.close();
    },
  });
}

/** A TCP relay to `port` that counts the bytes the client sends. */
function countingProxy(
  port: number,
): Promise<{ port: number; up: () => number; close: () => void }> {
  let up = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    sockets.add(client).add(upstream);
    client.on("data", (d: Uint8Array) => {
      up += d.length;
      upstream.write(d);
    });
    upstream.on("data", (d: Uint8Array) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const a = server.address() as net.AddressInfo;
      resolve({
        port: a.port,
        up: () => up,
        close: () => {
          for (const s of sockets) s.destroy();
          server.close();
        },
      });
    });
  });
}

describe("h2 server: flow control", () => {
  it(
    "64 MiB download through a 64 KiB client window is byte-exact",
    { timeout: 60_000 },
    async () => {
      const big = pattern(64 << 20, 11);
      const want = await sha256(big);
      const s = start(() => new Response(chunked(big, 64 * 1024)));
      await using _server = s.server;
      // -w/-W 16: stream and connection windows of 2^16-1 bytes.
      const r = await run("sh", [
        "-c",
        `nghttp -w 16 -W 16 ${s.base}/big | sha256sum`,
      ], 50_000);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.split(" ")[0], want);
    },
  );

  it("node:http2 with a 64 KiB initial window: 8 MiB byte-exact", { timeout: 30_000 }, async () => {
    const big = pattern(8 << 20, 12);
    const s = start(() => new Response(chunked(big, 100_000)));
    const session = http2.connect(s.base, { settings: { initialWindowSize: 65535 } });
    try {
      const body = await new Promise<Uint8Array>((resolve, reject) => {
        const req = session.request({ ":path": "/big" });
        const parts: Uint8Array[] = [];
        req.on("data", (d: Uint8Array) => parts.push(new Uint8Array(d)));
        req.on("end", () => resolve(Buffer.concat(parts)));
        req.on("error", reject);
        req.end();
      });
      assert.equal(body.length, big.length);
      assert.equal(await sha256(body), await sha256(big));
    } finally {
      session.close();
      await s.close();
    }
  });

  it("a handler that never reads an upload holds no more than the advertised window", {
    timeout: 30_000,
  }, async () => {
    const WINDOW = 128 * 1024;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let started = false;
    const s = start(async () => {
      started = true;
      await released;
      return new Response("ignored your upload");
    }, { http2: { initialWindowSize: WINDOW, connectionWindowSize: 1 << 20 } });
    const proxy = await countingProxy(s.port);
    const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
    try {
      const answer = new Promise<string>((resolve, reject) => {
        const req = session.request({ ":path": "/upload", ":method": "POST" });
        let out = "";
        req.setEncoding("utf8");
        req.on("data", (d: string) => (out += d));
        // The upload goes on after the early answer: RST_STREAM NO_ERROR (RFC 9113 §8.1) stops it.
        req.on("end", () => resolve(out));
        req.on("error", reject);
        req.end(pattern(8 << 20, 2));
      });
      // Wait until the uploader has stalled: no progress for 300 ms.
      let last = -1;
      while (!started || proxy.up() !== last) {
        last = proxy.up();
        await sleep(300);
      }
      const sent = proxy.up();
      // Preface, SETTINGS, HEADERS and 9-byte DATA headers are a few hundred bytes on top.
      const overhead = 1024 + Math.ceil(WINDOW / 16384) * 9;
      assert.ok(sent <= WINDOW + overhead, `client sent ${sent} bytes for a ${WINDOW}-byte window`);
      assert.ok(sent >= WINDOW, `client sent only ${sent} bytes: the window was not used`);
      release();
      assert.equal(await answer, "ignored your upload");
    } finally {
      release();
      session.close();
      proxy.close();
      await s.close();
    }
  });

  it("a slow reader receives a large upload byte-exact", { timeout: 30_000 }, async () => {
    const s = start(async (req) => {
      const reader = req.body!.getReader();
      const parts: Uint8Array[] = [];
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        parts.push(r.value);
        if (parts.length % 16 === 0) await sleep(1);
      }
      const all = Buffer.concat(parts);
      return new Response(`${all.length} ${await sha256(all)}`);
    }, { http2: { initialWindowSize: 65535 } });
    const session = http2.connect(s.base);
    try {
      const up = pattern(4 << 20, 4);
      const text = await new Promise<string>((resolve, reject) => {
        const req = session.request({ ":path": "/", ":method": "POST" });
        let out = "";
        req.setEncoding("utf8");
        req.on("data", (d: string) => (out += d));
        req.on("end", () => resolve(out));
        req.on("error", reject);
        req.end(up);
      });
      assert.equal(text, `${up.length} ${await sha256(up)}`);
    } finally {
      session.close();
      await s.close();
    }
  });

  it(
    "100 concurrent streaming responses on one connection, all byte-exact",
    { timeout: 30_000 },
    async () => {
      const N = 100;
      const SIZE = 64 * 1024;
      const ids = new Set<number>();
      const s = start((req, info) => {
        ids.add(info.connection.id);
        const seed = Number(new URL(req.url).searchParams.get("seed"));
        return new Response(chunked(pattern(SIZE, seed), 4096, 1));
      });
      const session = http2.connect(s.base);
      try {
        const results = await Promise.all(
          Array.from({ length: N }, (_, i) =>
            new Promise<Uint8Array>((resolve, reject) => {
              const req = session.request({ ":path": `/s?seed=${i + 1}` });
              const parts: Uint8Array[] = [];
              req.on("data", (d: Uint8Array) => parts.push(new Uint8Array(d)));
              req.on("end", () => resolve(Buffer.concat(parts)));
              req.on("error", reject);
              req.end();
            })),
        );
        for (let i = 0; i < N; i++) {
          assert.equal(
            await sha256(results[i]!),
            await sha256(pattern(SIZE, i + 1)),
            `stream ${i}`,
          );
        }
        assert.equal(ids.size, 1);
      } finally {
        session.close();
        await s.close();
      }
    },
  );
});
