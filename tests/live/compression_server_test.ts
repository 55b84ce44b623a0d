/**
 * Compression through a real server on 127.0.0.1, over HTTP/1.1 (node:http)
 * and h2c (node:http2), each client decoding with node:zlib as bytes arrive.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import zlib from "node:zlib";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve, serveDir } from "../../mod.ts";
import { start, type TestServer } from "../support/live.ts";
import { ZSTD_AVAILABLE } from "../../src/compression/encoders.ts";

const ENCODINGS = ZSTD_AVAILABLE ? ["zstd", "br", "gzip"] : ["br", "gzip"];
if (!ZSTD_AVAILABLE) console.log("zstd cases skipped: this runtime's node:zlib has no zstd");

const BODY = JSON.stringify({ items: Array.from({ length: 3000 }, (_, i) => ({ i, n: `x${i}` })) });
const FILE_TEXT = "line of text for the static file\n".repeat(200);
/** About 1 MB: compressed off the loop (off_loop.ts), still as a whole body with a length. */
const LARGE = JSON.stringify({
  items: Array.from({ length: 30_000 }, (_, i) => ({ i, n: `x${i}`, t: ["a", "b"] })),
});

/** A response as the client saw it: status, headers, and the decoded body as it arrived. */
interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Raw (possibly encoded) body bytes. */
  raw: Buffer;
  /** The decoded body. */
  text: string;
}

function decoder(encoding: string | undefined): zlib.Gunzip | null {
  const z = zlib as unknown as Record<string, () => zlib.Gunzip>;
  if (encoding === undefined) return null;
  const name = { gzip: "createGunzip", br: "createBrotliDecompress", zstd: "createZstdDecompress" }[
    encoding
  ];
  if (name === undefined) throw new Error(`unexpected content-encoding ${encoding}`);
  return z[name]!();
}

/**
 * A client over one protocol. `onText` sees the decoded text each time bytes
 * arrive and decode, so a test can answer the server while the response is
 * still open.
 */
interface Client {
  request(
    path: string,
    headers: Record<string, string>,
    method?: string,
    onText?: (text: string) => void,
  ): Promise<Got>;
  close(): void;
}

function consume(
  status: number,
  headers: Got["headers"],
  stream: NodeJS.ReadableStream,
  onText: ((text: string) => void) | undefined,
  resolve: (g: Got) => void,
  reject: (e: unknown) => void,
  head: boolean,
): void {
  const raw: Buffer[] = [];
  let text = "";
  const dec = head ? null : decoder(headers["content-encoding"] as string | undefined);
  const add = (b: Buffer) => {
    text += b.toString();
    onText?.(text);
  };
  dec?.on("data", add);
  dec?.on("error", reject);
  stream.on("data", (b: Buffer) => {
    raw.push(b);
    if (dec) dec.write(b);
    else add(b);
  });
  stream.on("error", reject);
  stream.on("end", () => {
    const done = () => resolve({ status, headers, raw: Buffer.concat(raw), text });
    if (dec) {
      dec.on("end", done);
      dec.end();
    } else done();
  });
}

function h1Client(port: number): Client {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  return {
    request: (path, headers, method = "GET", onText) =>
      new Promise((resolve, reject) => {
        const r = http.request(
          { host: "127.0.0.1", port, path, method, headers, agent },
          (res) =>
            consume(res.statusCode!, res.headers, res, onText, resolve, reject, method === "HEAD"),
        );
        r.on("error", reject);
        r.end();
      }),
    close: () => agent.destroy(),
  };
}

function h2cClient(port: number): Client {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  return {
    request: (path, headers, method = "GET", onText) =>
      new Promise((resolve, reject) => {
        const s = session.request({ ":path": path, ":method": method, ...headers });
        s.on("response", (h) => {
          const { ":status": status, ...rest } = h;
          consume(Number(status), rest, s, onText, resolve, reject, method === "HEAD");
        });
        s.on("error", reject);
        s.end();
      }),
    close: () => session.close(),
  };
}

/**
 * The SSE handler waits for the client's word before producing each next
 * event. If the word does not come (the event is stuck in a compressor) it
 * gives up after GATE_MS and counts a stall, so a broken flush fails the
 * test instead of hanging it.
 */
const gates: Array<() => void> = [];
const GATE_MS = 3000;
let stalls = 0;
function nextGate(): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(() => {
      stalls++;
      gates.splice(gates.indexOf(open), 1);
      r();
    }, GATE_MS);
    const open = () => {
      clearTimeout(t);
      r();
    };
    gates.push(open);
  });
}
function openGate(): void {
  gates.shift()?.();
}

const EVENTS = 4;

