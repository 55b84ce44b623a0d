/**
 * The worker side of serveWorkers: imports the application module and runs
 * serve() with SO_REUSEPORT on the address it is given.
 *
 * @module
 */
import { serve } from "../server.ts";
import type { Server } from "../types.ts";
import type { ServeOptions } from "../serve_options.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";
import { topicsOf } from "../websocket/topics.ts";
import { relayTopics } from "./topic_relay.ts";

/** The parts of an application module's default export used here. */
type App = Pick<ServeOptions, "fetch" | "onError" | "onConnection" | "expect">;

let server: Server | null = null;
let unrelay: (() => void) | null = null;

/** The worker global, typed without the worker lib. */
const scope = globalThis as unknown as {
  postMessage(m: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker & { id: number }>) => void) | null;
};

function reply(m: FromWorker): void {
  scope.postMessage(m);
}

async function start(
  id: number,
  module: string,
  options: ServeOptions,
  topicChannel: string,
): Promise<void> {
  const app = ((await import(module)) as { default?: App }).default;
  if (typeof app?.fetch !== "function") {
    throw new Error(`${module} has no default export with a fetch handler`);
  }
  server = serve({
    ...options,
    reusePort: true,
    onListen() {},
    onError: app.onError,
    onConnection: app.onConnection,
    expect: app.expect,
  }, app.fetch);
  unrelay = relayTopics(topicsOf(server), topicChannel);
  reply({ id, type: "listening", addr: server.addr });
}

scope.onmessage = async (e) => {
  const m = e.data;
  try {
    if (m.type === "start") await start(m.id, m.module, m.options, m.topicChannel);
    else if (m.type === "stats") {
      reply({ id: m.id, type: "stats", stats: server!.stats() });
    } else if (m.type === "shutdown") {
      await server?.shutdown();
      unrelay?.();
      reply({ id: m.id, type: "closed" });
    }
  } catch (error) {
    reply({
      id: m.id,
      type: "error",
      message: error instanceof Error ? error.message : String(error),
    });
  }
};
