/**
 * A server for testing HTTP clients (wptserve's role), with routes that
 * misbehave on purpose through `wire(req)`:
 *
 * - `/wrong-order`  HEADERS with a regular field before `:status` (h2)
 * - `/oversize`     one DATA frame larger than the client's max frame size (h2)
 * - `/push`         PUSH_PROMISE for /pushed.txt, then the pushed response (h2)
 * - `/continuation` HEADERS without END_HEADERS, then CONTINUATION (h2)
 * - `/trickle`      five DATA frames 100 ms apart (h2), or five raw chunks (h1)
 * - `/bad-status`   a raw invalid status line (h1: `HTTP/1.1 9999 ...`)
 * - `/files/*.asis` raw HTTP/1.1 responses from tests/fixtures/static, byte for byte
 *
 * Run: `deno run -A examples/test_server.ts` (PORT, default 8080), then e.g.
 * `nghttp -v http://127.0.0.1:8080/wrong-order` or `curl -v http://127.0.0.1:8080/bad-status`.
 *
 * @module
 */
import process from "node:process";
import { type Handler, serve, serveDir, wire, type WireH2 } from "../mod.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const files = serveDir(new URL("../tests/fixtures/static", import.meta.url).pathname, {
  urlRoot: "/files",
  asis: true,
});

/** What each route does on HTTP/2. */
const h2Routes: Record<string, (h2: WireH2, url: URL) => Promise<void> | void> = {
  "/wrong-order": (h2) => {
    h2.headers([["x-early", "1"], [":status", "200"]], { endStream: true });
  },
  "/oversize": (h2) => {
    h2.headers([[":status", "200"]]);
    return h2.data(new Uint8Array(h2.maxPayloadSize + 1), { endStream: true, oversize: true });
  },
  "/push": (h2, url) => {
    h2.push(
      [[":method", "GET"], [":scheme", "http"], [":authority", url.host], [":path", "/pushed.txt"]],
      { status: 200, headers: [["content-type", "text/plain"]], body: "pushed\n" },
    );
    h2.headers([[":status", "200"], ["content-type", "text/plain"]]);
    return h2.data("main\n", { endStream: true });
  },
  "/continuation": (h2) => {
    h2.headers([[":status", "200"], ["x-part", "1"]], { endHeaders: false });
    h2.continuation([["x-part", "2"]], { endHeaders: true });
    return h2.data("continued\n", { endStream: true });
  },
  "/trickle": async (h2) => {
    h2.headers([[":status", "200"], ["content-type", "text/plain"]]);
    for (let i = 0; i < 5; i++) {
      await sleep(100);
      await h2.data(`tick ${i}\n`, { endStream: i === 4 });
    }
  },
};

/** The test server's handler. */
export const handler: Handler = (req) => {
  const url = new URL(req.url);
  if (url.pathname.startsWith("/files/")) return files(req);
  const route = h2Routes[url.pathname];
  if (route === undefined && url.pathname !== "/bad-status") {
    return new Response("routes: " + Object.keys(h2Routes).join(" ") + " /bad-status /files/\n");
  }
  const w = wire(req);
  if (w.h2 !== null) {
    const h2 = w.h2;
    if (route === undefined) h2.reset(0xd); // HTTP_1_1_REQUIRED
    else Promise.resolve(route(h2, url)).then(() => h2.end(), () => h2.reset(2));
    return w.response;
  }
  const h1 = w.h1;
  (async () => {
    if (url.pathname === "/trickle") {
      await h1.write("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n");
      for (let i = 0; i < 5; i++) {
        await sleep(100);
        await h1.write(`tick ${i}\n`);
      }
    } else {
      await h1.write("HTTP/1.1 9999 Not A Status\r\ncontent-length: 3\r\n\r\nbad");
    }
    await h1.end(); // close: the bytes are not vouched for
  })();
  return w.response;
};

if ((import.meta as { main?: boolean }).main) {
  const port = Number(process.env.PORT ?? 8080);
  serve({ port, hostname: "127.0.0.1" }, handler);
}
