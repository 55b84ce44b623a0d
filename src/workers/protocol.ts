/**
 * Messages between serveWorkers and its worker threads. Every command
 * carries an id that its reply repeats.
 *
 * @module
 */
import type { NetAddr } from "../transport/types.ts";
import type { ServerStats } from "../types.ts";
import type { ServeOptions } from "../serve_options.ts";

/**
 * Commands sent to a worker.
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
 */
export type FromWorker =
  & { id: number }
  & (
    | { type: "listening"; addr: NetAddr }
    | { type: "stats"; stats: ServerStats }
    | { type: "closed" }
    | { type: "error"; message: string }
  );