function handler(req: Request): Response | Promise<Response> {
  const url = new URL(req.url);
  const json = { "content-type": "application/json" };
  switch (url.pathname) {
    case "/json":
      return new Response(BODY, { headers: json });
    case "/stream": {
      // A body that is not complete at once: it streams in pieces.
      let i = 0;
      const enc = new TextEncoder();
      return new Response(
        new ReadableStream({
          async pull(c) {
            await new Promise((r) => setTimeout(r, 1));
            if (i >= BODY.length) return c.close();
            c.enqueue(enc.encode(BODY.slice(i, i + 7000)));
            i += 7000;
          },
        }),
        { headers: json },
      );
    }
    case "/sse": {
      let n = 0;
      const enc = new TextEncoder();
      return new Response(
        new ReadableStream({
          async pull(c) {
            if (n > 0) await nextGate();
            n++;
            if (n > EVENTS) return c.close();
            c.enqueue(enc.encode(`id: ${n}\ndata: event ${n} ${"pad ".repeat(50)}\n\n`));
          },
        }),
        { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } },
      );
    }
    case "/large":
      return new Response(LARGE, { headers: json });
    case "/large-bytes":
      return new Response(new TextEncoder().encode(LARGE), { headers: json });
    case "/small":
      return new Response("tiny", { headers: { "content-type": "text/plain" } });
    case "/png":
      return new Response(BODY, { headers: { "content-type": "image/png" } });
    case "/no-transform":
      return new Response(BODY, { headers: { ...json, "cache-control": "no-transform" } });
    case "/encoded":
      return new Response(zlib.gzipSync(BODY), {
        headers: { ...json, "content-encoding": "gzip" },
      });
    default:
      files ??= serveDir(dir, { urlRoot: "/files" });
      return files(req);
  }
}

describe("compression option at start", () => {
  it("a bad value fails serve() before it listens, naming the option", () => {
    const bad = [
      [{ level: { gzip: 0 } }, /compression\.level\.gzip must be an integer from 1 to 9/],
      [{ encodings: ["lz4"] }, /compression\.encodings\[0\]/],
      [{ minSize: "1k" }, /compression\.minSize/],
    ] as const;
    for (const [compression, msg] of bad) {
      assert.throws(
        () =>
          serve({
            hostname: "127.0.0.1",
            port: 0,
            onListen() {},
            compression: compression as never,
          }, () => new Response("x")),
        (e: unknown) => e instanceof TypeError && msg.test(e.message),
      );
    }
  });
});

let dir = "";
let files: ((req: Request) => Promise<Response>) | undefined;

