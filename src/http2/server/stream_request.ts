/**
 * From a request's HEADERS to a Fetch `Request` on a new stream: the parts
 * from the pseudo-headers, an RFC 8441 extended CONNECT presented as a
 * WebSocket Upgrade GET, the body stream (and `expect: 100-continue`), the
 * exchange, and the answer owed instead when no Request can be made (400,
 * 413 for a declared length over `http2.maxBodyBytes`, 501 for an unknown
 * `:protocol`); and the request an h2c Upgrade brings to stream 1.
 *
 * @module
 */
import { type ConnectionFacts, RequestInfo } from "../../fetch/info.ts";
import { Exchange } from "../../fetch/exchange.ts";
import { registerRequestTrailers } from "../../fetch/request_trailers.ts";
import { RequestBody } from "../../fetch/body.ts";
import { createRequest, UnrepresentableRequest } from "../../fetch/request.ts";
import { registerUpgradeTarget } from "../../websocket/registry.ts";
import type { TopicRegistry } from "../../websocket/topics.ts";
import { webSocketUpgrades } from "../../websocket/exchange_upgrade.ts";
import type { HeaderList } from "../core/events.ts";
import { contentLengthOf, expectOf, type RequestParts, requestParts } from "./request_parts.ts";
import type { DriverStream } from "./exchange_stream.ts";
import { extendedConnect, WsStream } from "./ws_stream.ts";

/**
 * What the connection tells every new request.
 */
export interface RequestContext {
  /** The connection's facts, shared by every request's info. */
  readonly facts: ConnectionFacts;
  /** TLS (`https` URLs) or cleartext. */
  readonly secure: boolean;
  /** The URL's authority when the request has neither `:authority` nor `host`. */
  readonly fallbackAuthority: string;
  /** `http2.maxBodyBytes`. */
  readonly maxBodyBytes: number;
  /** The server's WebSocket topics. */
  readonly topics?: TopicRegistry;
}

/** The connection's {@link RequestContext}. */
export function requestContext(
  facts: ConnectionFacts,
  secure: boolean,
  maxBodyBytes: number,
  topics?: TopicRegistry,
): RequestContext {
  const fallbackAuthority = facts.localAddr.hostname ?? "localhost";
  return { facts, secure, fallbackAuthority, maxBodyBytes, topics };
}

/**
 * The request made for a stream, or the status to answer instead (`request` null).
 */
export interface OpenedRequest {
  /** The Request for the handler; null when it cannot be made. */
  readonly request: Request | null;
  /** The status to answer with when `request` is null. */
  readonly status: string;
  /** A HEAD request: the response's body is not sent. */
  readonly isHead: boolean;
}

/**
 * Sets up stream `s` for the request in `headers` (its exchange, body and
 * trailer slot) and makes the Request.
 */
export function openRequest(
  s: DriverStream,
  headers: HeaderList,
  endStream: boolean,
  ctx: RequestContext,
): OpenedRequest {
  const parts = requestParts(headers, ctx.secure ? "https" : "http", ctx.fallbackAuthority);
  const connect = extendedConnect(parts, endStream); // RFC 8441
  const ws = connect === "websocket";
  const refused = ws ? null : connect;
  const method = parts?.method ?? "GET";
  const isHead = method === "HEAD";
  let body: RequestBody | null = null;
  if (ws) {
    s.ws = new WsStream(s);
  } else if (!endStream && refused === null && method !== "GET" && !isHead) {
    s.expectContinue = parts !== null && /^\s*100-continue\s*$/i.test(expectOf(headers));
    body = new RequestBody(s, s.expectContinue);
    s.reqBody = body;
  } else if (!endStream) {
    s.discard = true; // GET/HEAD cannot carry a body in Fetch; a refused CONNECT's DATA is dropped
  }
  const exchange = new Exchange(new RequestInfo(ctx.facts, headers), s, webSocketUpgrades);
  s.exchange = exchange;
  if (exchange.log !== null) exchange.log.requestBody = body;
  let request: Request | null = null;
  let status = "400";
  const max = ctx.maxBodyBytes;
  if (refused !== null) {
    status = refused;
  } else if (body !== null && max !== Infinity && contentLengthOf(headers) > max) {
    status = "413";
  } else if (parts !== null) {
    try {
      request = createRequest(parts.url, method, parts.headers, body?.stream ?? null, exchange);
    } catch (e) {
      if (e instanceof UnrepresentableRequest) status = String(e.status);
    }
  }
  if (request === null) {
    exchange.cancel(new Error("request not representable"));
    body?.error(new Error("request refused"));
    s.reqBody = null;
    return { request, status, isHead };
  }
  if (ws) {
    exchange.upgradable = true;
    registerUpgradeTarget(request, { protocol: "h2", secure: ctx.secure, topics: ctx.topics });
  }
  if (body !== null) s.trailerSlot = registerRequestTrailers(request);
  return { request, status, isHead };
}

/**
 * The request of an h2c Upgrade, answered on stream 1 (RFC 9113 §3.2): its
 * parts and its complete `body` were read on HTTP/1.1; `raw` are its fields
 * as they arrived, for the request info.
 */
export function upgradedRequest(
  s: DriverStream,
  parts: RequestParts,
  body: ReadableStream<Uint8Array> | null,
  raw: ReadonlyArray<readonly [string, string]> | null,
  facts: ConnectionFacts,
): Request {
  const exchange = new Exchange(new RequestInfo(facts, raw), s, webSocketUpgrades);
  s.exchange = exchange;
  return new Request(parts.url, {
    method: parts.method,
    headers: parts.headers,
    body,
    signal: exchange.signal,
    // @ts-ignore: duplex is required by some runtimes for streaming bodies.
    duplex: "half",
  });
}
