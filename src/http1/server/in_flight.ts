/**
 * The request in flight on an HTTP/1.1 connection (one at a time) and what
 * has happened to it: its exchange and body stream, whether its body has
 * been read to the end, and the flow-control facts the driver reads.
 *
 * @module
 */
import type { Exchange } from "../../fetch/exchange.ts";
import type { ServerHost } from "../../fetch/host.ts";
import type { RequestBody } from "../../fetch/body.ts";
import type { RequestTrailerSlot } from "../../fetch/request_trailers.ts";
import type { RequestHead } from "../core/message.ts";
import { adoptBuffer } from "../../fetch/body.ts";
import {
  bodyFlows,
  CONTINUE_TABLE,
  ContinueAction,
  ContinueEvent,
  ContinueState,
} from "../core/continue_table.ts";

/**
 * Whether the request body has been read to its end.
 */
export enum BodyState {
  /** Until the parser's `end` event. */
  READING,
  /** The body (or its absence) is complete. */
  DONE,
}

/** Told when a request's response is out (the driver, through its link). */
export interface ResponseDone {
  /** The exchange of `msg` finished. */
  responseDone(msg: InFlight): void;
}

/**
 * One request on the connection and what has happened to its response.
 */
export class InFlight {
  /** The exchange running the handler. */
  exchange: Exchange | null = null;
  /** The request body's stream feeder; null without a body. */
  body: RequestBody | null = null;
  /** Whether the body has been read to its end. */
  bodyState: BodyState = BodyState.READING;
  /** The handler wants more body bytes. */
  wanted = true;
  /** Body bytes read and thrown away (body unread by the handler). */
  discarded = 0;
  /** The response head went out. */
  headSent = false;
  /** Where its `Expect: 100-continue` is (continue_table.ts). */
  expect: ContinueState = ContinueState.NONE;
  /** The Request handed to the handler. */
  request: Request | null = null;
  /** Where requestTrailers(req) learns the outcome; only requests with a body have one. */
  trailerSlot: RequestTrailerSlot | null = null;

  /** `head`: the request head as parsed. */
  constructor(readonly head: RequestHead) {}

  /**
   * Body bytes from the parser: into the body stream, or (nobody reads it)
   * counted and thrown away. True once more than `maxDiscard` were thrown away.
   */
  bodyData(data: Uint8Array, maxDiscard: number): boolean {
    const body = this.body;
    if (body !== null && !body.closed) {
      this.wanted = body.push(adoptBuffer(data));
      return false;
    }
    this.discarded += data.byteLength;
    return this.discarded > maxDiscard;
  }

  /** The body ended (with its trailers, if any): the stream and the trailer slot hear it. */
  bodyEnd(trailers: Array<[string, string]> | null): void {
    this.bodyState = BodyState.DONE;
    this.trailerSlot?.deliver(trailers ?? []);
    this.body?.end();
  }

  /** The response went out first: the rest of the body is read only to be thrown away. */
  discardRest(): void {
    this.body?.error(new Error("response already sent"));
    this.body = null;
    this.wanted = true;
  }

  /** The handler wants the body: true when a `100 Continue` must go out first. */
  pullBody(): boolean {
    const move = CONTINUE_TABLE.next(this.expect, ContinueEvent.BODY_WANTED);
    this.expect = move.next;
    return move.action === ContinueAction.SEND_100;
  }

  /** The response head goes out (a 100-continue not sent by now is forfeited). */
  headGoesOut(): void {
    this.headSent = true;
    this.expect = CONTINUE_TABLE.next(this.expect, ContinueEvent.HEAD_SENT).next;
  }

  /** The body is wanted from the client now (not while a 100-continue is still owed). */
  get bodyFlows(): boolean {
    return bodyFlows(this.expect);
  }

  /**
   * Runs the handler and tells `owner` once the response is out. With `sync` and no body, a
   * Response returned synchronously is sent before this returns; a request with a body keeps
   * the asynchronous order, so a body that turns out malformed still gets its 400 instead of a
   * response already sent (a WebSocket handshake keeps its own, asynchronous, path).
   */
  run(host: ServerHost, sync: boolean, owner: ResponseDone): void {
    const isHead = this.head.method === "HEAD";
    const exchange = this.exchange!, request = this.request!;
    if (sync && this.head.bodyKind === "none") {
      const rest = exchange.start(host.handler, request, host.onError, isHead);
      if (rest === null) owner.responseDone(this);
      else rest.then(() => owner.responseDone(this));
      return;
    }
    exchange.run(host.handler, request, host.onError, isHead).then(() => owner.responseDone(this));
  }

  /**
   * Cuts off what is in flight: the body stream (if still being read), the
   * request trailers, and the exchange (req.signal aborts).
   */
  abort(reason: unknown): void {
    if (this.bodyState === BodyState.READING) this.body?.error(reason);
    this.trailerSlot?.fail(reason);
    this.exchange?.cancel(reason);
  }
}

/**
 * Which protocol switch a request asks for: `h2c` (only where the server can
 * take it: `h2cPossible`), a WebSocket (a `GET` whose Upgrade names
 * `websocket`; upgradeWebSocket validates the rest), or none.
 */
export function upgradeAsked(
  head: Pick<RequestHead, "method" | "upgrade" | "bodyKind">,
  h2cPossible: boolean,
): "h2c" | "websocket" | null {
  const upgrade = head.upgrade;
  if (upgrade === null) return null;
  if (h2cPossible && /(^|,)\s*h2c\s*($|,)/i.test(upgrade)) return "h2c";
  if (head.method === "GET" && /(^|,)\s*websocket\s*($|,)/i.test(upgrade)) return "websocket";
  return null;
}
