import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chromiumMissing, launchChromium, TEST_CERT_PEM } from "../support/browser.ts";
import { start, TLS } from "../support/live.ts";
import { skipUnless } from "../support/skip.ts";
import type { ServeOptions } from "../../mod.ts";

const missing = chromiumMissing();
const skip = skipUnless(!missing, `browser tests: ${missing}`);

const PAGE = "<!doctype html><title>h2serve</title><p>hello</p>";

/** What the page reports about itself and a fetch it makes. */
interface Seen {
  title: string;
  page: string;
  fetched: string;
  body: string;
}

const PROBE = `(async () => {
  const r = await fetch("/data?x=1");
  const body = await r.text();
  const entries = performance.getEntries();
  const nav = entries.find((e) => e.entryType === "navigation");
  const res = entries.find((e) => e.name.endsWith("/data?x=1"));
  return { title: document.title, page: nav.nextHopProtocol, fetched: res.nextHopProtocol, body };
})()`;

function app(protocols: string[]) {
  return (req: Request, info: { protocol: string }) => {
    protocols.push(info.protocol);
    const url = new URL(req.url);
    if (url.pathname === "/data") return new Response(`data ${url.search}`);
    return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
  };
}

describe("headless Chromium harness (pages served by h2serve)", () => {
  const cases: [string, ServeOptions, string, string][] = [
    ["cleartext HTTP/1.1", {}, "http", "http/1.1"],
    ["TLS, ALPN h2", { tls: TLS }, "https", "h2"],
    ["TLS, HTTP/1.1 only", { tls: TLS, http2: false }, "https", "http/1.1"],
  ];
  for (const [name, options, scheme, want] of cases) {
    it(`loads a page and fetches over ${name}`, { skip }, async () => {
      const protocols: string[] = [];
      await using srv = start(app(protocols), options);
      await using browser = await launchChromium({ trust: [TEST_CERT_PEM] });
      await using page = await browser.open(`${scheme}://127.0.0.1:${srv.port}/`);
      const seen = await page.evaluate<Seen>(PROBE);
      console.log(
        `chromium ${await browser
          .version()} over ${name}: page ${seen.page}, fetch ${seen.fetched}`,
      );
      assert.deepEqual(seen, { title: "h2serve", page: want, fetched: want, body: "data ?x=1" });
      assert.ok(protocols.length >= 2, `server saw ${protocols}`);
      for (const p of protocols) assert.equal(p, want);
    });
  }

  it("refuses a certificate it was not told to trust", { skip }, async () => {
    await using srv = start(app([]), { tls: TLS });
    await using browser = await launchChromium();
    await assert.rejects(
      browser.open(`https://127.0.0.1:${srv.port}/`),
      /ERR_CERT_AUTHORITY_INVALID|ERR_CERT/,
    );
  });
});
