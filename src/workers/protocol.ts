/**
 * Messages between serveWorkers and its worker threads. Every command
 * carries an id that its reply repeats.
 *
 * @module
 */
import type { NetAddr } from "../transport/types.ts";
import type { ServeOptions, ServerStats } from "../types.ts";

/**
 * Commands sent to a worker.
 *
 * @example
 * ```ts
 * import type { ToWorker } from "./protocol.ts";
 * const ask: ToWorker & { id: number } = { id: 1, type: "stats" };
 * ```
 */
export type ToWorker =
  | {
    type: "start";
    module: string;
    options: Omit<ServeOptions, "fetch" | "signal">;
    /** The BroadcastChannel that carries WebSocket publishes between the workers. */
    topicChannel: string;
  }
  | { type: "stats" }
  | { type: "shutdown" };

/**
 * Replies from a worker, each with the id of its command.
 *
 * @example
 * ```ts
 * import type { FromWorker } from "./protocol.ts";
 * const reply: FromWorker = { id: 1, type: "closed" };
 * ```
 */
export type FromWorker =
  & { id: number }
  & (
    | { type: "listening"; addr: NetAddr }
    | { type: "stats"; stats: ServerStats }
    | { type: "closed" }
    | { type: "error"; message: string }
  );
