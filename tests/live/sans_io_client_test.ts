// The public H2Connection as a client (examples/sans_io_client.ts) against real
// servers on 127.0.0.1: nghttpd, Node's http2 (h2c and TLS), Deno.serve over TLS
// (on Deno; elsewhere node:http2's TLS server stands in), and h2serve's serve().
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchH2 } from "../../examples/sans_io_client.ts";
import { pattern, sha256, start, TLS } from "../support/live.ts";
import { freePort } from "../support/ports.ts";

const dec = new TextDecoder();
const BIG = pattern(300_000); // beyond the 65,535-byte windows: acknowledgeReceivedData must run

async function untilListening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

function nodeHandler(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void {
  if (req.url === "/big") {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.end(BIG);
    return;
  }
  res.addTrailers({ "x-trailer": "t" });
  res.writeHead(200, { "x-path": req.url });
  res.end(`node ${req.url}`);
}

describe("sans-IO client against nghttpd", () => {
  let dir = "";
  let proc: ReturnType<typeof spawn> | undefined;
  let port = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sansio-nghttpd-"));
    writeFileSync(join(dir, "index.html"), "hello from nghttpd\n");
    writeFileSync(join(dir, "big.bin"), BIG);
    port = await freePort();
    proc = spawn("nghttpd", ["--no-tls", "-d", dir, String(port)], { stdio: "ignore" });
    await untilListening(port);
  });
  after(() => {
    proc?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("GET / over h2c", async () => {
    const res = await fetchH2(`http://127.0.0.1:${port}/index.html`);
    assert.equal(res.status, 200);
    assert.equal(dec.decode(res.body), "hello from nghttpd\n");
  });

  it("a 300 kB body through flow control", async () => {
    const res = await fetchH2(`http://127.0.0.1:${port}/big.bin`);
    assert.equal(await sha256(res.body), await sha256(BIG));
  });

  it("a 404", async () => {
    assert.equal((await fetchH2(`http://127.0.0.1:${port}/nope`)).status, 404);
  });
});

describe("sans-IO client against Node's http2 server", () => {
  const h2c = http2.createServer(nodeHandler);
  const secure = http2.createSecureServer({ ...TLS }, nodeHandler);
  let h2cPort = 0;
  let tlsPort = 0;
  before(async () => {
    await new Promise<void>((r) => h2c.listen(0, "127.0.0.1", r));
    await new Promise<void>((r) => secure.listen(0, "127.0.0.1", r));
    h2cPort = (h2c.address() as net.AddressInfo).port;
    tlsPort = (secure.address() as net.AddressInfo).port;
  });
  after(async () => {
    await new Promise((r) => h2c.close(r));
    await new Promise((r) => secure.close(r));
  });

  it("h2c: response, body and trailers", async () => {
    const res = await fetchH2(`http://127.0.0.1:${h2cPort}/a?b=1`);
    assert.equal(res.status, 200);
    assert.equal(dec.decode(res.body), "node /a?b=1");
    assert.deepEqual(res.trailers, [["x-trailer", "t"]]);
    assert.ok(res.headers.some(([n, v]) => n === "x-path" && v === "/a?b=1"));
  });

  it("TLS with ALPN h2, a 300 kB body", async () => {
    const res = await fetchH2(`https://localhost:${tlsPort}/big`, { ca: TLS.cert });
    assert.equal(await sha256(res.body), await sha256(BIG));
  });
});

/** The part of Deno.serve this test uses (tsc on Node does not know it). */
interface DenoServe {
  serve(
    options: { hostname: string; port: number; cert: string; key: string; onListen(): void },
    handler: (req: Request) => Response,
  ): { addr: { port: number }; shutdown(): Promise<void> };
}
const deno = (globalThis as unknown as { Deno?: DenoServe }).Deno;

describe(`sans-IO client against ${deno ? "Deno.serve" : "node:http2 (Deno.serve stand-in)"} over TLS`, () => {
  let port = 0;
  let stop: () => Promise<void> = async () => {};
  before(async () => {
    if (deno) {
      const server = deno.serve(
        { hostname: "127.0.0.1", port: 0, cert: TLS.cert, key: TLS.key, onListen() {} },
        (req) => new Response(`deno ${new URL(req.url).pathname}`),
      );
      port = server.addr.port;
      stop = () => server.shutdown();
    } else {
      const s = http2.createSecureServer({ ...TLS }, (req, res) => res.end(`deno ${req.url}`));
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
      port = (s.address() as net.AddressInfo).port;
      stop = () => new Promise((r) => s.close(() => r()));
    }
  });
  after(() => stop());

  it("GET /x", async () => {
    const res = await fetchH2(`https://localhost:${port}/x`, { ca: TLS.cert });
    assert.equal(res.status, 200);
    assert.equal(dec.decode(res.body), "deno /x");
  });
});

describe("sans-IO client against h2serve's serve()", () => {
  it("h2c and TLS, with a large body", async () => {
    const handler = (req: Request) =>
      new URL(req.url).pathname === "/big"
        ? new Response(BIG)
        : new Response(`serve ${req.headers.get("x-hello")}`);
    await using plain = start(handler);
    await using secure = start(handler, { tls: TLS });
    const a = await fetchH2(`${plain.base}/`, { headers: [["x-hello", "h2c"]] });
    assert.equal(dec.decode(a.body), "serve h2c");
    const b = await fetchH2(`https://localhost:${secure.port}/`, {
      ca: TLS.cert,
      headers: [["x-hello", "tls"]],
    });
    assert.equal(dec.decode(b.body), "serve tls");
    const c = await fetchH2(`${plain.base}/big`);
    assert.equal(await sha256(c.body), await sha256(BIG));
  });
});
