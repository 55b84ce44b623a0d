import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { skipUnless } from "../support/skip.ts";
import { Router } from "../../mod.ts";
import type { Middleware } from "../../mod.ts";
import { raw, start } from "../support/live.ts";
import type { TestServer } from "../support/live.ts";

type Vars = { user: string; started: number };

function app(): Router<Vars> {
  const r = new Router<Vars>();
  const auth: Middleware<Vars> = async (req, ctx, next) => {
    ctx.set("user", req.headers.get("x-user") ?? "anonymous");
    const res = await next();
    res.headers.set("x-seen-by", "auth");
    return res;
  };
  r.use(auth);
  r.use("/admin/*", (_req, ctx, next) => {
    if (ctx.get("user") !== "root") return new Response("forbidden", { status: 403 });
    return next();
  });
  r.get("/", () => new Response("home"));
  r.get("/users/:id", (_req, ctx) => {
    // Typed params: `id` is a string, no undefined check needed.
    const id: string = ctx.params.id;
    return Response.json({ id, user: ctx.var.user });
  });
  r.get("/files/:dir/:name.:ext", (_req, ctx) => Response.json(ctx.params));
  r.get("/opt/:a/:b?", (_req, ctx) => Response.json({ a: ctx.params.a, b: ctx.params.b ?? null }));
  r.post("/users", async (req) => new Response(`created ${await req.text()}`, { status: 201 }));
  r.put("/users/:id", (_req, ctx) => new Response(`put ${ctx.params.id}`));
  r.delete("/users/:id", (_req, ctx) => new Response(`deleted ${ctx.params.id}`));
  r.patch("/users/:id", (_req, ctx) => new Response(`patched ${ctx.params.id}`));
  r.route("/multi", ["GET", "post"], (req) => new Response(`multi ${req.method}`));
  r.route("/any", (req) => new Response(`any ${req.method}`));
  r.route("/head-own", "HEAD", () => new Response(null, { headers: { "x-own-head": "1" } }));
  r.get("/head-own", () => new Response("get body", { headers: { "x-from": "get" } }));
  r.get("/admin/panel", (_req, ctx) => new Response(`panel for ${ctx.var.user}`));
  r.get(
    "/info",
    (_req, ctx) => new Response(`${ctx.info.protocol} ${ctx.url.searchParams.get("q")}`),
  );
  return r;
}

