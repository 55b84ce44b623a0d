import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { mkdtemp, open, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveDir } from "../../mod.ts";
import { fileCounters } from "../../src/app/fs.ts";
import { concat } from "../support/common.ts";
import { pattern, raw, run, sha256, sleep, start } from "../support/live.ts";
import type { TestServer } from "../support/live.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/static", import.meta.url));

/** Status code and head of a raw exchange. */
async function rawGet(port: number, target: string, method = "GET") {
  const r = await raw(port, `${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const end = r.text.indexOf("\r\n\r\n");
  const head = end < 0 ? r.text : r.text.slice(0, end);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, head, body: end < 0 ? "" : r.text.slice(end + 4) };
}

describe("serveDir: files, types, validators, ranges", () => {
  let srv: TestServer;
  before(() => {
    srv = start(serveDir(FIXTURES, { headers: { "cache-control": "max-age=60" } }));
  });
  after(() => srv.close());

  it("serves files with content types by extension", async () => {
    const cases: Array<[string, string, string | null]> = [
      ["/hello.txt", "text/plain; charset=utf-8", "hello world\n"],
      ["/index.html", "text/html; charset=utf-8", null],
      ["/style.css", "text/css; charset=utf-8", null],
      ["/app.js", "text/javascript; charset=utf-8", null],
      ["/data.json", "application/json", '{"ok":true}\n'],
      ["/image.png", "image/png", null],
      ["/logo.SVG", "image/svg+xml", null],
      ["/noext", "application/octet-stream", "raw bytes\n"],
      // A percent-encoded name (%5F is "_") is decoded before the file is looked up.
      ["/percent%5Fencoded.txt", "text/plain; charset=utf-8", "spaced\n"],
    ];
    for (const [path, type, body] of cases) {
      const res = await fetch(srv.base + path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get("content-type"), type, path);
      assert.equal(res.headers.get("cache-control"), "max-age=60");
      assert.equal(res.headers.get("accept-ranges"), "bytes");
      const text = await res.text();
      if (body !== null) assert.equal(text, body, path);
    }
    const png = new Uint8Array(await (await fetch(`${srv.base}/image.png`)).arrayBuffer());
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  });

  it("serves directory indexes and redirects a directory without its slash", async () => {
    assert.match(await (await fetch(`${srv.base}/`)).text(), /root index/);
    assert.match(await (await fetch(`${srv.base}/sub/`)).text(), /sub index/);
    const r = await fetch(`${srv.base}/sub?x=1`, { redirect: "manual" });
    assert.equal(r.status, 301);
    assert.equal(r.headers.get("location"), "/sub/?x=1");
    await r.body?.cancel();
    const noIndex = await fetch(`${srv.base}/docs/`);
    assert.equal(noIndex.status, 404);
    await noIndex.body?.cancel();
  });

  it("answers 404 for missing files and dotfiles, 405 for other methods", async () => {
    for (const p of ["/missing.txt", "/.secret", "/sub/nope/x", "/hello.txt/x"]) {
      const res = await fetch(srv.base + p);
      assert.equal(res.status, 404, p);
      await res.body?.cancel();
    }
    const post = await fetch(`${srv.base}/hello.txt`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await post.body?.cancel();
  });

  it("sends a weak ETag and Last-Modified, and 304 on If-None-Match", async () => {
    const res = await fetch(`${srv.base}/hello.txt`);
    await res.body?.cancel();
    const etag = res.headers.get("etag")!;
    assert.match(etag, /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    assert.ok(res.headers.get("last-modified"));
    for (const inm of [etag, etag.slice(2), `"zzz", ${etag}`, "*"]) {
      const r = await fetch(`${srv.base}/hello.txt`, { headers: { "if-none-match": inm } });
      assert.equal(r.status, 304, inm);
      assert.equal(r.headers.get("etag"), etag);
      assert.equal(await r.text(), "");
    }
    const miss = await fetch(`${srv.base}/hello.txt`, { headers: { "if-none-match": '"other"' } });
    assert.equal(miss.status, 200);
    assert.equal(await miss.text(), "hello world\n");
  });

  it("answers 304 on If-Modified-Since at or after Last-Modified, 200 before it", async () => {
    const res = await fetch(`${srv.base}/hello.txt`);
    await res.body?.cancel();
    const lm = res.headers.get("last-modified")!;
    const same = await fetch(`${srv.base}/hello.txt`, { headers: { "if-modified-since": lm } });
    assert.equal(same.status, 304);
    const later = new Date(Date.parse(lm) + 3600_000).toUTCString();
    assert.equal(
      (await fetch(`${srv.base}/hello.txt`, { headers: { "if-modified-since": later } })).status,
      304,
    );
    const earlier = new Date(Date.parse(lm) - 1000).toUTCString();
    const old = await fetch(`${srv.base}/hello.txt`, { headers: { "if-modified-since": earlier } });
    assert.equal(old.status, 200);
    assert.equal(await old.text(), "hello world\n");
    // If-None-Match takes precedence: a mismatching tag means 200 even with a matching date.
    const both = await fetch(`${srv.base}/hello.txt`, {
      headers: { "if-modified-since": lm, "if-none-match": '"other"' },
    });
    assert.equal(both.status, 200);
    await both.body?.cancel();
  });

  it("answers single ranges with 206 and Content-Range", async () => {
    const cases: Array<[string, string, string]> = [
      ["bytes=0-4", "bytes 0-4/12", "hello"],
      ["bytes=6-", "bytes 6-11/12", "world\n"],
      ["bytes=-6", "bytes 6-11/12", "world\n"],
      ["bytes=6-1000", "bytes 6-11/12", "world\n"],
      ["bytes=-100", "bytes 0-11/12", "hello world\n"],
      ["bytes=11-11", "bytes 11-11/12", "\n"],
    ];
    for (const [range, cr, body] of cases) {
      const res = await fetch(`${srv.base}/hello.txt`, { headers: { range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get("content-range"), cr, range);
      assert.equal(res.headers.get("content-length"), String(body.length), range);
      assert.equal(await res.text(), body, range);
    }
  });

  it("answers unsatisfiable ranges with 416 and bytes */size", async () => {
    for (const range of ["bytes=12-", "bytes=100-200", "bytes=-0"]) {
      const res = await fetch(`${srv.base}/hello.txt`, { headers: { range } });
      assert.equal(res.status, 416, range);
      assert.equal(res.headers.get("content-range"), "bytes */12", range);
      await res.body?.cancel();
    }
  });

  it("ignores multiple, malformed and other-unit ranges with a full 200", async () => {
    for (const range of ["bytes=0-1,3-4", "bytes=5-2", "items=0-1", "bytes=abc", "bytes=-"]) {
      const res = await fetch(`${srv.base}/hello.txt`, { headers: { range } });
      assert.equal(res.status, 200, range);
      assert.equal(res.headers.get("content-range"), null);
      assert.equal(await res.text(), "hello world\n", range);
    }
  });

  it("honours If-Range only for a matching date (the ETag is weak)", async () => {
    const first = await fetch(`${srv.base}/hello.txt`);
    await first.body?.cancel();
    const lm = first.headers.get("last-modified")!;
    const etag = first.headers.get("etag")!;
    const byDate = await fetch(`${srv.base}/hello.txt`, {
      headers: { range: "bytes=0-4", "if-range": lm },
    });
    assert.equal(byDate.status, 206);
    assert.equal(await byDate.text(), "hello");
    const stale = new Date(Date.parse(lm) - 5000).toUTCString();
    for (const ifRange of [stale, etag]) {
      const r = await fetch(`${srv.base}/hello.txt`, {
        headers: { range: "bytes=0-4", "if-range": ifRange },
      });
      assert.equal(r.status, 200, ifRange);
      assert.equal(await r.text(), "hello world\n");
    }
  });

  it("answers HEAD with the headers and length but no body", async () => {
    const r = await rawGet(srv.port, "/hello.txt", "HEAD");
    assert.equal(r.status, 200);
    assert.match(r.head, /\r\ncontent-length: 12\r\n/i);
    assert.match(r.head, /\r\ncontent-type: text\/plain; charset=utf-8\r\n/i);
    assert.match(r.head, /\r\netag: W\//i);
    assert.equal(r.body, "");
    // Range does not apply to HEAD (RFC 9110 §14.2).
    const hr = await raw(
      srv.port,
      "HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nConnection: close\r\n\r\n",
    );
    assert.match(hr.text, /^HTTP\/1\.1 200 /);
  });
});

describe("serveDir: traversal is refused", () => {
  let dir: string;
  let srv: TestServer;
  let rooted: TestServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "h2serve-static-"));
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "www", "inner"), { recursive: true });
    await writeFile(join(dir, "outside.txt"), "TOP SECRET\n");
    await writeFile(join(dir, "www", "inside.txt"), "inside\n");
    await writeFile(join(dir, "www", "inner", "deep.txt"), "deep\n");
    await symlink(join(dir, "outside.txt"), join(dir, "www", "escape.txt"));
    await symlink(join(dir, "www", "inside.txt"), join(dir, "www", "alias.txt"));
    srv = start(serveDir(join(dir, "www")));
    rooted = start(serveDir(join(dir, "www"), { urlRoot: "/static" }));
  });
  after(async () => {
    await srv.close();
    await rooted.close();
    await rm(dir, { recursive: true, force: true });
  });

  const attempts = [
    "/../outside.txt",
    "/inner/../../outside.txt",
    "/%2e%2e/outside.txt",
    "/%2E%2E/outside.txt",
    "/inner/%2e%2e/%2e%2e/outside.txt",
    "/..%2foutside.txt",
    "/inner/..%2f..%2foutside.txt",
    "/%2e%2e%2foutside.txt",
    "/..%5coutside.txt",
    "/inner%5c..%5c..%5coutside.txt",
    "/%5c..%5coutside.txt",
    "/inside.txt%00",
    "/inside.txt%00.png",
    "/%00",
    "/..%252foutside.txt",
    "/%zz",
    "/../../../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/escape.txt",
  ];

  it("never serves a file outside the root (raw request targets)", async () => {
    for (const target of attempts) {
      const r = await rawGet(srv.port, target);
      assert.ok(r.status === 400 || r.status === 404, `${target} -> ${r.status}`);
      assert.doesNotMatch(r.body, /TOP SECRET|root:/, target);
    }
  });

  it("never serves a file outside the root below a urlRoot", async () => {
    for (const target of attempts) {
      const t = `/static${target}`;
      const r = await rawGet(rooted.port, t);
      assert.ok(r.status === 400 || r.status === 404, `${t} -> ${r.status}`);
      assert.doesNotMatch(r.body, /TOP SECRET|root:/, t);
    }
  });

  it("answers 400 for encoded separators, backslashes, NUL and bad escapes", async () => {
    for (
      const t of ["/..%2foutside.txt", "/..%5coutside.txt", "/inside.txt%00", "/%zz", "/a%2fb"]
    ) {
      assert.equal((await rawGet(srv.port, t)).status, 400, t);
    }
  });

  it("still serves what is inside, including symlinks that stay inside", async () => {
    assert.equal((await rawGet(srv.port, "/inside.txt")).body, "inside\n");
    assert.equal((await rawGet(srv.port, "/alias.txt")).body, "inside\n");
    assert.equal((await rawGet(srv.port, "/inner/deep.txt")).body, "deep\n");
    // The URL parser resolves a dot segment that stays inside.
    assert.equal((await rawGet(srv.port, "/inner/../inside.txt")).body, "inside\n");
    assert.equal((await rawGet(rooted.port, "/static/inner/deep.txt")).body, "deep\n");
    assert.equal((await rawGet(rooted.port, "/inside.txt")).status, 404);
    assert.equal((await rawGet(rooted.port, "/staticinside.txt")).status, 404);
  });
});

describe("serveDir: index options and listing", () => {
  it("lists a directory without an index when asked, escaping names", async () => {
    const dir = await mkdtemp(join(tmpdir(), "h2serve-list-"));
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "folder"));
    await writeFile(join(dir, "a&b<c>.txt"), "x");
    await writeFile(join(dir, ".hidden"), "x");
    const srv = start(serveDir(dir, { listing: true }));
    try {
      const res = await fetch(`${srv.base}/`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
      const html = await res.text();
      assert.match(html, /href="folder\/">folder\/</);
      assert.match(html, /href="a%26b%3Cc%3E\.txt">a&#38;b&#60;c&#62;\.txt</);
      assert.doesNotMatch(html, /hidden/);
      assert.ok(html.indexOf("folder/") < html.indexOf("a%26b"), "directories first");
      const sub = await fetch(`${srv.base}/folder/`);
      assert.match(await sub.text(), /href="\.\.\/"/);
    } finally {
      await srv.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("serves dotfiles when allowed, and no index when index is false", async () => {
    await using srv = start(serveDir(FIXTURES, { dotfiles: true, index: false }));
    assert.equal(await (await fetch(`${srv.base}/.secret`)).text(), "secret\n");
    const res = await fetch(`${srv.base}/sub/`);
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });

  it("fails at start, naming the root, when the root is missing or not a directory", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "h2serve-late-")), "www");
    try {
      assert.throws(
        () => serveDir(dir),
        (e: Error) => e.message.includes(`"${dir}" does not exist`),
      );
      await writeFile(dir, "a file\n");
      assert.throws(() => serveDir(dir), /is not a directory/);
    } finally {
      await rm(join(dir, ".."), { recursive: true, force: true });
    }
  });

  it("applies contentTypes overrides", async () => {
    await using srv = start(
      serveDir(FIXTURES, { contentTypes: { md: "text/x-markdown", ".txt": "text/x-custom" } }),
    );
    const res = await fetch(`${srv.base}/docs/b.md`);
    assert.equal(res.headers.get("content-type"), "text/x-markdown");
    await res.body?.cancel();
    const t = await fetch(`${srv.base}/hello.txt`);
    assert.equal(t.headers.get("content-type"), "text/x-custom");
    await t.body?.cancel();
  });
});

describe("serveDir: large files stream with backpressure", () => {
  const SIZE = 50 * 1024 * 1024;
  let dir: string;
  let digest: string;
  let bytes: Uint8Array;
  let srv: TestServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "h2serve-big-"));
    bytes = pattern(SIZE, 7);
    digest = await sha256(bytes);
    const fh = await open(join(dir, "big.bin"), "w");
    await fh.write(bytes);
    await fh.close();
    srv = start(serveDir(dir));
  });
  after(async () => {
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("sends 50 MiB byte-exact", async () => {
    const res = await fetch(`${srv.base}/big.bin`);
    assert.equal(res.headers.get("content-length"), String(SIZE));
    const body = new Uint8Array(await res.arrayBuffer());
    assert.equal(body.byteLength, SIZE);
    assert.equal(await sha256(body), digest);
  });

  it("serves a range deep inside the file", async () => {
    const start = 40_000_000;
    const res = await fetch(`${srv.base}/big.bin`, {
      headers: { range: `bytes=${start}-${start + 99_999}` },
    });
    assert.equal(res.status, 206);
    const body = new Uint8Array(await res.arrayBuffer());
    assert.deepEqual(body, bytes.subarray(start, start + 100_000));
  });

  it("sends it byte-exact over h2c, and a range, with curl", async () => {
    const out = join(dir, "out.bin");
    const r = await run("curl", [
      "-s",
      "--http2-prior-knowledge",
      "-o",
      out,
      "-w",
      "%{http_version} %{http_code}",
      `${srv.base}/big.bin`,
    ]);
    assert.equal(r.stdout, "2 200");
    const { readFile } = await import("node:fs/promises");
    assert.equal(await sha256(new Uint8Array(await readFile(out))), digest);
    const part = await run("curl", [
      "-s",
      "--http2-prior-knowledge",
      "-r",
      "1000-1999",
      "-w",
      "|%{http_code}",
      `${srv.base}/big.bin`,
    ]);
    assert.equal(part.stdout.slice(-4), "|206");
    assert.deepEqual(
      new Uint8Array(Buffer.from(part.stdout.slice(0, -4), "latin1")),
      bytes.subarray(1000, 2000),
    );
    await rm(out);
  });

  it("reads the file only as fast as a slow client drains it", async () => {
    const before = fileCounters.bytesRead;
    const chunks: Uint8Array[] = [];
    let received = 0;
    const sock = net.connect(srv.port, "127.0.0.1");
    await new Promise<void>((r) => sock.once("connect", () => r()));
    sock.on("data", (d: Uint8Array) => {
      chunks.push(new Uint8Array(d));
      received += d.byteLength;
    });
    const ended = new Promise<void>((r) => sock.once("end", () => r()));
    sock.write("GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    while (received < 1024 * 1024) await sleep(5);
    sock.pause();
    // Let the server fill every buffer between us and it.
    await sleep(700);
    const readWhilePaused = fileCounters.bytesRead - before;
    // Socket buffers on loopback plus the write queue hold a few MiB at most, not 50.
    assert.ok(
      readWhilePaused < 20 * 1024 * 1024,
      `read ${(readWhilePaused / 1048576).toFixed(1)} MiB while the client paused`,
    );
    // Trickle: resume briefly a few times. However fast the client drains (it
    // may read everything on a fast machine), the server never reads the file
    // far ahead of what the client has received.
    for (let i = 0; i < 3; i++) {
      sock.resume();
      await sleep(20);
      sock.pause();
      await sleep(100);
      const ahead = fileCounters.bytesRead - before - received;
      assert.ok(
        ahead < 20 * 1024 * 1024,
        `read ${(ahead / 1048576).toFixed(1)} MiB ahead of the client`,
      );
    }
    sock.resume();
    await ended;
    const all = concat(...chunks);
    const sep = new TextDecoder("latin1").decode(all.subarray(0, 4096)).indexOf("\r\n\r\n");
    assert.ok(sep > 0);
    const body = all.subarray(sep + 4);
    assert.equal(body.byteLength, SIZE);
    assert.equal(await sha256(body), digest);
    assert.equal(fileCounters.bytesRead - before, SIZE);
  });
});
