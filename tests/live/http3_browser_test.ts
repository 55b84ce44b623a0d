/**
 * A real browser on HTTP/3: headless Chromium forced onto QUIC for the test
 * origin loads a page whose navigation entry reports nextHopProtocol "h3",
 * and reads an SSE stream incrementally over it. Deno only; elsewhere the
 * same serve() call must fail at start (no QUIC in Bun or Node yet).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { serve } from "../../mod.ts";
import { chromiumMissing, launchChromium } from "../support/browser.ts";

const fixture = (n: string) => readFileSync(new URL(`../fixtures/${n}`, import.meta.url), "utf8");
const TLS = { cert: fixture("h2_test_leaf.crt"), key: fixture("h2_test_leaf.key") };
const g = globalThis as { Deno?: { QuicEndpoint?: unknown }; Bun?: unknown };
const HAS_QUIC = g.Bun === undefined && typeof g.Deno?.QuicEndpoint === "function";
const enc = new TextEncoder();

function app(req: Request, info: { protocol: string }): Response {
  if (new URL(req.url).pathname === "/sse") {
    let i = 0;
    return new Response(
      new ReadableStream({
        async pull(c) {
          if (i === 3) return c.close();
          await new Promise((r) => setTimeout(r, 30));
          c.enqueue(enc.encode(`data: ${i++}\n\n`));
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  }
  return new Response(`<title>${info.protocol}</title>`, {
    headers: { "content-type": "text/html" },
  });
}

describe("http3 in Chromium", () => {
  it("serves a page Chromium fetches over h3, and an SSE stream read incrementally", async () => {
    const start = () =>
      serve({ port: 0, hostname: "127.0.0.1", tls: TLS, http3: true, onListen() {} }, app);
    if (!HAS_QUIC) {
      assert.throws(start, /no QUIC yet/);
      return;
    }
    const server = start();
    const missing = chromiumMissing();
    try {
      if (missing !== false) {
        console.log(`http3 browser check not run: ${missing}`);
        return;
      }
      const port = (server.addr as { port: number }).port;
      await using browser = await launchChromium({
        trust: [TLS.cert],
        forceQuic: [`localhost:${port}`],
      });
      await using page = await browser.open(`https://localhost:${port}/`);
      assert.equal(await page.evaluate("document.title"), "h3");
      assert.equal(await page.evaluate("performance.getEntries()[0].nextHopProtocol"), "h3");
      const events = await page.evaluate<string[]>(`new Promise((resolve, reject) => {
        const got = [];
        const es = new EventSource("/sse");
        es.onmessage = (e) => { got.push(e.data); if (got.length === 3) { es.close(); resolve(got); } };
        es.onerror = () => { es.close(); reject(new Error("EventSource failed after " + got.length)); };
      })`);
      assert.deepEqual(events, ["0", "1", "2"]);
    } finally {
      await server.shutdown({ timeout: 500 });
    }
  });
});
