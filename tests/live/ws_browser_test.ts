import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chromiumMissing, launchChromium, TEST_CERT_PEM } from "../support/browser.ts";
import { start, TLS } from "../support/live.ts";
import { skipUnless } from "../support/skip.ts";
import { eventually } from "../support/common.ts";
import { upgradeWebSocket } from "../../mod.ts";
import type { ServeOptions } from "../../mod.ts";
import { chatPage, joinChat } from "../../examples/chat.ts";

const missing = chromiumMissing();
const skip = skipUnless(!missing, `browser WebSocket tests: ${missing}`);

/** Every size class of the frame length: 7-bit, 16-bit, 64-bit, and a 1 MiB message. */
const SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20];

const PAGE = "<!doctype html><title>ws</title>";

/** What the page reports after its WebSocket exchange. */
interface PageResult {
  protocol: string;
  extensions: string;
  mismatches: string[];
  echoed: number;
  close: { code: number; reason: string; wasClean: boolean };
}

/**
 * The page's script: opens `url` with subprotocol "chat", echoes binary and
 * text of every size, then closes with `closeBy` ("client": 4000 from the
 * page; "server": asks the server to close with 4001).
 */
function pageScript(url: string, closeBy: "client" | "server"): string {
  return `(async () => {
    const ws = new WebSocket(${JSON.stringify(url)}, ["chat"]);
    ws.binaryType = "arraybuffer";
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error("WebSocket failed to open"));
    });
    const closed = new Promise((resolve) => {
      ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean });
    });
    const next = () => new Promise((resolve) =>
      ws.addEventListener("message", (e) => resolve(e.data), { once: true })
    );
    const mismatches = [];
    let echoed = 0;
    for (const n of ${JSON.stringify(SIZES)}) {
      const bin = new Uint8Array(n).map((_, i) => (i * 7) & 0xff);
      let p = next();
      ws.send(bin);
      const b = await p;
      if (!(b instanceof ArrayBuffer) || b.byteLength !== n ||
          !new Uint8Array(b).every((x, i) => x === bin[i])) mismatches.push("binary " + n);
      else echoed++;
      const text = "é€😀".repeat(Math.ceil(n / 9)).slice(0, n);
      p = next();
      ws.send(text);
      const t = await p;
      if (t !== text) mismatches.push("text " + n);
      else echoed++;
    }
    if (${JSON.stringify(closeBy)} === "client") ws.close(4000, "browser done");
    else ws.send("please close");
    return { protocol: ws.protocol, extensions: ws.extensions, mismatches, echoed, close: await closed };
  })()`;
}

