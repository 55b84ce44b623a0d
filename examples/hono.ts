/**
 * A Hono app served by h2serve unchanged: `app.fetch` is a fetch handler.
 *
 *   deno run --allow-net --allow-read examples/hono.ts      # or: bun examples/hono.ts
 *   curl http://localhost:8000/
 *   curl http://localhost:8000/users/7
 *   curl --http2-prior-knowledge http://localhost:8000/users/7
 *
 * @module
 */
import { Hono } from "hono";
import { serve } from "../mod.ts";
import { envVar } from "./env.ts";

const port = Number(
  envVar("PORT") ?? 8000,
);

const app = new Hono();
app.get("/", (c) => c.text("hello from hono on h2serve\n"));
app.get("/users/:id", (c) => c.json({ id: c.req.param("id") }));

serve({ port }, app.fetch);
