import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { raw, run, start } from "../support/live.ts";
import type { TestServer } from "../support/live.ts";

/** An ordinary Hono app: nothing in it knows about h2serve. */
function honoApp() {
  const app = new Hono<{ Variables: { user: string } }>();
  app.use("*", async (c, next) => {
    c.set("user", c.req.header("x-user") ?? "anonymous");
    await next();
    c.header("x-powered-by", "hono");
  });
  app.get("/", (c) => c.text("hello from hono"));
  app.get("/users/:id", (c) => c.json({ id: c.req.param("id"), user: c.get("user") }));
  app.post("/echo", async (c) => {
    const body = await c.req.arrayBuffer();
    return c.body(body, 200, { "content-type": "application/octet-stream" });
  });
  app.get("/query", (c) => c.text(`q=${c.req.query("q")}`));
  app.get("/redirect", (c) => c.redirect("/"));
  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      for (let i = 0; i < 3; i++) {
        await stream.writeSSE({ event: "n", data: String(i), id: String(i) });
        await stream.sleep(20);
      }
    }));
  app.notFound((c) => c.text("hono 404", 404));
  return app;
}

describe("a Hono app on h2serve", () => {
  let srv: TestServer;
  before(() => {
    // app.fetch is passed unchanged: (request, env) with our ServeInfo as env.
    srv = start(honoApp().fetch);
  });
  after(() => srv.close());

  it("routes, runs middleware and sets headers", async () => {
    const res = await fetch(`${srv.base}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-powered-by"), "hono");
    assert.equal(await res.text(), "hello from hono");
  });

  it("exposes params, query and middleware variables", async () => {
    const res = await fetch(`${srv.base}/users/42`, { headers: { "x-user": "ann" } });
    assert.deepEqual(await res.json(), { id: "42", user: "ann" });
    assert.equal(await (await fetch(`${srv.base}/query?q=a%20b`)).text(), "q=a b");
  });

  it("reads request bodies", async () => {
    const payload = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
    const res = await fetch(`${srv.base}/echo`, { method: "POST", body: payload });
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), payload);
  });

  it("answers 404 and redirects", async () => {
    const nf = await fetch(`${srv.base}/nope`);
    assert.equal(nf.status, 404);
    assert.equal(await nf.text(), "hono 404");
    const r = await fetch(`${srv.base}/redirect`, { redirect: "manual" });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "/");
    await r.body?.cancel();
  });

  it("streams Hono's own SSE helper", async () => {
    const r = await run("curl", ["-sN", `${srv.base}/events`]);
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      "event: n\ndata: 0\nid: 0\n\nevent: n\ndata: 1\nid: 1\n\nevent: n\ndata: 2\nid: 2\n\n",
    );
  });

  it("answers HEAD through Hono's GET route, with no body", async () => {
    // Hono itself turns HEAD into GET and drops the body.
    const r = await raw(srv.port, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(r.text, /^HTTP\/1\.1 200 /);
    assert.match(r.text, /\r\nx-powered-by: hono\r\n/i);
    assert.ok(r.text.endsWith("\r\n\r\n"), "no body after the head");
  });
});
