/**
 * Client protocol errors: counted by kind and by timeout, handed to the
 * application's `onClientError`, or printed one line each under `debug`,
 * rate-limited so that an attack costs a counter increment, not a log flood.
 *
 * @module
 */
import type { Addr } from "./transport/types.ts";
import {
  type ClientErrorInfo,
  type ClientErrorKind,
  type Protocol,
  type ServerStats,
} from "./types.ts";

/** At most this many `debug` lines are printed per second; the rest are counted. */
export const DEBUG_LINES_PER_SECOND = 10;

/**
 * The counters a server keeps, as `stats()` shows them.
 */
export interface ClientErrorCounts {
  /** By kind. */
  readonly byKind: Record<ClientErrorKind, number>;
  /** Timeouts fired, by option name. */
  readonly timeouts: Record<string, number>;
}

/**
 * Counts and reports client errors for one server.
 */
export class ClientErrors {
  /** The counters. */
  readonly counts: ClientErrorCounts = {
    byKind: emptyStats().clientErrors,
    timeouts: {},
  };
  readonly #hook: ((error: Error, info: ClientErrorInfo) => void) | null;
  readonly #debug: boolean;
  readonly #unref: (id: ReturnType<typeof setTimeout>) => void;
  #windowStart = 0;
  #printed = 0;
  #suppressed = 0;
  #summaryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    hook: ((error: Error, info: ClientErrorInfo) => void) | null,
    debug: boolean,
    unref: (id: ReturnType<typeof setTimeout>) => void = () => {},
  ) {
    this.#hook = hook;
    this.#debug = debug;
    this.#unref = unref;
  }

  /** Counts one error and tells the hook or the debug log. Never throws. */
  report(
    kind: ClientErrorKind,
    error: unknown,
    remoteAddr: Addr | null,
    protocol: Protocol | null,
    code?: number,
    timeout?: string,
  ): void {
    this.counts.byKind[kind]++;
    if (timeout !== undefined) {
      this.counts.timeouts[timeout] = (this.counts.timeouts[timeout] ?? 0) + 1;
    }
    if (this.#hook === null && !this.#debug) return;
    const err = error instanceof Error ? error : new Error(String(error));
    const info: ClientErrorInfo = { kind, remoteAddr, protocol, code, timeout };
    if (this.#hook !== null) {
      try {
        this.#hook(err, info);
      } catch (e) {
        this.#print(`h2serve: onClientError threw: ${e instanceof Error ? e.message : e}`);
      }
    }
    if (this.#debug) this.#print(line(err, info));
  }

  /** Prints a line unless this second's budget is spent; then one summary line per second. */
  #print(text: string): void {
    const now = Date.now();
    if (now - this.#windowStart >= 1000) {
      this.#flushSummary();
      this.#windowStart = now;
      this.#printed = 0;
    }
    if (this.#printed < DEBUG_LINES_PER_SECOND) {
      this.#printed++;
      console.error(text);
      return;
    }
    this.#suppressed++;
    if (this.#summaryTimer === null) {
      this.#summaryTimer = setTimeout(() => {
        this.#summaryTimer = null;
        this.#flushSummary();
      }, 1000 - (now - this.#windowStart));
      this.#unref(this.#summaryTimer);
    }
  }

  #flushSummary(): void {
    if (this.#suppressed === 0) return;
    console.error(
      `h2serve: ${this.#suppressed} more client errors not shown (at most ` +
        `${DEBUG_LINES_PER_SECOND} lines a second; see stats().clientErrors)`,
    );
    this.#suppressed = 0;
  }
}

function line(err: Error, info: ClientErrorInfo): string {
  const a = info.remoteAddr;
  const from = a === null
    ? "unknown peer"
    : a.transport === "unix"
    ? `unix:${a.path}`
    : a.hostname.includes(":")
    ? `[${a.hostname}]:${a.port}`
    : `${a.hostname}:${a.port}`;
  const what = info.timeout !== undefined
    ? `timeout ${info.timeout}`
    : (info.code !== undefined ? `${info.kind} ${info.code}` : info.kind);
  return `h2serve: client error ${what} from ${from} (${info.protocol ?? "?"}): ${err.message}`;
}

/**
 * Zeroed stats, to sum several servers' (a worker pool) with {@link addStats}.
 */
export function emptyStats(): ServerStats {
  return {
    connections: 0,
    inflight: 0,
    requests: 0,
    websockets: 0,
    clientErrors: {
      "bad-request": 0,
      goaway: 0,
      reset: 0,
      tls: 0,
      proxy: 0,
      timeout: 0,
      aborted: 0,
      websocket: 0,
    },
    timeouts: {},
  };
}

/**
 * Adds `from` into `into`, counter by counter.
 */
export function addStats(into: ServerStats, from: ServerStats): void {
  into.connections += from.connections;
  into.inflight += from.inflight;
  into.requests += from.requests;
  into.websockets += from.websockets ?? 0;
  for (const k of Object.keys(into.clientErrors) as ClientErrorKind[]) {
    into.clientErrors[k] += from.clientErrors?.[k] ?? 0;
  }
  for (const [k, n] of Object.entries(from.timeouts ?? {})) {
    into.timeouts[k] = (into.timeouts[k] ?? 0) + n;
  }
}
