/**
 * From a request's decoded field section to a Fetch `Request` on an HTTP/3
 * stream: the same parts and Request the HTTP/2 driver builds (the field
 * rules are the same, RFC 9114 §4.3), with a body for methods that may
 * carry one, and the status owed when no Request can be made.
 *
 * @module
 */
import { type ConnectionFacts, RequestInfo } from "../../fetch/info.ts";
import { Exchange } from "../../fetch/exchange.ts";
import { webSocketUpgrades } from "../../websocket/exchange_upgrade.ts";
import { registerRequestTrailers } from "../../fetch/request_trailers.ts";
import { RequestBody } from "../../fetch/body.ts";
import { createRequest, UnrepresentableRequest } from "../../fetch/request.ts";
import { contentLengthOf, requestParts } from "../../http2/server/request_parts.ts";
import type { H3Stream } from "./stream.ts";

/**
 * The request for stream `s`, or the status to answer with instead.
 */
export function openH3Request(
  s: H3Stream,
  fields: Array<[string, string]>,
  facts: ConnectionFacts,
  maxBodyBytes: number,
): { request: Request | null; status: number; isHead: boolean } {
  const parts = requestParts(fields, "https", facts.localAddr.hostname ?? "localhost");
  const method = parts?.method ?? "GET";
  const isHead = method === "HEAD";
  let body: RequestBody | null = null;
  // Whether a body follows is known only at the FIN; GET and HEAD cannot carry one in Fetch.
  if (method !== "GET" && !isHead) body = s.reqBody = new RequestBody(s);
  else s.discard = true;
  const exchange = new Exchange(new RequestInfo(facts, fields), s, webSocketUpgrades);
  s.exchange = exchange;
  if (exchange.log !== null) exchange.log.requestBody = body;
  let request: Request | null = null;
  let status = 400;
  if (body !== null && maxBodyBytes !== Infinity && contentLengthOf(fields) > maxBodyBytes) {
    status = 413;
  } else if (parts !== null) {
    try {
      request = createRequest(parts.url, method, parts.headers, body?.stream ?? null, exchange);
    } catch (e) {
      if (e instanceof UnrepresentableRequest) status = e.status;
    }
  }
  if (request === null) {
    exchange.cancel(new Error("request not representable"));
    body?.error(new Error("request refused"));
    s.reqBody = null;
    s.discard = true;
    return { request, status, isHead };
  }
  if (body !== null) s.trailerSlot = registerRequestTrailers(request);
  return { request, status, isHead };
}
