/**
 * The server's live connections: the set shutdown walks, the one interval
 * that sweeps their deadlines (running only while a connection is open), and
 * the counters every connection shares, read together by `stats()`.
 *
 * @module
 */
import type { ServerStats } from "./types.ts";
import type { LiveConnection } from "./fetch/host.ts";
import type { Counters } from "./fetch/info.ts";
import type { ClientErrors } from "./client_errors.ts";

/** How often deadlines are checked; timeouts are accurate to about this. */
const TICK_MS = 500;

/**
 * Tracks the open connections and runs their deadlines.
 */
export class LiveConnections {
  /** Requests, in-flight requests and WebSockets, counted by the drivers. */
  readonly counters: Counters = { requests: 0, inflight: 0, websockets: 0 };
  readonly #conns = new Set<LiveConnection>();
  readonly #unrefTimer: (id: ReturnType<typeof setInterval>) => void;
  #tick: ReturnType<typeof setInterval> | null = null;

  /** `unrefTimer`: keeps the sweep from holding the process alive. */
  constructor(unrefTimer: (id: ReturnType<typeof setInterval>) => void) {
    this.#unrefTimer = unrefTimer;
  }

  /** How many connections are open. */
  get size(): number {
    return this.#conns.size;
  }

  /** The open connections, as a copy (shutdown and terminate change the set). */
  list(): LiveConnection[] {
    return [...this.#conns];
  }

  add(conn: LiveConnection): void {
    this.#conns.add(conn);
    if (this.#tick === null) {
      this.#tick = setInterval(() => this.#onTick(), TICK_MS);
      this.#unrefTimer(this.#tick);
    }
  }

  remove(conn: LiveConnection): void {
    this.#conns.delete(conn);
    if (this.#conns.size === 0 && this.#tick !== null) {
      clearInterval(this.#tick);
      this.#tick = null;
    }
  }

  /** The numbers `server.stats()` reports. */
  stats(errors: ClientErrors): ServerStats {
    return {
      connections: this.#conns.size,
      inflight: this.counters.inflight,
      websockets: this.counters.websockets,
      requests: this.counters.requests,
      clientErrors: { ...errors.counts.byKind },
      timeouts: { ...errors.counts.timeouts },
    };
  }

  #onTick(): void {
    const now = Date.now();
    for (const c of this.#conns) {
      if (c.deadline !== 0 && c.deadline <= now) c.onDeadline(now);
    }
  }
}
