import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { vhosts } from "../../mod.ts";
import type { ServeInfo } from "../../mod.ts";
import { raw, run, start } from "../support/live.ts";
import type { TestServer } from "../support/live.ts";

const named = (name: string) => (req: Request, info: ServeInfo) =>
  new Response(`${name} ${new URL(req.url).pathname} ${info.protocol}`);

/** Sends a request with the given raw Host header (or none) and returns status and body. */
async function ask(port: number, host: string | null, target = "/p") {
  const hostLine = host === null ? "" : `Host: ${host}\r\n`;
  const r = await raw(port, `GET ${target} HTTP/1.1\r\n${hostLine}Connection: close\r\n\r\n`);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(r.text)?.[1] ?? 0);
  const i = r.text.indexOf("\r\n\r\n");
  return { status, body: i < 0 ? "" : r.text.slice(i + 4) };
}

describe("vhosts over HTTP/1.1", () => {
  let srv: TestServer;
  let strict: TestServer;
  before(() => {
    const hosts = {
      "localhost": named("local"),
      "Example.COM": named("example"),
      "*.example.com": named("wild"),
      "*.api.example.com": named("api-wild"),
      "exact.api.example.com": named("api-exact"),
      "127.0.0.1": named("ipv4"),
      "[::1]": named("ipv6"),
    };
    srv = start(vhosts(hosts, named("fallback")));
    strict = start(vhosts({ "localhost": named("local") }));
  });
  after(async () => {
    await srv.close();
    await strict.close();
  });

  it("dispatches on the Host name, with or without a port", async () => {
    assert.equal((await ask(srv.port, "localhost")).body, "local /p http/1.1");
    assert.equal((await ask(srv.port, `localhost:${srv.port}`)).body, "local /p http/1.1");
    assert.equal((await ask(srv.port, "localhost:1")).body, "local /p http/1.1");
    assert.equal((await ask(srv.port, "example.com:8443")).body, "example /p http/1.1");
    assert.equal((await ask(srv.port, "127.0.0.1:9")).body, "ipv4 /p http/1.1");
    assert.equal((await ask(srv.port, "[::1]:8080")).body, "ipv6 /p http/1.1");
  });

  it("matches case-insensitively and ignores a trailing dot", async () => {
    assert.equal((await ask(srv.port, "LOCALHOST")).body, "local /p http/1.1");
    assert.equal((await ask(srv.port, "example.com.")).body, "example /p http/1.1");
    assert.equal((await ask(srv.port, "EXAMPLE.com.:80")).body, "example /p http/1.1");
    assert.equal((await ask(srv.port, "a.Example.Com.")).body, "wild /p http/1.1");
  });

  it("matches wildcards on one or more labels; exact and longer wildcards win", async () => {
    assert.equal((await ask(srv.port, "www.example.com")).body, "wild /p http/1.1");
    assert.equal((await ask(srv.port, "a.b.example.com")).body, "wild /p http/1.1");
    assert.equal((await ask(srv.port, "v1.api.example.com")).body, "api-wild /p http/1.1");
    assert.equal((await ask(srv.port, "x.y.api.example.com")).body, "api-wild /p http/1.1");
    assert.equal((await ask(srv.port, "exact.api.example.com")).body, "api-exact /p http/1.1");
    // The wildcard's own base name is not a subdomain of itself.
    assert.equal((await ask(srv.port, "api.example.com")).body, "wild /p http/1.1");
    assert.equal((await ask(srv.port, "example.com")).body, "example /p http/1.1");
  });

  it("does not match look-alike names", async () => {
    assert.equal((await ask(srv.port, "notexample.com")).body, "fallback /p http/1.1");
    assert.equal((await ask(srv.port, "example.com.evil.org")).body, "fallback /p http/1.1");
    assert.equal((await ask(srv.port, "localhost.evil.org")).body, "fallback /p http/1.1");
  });

  it("uses the fallback for unknown hosts", async () => {
    assert.equal((await ask(srv.port, "other.org")).body, "fallback /p http/1.1");
  });

  it("answers 421 for unknown hosts without a fallback", async () => {
    const r = await ask(strict.port, "other.org:80");
    assert.equal(r.status, 421);
    assert.match(r.body, /other\.org/);
    assert.equal((await ask(strict.port, "localhost")).status, 200);
  });

  it("works with real clients, whose Host carries the port", async () => {
    const byIp = await fetch(`${srv.base}/q`);
    assert.equal(await byIp.text(), "ipv4 /q http/1.1");
    const url = `http://www.example.com:${srv.port}/q`;
    const r = await run("curl", ["-s", "--resolve", `www.example.com:${srv.port}:127.0.0.1`, url]);
    assert.equal(r.stdout, "wild /q http/1.1");
  });
});

describe("vhosts configuration", () => {
  it("refuses keys with ports or misplaced wildcards", () => {
    const h = () => new Response("x");
    assert.throws(() => vhosts({ "localhost:8080": h }), /ports are never matched/);
    assert.throws(() => vhosts({ "a.*.example.com": h }), TypeError);
    assert.throws(() => vhosts({ "*.*.example.com": h }), TypeError);
    assert.throws(() => vhosts({ "": h }), TypeError);
    assert.throws(() => vhosts({ "a b": h }), TypeError);
    assert.throws(() => vhosts({ "ok": "nope" as never }), TypeError);
  });

  it("normalizes unicode keys to punycode like the URL parser", async () => {
    const app = vhosts({ "bücher.example": () => new Response("books") });
    const res = await app(new Request("http://xn--bcher-kva.example/"), undefined as never);
    assert.equal(await res.text(), "books");
    const res2 = await app(new Request("http://BÜCHER.example:81/"), undefined as never);
    assert.equal(await res2.text(), "books");
  });

  it("passes a custom info type through", async () => {
    const app = vhosts<{ tag: string }>({ "h": (_r, info) => new Response(info.tag) });
    assert.equal(await (await app(new Request("http://h/"), { tag: "t1" })).text(), "t1");
  });
});