/** A server with the page at / and an echo WebSocket at /ws; records what it saw. */
function echoApp(compress: boolean) {
  const seen = { upgrades: [] as string[], closes: [] as string[], errors: [] as string[] };
  const handler = (req: Request, info: { protocol: string }) => {
    const url = new URL(req.url);
    if (url.pathname !== "/ws") {
      return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    seen.upgrades.push(info.protocol);
    const { socket, response } = upgradeWebSocket(req, { protocol: "chat", compress });
    socket.onmessage = (e) => {
      if (e.data === "please close") socket.close(4001, "server done");
      else socket.send(e.data);
    };
    socket.onerror = (e) => {
      const ev = e as ErrorEvent;
      seen.errors.push(String(ev.error ?? ev.message));
    };
    socket.onclose = (e) => seen.closes.push(`${e.code} ${e.reason} ${e.wasClean}`);
    return response;
  };
  return { seen, handler };
}

const TRANSPORTS: [string, ServeOptions, "ws" | "wss"][] = [
  ["cleartext HTTP/1.1 (ws://)", {}, "ws"],
  ["TLS with ALPN h2 (wss://)", { tls: TLS }, "wss"],
  ["TLS, HTTP/1.1 only (wss://)", { tls: TLS, http2: false }, "wss"],
];

describe("headless Chromium opens new WebSocket() to h2serve", () => {
  for (const [name, options, scheme] of TRANSPORTS) {
    for (const compress of [false, true]) {
      const what = compress ? "permessage-deflate" : "no extension";
      it(`echoes every size, text and binary, ${what}, closes both ways, over ${name}`, {
        skip,
      }, async () => {
        await using browser = await launchChromium({ trust: [TEST_CERT_PEM] });
        for (const closeBy of ["client", "server"] as const) {
          const { seen, handler } = echoApp(compress);
          await using srv = start(handler, options);
          const origin = `${scheme === "wss" ? "https" : "http"}://127.0.0.1:${srv.port}`;
          await using page = await browser.open(`${origin}/`);
          const pageProtocol = await page.evaluate<string>(
            `performance.getEntriesByType("navigation")[0].nextHopProtocol`,
          );
          const r = await page.evaluate<PageResult>(
            pageScript(`${scheme}://127.0.0.1:${srv.port}/ws`, closeBy),
            60_000,
          );
          // The protocol the WebSocket actually used, as the server saw it:
          // "h2" means Chromium sent an RFC 8441 extended CONNECT on its h2 connection.
          const wsProtocol = seen.upgrades.join(",");
          console.log(
            `chromium ${name} compress=${compress} close by ${closeBy}: page over ${pageProtocol}, ` +
              `WebSocket over ${wsProtocol}${wsProtocol === "h2" ? " (RFC 8441)" : ""}, ` +
              `extensions "${r.extensions}"`,
          );
          assert.equal(seen.upgrades.length, 1, `one upgrade request, saw ${wsProtocol}`);
          assert.ok(
            wsProtocol === "http/1.1" || wsProtocol === "h2",
            `WebSocket over ${wsProtocol}`,
          );
          if (scheme === "ws" || options.http2 === false) assert.equal(wsProtocol, "http/1.1");
          assert.deepEqual(r.mismatches, []);
          assert.equal(r.echoed, SIZES.length * 2);
          assert.equal(r.protocol, "chat");
          if (compress) assert.match(r.extensions, /^permessage-deflate\b/);
          else assert.equal(r.extensions, "");
          if (closeBy === "client") {
            assert.deepEqual(
              r.close,
              { code: 4000, reason: "browser done", wasClean: true },
              `server saw ${seen.closes} ${seen.errors}`,
            );
            await eventually(() => seen.closes.length === 1);
            assert.deepEqual(seen.closes, ["4000 browser done true"]);
          } else {
            assert.deepEqual(
              r.close,
              { code: 4001, reason: "server done", wasClean: true },
              `server saw ${seen.closes} ${seen.errors}`,
            );
            await eventually(() => seen.closes.length === 1);
            assert.deepEqual(seen.closes, ["4001 server done true"]);
          }
          assert.deepEqual(seen.errors, []);
        }
      });
    }
  }
});

describe("the example chat page (examples/chat.ts) in headless Chromium", () => {
  it("two tabs over TLS: a line typed in one shows in both", { skip }, async () => {
    await using srv = start((req) => {
      const path = new URL(req.url).pathname;
      return path === "/chat/ws" ? joinChat(req) : chatPage();
    }, { tls: TLS });
    await using browser = await launchChromium({ trust: [TEST_CERT_PEM] });
    await using alice = await browser.open(`https://127.0.0.1:${srv.port}/chat?name=alice`);
    await using bob = await browser.open(`https://127.0.0.1:${srv.port}/chat?name=bob`);
    const logOf = (page: typeof alice) =>
      page.evaluate<string>(`document.getElementById("log").innerText`);
    const waitFor = (page: typeof alice, text: string) =>
      page.evaluate<boolean>(`new Promise((resolve, reject) => {
        const log = document.getElementById("log");
        const done = () => log.innerText.includes(${JSON.stringify(text)});
        if (done()) return resolve(true);
        const o = new MutationObserver(() => done() && (o.disconnect(), resolve(true)));
        o.observe(log, { childList: true, subtree: true });
        setTimeout(() => reject(new Error("no " + ${
        JSON.stringify(text)
      } + " in " + log.innerText)), 10000);
      })`);
    await waitFor(alice, "* bob joined");
    // Bob's own copy of the join line means his socket is open on his side too.
    await waitFor(bob, "* bob joined");
    await bob.evaluate(`document.getElementById("text").value = "hi alice";
      document.getElementById("form").requestSubmit(); true`);
    await waitFor(alice, "bob: hi alice");
    await waitFor(bob, "bob: hi alice");
    const status = await alice.evaluate<string>(`document.getElementById("status").textContent`);
    console.log(`chat page: ${status}`);
    assert.match(status, /^connected \(page over h2, extensions: permessage-deflate/);
    assert.match(
      await logOf(alice),
      /\* alice joined \(1 here\)\n\* bob joined \(2 here\)\nbob: hi alice/,
    );
  });
});
