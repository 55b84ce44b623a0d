/**
 * Picks the runtime binding for the process we run in.
 *
 * @module
 */
import type { Runtime } from "./types.ts";
import { denoRuntime } from "./deno.ts";
import { bunRuntime } from "./bun.ts";
import { nodeRuntime } from "./node.ts";

export type * from "./types.ts";

/**
 * Why serveWorkers cannot run here, or null when it can. It needs web Workers
 * and SO_REUSEPORT: Deno and Bun have both; Node has neither (worker_threads
 * differ, and net.Server gained reusePort only in Node 22.12).
 */
export function workersUnsupported(): string | null {
  return currentRuntime().name === "node"
    ? "serveWorkers runs on Deno and Bun, not on Node.js: it needs web Workers and " +
      "SO_REUSEPORT. On Node >= 22.12, start one process per core, each calling " +
      "serve({ reusePort: true, port })"
    : null;
}

/**
 * The binding for the current runtime; throws on an unsupported one.
 */
export function currentRuntime(): Runtime {
  const g = globalThis as {
    Deno?: unknown;
    Bun?: unknown;
    process?: { versions?: { node?: string } };
  };
  if (g.Bun !== undefined) return bunRuntime;
  if (g.Deno !== undefined) return denoRuntime;
  if (g.process?.versions?.node !== undefined) return nodeRuntime;
  throw new Error(
    "h2serve runs on Deno, Bun or Node.js; this runtime is none of them",
  );
}