describe("Router", {
  skip: skipUnless(
    typeof (globalThis as { URLPattern?: unknown }).URLPattern === "function",
    "Router needs the global URLPattern, which this runtime lacks (Node < 23.8)",
  ),
}, () => {
  let srv: TestServer;
  before(() => {
    srv = start(app().fetch);
  });
  after(() => srv.close());

  it("dispatches GET and exposes typed, decoded params and middleware variables", async () => {
    const res = await fetch(`${srv.base}/users/a%20b`, { headers: { "x-user": "ann" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-seen-by"), "auth");
    assert.deepEqual(await res.json(), { id: "a b", user: "ann" });
    const home = await fetch(`${srv.base}/`);
    assert.equal(await home.text(), "home");
  });

  it("matches several params in one segment and optional params", async () => {
    const res = await fetch(`${srv.base}/files/docs/readme.md`);
    assert.deepEqual(await res.json(), { dir: "docs", name: "readme", ext: "md" });
    assert.deepEqual(await (await fetch(`${srv.base}/opt/x`)).json(), { a: "x", b: null });
    assert.deepEqual(await (await fetch(`${srv.base}/opt/x/y`)).json(), { a: "x", b: "y" });
  });

  it("routes POST, PUT, DELETE, PATCH", async () => {
    const post = await fetch(`${srv.base}/users`, { method: "POST", body: "bob" });
    assert.equal(post.status, 201);
    assert.equal(await post.text(), "created bob");
    for (const [method, word] of [["PUT", "put"], ["DELETE", "deleted"], ["PATCH", "patched"]]) {
      const res = await fetch(`${srv.base}/users/7`, { method });
      assert.equal(await res.text(), `${word} 7`);
    }
  });

  it("answers 404 when no route matches, still through middleware", async () => {
    const res = await fetch(`${srv.base}/nope`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("x-seen-by"), "auth");
    await res.body?.cancel();
  });

  it("answers 405 with Allow when the path matches but the method does not", async () => {
    const res = await fetch(`${srv.base}/users/1`, { method: "POST" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "DELETE, GET, HEAD, OPTIONS, PATCH, PUT");
    await res.body?.cancel();
    const multi = await fetch(`${srv.base}/multi`, { method: "PUT" });
    assert.equal(multi.status, 405);
    assert.equal(multi.headers.get("allow"), "GET, HEAD, OPTIONS, POST");
    await multi.body?.cancel();
    assert.equal(await (await fetch(`${srv.base}/multi`, { method: "POST" })).text(), "multi POST");
  });

  it("answers OPTIONS with 204 and Allow when no OPTIONS route exists", async () => {
    const res = await fetch(`${srv.base}/users`, { method: "OPTIONS" });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("allow"), "OPTIONS, POST");
  });

  it("routes any method when methods are omitted", async () => {
    for (const m of ["GET", "POST", "OPTIONS"]) {
      const res = await fetch(`${srv.base}/any`, { method: m });
      assert.equal(await res.text(), `any ${m}`);
    }
    // An extension method over a raw socket (Bun's Request maps names it does not know to GET).
    const r = await raw(srv.port, "PURGE /any HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(r.text, /\r\n\r\nany PURGE$/);
  });

  it("falls back from HEAD to GET, with the GET headers and length but no body", async () => {
    const r = await raw(srv.port, "HEAD /users/5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const [head, body] = r.text.split("\r\n\r\n");
    assert.match(head ?? "", /^HTTP\/1\.1 200 /);
    assert.match(head ?? "", /content-type: application\/json/i);
    assert.match(head ?? "", /content-length: 29\r?$/im);
    assert.equal(body, "");
  });

  it("prefers an explicit HEAD route over the GET fallback", async () => {
    const res = await fetch(`${srv.base}/head-own`, { method: "HEAD" });
    assert.equal(res.headers.get("x-own-head"), "1");
    assert.equal(res.headers.get("x-from"), null);
  });

  it("runs pattern-scoped middleware only on matching paths", async () => {
    const denied = await fetch(`${srv.base}/admin/panel`, { headers: { "x-user": "ann" } });
    assert.equal(denied.status, 403);
    await denied.body?.cancel();
    const ok = await fetch(`${srv.base}/admin/panel`, { headers: { "x-user": "root" } });
    assert.equal(await ok.text(), "panel for root");
  });

  it("passes the server's info and the parsed URL", async () => {
    const res = await fetch(`${srv.base}/info?q=z`);
    assert.equal(await res.text(), "http/1.1 z");
  });

  it("uses a custom notFound handler", async () => {
    const r = new Router().notFound((req) =>
      new Response(`no ${new URL(req.url).pathname}`, { status: 404 })
    );
    const res = await r.fetch(new Request("http://h/x"), undefined as never);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), "no /x");
  });

  it("rejects a second next() call", async () => {
    const r = new Router();
    r.use(async (_req, _ctx, next) => {
      await next();
      return next();
    });
    r.get("/", () => new Response("x"));
    await assert.rejects(
      r.fetch(new Request("http://h/"), undefined as never),
      /next\(\) called twice/,
    );
  });

  it("accepts a full URLPattern with hostname groups", async () => {
    const r = new Router();
    r.route(
      new URLPattern({ hostname: ":sub.example.com", pathname: "/p/:id" }),
      null,
      (_req, ctx) => new Response(`${ctx.params.sub} ${ctx.params.id}`),
    );
    const res = await r.fetch(new Request("http://api.example.com/p/3"), undefined as never);
    assert.equal(await res.text(), "api 3");
    const miss = await r.fetch(new Request("http://example.org/p/3"), undefined as never);
    assert.equal(miss.status, 404);
  });
});
