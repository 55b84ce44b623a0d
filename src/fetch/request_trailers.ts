/**
 * Request trailers: `registerRequestTrailers(req)` for every request that
 * has a body, then the driver settles the slot it returns once (`deliver`,
 * `fail` or `responseDone`); `requestTrailers(req)` is the handler's view.
 * Keyed by the Request, so handlers keep a plain Request. Pure: no I/O.
 *
 * @module
 */
import { TrailersError } from "./trailers.ts";

type SlotState =
  | { kind: "pending" }
  | { kind: "fields"; fields: Array<[string, string]> }
  | { kind: "failed"; error: TrailersError };

/**
 * Driver side: the request trailers of one request. The driver settles it
 * exactly once (later calls are ignored); the promise the application sees
 * is created only if it asks, so an unobserved failure never surfaces as an
 * unhandled rejection.
 */
export class RequestTrailerSlot {
  #state: SlotState = { kind: "pending" };
  #promise: Promise<Headers> | null = null;
  #resolve: ((h: Headers) => void) | null = null;
  #reject: ((e: unknown) => void) | null = null;

  /** The body ended: `fields` are its trailers as received ([] when there were none). */
  deliver(fields: ReadonlyArray<readonly [string, string]>): void {
    if (this.#state.kind !== "pending") return;
    this.#state = { kind: "fields", fields: fields.map(([n, v]) => [n, v]) };
    this.#resolve?.(headersOf(this.#state.fields));
  }

  /** The body was cut short (client gone, stream reset, malformed framing). */
  fail(cause: unknown): void {
    this.#settleError(
      new TrailersError("aborted", "the request ended before its trailers", { cause }),
    );
  }

  /**
   * The response has completed (sent or aborted). If the body's end has not
   * been received by then, it never will be for this handler: reject with
   * "body-unread" rather than hang, and rather than resolve with an empty
   * Headers that would look like "the client sent none".
   */
  responseDone(): void {
    this.#settleError(
      new TrailersError(
        "body-unread",
        "the response completed before the request body was received to its end",
      ),
    );
  }

  /** The application's promise. */
  get promise(): Promise<Headers> {
    if (this.#promise === null) {
      const s = this.#state;
      if (s.kind === "fields") this.#promise = Promise.resolve(headersOf(s.fields));
      else if (s.kind === "failed") this.#promise = Promise.reject(s.error);
      else {
        this.#promise = new Promise((resolve, reject) => {
          this.#resolve = resolve;
          this.#reject = reject;
        });
      }
    }
    return this.#promise;
  }

  #settleError(error: TrailersError): void {
    if (this.#state.kind !== "pending") return;
    this.#state = { kind: "failed", error };
    this.#reject?.(error);
  }
}

function headersOf(fields: ReadonlyArray<readonly [string, string]>): Headers {
  const h = new Headers();
  for (const [n, v] of fields) h.append(n, v);
  return h;
}

const requestSlots = new WeakMap<Request, RequestTrailerSlot>();

/**
 * Driver side: registers a request that has a body and returns its slot.
 * Requests without a body need no slot: they cannot carry trailers.
 */
export function registerRequestTrailers(request: Request): RequestTrailerSlot {
  const slot = new RequestTrailerSlot();
  requestSlots.set(request, slot);
  return slot;
}

/**
 * The request's trailer fields. Resolves once the request body has been
 * received to its end, with the trailers (an empty Headers when the client
 * sent none; HTTP/1.1 chunked trailer sections and HTTP/2 trailing HEADERS
 * alike). Read the body first: a large body is only received as it is read.
 *
 * It never hangs: if the response completes before the body's end was
 * received (the handler never read it), it rejects with a TrailersError of
 * code "body-unread"; if the client goes away or resets the stream first,
 * with code "aborted". A request with no body, and a Request the server did
 * not create (a clone, `new Request(...)`), resolve with an empty Headers.
 */
export function requestTrailers(request: Request): Promise<Headers> {
  const slot = requestSlots.get(request);
  return slot === undefined ? Promise.resolve(new Headers()) : slot.promise;
}
