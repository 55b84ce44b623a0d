/**
 * A fast path for the most common response: status 200, a body given as a
 * string or bytes, and at most a Content-Type. Reading such a body through
 * `response.body` makes the runtime build a ReadableStream and a reader,
 * which on Deno costs more than the rest of the response. Deno keeps these
 * responses' bodies as plain values for Deno.serve; we read the same values.
 *
 * The values sit under symbol keys that are internal to the runtime, so a
 * probe at start-up checks that they mean what we expect on this runtime and
 * version, and the path is switched off otherwise (always on Bun, whose
 * Response has no such keys). It is also skipped whenever the handler has
 * touched the response's headers or body, since the runtime then drops or
 * outgrows the plain value.
 *
 * @module
 */
import { findResponseInternals, type ResponseInternals } from "../runtime/fetch_internals.ts";

/**
 * A response body known in full, with the one field that goes with it.
 */
export interface StaticBody {
  /** The body: UTF-8 text or bytes. */
  body: string | Uint8Array;
  /** The Content-Type to send, or null for none. */
  contentType: string | null;
}

/** Header kinds as the runtime numbers them. */
const KIND_NONE = 0;
const KIND_TEXT = 1;
const KIND_TYPE = 2;
const TEXT_PLAIN = "text/plain;charset=UTF-8";

type Bag = Record<symbol, unknown>;

/** Checks that the keys behave as this module assumes; any surprise turns the path off. */
function verify(k: ResponseInternals): boolean {
  const read = (r: Response) => staticBodyWith(k, r, false);
  const text = read(new Response("a"));
  const typed = read(new Response("b", { headers: { "content-type": "text/html" } }));
  const bytes = read(new Response(new Uint8Array([1, 2])));
  if (text?.body !== "a" || text.contentType !== TEXT_PLAIN) return false;
  if (typed?.body !== "b" || typed.contentType !== "text/html") return false;
  if (!(bytes?.body instanceof Uint8Array) || bytes.contentType !== null) return false;
  if (bytes.body.byteLength !== 2 || bytes.body[1] !== 2) return false;
  // Everything else must fall back to the general path.
  const touched = new Response("c");
  touched.headers.set("x-a", "1");
  const read404 = new Response("d", { status: 404 });
  const extra = new Response("e", { headers: { "content-type": "text/html", "x-a": "1" } });
  const streamed = new Response("f");
  void streamed.body;
  const piped = new Response(new ReadableStream());
  for (const r of [touched, read404, extra, streamed, piped]) {
    if (read(r) !== null) return false;
  }
  // Taking the body must mark it used, as sending it through a stream would.
  const taken = new Response("g");
  if (staticBodyWith(k, taken, true) === null || !taken.bodyUsed) return false;
  return true;
}

function staticBodyWith(
  k: ResponseInternals,
  response: Response,
  take: boolean,
): StaticBody | null {
  const r = response as unknown as Bag;
  if (r[k.status] !== 200 || r[k.consumed] !== false) return null;
  const body = r[k.body];
  if (typeof body !== "string" && !(body instanceof Uint8Array)) return null;
  // A body the handler already turned into a stream (and may be reading) is not plain any more.
  const inner = r[k.inner] as { streamOrStatic?: { consumed?: unknown } } | null | undefined;
  const held = inner?.streamOrStatic;
  if (held === undefined || held instanceof ReadableStream || held.consumed !== false) return null;
  const kind = r[k.kind];
  let contentType: string | null;
  if (kind === KIND_NONE) contentType = null;
  else if (kind === KIND_TEXT) contentType = TEXT_PLAIN;
  else if (kind === KIND_TYPE && typeof r[k.type] === "string") contentType = r[k.type] as string;
  else return null;
  if (take) r[k.consumed] = true;
  return { body, contentType };
}

let keys: ResponseInternals | null = null;
try {
  const found = findResponseInternals();
  keys = found !== null && verify(found) ? found : null;
} catch {
  keys = null;
}

/**
 * True when this runtime offers the fast path (Deno today).
 */
export const STATIC_BODY_FAST_PATH: boolean = keys !== null;

/**
 * Takes the body of a plain 200 response without a stream, marking it used,
 * or returns null when the response must go the general way.
 */
export function takeStaticBody(response: Response): StaticBody | null {
  return keys === null ? null : staticBodyWith(keys, response, true);
}

/**
 * The plain body of a response that would take the fast path, without taking
 * it (the response stays sendable as it is), or null. Lets a transform learn
 * a body's size without turning it into a stream.
 */
export function peekStaticBody(response: Response): StaticBody | null {
  return keys === null ? null : staticBodyWith(keys, response, false);
}
