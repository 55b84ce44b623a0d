// HTTP/2 in the server against real clients: curl (prior knowledge, Upgrade,
// TLS/ALPN), nghttp, h2load, Deno's fetch (on Deno) and node:http2 (both runtimes).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { skipUnless } from "../support/skip.ts";
import http2 from "node:http2";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CERT_PATH, pattern, run, sha256, start, TLS } from "../support/live.ts";

/** A leaf certificate signed by a test CA (rustls, under Deno's fetch, refuses a CA as end entity). */
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");
const LEAF_TLS = { cert: fixture("h2_test_leaf.crt"), key: fixture("h2_test_leaf.key") };
const TEST_CA = fixture("h2_test_ca.crt");
import type { Handler } from "../../mod.ts";

const BODY = pattern(300_000, 7);

/** Serves BODY on /bytes, echoes POST bodies, and reports the protocol on /proto. */
const handler: Handler = async (req, info) => {
  const path = new URL(req.url).pathname;
  if (path === "/bytes") return new Response(BODY);
  if (req.method === "POST") {
    const body = new Uint8Array(await req.arrayBuffer());
    return new Response(`${body.length} ${await sha256(body)}`);
  }
  return new Response(`${info.protocol} ${info.connection.id} ${req.method} ${req.url}`);
};

function tmp(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "h2serve-"));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

describe("h2 server: curl", () => {
  it("--http2-prior-knowledge (h2c)", async () => {
    const s = start(handler);
    const t = tmp();
    try {
      const out = join(t.dir, "out");
      const r = await run("curl", [
        "-sS",
        "--http2-prior-knowledge",
        "-o",
        out,
        "-w",
        "%{http_version}",
        `${s.base}/bytes`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "2");
      assert.equal(await sha256(readFileSync(out)), await sha256(BODY));
      const p = await run("curl", ["-sS", "--http2-prior-knowledge", `${s.base}/proto`]);
      assert.match(p.stdout, /^h2c \d+ GET http:\/\/127\.0\.0\.1:\d+\/proto$/);
    } finally {
      t.done();
      await s.close();
    }
  });

  it("--http2 over cleartext upgrades (opted in); the response comes on the upgraded stream", async () => {
    const s = start(handler, { protocols: ["http/1.1", "h2c", "h2c-upgrade"] });
    await using _server = s.server;
    const r = await run("curl", [
      "-sS",
      "-v",
      "--http2",
      "-w",
      "\n%{http_version}",
      `${s.base}/up`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /< HTTP\/1\.1 101 Switching Protocols/i);
    assert.match(r.stderr, /< HTTP\/2 200/);
    const [body, version] = r.stdout.split("\n");
    assert.equal(version, "2");
    assert.match(body!, /^h2c \d+ GET http:\/\/127\.0\.0\.1:\d+\/up$/);
    // A request with a body: read in full on HTTP/1.1, then answered on stream 1.
    const post = await run("curl", [
      "-sS",
      "--http2",
      "--data-binary",
      "abc",
      "-w",
      "\n%{http_version}",
      `${s.base}/post`,
    ]);
    assert.equal(post.code, 0, post.stderr);
    assert.equal(post.stdout, `3 ${await sha256(new TextEncoder().encode("abc"))}\n2`);
  });

  it("--http2 over TLS negotiates h2 by ALPN", async () => {
    const s = start(handler, { tls: TLS });
    const t = tmp();
    try {
      const out = join(t.dir, "out");
      const r = await run("curl", [
        "-sS",
        "--http2",
        "--cacert",
        CERT_PATH,
        "-o",
        out,
        "-w",
        "%{http_version}",
        `https://localhost:${s.port}/bytes`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "2");
      assert.equal(await sha256(readFileSync(out)), await sha256(BODY));
      const p = await run("curl", ["-sS", "--http2", "-k", `${s.base}/proto`]);
      assert.match(p.stdout, /^h2 \d+ GET https:\/\/127\.0\.0\.1:\d+\/proto$/);
      // Without h2 in ALPN the same port speaks HTTP/1.1.
      const h1 = await run("curl", [
        "-sS",
        "--http1.1",
        "-k",
        "-w",
        " %{http_version}",
        `${s.base}/proto`,
      ]);
      assert.match(h1.stdout, /^http\/1\.1 \d+ GET .* 1\.1$/);
    } finally {
      t.done();
      await s.close();
    }
  });
});

describe("h2 server: nghttp and h2load", () => {
  it("nghttp -nv GET and POST of 1 MiB", async () => {
    const s = start(handler);
    const t = tmp();
    try {
      const get = await run("nghttp", ["-nv", `${s.base}/proto`]);
      assert.equal(get.code, 0, get.stderr);
      assert.match(get.stdout, /recv HEADERS frame <length=\d+, flags=0x04, stream_id=13>/);
      assert.match(get.stdout, /:status: 200/);
      const file = join(t.dir, "up");
      const up = pattern(1 << 20, 3);
      writeFileSync(file, up);
      const post = await run("nghttp", ["-v", "-d", file, `${s.base}/echo`]);
      assert.equal(post.code, 0, post.stderr);
      assert.ok(post.stdout.includes(`${1 << 20} ${await sha256(up)}`), post.stdout.slice(-2000));
    } finally {
      t.done();
      await s.close();
    }
  });

  it("nghttp -m: concurrent requests on one connection", async () => {
    const ids = new Set<number>();
    const s = start(async (_req, info) => {
      ids.add(info.connection.id);
      await new Promise((r) => setTimeout(r, 20));
      return new Response("x".repeat(1000));
    });
    await using _server = s.server;
    const r = await run("nghttp", ["-nv", "-m", "20", `${s.base}/m`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.match(/:status: 200/g)?.length, 20);
    assert.equal(ids.size, 1);
  });

  it("h2load -n 20000 -c 10 -m 10: no failures", { timeout: 60_000 }, async () => {
    const s = start(() => new Response("hello world\n"));
    await using _server = s.server;
    const r = await run("h2load", ["-n", "20000", "-c", "10", "-m", "10", `${s.base}/`], 50_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /requests: 20000 total, 20000 started, 20000 done, 20000 succeeded, 0 failed, 0 errored, 0 timeout/,
    );
    assert.match(r.stdout, /status codes: 20000 2xx/);
  });
});

/** One request over a node:http2 session; resolves with status, protocol line and body. */
function h2request(
  session: http2.ClientHttp2Session,
  path: string,
  body?: Uint8Array,
): Promise<{ status: number; body: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":path": path, ":method": body ? "POST" : "GET" });
    const chunks: Uint8Array[] = [];
    let status = 0;
    req.on("response", (h) => (status = Number(h[":status"])));
    req.on("data", (d: Uint8Array) => chunks.push(new Uint8Array(d)));
    req.on("end", () => resolve({ status, body: Buffer.concat(chunks) }));
    req.on("error", reject);
    if (body) req.end(body);
    else req.end();
  });
}

