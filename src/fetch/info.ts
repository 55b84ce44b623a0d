/**
 * The handler's info object, built per request with as little work as
 * possible: `completed` is created only if the application asks for it.
 *
 * @module
 */
import type { Completion, ConnectionInfo, Protocol, ServeInfo } from "../types.ts";
import type { Addr } from "../transport/types.ts";
import type { ResponseInfo } from "../app/access_log.ts";

let nextConnectionId = 1;

/**
 * A connection's identity and context, shared by all its requests.
 */
export class Connection implements ConnectionInfo {
  /** Process-unique id. */
  readonly id: number;
  #context: Record<string, unknown> | null;

  /**
   * @param context the object onConnection returned, if any.
   * @param id an id already handed out (to onConnection), else a new one.
   */
  constructor(context?: object | null, id?: number) {
    this.#context = (context ?? null) as Record<string, unknown> | null;
    this.id = id ?? nextConnectionId++;
  }

  /** The shared context object (created on first use). */
  get context(): Record<string, unknown> {
    return (this.#context ??= {});
  }
}

/**
 * Server-wide counters, shared by all connections of one server.
 */
export interface Counters {
  /** Requests received since start. */
  requests: number;
  /** Requests whose response is not yet sent or aborted. */
  inflight: number;
  /** Open WebSocket sessions (from the handshake response until CLOSED). */
  websockets: number;
}

/**
 * What every request on one connection shares.
 */
export interface ConnectionFacts {
  /** The server's counters. */
  stats: Counters;
  /** Peer address. */
  remoteAddr: Addr;
  /** Local address. */
  localAddr: Addr;
  /** Protocol. */
  protocol: Protocol;
  /** TLS or not. */
  secure: boolean;
  /** SNI name. */
  serverName: string | null;
  /** Id and context. */
  connection: Connection;
  /** The server's access-log hook (`onResponse`), if it has one. */
  onResponse?: ((info: ResponseInfo) => void) | null;
}

/**
 * Header fields as the client sent them.
 */
export type RawHeaders = ReadonlyArray<readonly [string, string]>;

const NO_FIELDS: RawHeaders = Object.freeze([]);

/**
 * The info object for one request.
 */
export class RequestInfo implements ServeInfo {
  #facts: ConnectionFacts;
  #completion: Completion | null = null;
  #completed: Promise<Completion> | null = null;
  #resolve: ((c: Completion) => void) | null = null;
  /** The parser's own field list (a reference: copied only if the application asks). */
  #raw: RawHeaders | null;
  #rawCopy: RawHeaders | null = null;

  /**
   * @param facts what the connection's requests share.
   * @param raw the request's field list as the parser holds it (not copied here).
   */
  constructor(facts: ConnectionFacts, raw: RawHeaders | null = null) {
    this.#facts = facts;
    this.#raw = raw;
    facts.stats.requests++;
    facts.stats.inflight++;
  }

  /** The server's onResponse hook, read by the exchange (static: not on the handler's info). */
  static onResponse(info: RequestInfo): ((info: ResponseInfo) => void) | null {
    return info.#facts.onResponse ?? null;
  }

  /** Peer address. */
  get remoteAddr(): Addr {
    return this.#facts.remoteAddr;
  }
  /** Local address. */
  get localAddr(): Addr {
    return this.#facts.localAddr;
  }
  /** Protocol. */
  get protocol(): Protocol {
    return this.#facts.protocol;
  }
  /** TLS or not. */
  get secure(): boolean {
    return this.#facts.secure;
  }
  /** SNI name. */
  get serverName(): string | null {
    return this.#facts.serverName;
  }
  /** Connection id and context. */
  get connection(): Connection {
    return this.#facts.connection;
  }

  /**
   * The request's fields as received: in order, duplicates kept; h1 names in
   * their original case, h2 the decoded list with its pseudo-headers. A
   * frozen copy made on first use, so the driver's list stays its own.
   */
  get rawHeaders(): RawHeaders {
    if (this.#rawCopy === null) {
      const raw = this.#raw ?? NO_FIELDS;
      this.#rawCopy = Object.freeze(raw.map(([n, v]) => Object.freeze([n, v] as const)));
      this.#raw = null;
    }
    return this.#rawCopy;
  }

  /** Settles when the response is sent or aborted. */
  get completed(): Promise<Completion> {
    if (this.#completed === null) {
      this.#completed = this.#completion !== null
        ? Promise.resolve(this.#completion)
        : new Promise((r) => (this.#resolve = r));
    }
    return this.#completed;
  }

  /** Records the outcome (first call wins). */
  complete(outcome: Completion): void {
    if (this.#completion !== null) return;
    this.#completion = outcome;
    this.#facts.stats.inflight--;
    this.#resolve?.(outcome);
  }

  /** The outcome so far, or null while in flight. */
  get completion(): Completion | null {
    return this.#completion;
  }
}
