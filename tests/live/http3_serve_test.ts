/**
 * HTTP/3 end to end on Deno (with --unstable-net) through the test client;
 * on Bun and Node, `http3: true` must refuse to start with a clear message.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { serve } from "../../mod.ts";
import type { Server } from "../../src/types.ts";
import { withTrailers } from "../../src/fetch/trailers.ts";
import { H3Client } from "../support/h3_client.ts";

const fixture = (n: string) => readFileSync(new URL(`../fixtures/${n}`, import.meta.url), "utf8");
const TLS = { cert: fixture("h2_test_leaf.crt"), key: fixture("h2_test_leaf.key") };
const CA = fixture("h2_test_ca.crt");
const g = globalThis as { Deno?: { QuicEndpoint?: unknown }; Bun?: unknown };
const HAS_QUIC = g.Bun === undefined && typeof g.Deno?.QuicEndpoint === "function";

const enc = new TextEncoder();
let produced = 0; // bytes the slow-reader handler's stream has produced

function handler(req: Request, info: { protocol: string }): Response | Promise<Response> {
  const path = new URL(req.url).pathname;
  if (path === "/") return new Response(`hello ${info.protocol}`);
  if (path === "/echo-size") {
    return (async () => {
      let n = 0;
      for await (const c of req.body!) n += c.byteLength;
      return new Response(String(n));
    })();
  }
  if (path === "/sse") {
    let i = 0;
    return new Response(
      new ReadableStream({
        async pull(c) {
          if (i === 3) return c.close();
          await new Promise((r) => setTimeout(r, 20));
          c.enqueue(enc.encode(`data: ${i++}\n\n`));
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  }
  if (path === "/trailers") {
    return (async () => {
      const text = await req.text();
      const { requestTrailers } = await import("../../src/fetch/request_trailers.ts");
      const t = await requestTrailers(req);
      const got = t.get("x-req") ?? "";
      return withTrailers(new Response(`body ${text}`), () => [["x-sum", `${text.length}:${got}`]]);
    })();
  }
  if (path === "/endless") {
    produced = 0;
    return new Response(
      new ReadableStream({
        pull(c) {
          produced += 65536;
          c.enqueue(new Uint8Array(65536));
        },
      }, { highWaterMark: 0 }),
    );
  }
  return new Response("not found", { status: 404 });
}

const start = () =>
  serve({ port: 0, hostname: "127.0.0.1", tls: TLS, http3: true, onListen() {} }, handler);

/** Each case runs everywhere: on Bun and Node it checks that http3 refuses to start. */
function h3it(name: string, fn: () => Promise<void>): void {
  it(name, async () => {
    if (!HAS_QUIC) return void assert.throws(start, /no QUIC yet/);
    await fn();
  });
}

describe("http3 (Deno; elsewhere each case checks the refusal)", () => {
  let server: Server;
  let port = 0;
  let client: H3Client;
  before(async () => {
    if (!HAS_QUIC) return;
    server = start();
    port = (server.addr as { port: number }).port;
    client = await H3Client.connect(port, CA);
  });
  after(async () => {
    client?.close();
    await server?.shutdown({ timeout: 1000 });
  });

  h3it("GET: info.protocol is h3", async () => {
    const res = await client.request("GET", "/");
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "hello h3");
  });
  h3it("the TLS listener advertises h3 with alt-svc", async () => {
    const { request } = await import("node:https");
    const alt = await new Promise<string>((resolve, reject) => {
      request({ host: "127.0.0.1", port, path: "/", ca: CA, servername: "localhost" }, (r) => {
        r.resume();
        resolve(String(r.headers["alt-svc"]));
      }).on("error", reject).end();
    });
    assert.equal(alt, `h3=":${port}"; ma=86400`);
  });
  h3it("POST with a 10 MiB body", async () => {
    const body = new Uint8Array(10 * 1024 * 1024).fill(7);
    const res = await client.request("POST", "/echo-size", { body });
    assert.equal(await res.text(), String(body.length));
  });
  h3it("SSE: events arrive one by one, each flushed", async () => {
    const res = await client.request("GET", "/sse");
    assert.equal(res.headers.find(([n]) => n === "content-type")?.[1], "text/event-stream");
    const reader = res.body.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), "data: 0\n\n");
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      rest += new TextDecoder().decode(r.value);
    }
    assert.equal(rest, "data: 1\n\ndata: 2\n\n");
  });
  h3it("trailers both ways", async () => {
    const res = await client.request("POST", "/trailers", {
      body: enc.encode("abc"),
      trailers: [["x-req", "yes"]],
    });
    assert.equal(await res.text(), "body abc");
    assert.deepEqual(await res.trailers, [["x-sum", "3:yes"]]);
  });
  h3it("100 concurrent streams on one connection", async () => {
    const all = await Promise.all(
      Array.from({ length: 100 }, () => client.request("GET", "/").then((r) => r.text())),
    );
    assert.equal(all.length, 100);
    assert.ok(all.every((t) => t === "hello h3"));
  });
  h3it("a client that stops reading: the server does not buffer the whole body", async () => {
    const res = await client.request("GET", "/endless");
    const reader = res.body.getReader();
    await reader.read(); // one chunk, then nothing more is read
    await new Promise((r) => setTimeout(r, 500));
    const first = produced;
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(produced < 32 * 1024 * 1024, `produced ${produced} bytes for a stalled reader`);
    assert.equal(produced, first, "production stopped while the client does not read");
    reader.cancel().catch(() => {});
  });
  // After the cases above (a stalled reader among them): once this failed with
  // "connection lost", while the stalled response's writer spun on a dead stream.
  h3it(
    "graceful shutdown after the other cases: in-flight finishes, then H3_NO_ERROR",
    async () => {
      const s2 = start();
      const c2 = await H3Client.connect((s2.addr as { port: number }).port, CA);
      const res = await c2.request("GET", "/sse");
      const done = s2.shutdown({ timeout: 3000 });
      assert.equal(await res.text(), "data: 0\n\ndata: 1\n\ndata: 2\n\n");
      await done;
      assert.equal((await c2.closed).closeCode, 0x100);
    },
  );
});
