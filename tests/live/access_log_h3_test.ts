/**
 * onResponse over HTTP/3 (Deno with --unstable-net; on Bun and Node,
 * `http3: true` refuses to start, which each case checks instead): a
 * complete exchange is reported with protocol h3, its status and bytes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type ResponseInfo, serve } from "../../mod.ts";
import { H3Client } from "../support/h3_client.ts";
import { eventually } from "../support/common.ts";

const fixture = (n: string) => readFileSync(new URL(`../fixtures/${n}`, import.meta.url), "utf8");
const TLS = { cert: fixture("h2_test_leaf.crt"), key: fixture("h2_test_leaf.key") };
const CA = fixture("h2_test_ca.crt");
const g = globalThis as { Deno?: { QuicEndpoint?: unknown }; Bun?: unknown };
const HAS_QUIC = g.Bun === undefined && typeof g.Deno?.QuicEndpoint === "function";

function startServer(seen: ResponseInfo[]) {
  return serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: TLS,
    http3: true,
    onListen() {},
    onResponse: (i) => void seen.push(i),
  }, () => new Response("hello h3"));
}

describe("onResponse over HTTP/3", () => {
  it("a complete GET is reported with protocol h3", async () => {
    const seen: ResponseInfo[] = [];
    if (!HAS_QUIC) return void assert.throws(() => startServer(seen), /no QUIC yet/);
    await using server = startServer(seen);
    const port = (server.addr as { port: number }).port;
    const client = await H3Client.connect(port, CA);
    try {
      const res = await client.request("GET", "/a?b=1");
      assert.equal(await res.text(), "hello h3");
      const [ok] = await eventually(() => seen.length === 1 && seen, 5000, "the GET reported");
      assert.equal(ok!.protocol, "h3");
      assert.equal(ok!.status, 200);
      assert.equal(ok!.method, "GET");
      assert.equal(ok!.url, `https://localhost:${port}/a?b=1`);
      assert.equal(ok!.responseBytes, 8);
      assert.equal(ok!.ended, "complete");
    } finally {
      client.close();
    }
  });
});
