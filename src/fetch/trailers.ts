/**
 * Response trailers and the rules for trailer fields: `withTrailers(response,
 * trailers)` attaches them in a registry keyed by the Response, so handlers
 * keep a plain Response; `checkTrailers` and `TrailersError` serve both
 * directions (request trailers: request_trailers.ts). Pure: no I/O, no
 * runtime globals.
 *
 * Driver side (docs/design.md, "Trailers"): `trailersOf(response)` before the
 * head is sent, `TrailerProducer.produce()` after the last body byte was
 * pulled.
 *
 * @module
 */
import type { HeadersInitLike } from "../web_types.ts";

/**
 * Response trailers: fields now, or a function called once the body has been pulled to its end.
 *
 * @example
 * ```ts
 * import { withTrailers } from "./trailers.ts";
 * const res = withTrailers(new Response("body"), () => ({ "x-checksum": "abc" }));
 * ```
 */
export type TrailersInit = HeadersInitLike | (() => HeadersInitLike | Promise<HeadersInitLike>);

/**
 * Why trailers could not be sent or received.
 *
 * @example
 * ```ts
 * import { TrailersError } from "./trailers.ts";
 * const isForbidden = (e: unknown) => e instanceof TrailersError && e.code === "forbidden-field";
 * ```
 */
export type TrailersErrorCode =
  /** A field that RFC 9110 §6.5.1 keeps out of trailers, or a malformed name or value. */
  | "forbidden-field"
  /** The trailers function threw or rejected. */
  | "producer-failed"
  /** The trailer section is larger than the client accepts (h2: its SETTINGS_MAX_HEADER_LIST_SIZE; h1: http1.maxHeaderBytes). */
  | "too-large"
  /** The response completed while the request body had not been received to its end. */
  | "body-unread"
  /** The request was cut short (client gone, stream reset, malformed body) before its end. */
  | "aborted";

/**
 * The error of everything trailer-related. Attaching a forbidden field throws
 * it at once; a trailers function that fails or returns a forbidden field
 * makes the driver reset the HTTP/2 stream (INTERNAL_ERROR) or close the
 * HTTP/1.1 connection without the last chunk, and `onError` receives it.
 *
 * @example
 * ```ts
 * import { TrailersError, withTrailers } from "./trailers.ts";
 * try {
 *   withTrailers(new Response("x"), { "content-length": "1" });
 * } catch (e) {
 *   console.log(e instanceof TrailersError && e.field); // "content-length"
 * }
 * ```
 */
export class TrailersError extends TypeError {
  /** What went wrong. */
  readonly code: TrailersErrorCode;
  /** The offending field name (lowercase), for "forbidden-field"; otherwise null. */
  readonly field: string | null;

  /**
   * Creates the error.
   *
   * @param code what went wrong.
   * @param message the text to show.
   * @param options the offending field, and the underlying error as `cause`.
   */
  constructor(
    code: TrailersErrorCode,
    message: string,
    options?: { field?: string; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TrailersError";
    this.code = code;
    this.field = options?.field ?? null;
  }
}

/**
 * Fields a sender must not put in a trailer section, RFC 9110 §6.5.1/§6.5.2:
 * framing, routing, request modifiers (controls and conditionals),
 * authentication, response control, how to process the content, and
 * connection-specific fields (RFC 9113 §8.2.2).
 */
const FORBIDDEN = new Set([
  // message framing
  "content-length",
  "transfer-encoding",
  // routing
  "host",
  // request controls (RFC 9110 §7.2 / §10.1)
  "cache-control",
  "expect",
  "max-forwards",
  "pragma",
  "range",
  "te",
  // conditionals (RFC 9110 §13.1)
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "if-range",
  // authentication and state
  "authorization",
  "www-authenticate",
  "proxy-authenticate",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  // response control data (RFC 9110 §10.2)
  "age",
  "expires",
  "date",
  "location",
  "retry-after",
  "vary",
  "warning",
  // how to process the content
  "content-encoding",
  "content-type",
  "content-range",
  "trailer",
  // connection-specific
  "connection",
  "keep-alive",
  "proxy-connection",
  "upgrade",
]);

/** RFC 9110 §5.6.2 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A field value: no NUL, CR or LF (surrounding whitespace is trimmed). */
const BAD_VALUE = /[\0\r\n]/;

/**
 * True if `name` (any case) may be sent as a trailer field.
 */
export function isAllowedTrailer(name: string): boolean {
  const lower = name.toLowerCase();
  return TOKEN.test(name) && !FORBIDDEN.has(lower) && !lower.startsWith("proxy-");
}

function entries(init: HeadersInitLike): Array<[string, string]> {
  if (init instanceof Headers) {
    const out: Array<[string, string]> = [];
    init.forEach((v, n) => out.push([n, v]));
    return out;
  }
  if (Array.isArray(init)) {
    return init.map((pair) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TrailersError(
          "forbidden-field",
          "trailers: each entry must be a [name, value] pair",
        );
      }
      return [String(pair[0]), String(pair[1])];
    });
  }
  if (init === null || typeof init !== "object") {
    throw new TrailersError("forbidden-field", "trailers must be a HeadersInit or a function");
  }
  return Object.entries(init as Record<string, string>).map(([n, v]) => [n, String(v)]);
}

/**
 * Checks trailer fields and returns them with lowercase names and trimmed
 * values, in order, duplicates kept. Throws a TrailersError naming the first
 * field that is not allowed.
 */