for (const proto of ["h1", "h2c"] as const) {
  describe(`compression over ${proto}`, () => {
    let srv: TestServer;
    let client: Client;
    before(() => {
      dir = dir || mkdtempSync(join(tmpdir(), "h2serve-compression-"));
      writeFileSync(join(dir, "file.txt"), FILE_TEXT);
      srv = start(handler, { compression: true });
      client = proto === "h1" ? h1Client(srv.port) : h2cClient(srv.port);
    });
    after(async () => {
      client.close();
      await srv.close();
    });

    for (const enc of ENCODINGS) {
      it(`${enc}: a whole body decodes to the identity body`, async () => {
        const got = await client.request("/json", { "accept-encoding": enc });
        assert.equal(got.status, 200);
        assert.equal(got.headers["content-encoding"], enc);
        assert.equal(got.headers["vary"], "Accept-Encoding");
        assert.ok(got.raw.byteLength < BODY.length / 4, `${got.raw.byteLength} bytes`);
        assert.equal(got.text, BODY);
      });
      it(`${enc}: a 1 MB whole body, compressed off the loop, has its Content-Length`, async () => {
        for (const path of ["/large", "/large-bytes"]) {
          const got = await client.request(path, { "accept-encoding": enc });
          assert.equal(got.status, 200);
          assert.equal(got.headers["content-encoding"], enc);
          assert.equal(got.headers["vary"], "Accept-Encoding");
          assert.equal(got.headers["content-length"], String(got.raw.byteLength));
          assert.ok(got.raw.byteLength < LARGE.length / 4, `${got.raw.byteLength} bytes`);
          assert.equal(got.text, LARGE);
        }
      });
      it(`${enc}: others are served while large bodies compress`, async () => {
        const done: string[] = [];
        const large = Array.from(
          { length: 4 },
          (_, i) =>
            client.request("/large", { "accept-encoding": enc }).then((g) => {
              done.push(`large ${i}`);
              return g;
            }),
        );
        // Asked on a connection of its own once the large ones are on their way: it must not
        // wait for all four to compress.
        await new Promise((r) => setTimeout(r, 5));
        const other = proto === "h1" ? h1Client(srv.port) : h2cClient(srv.port);
        const small = await other.request("/small", { "accept-encoding": enc });
        other.close();
        done.push("small");
        assert.equal(small.text, "tiny");
        for (const got of await Promise.all(large)) assert.equal(got.text, LARGE);
        assert.notEqual(done.at(-1), "small", done.join(", "));
      });
      it(`${enc}: HEAD of a large body states GET's coding, no length, no body`, async () => {
        const got = await client.request("/large", { "accept-encoding": enc }, "HEAD");
        assert.equal(got.status, 200);
        assert.equal(got.headers["content-encoding"], enc);
        assert.equal(got.headers["content-length"], undefined);
        assert.equal(got.raw.byteLength, 0);
      });
      it(`${enc}: a streamed body decodes to the identity body`, async () => {
        const got = await client.request("/stream", { "accept-encoding": enc });
        assert.equal(got.headers["content-encoding"], enc);
        assert.equal(got.headers["content-length"], undefined);
        assert.equal(got.text, BODY);
      });
      it(`${enc}: SSE events arrive one by one, each before the next is produced`, async () => {
        const seen: number[] = [];
        stalls = 0;
        const got = await client.request("/sse", { "accept-encoding": enc }, "GET", (text) => {
          // The server produces event n+1 only after we have decoded event n.
          const n = (text.match(/data: event \d+/g) ?? []).length;
          while (seen.length < n) {
            seen.push(n);
            openGate();
          }
        });
        assert.equal(got.headers["content-encoding"], enc);
        assert.equal((got.text.match(/data: event \d+/g) ?? []).length, EVENTS);
        assert.equal(stalls, 0, "an event was held back until the next was produced");
        assert.deepEqual(seen, [1, 2, 3, 4]);
      });
    }

    it("q=0 is honoured", async () => {
      const none = await client.request("/json", {
        "accept-encoding": "gzip;q=0, br;q=0, zstd;q=0",
      });
      assert.equal(none.headers["content-encoding"], undefined);
      assert.equal(none.headers["vary"], "Accept-Encoding");
      assert.equal(none.raw.toString(), BODY);
      const notBr = await client.request("/json", { "accept-encoding": "br;q=0, zstd;q=0, *" });
      assert.equal(notBr.headers["content-encoding"], "gzip");
      assert.equal(notBr.text, BODY);
      const prefer = await client.request("/json", { "accept-encoding": "br;q=0.5, gzip;q=0.8" });
      assert.equal(prefer.headers["content-encoding"], "gzip");
    });

    it("serveDir: a Range request gets its 206 of the identity bytes", async () => {
      const got = await client.request("/files/file.txt", {
        "accept-encoding": "gzip, br",
        range: "bytes=10-99",
      });
      assert.equal(got.status, 206);
      assert.equal(got.headers["content-encoding"], undefined);
      assert.equal(got.headers["content-range"], `bytes 10-99/${FILE_TEXT.length}`);
      assert.equal(got.raw.toString(), FILE_TEXT.slice(10, 100));
    });

    it("serveDir: GET compressed; HEAD states the same headers, no body", async () => {
      const get = await client.request("/files/file.txt", { "accept-encoding": "gzip" });
      const head = await client.request("/files/file.txt", { "accept-encoding": "gzip" }, "HEAD");
      assert.equal(get.text, FILE_TEXT);
      for (const r of [get, head]) {
        assert.equal(r.status, 200);
        assert.equal(r.headers["content-encoding"], "gzip");
        assert.equal(r.headers["vary"], "Accept-Encoding");
        assert.equal(r.headers["accept-ranges"], undefined);
        assert.match(String(r.headers["etag"]), /^W\//);
      }
      assert.equal(head.raw.byteLength, 0);
      assert.equal(head.headers["etag"], get.headers["etag"]);
      // Without Accept-Encoding, the identity file with its length and ranges.
      const plain = await client.request("/files/file.txt", {}, "HEAD");
      assert.equal(plain.headers["content-encoding"], undefined);
      assert.equal(plain.headers["content-length"], String(FILE_TEXT.length));
      assert.equal(plain.headers["accept-ranges"], "bytes");
    });

    const untouched: Array<[string, string]> = [
      ["/small", "small bodies"],
      ["/png", "unknown types"],
      ["/no-transform", "Cache-Control: no-transform"],
    ];
    for (const [path, what] of untouched) {
      it(`${what} go untouched`, async () => {
        const got = await client.request(path, { "accept-encoding": "gzip, br, zstd" });
        assert.equal(got.headers["content-encoding"], undefined);
        assert.equal(got.headers["vary"], undefined);
        assert.equal(got.raw.toString(), path === "/small" ? "tiny" : BODY);
      });
    }

    it("an already encoded body goes as it is", async () => {
      const got = await client.request("/encoded", { "accept-encoding": "br" });
      assert.equal(got.headers["content-encoding"], "gzip");
      assert.equal(got.headers["vary"], undefined);
      assert.equal(got.text, BODY);
    });
  });
}

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
