/**
 * The demo: one app on two listeners, started and stopped together.
 *
 * - http://localhost:8000: HTTP/1.1, and h2c with prior knowledge (`Upgrade: h2c` is
 *   not offered: a request carrying it is served as HTTP/1.1; see the README's Security)
 * - https://localhost:8443: h2 or HTTP/1.1 by ALPN, with the bundled test
 *   certificate (localhost, 127.0.0.1, *.example.test); a second virtual host
 *   answers for docs.example.test
 *
 * Routes: `/` hello, `/echo` POST echo, `/clock` an SSE clock, `/upload` a
 * POST guarded by an Expect: 100-continue token filter, `/static/` files,
 * `/chat` a WebSocket chat page whose socket is `/chat/ws` (see chat.ts),
 * `/sum` a streamed body whose trailer carries its checksum, `/raw` the
 * request's header fields exactly as received. Responses are compressed
 * (gzip, br, zstd) when the client asks for it.
 *
 *   npm start            # Deno (deno run --allow-net --allow-read --allow-env=... examples/main.ts)
 *   npm run start:bun    # Bun (bun examples/main.ts)
 *   npm run start:node   # Node: compiles with tsc into .node_examples/, then runs it
 *
 * PORT, TLS_PORT and UPLOAD_TOKEN override the defaults (8000, 8443,
 * "let-me-in") where environment access is granted (Deno: --allow-env).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { group, router, serve, serveDir, sse, vhosts, withTrailers } from "../mod.ts";
import type { ServeInfo } from "../mod.ts";
import { chatPage, joinChat } from "./chat.ts";
import { envVar } from "./env.ts";

const port = Number(envVar("PORT") ?? 8000);
const tlsPort = Number(envVar("TLS_PORT") ?? 8443);
const fixtures = new URL("../tests/fixtures/", import.meta.url);
/** HTTP/3 beside h1/h2 when Deno has QUIC (--unstable-net). */
const quic = typeof (globalThis as { Deno?: { QuicEndpoint?: unknown } }).Deno?.QuicEndpoint ===
  "function";
// rustls (Deno's QUIC) refuses a self-signed CA as the server's own certificate: with QUIC, the
// TLS port uses the leaf signed by the test CA (trust tests/fixtures/h2_test_ca.crt).
const tls = quic
  ? {
    cert: readFileSync(new URL("h2_test_leaf.crt", fixtures), "utf8"),
    key: readFileSync(new URL("h2_test_leaf.key", fixtures), "utf8"),
  }
  : {
    cert: readFileSync(new URL("localhost.crt", fixtures), "utf8"),
    key: readFileSync(new URL("localhost.key", fixtures), "utf8"),
  };
/** The upload token the 100-continue filter accepts. */
const TOKEN = envVar("UPLOAD_TOKEN") ?? "let-me-in";

/** Five lines streamed one by one, then their SHA-256 in a trailer. */
function summed(): Response {
  const hash = createHash("sha256");
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i === 5) return c.close();
      const line = new TextEncoder().encode(`line ${++i}\n`);
      hash.update(line);
      c.enqueue(line);
    },
  });
  return withTrailers(
    new Response(body, { headers: { "content-type": "text/plain" } }),
    () => ({ "x-sha256": hash.digest("hex") }),
  );
}

/** One event a second, until the client goes away. */
async function* ticks(signal: AbortSignal): AsyncGenerator<{ event: string; data: string }> {
  while (!signal.aborted) {
    yield { event: "tick", data: new Date().toISOString() };
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const app = router<{ user: string }>()
  .use(async (_req, ctx, next) => {
    // A request context value a middleware computes and handlers read.
    ctx.set("user", ctx.req.headers.get("authorization")?.slice(7) ?? "anonymous");
    return await next();
  })
  .get("/", (_req, ctx) => {
    const info = ctx.info as ServeInfo;
    return new Response(
      `hello from h2serve over ${info.protocol}${info.secure ? " (TLS)" : ""}, ${
        ctx.get("user")
      }\n`,
    );
  })
  .post("/echo", (req) =>
    new Response(req.body, {
      headers: { "content-type": req.headers.get("content-type") ?? "application/octet-stream" },
    }))
  .get("/clock", (req) => sse(ticks(req.signal), { signal: req.signal }))
  .post("/upload", async (req) => {
    const size = (await req.arrayBuffer()).byteLength;
    return new Response(`stored ${size} bytes\n`, { status: 201 });
  })
  .get("/sum", () => summed())
  .get(
    "/raw",
    (_req, ctx) => Response.json((ctx.info as ServeInfo).rawHeaders.map(([n, v]) => `${n}: ${v}`)),
  )
  .get("/chat", () => chatPage())
  // The router hands the handler's Response through as is, which the upgrade needs.
  .get("/chat/ws", (req) => joinChat(req))
  .get(
    "/static/*",
    serveDir(new URL("static/", fixtures).pathname, { urlRoot: "/static", listing: true }),
  );

const docs = () => new Response("the docs virtual host\n");
const site = vhosts({ "docs.example.test": docs }, app.fetch);

/** Rejects uploads without the token before their body is sent. */
const tokenFilter = (req: Request) =>
  req.headers.get("authorization") === `Bearer ${TOKEN}`
    ? undefined
    : new Response("a valid token is required\n", { status: 401 });

const servers = group(
  serve({ port, expect: tokenFilter, compression: true }, site),
  serve({ port: tlsPort, tls, http3: quic, expect: tokenFilter, compression: true }, site),
);

type Proc = { on(s: string, f: () => void): void; exit(code: number): void };
const proc = (globalThis as { process?: Proc }).process;
let stopping = false;
/**
 * Ctrl-C: in-flight requests (SSE clients too) get 5 s, then are cut; chat sockets get a
 * 1001 close. A second Ctrl-C cuts now.
 */
function stop(): void {
  const first = !stopping;
  stopping = true;
  const done = servers.shutdown({ timeout: first ? 5_000 : 0 });
  if (first) done.then(() => (console.log("bye"), proc?.exit(0)));
}
proc?.on("SIGINT", stop);
proc?.on("SIGTERM", stop);