describe("h2 server: runtime clients", () => {
  for (const secure of [false, true]) {
    it(`node:http2 connect() over ${secure ? "TLS (h2)" : "cleartext (h2c)"}`, async () => {
      const s = start(handler, secure ? { tls: TLS } : {});
      const session = http2.connect(
        secure ? `https://localhost:${s.port}` : s.base,
        secure ? { ca: TLS.cert } : {},
      );
      try {
        const a = await h2request(session, "/proto");
        assert.equal(a.status, 200);
        const text = new TextDecoder().decode(a.body);
        assert.match(
          text,
          secure ? /^h2 \d+ GET https:\/\/localhost:\d+\/proto$/ : /^h2c \d+ GET /,
        );
        const b = await h2request(session, "/bytes");
        assert.equal(await sha256(b.body), await sha256(BODY));
        const up = pattern(200_000, 9);
        const c = await h2request(session, "/echo", up);
        assert.equal(new TextDecoder().decode(c.body), `${up.length} ${await sha256(up)}`);
        // Same session → same connection id.
        const again = new TextDecoder().decode((await h2request(session, "/proto")).body);
        assert.equal(again.split(" ")[1], text.split(" ")[1]);
      } finally {
        session.close();
        await s.close();
      }
    });
  }

  {
    const skip = skipUnless("Deno" in globalThis, "Deno.createHttpClient exists on Deno only");
    for (const secure of [false, true]) {
      it(
        `Deno fetch with createHttpClient({ http2: true, http1: false }) over ${
          secure ? "TLS" : "h2c"
        }`,
        { skip },
        async () => {
          const D = (globalThis as unknown as { Deno: typeof Deno }).Deno;
          const s = start(handler, secure ? { tls: LEAF_TLS } : {});
          const client = D.createHttpClient({
            http2: true,
            http1: false,
            ...(secure ? { caCerts: [TEST_CA] } : {}),
          });
          const base = secure ? `https://localhost:${s.port}` : s.base;
          try {
            const a = await fetch(`${base}/proto`, { client });
            assert.match(await a.text(), secure ? /^h2 \d+ GET / : /^h2c \d+ GET /);
            const b = await fetch(`${base}/bytes`, { client });
            assert.equal(await sha256(new Uint8Array(await b.arrayBuffer())), await sha256(BODY));
            const up = pattern(500_000, 5);
            const c = await fetch(`${base}/echo`, { client, method: "POST", body: up });
            assert.equal(await c.text(), `${up.length} ${await sha256(up)}`);
          } finally {
            client.close();
            await s.close();
          }
        },
      );
    }
  }
});
