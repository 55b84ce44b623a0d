/**
 * `wire(req)`: a handler takes over its response at the protocol level, for
 * servers that test clients (wptserve's raw frames, push and `.asis`). The
 * exchange (exchange.ts) meets it through one field, `Exchange.wired`; the
 * drivers' writers hand over their side (`ResponseWriter.wire`).
 *
 * @module
 */
import type { Completion } from "../types.ts";
import { requestSource } from "./request.ts";
import { type ErrorHandler, reportAfterHead } from "./on_error.ts";
import type { Wire, WireGrant } from "./wire_types.ts";

/**
 * Why `wire(req)` refused.
 *
 * @example
 * ```ts
 * import { type WireErrorCode, WireError } from "./wire.ts";
 * const codeOf = (e: unknown): WireErrorCode | null => e instanceof WireError ? e.code : null;
 * ```
 */
export type WireErrorCode = "foreign" | "twice" | "started" | "websocket" | "unsupported";

/**
 * `wire(req)` was called where it cannot work: on a Request no h2serve
 * server is handling (`"foreign"`), a second time (`"twice"`), after the
 * response started or the client left (`"started"`), on a WebSocket upgrade
 * (`"websocket"`), or over a protocol without wire control (`"unsupported"`,
 * HTTP/3). Also thrown by a wire's methods once it has ended (`"started"`).
 *
 * @example Telling misuse apart
 * ```ts
 * import { wire, WireError } from "@h2serve/h2serve";
 * try {
 *   wire(new Request("http://localhost/"));
 * } catch (e) {
 *   if (e instanceof WireError) console.log(e.code); // "foreign"
 * }
 * ```
 */
export class WireError extends Error {
  /** Which misuse. */
  readonly code: WireErrorCode;

  /** An error with its code and message. */
  constructor(code: WireErrorCode, message: string) {
    super(message);
    this.name = "WireError";
    this.code = code;
  }
}

/** What the exchange needs to run a wired response: the marker, and how it ends. */
export class WireSession {
  /** The Response the handler returns. */
  readonly response: Response = new Response(null, { status: 204 });
  readonly #grant: WireGrant;

  /** Over the driver's grant. */
  constructor(grant: WireGrant) {
    this.#grant = grant;
  }

  /**
   * The handler settled: `r` when it returned, `error` when it threw.
   * Anything but the marker cuts the response off and is reported. Resolves
   * with the outcome once the wire has ended.
   */
  async settled(
    r: unknown,
    error: unknown,
    threw: boolean,
    onError: ErrorHandler,
    request: Request,
  ): Promise<Completion> {
    if (threw || r !== this.response) {
      if (r instanceof Response) r.body?.cancel().catch(() => {});
      const why = threw
        ? error
        : new TypeError("the handler called wire(req) but did not return its response");
      this.#grant.abort(why);
      await reportAfterHead(onError, why, request);
    }
    return await this.#grant.ended;
  }

  /** The client went away. */
  lost(reason: unknown): void {
    this.#grant.lost(reason);
  }
}

/** The exchange as wire() sees it (exchange.ts implements it). */
export interface Wirable {
  /** The wire taken, or null. */
  wired: WireSession | null;
  /** The response is complete (or the client left). */
  readonly done: boolean;
  /** The handler's own response is being sent. */
  readonly answered: boolean;
  /** A WebSocket handshake candidate. */
  readonly upgradable: boolean;
  /** The request's facts (its protocol). */
  readonly info: { readonly protocol: string };
  /** The writer's side, or null when the response started; undefined when the protocol has none. */
  grantWire(): WireGrant | null | undefined;
}

/** @internal The protocol `req` came over, if an h2serve server is handling it (for `.asis`). */
export function wireProtocol(req: Request): string | null {
  const ex = requestSource(req) as Partial<Wirable> | null;
  return ex?.info?.protocol ?? null;
}

/**
 * Takes over the response to `req` at the protocol level: on HTTP/2 its
 * stream's frames (`w.h2`), on HTTP/1.1 the connection's bytes (`w.h1`).
 * The handler returns `w.response`; the server then sends nothing of its
 * own, and the response completes when the handler calls `end()` (or
 * `reset()`). What the handler sends is not checked: a client may fail the
 * stream or the connection, which is what a client test wants. The server
 * keeps its own state: a stream the frames broke is closed on its side and
 * the other streams go on; an HTTP/1.1 connection closes after a raw
 * response unless told it was complete and correctly framed.
 *
 * Throws {@link WireError} for a Request no h2serve server is handling, a
 * second call, a response already started, a WebSocket upgrade, or HTTP/3.
 *
 * @example Headers in the wrong order, then a body
 * ```ts
 * import { serve, wire } from "@h2serve/h2serve";
 * serve({ port: 0 }, (req) => {
 *   const w = wire(req);
 *   if (w.h2 !== null) {
 *     w.h2.headers([["x-first", "1"], [":status", "200"]]);
 *     w.h2.data("hello", { endStream: true }).then(() => w.h2.end());
 *   } else {
 *     w.h1.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello")
 *       .then(() => w.h1.end({ close: false }));
 *   }
 *   return w.response;
 * });
 * ```
 */
export function wire(req: Request): Wire {
  const ex = requestSource(req) as Wirable | null;
  if (ex === null || typeof (ex as Partial<Wirable>).grantWire !== "function") {
    throw new WireError(
      "foreign",
      "wire(req): this Request is not being handled by an h2serve server",
    );
  }
  if (ex.wired !== null) {
    throw new WireError("twice", "wire(req) was already called for this request");
  }
  if (ex.upgradable) {
    throw new WireError("websocket", "wire(req) cannot take over a WebSocket upgrade request");
  }
  const grant = ex.done || ex.answered ? null : ex.grantWire();
  if (grant === undefined) {
    throw new WireError("unsupported", `wire(req) is not available over ${ex.info.protocol}`);
  }
  if (grant === null) {
    throw new WireError(
      "started",
      "wire(req): the response has already started or the client left",
    );
  }
  const session = new WireSession(grant);
  ex.wired = session;
  const response = session.response;
  const side = grant.side;
  if (side.h2 !== null) {
    const protocol = ex.info.protocol === "h2c" ? "h2c" : "h2";
    return { protocol, response, h2: side.h2, h1: null };
  }
  return { protocol: "http/1.1", response, h2: null, h1: side.h1 };
}
