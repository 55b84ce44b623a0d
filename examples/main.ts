/**
 * The demo: hello, a POST echo and a Server-Sent Events clock.
 *
 *   npm start            # or: deno run -A examples/main.ts / bun examples/main.ts
 *   curl http://localhost:8000/
 *   curl --data-binary @README.md http://localhost:8000/echo
 *   curl -N http://localhost:8000/clock
 *
 * @module
 */
import { serve } from "../mod.ts";

const port = Number(
  (globalThis as { process?: { env: Record<string, string> } }).process?.env.PORT ?? 8000,
);
const encoder = new TextEncoder();

/** An SSE stream with the time once a second, until the client goes away. */
function clock(signal: AbortSignal): Response {
  let timer: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const tick = () =>
        controller.enqueue(encoder.encode(`data: ${new Date().toISOString()}\n\n`));
      tick();
      timer = setInterval(tick, 1000);
      signal.addEventListener("abort", () => clearInterval(timer));
    },
    cancel() {
      clearInterval(timer);
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

serve({ port }, (req, info) => {
  const { pathname } = new URL(req.url);
  if (pathname === "/") {
    return new Response(`hello from h2serve over ${info.protocol}\n`);
  }
  if (pathname === "/echo" && req.method === "POST") {
    return new Response(req.body, {
      headers: { "content-type": req.headers.get("content-type") ?? "application/octet-stream" },
    });
  }
  if (pathname === "/clock") return clock(req.signal);
  return new Response("not found\n", { status: 404 });
});
