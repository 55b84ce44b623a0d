/**
 * Static files: a directory served under /static with a listing, plus a
 * virtual host for a second name.
 *
 *   deno run --allow-net --allow-read examples/static.ts [dir]   # or: bun examples/static.ts [dir]
 *   curl -i http://localhost:8000/static/
 *   curl -i -r 0-99 http://localhost:8000/static/README.md
 *   curl -i -H 'If-None-Match: W/"..."' http://localhost:8000/static/README.md
 *   curl -H "Host: docs.example.test" http://localhost:8000/static/
 *
 * @module
 */
import { serve, serveDir, vhosts } from "../mod.ts";
import { envVar } from "./env.ts";

const proc = (globalThis as { process?: { argv: string[] } }).process;
const port = Number(envVar("PORT") ?? 8000);
const dir = proc?.argv[2] ?? ".";

const files = serveDir(dir, { urlRoot: "/static", listing: true });

serve(
  { port },
  vhosts(
    {
      "docs.example.test": serveDir(dir, { urlRoot: "/static", listing: false }),
      "*.example.test": () => new Response("no such site\n", { status: 404 }),
    },
    // Every other name (localhost, 127.0.0.1, ...) gets the listing.
    files,
  ),
);