export function checkTrailers(init: HeadersInitLike): Array<[string, string]> {
  const out = entries(init);
  for (const pair of out) {
    const [name, value] = pair;
    if (name.startsWith(":")) {
      throw new TrailersError(
        "forbidden-field",
        `trailer field "${name}": pseudo-header fields are not allowed in trailers`,
        { field: name },
      );
    }
    if (!TOKEN.test(name)) {
      throw new TrailersError(
        "forbidden-field",
        `trailer field name ${JSON.stringify(name)} is not a token`,
        {
          field: name,
        },
      );
    }
    const lower = name.toLowerCase();
    if (FORBIDDEN.has(lower) || lower.startsWith("proxy-")) {
      throw new TrailersError(
        "forbidden-field",
        `trailer field "${lower}" is not allowed in trailers (RFC 9110 §6.5.1)`,
        { field: lower },
      );
    }
    if (BAD_VALUE.test(value)) {
      throw new TrailersError(
        "forbidden-field",
        `trailer field "${lower}": value holds CR, LF or NUL`,
        {
          field: lower,
        },
      );
    }
    pair[0] = lower;
    pair[1] = value.trim();
  }
  return out;
}

/**
 * What a driver gets for a response with trailers.
 */
export interface TrailerProducer {
  /**
   * The field names, lowercase and without duplicates, when known before the
   * body (fixed fields), for a `Trailer` header; null for a function.
   */
  readonly names: readonly string[] | null;
  /**
   * The fields to send, checked. Call it once, after the last body byte has
   * been pulled. Rejects with a TrailersError ("producer-failed" or
   * "forbidden-field"); the driver then resets the stream or closes the
   * HTTP/1.1 connection and reports the error to onError.
   */
  produce(): Promise<Array<[string, string]>>;
}

class Fixed implements TrailerProducer {
  readonly names: readonly string[];
  constructor(readonly fields: Array<[string, string]>) {
    this.names = [...new Set(fields.map(([n]) => n))];
  }
  produce(): Promise<Array<[string, string]>> {
    return Promise.resolve(this.fields);
  }
}

class Deferred implements TrailerProducer {
  readonly names = null;
  #called = false;
  constructor(readonly fn: () => HeadersInitLike | Promise<HeadersInitLike>) {}
  async produce(): Promise<Array<[string, string]>> {
    if (this.#called) throw new TrailersError("producer-failed", "trailers were already produced");
    this.#called = true;
    let init: HeadersInitLike;
    try {
      init = await this.fn();
    } catch (cause) {
      throw new TrailersError("producer-failed", "the trailers function failed", { cause });
    }
    return checkTrailers(init);
  }
}

const responseTrailers = new WeakMap<Response, TrailerProducer>();
/** Stays false until withTrailers is first called, so responses skip the lookup. */
let anyResponseTrailers = false;

/**
 * Attaches trailer fields to a response and returns the same Response.
 * `trailers` is a HeadersInit, or a function called after the last body byte
 * has been pulled (so it can carry a checksum or a status computed while
 * streaming), returning a HeadersInit or a promise of one.
 *
 * On HTTP/2 they go in a final HEADERS frame with END_STREAM; on HTTP/1.1
 * the response is sent chunked with a trailer section. Fields RFC 9110
 * §6.5.1 keeps out of trailers (content-length, host, authorization,
 * set-cookie, cache-control, content-type...) throw a TrailersError naming
 * the field: here for a HeadersInit, when the function resolves for a
 * function (the stream is then reset, or the HTTP/1.1 connection closed,
 * and onError hears it). Attaching again replaces the earlier trailers.
 *
 * @example
 * ```ts ignore
 * import { serve, withTrailers } from "@h2serve/h2serve";
 * serve({ port: 8080 }, () => {
 *   let bytes = 0;
 *   const body = new ReadableStream<Uint8Array>({
 *     pull(c) {
 *       const chunk = new TextEncoder().encode("data\n");
 *       bytes += chunk.byteLength;
 *       if (bytes > 50) c.close();
 *       else c.enqueue(chunk);
 *     },
 *   });
 *   return withTrailers(
 *     new Response(body, { headers: { "content-type": "application/grpc" } }),
 *     () => ({ "grpc-status": "0", "x-bytes": String(bytes) }),
 *   );
 * });
 * ```
 */
export function withTrailers(response: Response, trailers: TrailersInit): Response {
  if (!(response instanceof Response)) {
    throw new TypeError("withTrailers: the first argument must be a Response");
  }
  const producer = typeof trailers === "function"
    ? new Deferred(trailers)
    : new Fixed(checkTrailers(trailers));
  responseTrailers.set(response, producer);
  anyResponseTrailers = true;
  return response;
}

/**
 * Driver side: the trailers attached to a response, or null. Ask before the
 * head is sent: a response with trailers must not go out with a
 * Content-Length on HTTP/1.1.
 */
export function trailersOf(response: Response): TrailerProducer | null {
  if (!anyResponseTrailers) return null;
  return responseTrailers.get(response) ?? null;
}

/**
 * Carries trailers from one response to another that replaces it (a
 * transform such as compression builds a new Response around the body).
 */
export function moveTrailers(from: Response, to: Response): void {
  if (!anyResponseTrailers || from === to) return;
  const producer = responseTrailers.get(from);
  if (producer === undefined) return;
  responseTrailers.set(to, producer);
  responseTrailers.delete(from);
}
