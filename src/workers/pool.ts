/**
 * Several threads serving one port. Each worker runs its own serve() on the
 * same address with SO_REUSEPORT, so the kernel spreads new connections
 * across them; there is no shared state and no coordinator on the request
 * path. The application is a module whose default export holds `fetch` and
 * any hooks (functions cannot be sent to a worker, so each worker imports
 * it), the way `deno serve` takes one.
 *
 * @module
 */
import { addStats, emptyStats } from "../client_errors.ts";
import type { NetAddr } from "../transport/types.ts";
import type { ServerStats } from "../types.ts";
import type { ServeOptions } from "../serve_options.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";
import { workersUnsupported } from "../transport/mod.ts";
import type { PublishOptions } from "../websocket/topics.ts";
import { PoolPublisher } from "./topic_relay.ts";

/**
 * Options for serveWorkers: the data-only part of ServeOptions. Handler and
 * hooks (fetch, onError, onConnection, expect) come from the module.
 *
 * @example
 * ```ts
 * const options: WorkersOptions = { port: 8000, workers: 4 };
 * ```
 */
export type WorkersOptions =
  & Omit<ServeOptions, "fetch" | "onError" | "onConnection" | "expect" | "onListen" | "signal">
  & {
    /** Threads to start. Default: the number of CPUs. */
    workers?: number;
    /** Called once every worker listens. */
    onListen?: (info: { hostname: string; port: number; workers: number }) => void;
    /** Aborting it shuts every worker down gracefully. */
    signal?: AbortSignal;
  };

/**
 * Worker threads serving one port.
 *
 * @example
 * ```ts
 * const pool: WorkerPool = await serveWorkers(new URL("./app.ts", import.meta.url));
 * console.log(await pool.stats());
 * await pool.shutdown();
 * ```
 */
export interface WorkerPool extends AsyncDisposable {
  /** Where they listen. */
  readonly addr: NetAddr;
  /** Its base URL. */
  readonly url: URL;
  /** How many workers serve. */
  readonly size: number;
  /** Resolves when every worker has shut down. */
  readonly finished: Promise<void>;
  /** Counts summed over the workers. */
  stats(): Promise<ServerStats>;
  /** Graceful shutdown of every worker; resolves like `finished`. */
  shutdown(): Promise<void>;
  /**
   * Sends `data` to the WebSockets subscribed to `topic` on every worker
   * (as `server.publish` does in one). Delivery is asynchronous: the
   * message is cloned to each worker over a BroadcastChannel.
   */
  publish(
    topic: string,
    data: string | ArrayBufferLike | ArrayBufferView,
    options?: PublishOptions,
  ): void;
}

const ENTRY = new URL("./entry.ts", import.meta.url);

/** The number of CPUs, as the runtime reports it. */
function cpus(): number {
  return Math.max(
    1,
    (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
      ?.hardwareConcurrency ?? 1,
  );
}

/** One worker and its request/reply plumbing. */
class Thread {
  readonly worker: Worker;
  #waiters = new Map<number, (m: FromWorker) => void>();
  #next = 1;
  #failed: Promise<never>;

  constructor() {
    this.worker = new Worker(ENTRY, { type: "module" });
    let fail!: (e: Error) => void;
    this.#failed = new Promise<never>((_, reject) => (fail = reject));
    this.#failed.catch(() => {});
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const waiter = this.#waiters.get(e.data.id);
      this.#waiters.delete(e.data.id);
      waiter?.(e.data);
    };
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault?.();
      fail(new Error(`worker failed: ${e.message}`));
    };
  }

  /** Sends a command and waits for its reply (or the worker's failure). */
  ask(message: ToWorker): Promise<FromWorker> {
    const id = this.#next++;
    const reply = new Promise<FromWorker>((resolve) => this.#waiters.set(id, resolve));
    this.worker.postMessage({ ...message, id });
    return Promise.race([reply, this.#failed]);
  }
}

/**
 * Serves the default export of `module` (a URL or an absolute path),
 * `{ fetch, onError?, onConnection?, expect? }`, on `workers` threads sharing one port. The first worker binds
 * (port 0 picks a free port), the others join it with SO_REUSEPORT. On Deno,
 * SO_REUSEPORT needs the `--unstable-net` flag. On Node.js it rejects at
 * start: see the README's "Node.js" section.
 *
 * @example
 * ```ts
 * const pool = await serveWorkers(new URL("./app.ts", import.meta.url), { port: 8000, workers: 4 });
 * ```
 */
export async function serveWorkers(
  module: string | URL,
  options: WorkersOptions = {},
): Promise<WorkerPool> {
  const unsupported = workersUnsupported();
  if (unsupported !== null) throw new Error(unsupported);
  const size = Math.max(1, Math.floor(options.workers ?? cpus()));
  const { workers: _w, onListen, signal, ...serveOptions } = options;
  const specifier = moduleUrl(module);
  const topicChannel = `h2serve-topics:${crypto.randomUUID()}`;
  const publisher = new PoolPublisher(topicChannel);
  const threads: Thread[] = [];
  const stopAll = () => {
    for (const t of threads) t.worker.terminate();
  };
  let addr: NetAddr;
  try {
    const first = new Thread();
    threads.push(first);
    const bound = await first.ask({
      type: "start",
      module: specifier,
      options: serveOptions,
      topicChannel,
    });
    if (bound.type !== "listening") {
      throw new Error(bound.type === "error" ? bound.message : "no address");
    }
    addr = bound.addr;
    const rest = Array.from({ length: size - 1 }, () => new Thread());
    threads.push(...rest);
    const replies = await Promise.all(
      rest.map((t) =>
        t.ask({
          type: "start",
          module: specifier,
          options: { ...serveOptions, port: addr.port },
          topicChannel,
        })
      ),
    );
    for (const r of replies) {
      if (r.type !== "listening") throw new Error(r.type === "error" ? r.message : "no address");
    }
  } catch (e) {
    stopAll();
    throw e;
  }
  let shutting: Promise<void> | null = null;
  let settle!: () => void;
  const finished = new Promise<void>((r) => (settle = r));
  const shutdown =
    () => (shutting ??= Promise.all(threads.map((t) => t.ask({ type: "shutdown" }).catch(() => {})))
      .then(() => {
        publisher.close();
        stopAll();
        settle();
      }));
  signal?.addEventListener("abort", () => void shutdown(), { once: true });
  if (signal?.aborted) void shutdown();
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const url = new URL(`${serveOptions.tls ? "https" : "http"}://${host}:${addr.port}/`);
  if (onListen) onListen({ hostname: addr.hostname, port: addr.port, workers: size });
  else console.log(`Listening on ${url} (${size} workers)`);
  return {
    addr,
    url,
    size,
    finished,
    shutdown,
    async stats() {
      const all = await Promise.all(threads.map((t) => t.ask({ type: "stats" })));
      const sum: ServerStats = emptyStats();
      for (const r of all) if (r.type === "stats") addStats(sum, r.stats);
      return sum;
    },
    publish(topic, data, options) {
      publisher.topics.publish(topic, data, options);
    },
    [Symbol.asyncDispose]: shutdown,
  };
}

/** A URL or an absolute path; a relative path would depend on whoever resolves it. */
function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (module.startsWith("/")) return new URL("file://" + module).href;
  if (URL.canParse(module)) return module;
  throw new TypeError(
    `serveWorkers: pass a URL or an absolute path, e.g. new URL("./app.ts", import.meta.url), not ${module}`,
  );
}
