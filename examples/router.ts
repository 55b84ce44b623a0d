/**
 * The Router: typed params, a middleware that sets a typed request variable,
 * 404/405 handling, and an SSE clock.
 *
 *   deno run --allow-net examples/router.ts      # or: bun examples/router.ts
 *   curl http://localhost:8000/hello/ada
 *   curl -H "x-user: root" http://localhost:8000/whoami
 *   curl -i -X POST http://localhost:8000/hello/ada   # 405 with Allow
 *   curl -N http://localhost:8000/clock
 *
 * @module
 */
import { Router, serve, sse } from "../mod.ts";
import { envVar } from "./env.ts";

const port = Number(
  envVar("PORT") ?? 8000,
);

/** Variables the middleware sets for the handlers. */
type Vars = { user: string; started: number };

const app = new Router<Vars>();

app.use(async (req, ctx, next) => {
  ctx.set("user", req.headers.get("x-user") ?? "anonymous");
  ctx.set("started", performance.now());
  const res = await next();
  res.headers.set("server-timing", `app;dur=${(performance.now() - ctx.var.started!).toFixed(1)}`);
  return res;
});

app.get("/hello/:name", (_req, ctx) => new Response(`hello ${ctx.params.name}\n`));
app.get("/whoami", (_req, ctx) => Response.json({ user: ctx.get("user"), via: ctx.info.protocol }));
app.post("/echo", (req) => new Response(req.body));

app.get("/clock", (req) =>
  sse(
    (async function* () {
      while (!req.signal.aborted) {
        yield { event: "time", data: new Date().toISOString() };
        await new Promise((r) => setTimeout(r, 1000));
      }
    })(),
    { signal: req.signal },
  ));

serve({ port }, app.fetch);
