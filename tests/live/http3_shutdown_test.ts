/** HTTP/3 graceful shutdown on Deno: GOAWAY, in-flight streams finish, then CONNECTION_CLOSE H3_NO_ERROR. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { serve } from "../../mod.ts";
import { H3Client } from "../support/h3_client.ts";

const fixture = (n: string) => readFileSync(new URL(`../fixtures/${n}`, import.meta.url), "utf8");
const TLS = { cert: fixture("h2_test_leaf.crt"), key: fixture("h2_test_leaf.key") };
const CA = fixture("h2_test_ca.crt");
const g = globalThis as { Deno?: { QuicEndpoint?: unknown }; Bun?: unknown };
const HAS_QUIC = g.Bun === undefined && typeof g.Deno?.QuicEndpoint === "function";
const enc = new TextEncoder();

function sse(): Response {
  let i = 0;
  return new Response(
    new ReadableStream({
      async pull(c) {
        if (i === 3) return c.close();
        await new Promise((r) => setTimeout(r, 20));
        c.enqueue(enc.encode(`data: ${i++}\n\n`));
      },
    }),
  );
}

describe("http3 shutdown", () => {
  it("http3 needs tls: refused at start with the option named", () => {
    assert.throws(
      () => serve({ port: 0, http3: true, onListen() {} }, sse),
      /http3 needs tls|no QUIC/,
    );
  });
  it("graceful: in-flight finishes, then the connection closes with H3_NO_ERROR", async () => {
    const start = () =>
      serve({ port: 0, hostname: "127.0.0.1", tls: TLS, http3: true, onListen() {} }, sse);
    if (!HAS_QUIC) return void assert.throws(start, /no QUIC yet/);
    const s2 = serve({ port: 0, hostname: "127.0.0.1", tls: TLS, http3: true, onListen() {} }, sse);
    const c2 = await H3Client.connect((s2.addr as { port: number }).port, CA);
    // In flight: the response has begun (no request promise left unawaited across a timer).
    const res = await c2.request("GET", "/sse");
    const done = s2.shutdown({ timeout: 3000 });
    assert.equal(await res.text(), "data: 0\n\ndata: 1\n\ndata: 2\n\n");
    await done;
    assert.equal((await c2.closed).closeCode, 0x100);
  });
});
