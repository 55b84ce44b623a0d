/**
 * The request in flight on an HTTP/1.1 connection (one at a time) and what
 * has happened to it: its exchange and body stream, whether its body has
 * been read to the end, and the flow-control facts the driver reads.
 *
 * @module
 */
import type { Exchange } from "../../fetch/exchange.ts";
import type { RequestBody } from "../../fetch/body.ts";
import type { RequestTrailerSlot } from "../../fetch/request_trailers.ts";
import type { RequestHead } from "../core/message.ts";
import { ContinueState } from "../core/continue_table.ts";

/**
 * Whether the request body has been read to its end.
 */
export enum BodyState {
  /** Until the parser's `end` event. */
  READING,
  /** The body (or its absence) is complete. */
  DONE,
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
