/**
 * What an HTTP/1.1 response head says, decided from the request and the
 * handler's response alone: hop-by-hop fields dropped (we frame ourselves),
 * a `Connection: close` from the handler honoured, trailers announced, and
 * the body's framing (none, Content-Length, chunked or close-delimited).
 * What depends on the connection (shutdown, a half-closed client, an owed
 * 100-continue) is the driver's to add.
 *
 * @module
 */
import type { RequestHead } from "../core/message.ts";
import type { Framing, ResponseHead } from "../core/serializer.ts";
import type { TrailerHint } from "../../fetch/exchange.ts";

/** Fields we frame ourselves; a handler's values for them are dropped. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade"]);
const CLOSE_TOKEN = /(^|,)\s*close\s*($|,)/i;
const UPGRADE_TOKEN = /(^|,)\s*upgrade\s*($|,)/i;

/**
 * The response head for `req`. Its `keepAlive` is false when the response
 * itself ends the connection (the handler said `Connection: close`, or an
 * HTTP/1.0 body without a length is close-delimited); the driver settles the
 * final value from its connection state.
 */
export function planResponseHead(
  req: RequestHead,
  status: number,
  headers: Array<[string, string]>,
  length: number,
  end: boolean,
  trailers: TrailerHint | undefined,
  date: string,
): ResponseHead {
  let close = false;
  let announced = false;
  const filtered: Array<[string, string]> = [];
  for (const h of headers) {
    if (HOP_BY_HOP.has(h[0])) {
      if (h[0] === "connection" && CLOSE_TOKEN.test(h[1])) close = true;
      // A 426 must name the protocol to switch to, with its Connection option (RFC 9110 7.8).
      const offer = status === 426 &&
        (h[0] === "upgrade" || (h[0] === "connection" && UPGRADE_TOKEN.test(h[1])));
      if (!offer) continue;
    }
    if (h[0] === "trailer") announced = true;
    filtered.push(h);
  }
  // Trailers need chunked coding, so a response with them is always chunked on
  // HTTP/1.1 (RFC 9112 §7.1.2: any HTTP/1.1 recipient of chunked coding may get
  // a trailer section, TE or not); HTTP/1.0 gets the body close-delimited and no trailers.
  const chunkedForTrailers = trailers !== undefined && req.versionMinor === 1;
  if (chunkedForTrailers && !announced && trailers !== true && trailers.length > 0) {
    filtered.push(["trailer", trailers.join(", ")]);
  }
  let framing: Framing;
  if (end) framing = "none";
  else if (chunkedForTrailers) framing = "chunked";
  else if (length >= 0) framing = "length";
  else if (req.versionMinor === 1) framing = "chunked";
  else {
    framing = "close";
    close = true;
  }
  return {
    status,
    headers: filtered,
    framing,
    contentLength: length,
    keepAlive: !close,
    http10: req.versionMinor === 0,
    date,
  };
}
