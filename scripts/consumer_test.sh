#!/bin/sh
# The library as a user outside the repository gets it, before anything is
# published:
# - Deno (as from JSR or a clone): an app in a temp dir maps "h2serve" (and
#   its /http2 and /hpack entries) to this checkout's files and runs plain `deno check`, `deno doc --lint` and
#   `deno run` with default settings (none of the repository's deno.json,
#   package.json or node_modules apply there; Deno's own node types do);
# - npm (Node, Bun, and Deno over node_modules): scripts/package_test.sh
#   installs the packed tarball into another temp app, typechecks it with tsc
#   and runs it on all three.
# Prints one line per step; exits non-zero on any failure.
set -e
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
cat >deno.json <<JSON
{
  "imports": {
    "h2serve": "file://$root/mod.ts",
    "h2serve/http2": "file://$root/http2.ts",
    "h2serve/hpack": "file://$root/hpack.ts"
  }
}
JSON
cat >app.ts <<'TS'
import { accessLog, router, serve, type ServeInfo } from "h2serve";
import { H2Connection } from "h2serve/http2";
import { HpackEncoder } from "h2serve/hpack";

export const sansIo = [new H2Connection({ side: "server" }), new HpackEncoder()];

const lines: string[] = [];
const app = router();
app.get("/hello/:name", (_req, ctx) => new Response(`hello ${ctx.params.name}`));
const server = serve({
  port: 0,
  hostname: "127.0.0.1",
  onListen() {},
  onResponse: accessLog({ format: "json", write: (line) => lines.push(line) }),
  fetch: (req: Request, info: ServeInfo) => app.fetch(req, info),
});
const res = await fetch(new URL("/hello/deno", server.url));
const body = await res.text();
await server.shutdown();
if (body !== "hello deno" || lines.length !== 1 || JSON.parse(lines[0]!).status !== 200) {
  console.error(`consumer on deno: got ${JSON.stringify([body, lines])}`);
  Deno.exit(1);
}
console.log("consumer on deno: served, and logged one JSON line");
TS
out=$(deno check app.ts 2>&1) || { echo "$out" >&2; echo "consumer: deno check failed" >&2; exit 1; }
echo "consumer types: a Deno app typechecks with default settings (no node_modules)"
out=$(deno doc --lint "file://$root/mod.ts" 2>&1) || { echo "$out" >&2; exit 1; }
if echo "$out" | grep -q Warning; then
  echo "$out" >&2
  echo "consumer: deno doc warns" >&2
  exit 1
fi
echo "consumer docs: deno doc --lint mod.ts is clean outside the repository"
timeout 60 deno run --allow-net=127.0.0.1 app.ts
cd "$root"
sh scripts/package_test.sh
