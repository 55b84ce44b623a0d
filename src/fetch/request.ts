/**
 * Building the Fetch Request for an incoming request, the same way for
 * HTTP/1.1 and HTTP/2.
 *
 * @module
 */

import { LAZY_REQUESTS, lazyRequest, normalizeMethod } from "../transport/lazy_request.ts";

/** Methods answered 501 before any handler runs, on every protocol. */
const UNSERVED = new Set(["CONNECT", "TRACE", "TRACK"]);

/** True for the methods answered 501 before any handler runs (CONNECT, TRACE, TRACK). */
export function isUnserved(method: string): boolean {
  return UNSERVED.has(method);
}

/** Why a request could not become a Request: answered with `status`. */
export class UnrepresentableRequest extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Where a request's signal comes from; created only if the application asks. */
export interface SignalSource {
  /** The signal that aborts when the client goes away. */
  readonly signal: AbortSignal;
}

/**
 * A Request whose `signal` is the server's own, created lazily: passing a
 * signal to the Request constructor costs more than the rest of the request
 * on some runtimes, and most handlers never look at it. A copy made with
 * clone() or `new Request(req)` gets a fresh signal, as the Fetch standard
 * gives any copy.
 */
class ServerRequest extends Request {
  #source: SignalSource;

  constructor(url: string, init: RequestInit, source: SignalSource) {
    super(url, init);
    this.#source = source;
  }

  /** Aborts when the client disconnects or resets the stream before the response completes. */
  override get signal(): AbortSignal {
    return this.#source.signal;
  }
}

/**
 * Creates the Request. Throws UnrepresentableRequest when the runtime
 * refuses the method or URL (400/501), or silently changes the method (Bun
 * turns unknown extension methods into GET): a handler must never see a
 * request other than the one the client sent.
 */
export function createRequest(
  url: string,
  method: string,
  headers: HeadersInit,
  body: ReadableStream<Uint8Array> | null,
  source: SignalSource,
): Request {
  // No Fetch Request can carry CONNECT (and TRACE invites cross-site tracing).
  if (isUnserved(method)) throw new UnrepresentableRequest(501, `method ${method} not served`);
  if (LAZY_REQUESTS) {
    // The parsers have checked the method and fields; the URL is what is left to refuse.
    if (!URL.canParse(url)) throw new UnrepresentableRequest(400, "request URL not representable");
    return lazyRequest(url, method, headers, body, source);
  }
  let request: Request;
  try {
    const init: RequestInit & { duplex?: string } = { method, headers };
    if (body !== null) {
      init.body = body;
      init.duplex = "half"; // required by some runtimes for streaming bodies
    }
    request = new ServerRequest(url, init, source);
  } catch {
    throw new UnrepresentableRequest(400, "request not representable as a Fetch Request");
  }
  if (request.method !== method && request.method !== normalizeMethod(method)) {
    throw new UnrepresentableRequest(501, `method ${method} not supported by this runtime`);
  }
  return request;
}
