#!/bin/sh
# The npm package as a user gets it: `npm pack`, install the tarball into an
# empty project, and there `import { serve } from "h2serve"` must serve
# HTTP/1.1 and h2c on Node, Bun and Deno (checked with node:http and
# node:http2 clients), its types must check under tsc with a Node user's
# settings and with a DOM-only lib, and its source maps must resolve inside
# the package. Prints one line per step; exits non-zero on any failure.
set -e
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npm pack --silent --pack-destination "$tmp" >/dev/null
tarball=$(ls "$tmp"/h2serve-*.tgz)
# What ships: the build and the docs, never sources of tests, keys or the lock file.
tar -tzf "$tarball" >"$tmp/files"
for forbidden in tests/ bench/ fixtures .key package-lock.json gen_tables; do
  if grep -q "$forbidden" "$tmp/files"; then
    echo "package: the tarball contains $forbidden" >&2
    exit 1
  fi
done
for shipped in dist/mod.d.ts dist/mod.js.map dist/mod.d.ts.map mod.ts src/server.ts dist/http2.d.ts dist/hpack.d.ts; do
  grep -qx "package/$shipped" "$tmp/files" || { echo "package: no $shipped" >&2; exit 1; }
done
mkdir "$tmp/app"
cd "$tmp/app"
echo '{ "name": "app", "private": true, "type": "module" }' >package.json
npm install --silent --no-audit --no-fund --offline "$tarball" >/dev/null
if [ -e node_modules/deno ] || [ -e node_modules/bun ]; then
  echo "package: installing h2serve pulled in the deno or bun binaries" >&2
  exit 1
fi
cat >app.mjs <<'JS'
import { serve } from "h2serve";
import http from "node:http";
import http2 from "node:http2";

const runtime = globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
const logged = [];
const server = serve(
  { port: 0, hostname: "127.0.0.1", onListen() {}, onResponse: (i) => logged.push(i.protocol) },
  (_req, info) => new Response(`${info.protocol} ok`),
);
const port = server.addr.port;
const h1 = await new Promise((resolve, reject) => {
  http.get({ host: "127.0.0.1", port, path: "/" }, (res) => {
    let body = "";
    res.on("data", (d) => (body += d));
    res.on("end", () => resolve(body));
  }).on("error", reject);
});
const session = http2.connect(`http://127.0.0.1:${port}`);
const h2 = await new Promise((resolve, reject) => {
  const req = session.request({ ":path": "/" });
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => resolve(body));
  req.on("error", reject);
});
session.close();
await server.shutdown();
if (h1 !== "http/1.1 ok" || h2 !== "h2c ok" || logged.join() !== "http/1.1,h2c") {
  console.error(`package on ${runtime}: got ${JSON.stringify([h1, h2, logged])}`);
  process.exit(1);
}
console.log(`package on ${runtime}: HTTP/1.1 and h2c served and seen by onResponse`);
JS
# Every source map names files the package ships (src/ and mod.ts are included for them).
cat >maps.mjs <<'JS'
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
const dist = "node_modules/h2serve/dist";
let maps = 0;
for (const f of readdirSync(dist, { recursive: true })) {
  if (!String(f).endsWith(".map")) continue;
  const file = join(dist, String(f));
  for (const source of JSON.parse(readFileSync(file, "utf8")).sources) {
    const target = resolve(dirname(file), source);
    if (!existsSync(target)) throw new Error(`${file}: ${source} is not in the package`);
  }
  maps++;
}
if (maps === 0) throw new Error("no source maps in dist/");
console.log(`package source maps: ${maps} maps, every source shipped`);
JS
node maps.mjs
# The subpath entries: a sans-IO client and server talk in memory; HPACK round-trips.
cat >subpaths.mjs <<'JS'
import { H2Connection } from "h2serve/http2";
import { HpackDecoder, HpackEncoder } from "h2serve/hpack";

const runtime = globalThis.Bun ? "bun" : "node";
const client = new H2Connection({ side: "client" });
const server = new H2Connection({ side: "server" });
client.initiateConnection();
server.initiateConnection();
client.sendHeaders(1, [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "a"]], { endStream: true });
let body = "";
for (let i = 0; i < 5; i++) {
  for (const ev of server.receiveData(client.dataToSend())) {
    if (ev.type === "request-received") {
      server.sendHeaders(ev.streamId, [[":status", "200"]]);
      server.sendData(ev.streamId, new TextEncoder().encode("sans-io ok"), { endStream: true });
    }
  }
  for (const ev of client.receiveData(server.dataToSend())) {
    if (ev.type === "data-received") body += new TextDecoder().decode(ev.data);
  }
}
const fields = new HpackDecoder().decode(new HpackEncoder().encode([["x-a", "b"]]));
if (body !== "sans-io ok" || fields[0]?.[1] !== "b") {
  console.error(`package subpaths on ${runtime}: got ${JSON.stringify([body, fields])}`);
  process.exit(1);
}
console.log(`package on ${runtime}: h2serve/http2 and h2serve/hpack work`);
JS
# The types condition: a TypeScript user on Node (lib ES2022, no DOM, no
# ESNext.Disposable) typechecks against dist/*.d.ts, and so does one with the
# DOM library and no Node types.
mkdir -p node_modules/@types
ln -s "$root/node_modules/@types/node" node_modules/@types/node
cat >typed.ts <<'TS'
import { router, serve, type ServeInfo } from "h2serve";
import { H2Connection, type H2Event } from "h2serve/http2";
import { HpackEncoder } from "h2serve/hpack";
export const sansIo = (ev: H2Event) => [new H2Connection({ side: "client" }), new HpackEncoder(), ev.type];
const app = router<{ user: string }, { n: number }>();
app.get("/x/:id", (_req, ctx) => new Response(ctx.params.id + ctx.info.connection.context.n));
const handler = (_req: Request, info: ServeInfo) => new Response(info.protocol);
export const servers = [serve({ onConnection: () => ({ n: 1 }), fetch: app.fetch }), serve(handler)];
TS
cat >tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
    "lib": ["ES2022"], "types": ["node"], "noEmit": true
  },
  "files": ["typed.ts"]
}
JSON
"$root/node_modules/.bin/tsc" -p . || { echo "package: the types do not typecheck for a Node user" >&2; exit 1; }
sed 's/"lib": \["ES2022"\], "types": \["node"\]/"lib": ["ES2022", "DOM"], "types": []/' \
  tsconfig.json >tsconfig.dom.json
grep -q '"DOM"' tsconfig.dom.json
"$root/node_modules/.bin/tsc" -p tsconfig.dom.json ||
  { echo "package: the types do not typecheck with the DOM lib alone" >&2; exit 1; }
echo "package types: a TypeScript app typechecks against them (ES2022 + Node types; ES2022 + DOM)"
timeout 60 node app.mjs
timeout 60 "$root/node_modules/.bin/bun" app.mjs
timeout 60 "$root/node_modules/.bin/deno" run --allow-net=127.0.0.1 --allow-read --allow-env app.mjs
timeout 60 node subpaths.mjs
timeout 60 "$root/node_modules/.bin/bun" subpaths.mjs
