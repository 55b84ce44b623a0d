/**
 * What the handler gets for one HTTP/1.1 request head: the URL, the body
 * stream, the RequestInfo, the Exchange and the Fetch Request, with the
 * registrations a request needs (WebSocket candidate, request trailers).
 * The HTTP/1.1 counterpart of http2/server/stream_request.ts; the driver
 * keeps the connection state and runs the exchange.
 *
 * @module
 */
import { type ConnectionFacts, RequestInfo } from "../../fetch/info.ts";
import { Exchange } from "../../fetch/exchange.ts";
import type { ResponseWriter } from "../../fetch/writer.ts";
import { registerRequestTrailers } from "../../fetch/request_trailers.ts";
import { type BodyFlow, RequestBody } from "../../fetch/body.ts";
import { createRequest, isUnserved, UnrepresentableRequest } from "../../fetch/request.ts";
import { registerUpgradeTarget } from "../../websocket/registry.ts";
import type { TopicRegistry } from "../../websocket/topics.ts";
import { webSocketUpgrades } from "../../websocket/exchange_upgrade.ts";
import { HttpParseError } from "../core/errors.ts";
import { ContinueState } from "../core/continue_table.ts";
import type { InFlight } from "./in_flight.ts";
import { requestUrl } from "./request_url.ts";

/** Opens the requests of one connection. */
export class RequestOpener {
  readonly #scheme: string;
  readonly #secure: boolean;
  readonly #topics: TopicRegistry | undefined;
  readonly #facts: ConnectionFacts;
  readonly #writer: ResponseWriter;
  /**
   * The last Host whose origin-form URL parsed. Whether such a URL parses
   * depends only on its authority (the URL parser percent-encodes any path
   * the h1 parser lets through), and a client repeats its Host.
   */
  #parsedHost: string | null = null;

  constructor(
    secure: boolean,
    facts: ConnectionFacts,
    writer: ResponseWriter,
    topics?: TopicRegistry,
  ) {
    this.#topics = topics;
    this.#secure = secure;
    this.#scheme = secure ? "https://" : "http://";
    this.#facts = facts;
    this.#writer = writer;
  }

  /**
   * Fills `msg` in (body, exchange, request, trailer slot); `ws` registers it
   * as a WebSocket candidate, `flowOf` gives its body's pull and cancel.
   * Throws an HttpParseError for a request that cannot be served (501) or
   * represented as a Fetch Request.
   */
  open(msg: InFlight, ws: boolean, flowOf: (msg: InFlight) => BodyFlow): void {
    const head = msg.head;
    const method = head.method;
    if (isUnserved(method)) throw new HttpParseError(501, `method ${method} not served`);
    const url = requestUrl(head, this.#scheme, this.#facts.localAddr, this.#parsedHost);
    let body: RequestBody | null = null;
    if (head.bodyKind !== "none" && method !== "GET" && method !== "HEAD") {
      body = new RequestBody(flowOf(msg), head.expectContinue);
      msg.body = body;
    }
    const info = new RequestInfo(this.#facts, head.headers);
    const exchange = new Exchange(info, this.#writer, webSocketUpgrades);
    msg.exchange = exchange;
    if (exchange.log !== null) exchange.log.requestBody = body;
    let request: Request;
    try {
      const origin = !!head.host && head.target.charCodeAt(0) === 47; /* / */
      const checked = origin && head.host === this.#parsedHost;
      request = createRequest(url, method, head.headers, body?.stream ?? null, exchange, checked);
      if (origin && !checked) this.#parsedHost = head.host;
    } catch (e) {
      const status = e instanceof UnrepresentableRequest ? e.status : 400;
      throw new HttpParseError(status, "request not representable as a Fetch Request");
    }
    if (head.expectContinue && body !== null) msg.expect = ContinueState.OWED;
    msg.request = request;
    if (ws) {
      exchange.upgradable = true;
      registerUpgradeTarget(request, {
        protocol: "http/1.1",
        secure: this.#secure,
        topics: this.#topics,
      });
    }
    if (body !== null) msg.trailerSlot = registerRequestTrailers(request);
  }
}
