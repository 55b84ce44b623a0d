// Types flow through the router: ctx.info.connection.context keeps the type
// onConnection returns, and params keep their names. The assertions below are
// checked by `deno check` (and tsc for the Node build): a regression fails to
// compile. The run-time test proves the same object reaches the handler.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { skipUnless } from "../support/skip.ts";
import { type Context, type Params, router, serve } from "../../mod.ts";

/** True only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
function expectType<T extends true>(_ok: T): void {}

type Conn = { requests: number; tag: string };
const onConnection = (): Conn => ({ requests: 0, tag: "c" });

type Ctx = Context<{ user: string }, "/n/:id", Conn>;
expectType<Equal<Ctx["info"]["connection"]["context"], Conn>>(true);
expectType<Equal<Params<"/u/:id/:tab?">["id"], string>>(true);
expectType<Equal<Params<"/u/:id/:tab?">["tab"], string | undefined>>(true);
// @ts-expect-error the context is not `unknown` or a loose record any more
expectType<Equal<Ctx["info"]["connection"]["context"], Record<string, unknown>>>(true);

describe("router types", () => {
  it("a handler reads the onConnection object with its type", {
    skip: skipUnless(
      typeof (globalThis as { URLPattern?: unknown }).URLPattern === "function",
      "Router needs the global URLPattern, which this runtime lacks (Node < 23.8)",
    ),
  }, async () => {
    const app = router<{ user: string }, Conn>();
    app.get("/n/:id", (_req, ctx) => {
      const c = ctx.info.connection.context;
      c.requests++; // typed: no cast
      return new Response(`${c.tag}${c.requests}:${ctx.params.id}`);
    });
    // @ts-expect-error a handler of another context type is refused by serve()
    const wrong: Parameters<typeof serve<{ other: 1 }>>[0] = { fetch: app.fetch };
    void wrong;
    await using server = serve({
      port: 0,
      hostname: "127.0.0.1",
      onListen() {},
      onConnection,
      fetch: app.fetch,
    });
    const res = await fetch(`http://127.0.0.1:${server.addr.port}/n/7`);
    assert.equal(await res.text(), "c1:7");
  });
});
