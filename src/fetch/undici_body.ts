/**
 * Node's fast path for a response whose body was given as a string or bytes
 * (`new Response(text)`, `Response.json(obj)`): undici keeps the value it
 * was given next to the stream it made for it, so the server sends that
 * value whole instead of reading the stream (a reader, a promise per chunk
 * and the eager-read machinery, for a body that is already in memory).
 *
 * The value sits under undici's internal `state` key, found by its symbol
 * description; a probe at start-up checks the shape on this runtime and
 * version, and the path is off where anything differs (Deno and Bun, whose
 * Response has no such key). A taken body is replaced by an empty stream
 * that reads as used, so the Response behaves as one whose body was read.
 *
 * @module
 */
import type { WholeResponse } from "./light_send.ts";
import { responseFields } from "./response_fields.ts";
import { bodyless } from "./status.ts";

type Bag = Record<PropertyKey, unknown>;
interface Held {
  stream: ReadableStream<Uint8Array> | null;
  source: unknown;
  length: number | null;
}

/**
 * The body a taken response is left with: no bytes, and `bodyUsed` true. One
 * for all (a ReadableStream costs Node a transferable object each), made on
 * first use, so that other runtimes never build it.
 */
let used: Held | null = null;
function usedBody(): Held {
  if (used !== null) return used;
  const stream = new ReadableStream<Uint8Array>();
  stream.cancel().catch(() => {});
  return (used = { stream, source: null, length: null });
}

function find(): symbol | null {
  const probe = new Response("probe");
  const key = Object.getOwnPropertySymbols(probe).find((s) => s.description === "state");
  if (key === undefined) return null;
  const held = ((probe as unknown as Bag)[key] as { body?: Held } | undefined)?.body;
  return held?.source === "probe" && held.stream instanceof ReadableStream ? key : null;
}

function takeWith(key: symbol, response: Response, take: boolean): WholeResponse | null {
  const state = (response as unknown as Bag)[key] as { body: Held | null } | undefined;
  const held = state?.body;
  if (held === null || held === undefined) return null;
  const source = held.source;
  if (typeof source !== "string" && !(source instanceof Uint8Array)) return null;
  const status = response.status;
  if (bodyless(status) || held.stream === null || held.stream.locked || response.bodyUsed) {
    return null;
  }
  const { headers, declared } = responseFields(response);
  // A stated length is checked on the general path (a string's byte length is not known here).
  if (declared >= 0) return null;
  if (take) state!.body = usedBody();
  return { status, headers, body: source };
}

/** Checks the behaviour relied on; any surprise turns the path off. */
function verify(key: symbol): boolean {
  const text = takeWith(key, new Response("a", { headers: { "x-a": "1" } }), false);
  if (text?.body !== "a" || !text.headers.some(([n, v]) => n === "x-a" && v === "1")) {
    return false;
  }
  const bytes = takeWith(key, new Response(new Uint8Array([1, 2]), { status: 201 }), false);
  if (!(bytes?.body instanceof Uint8Array) || bytes.body[1] !== 2 || bytes.status !== 201) {
    return false;
  }
  const json = takeWith(key, Response.json({ a: 1 }), false);
  if (json === null) return false;
  // Streams, Blobs, read or locked bodies and stated lengths take the general path.
  const locked = new Response("c");
  locked.body!.getReader();
  const others = [
    new Response(new ReadableStream()),
    new Response(new Blob(["b"])),
    locked,
    new Response("d", { headers: { "content-length": "1" } }),
    new Response(null),
  ];
  if (others.some((r) => takeWith(key, r, false) !== null)) return false;
  const taken = new Response("e");
  if (takeWith(key, taken, true) === null || !taken.bodyUsed) return false;
  return takeWith(key, taken, true) === null;
}

let key: symbol | null = null;
try {
  const found = find();
  key = found !== null && verify(found) ? found : null;
} catch {
  key = null;
}

/**
 * True where the runtime's Response keeps a string or bytes body as given (Node).
 */
export const UNDICI_BODY_FAST_PATH: boolean = key !== null;

/**
 * A response whose body is a string or bytes the runtime holds as given,
 * taken whole (the Response then reads as used); null for any other.
 */
export function takeUndiciBody(response: Response): WholeResponse | null {
  return key === null ? null : takeWith(key, response, true);
}
