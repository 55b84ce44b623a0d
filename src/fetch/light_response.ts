/**
 * An opt-in lightweight global Response (the technique of @hono/node-server):
 * `new Response(body, init)` only records its arguments; the runtime's
 * Response is built the first time anything reads the object. The server
 * reads the recorded body and init directly, so a plain response never
 * builds a native Response, a Headers object or a body stream. On Bun,
 * whose Response cannot tell a Blob-backed body from a stream, that is most
 * of a hello-world response's cost.
 *
 * `instanceof Response` holds (the class's prototype chain includes the
 * native Response.prototype), static methods are inherited, and every
 * member forwards to the real object once built, so `clone()`, `text()`,
 * `headers` behave as before. What cannot work: handing a light response to
 * runtime code that checks the native brand before we built it (e.g.
 * returning it from a Bun.serve/Deno.serve handler in the same process, or
 * `Response.prototype.text.call(x)`); `materialize()` gives the native one.
 *
 * @module
 */
import type { HeadersInitLike } from "../web_types.ts";

/** The runtime's own Response, captured before any install. */
const NativeResponse: typeof Response = globalThis.Response;

/**
 * What a light response was made from, while the native one is not built.
 */
export interface LightParts {
  /** Status (default 200). */
  status: number;
  /** The body as given. */
  body: unknown;
  /** The headers init as given. */
  headers: HeadersInitLike | undefined;
  /** Whether the init carried anything but status and headers. */
  plainInit: boolean;
  /** Taken by the server: built later, it is an empty response. */
  taken?: boolean;
}

const parts = new WeakMap<object, LightParts>();
const real = new WeakMap<object, Response>();

function materialize(self: object): Response {
  let r = real.get(self);
  if (r === undefined) {
    const p = parts.get(self);
    if (p === undefined) throw new TypeError("Illegal invocation");
    const init = (p as LightParts & { init?: ResponseInit }).init;
    r = new NativeResponse(p.taken ? null : p.body as BodyInit | null, init);
    parts.delete(self);
    real.set(self, r);
  }
  return r;
}

/**
 * A Response that builds the native one on first use.
 */
export const LightResponse: typeof Response = function Response(
  this: object,
  body?: BodyInit | null,
  init?: ResponseInit,
): Response {
  if (new.target === undefined) throw new TypeError("Response constructor requires 'new'");
  let plainInit = true;
  if (init !== undefined) {
    for (const k in init) {
      if (k !== "status" && k !== "headers") plainInit = false;
    }
  }
  const p: LightParts & { init?: ResponseInit } = {
    status: init?.status ?? 200,
    body: body ?? null,
    headers: init?.headers,
    plainInit,
    init,
  };
  parts.set(this, p);
  return this as Response;
} as unknown as typeof Response;

Object.setPrototypeOf(LightResponse, NativeResponse);
// Native responses (Response.json(), fetch()) stay `instanceof Response` once installed.
Object.defineProperty(LightResponse, Symbol.hasInstance, {
  value: (x: unknown) => x instanceof NativeResponse,
});
const proto = Object.create(NativeResponse.prototype);
for (const name of Object.getOwnPropertyNames(NativeResponse.prototype)) {
  if (name === "constructor") continue;
  const d = Object.getOwnPropertyDescriptor(NativeResponse.prototype, name)!;
  if (typeof d.get === "function") {
    Object.defineProperty(proto, name, {
      configurable: true,
      enumerable: d.enumerable,
      get(this: object) {
        return (materialize(this) as unknown as Record<string, unknown>)[name];
      },
    });
  } else if (typeof d.value === "function") {
    Object.defineProperty(proto, name, {
      configurable: true,
      writable: true,
      enumerable: d.enumerable,
      value(this: object, ...args: unknown[]) {
        const r = materialize(this) as unknown as Record<string, (...a: unknown[]) => unknown>;
        return r[name]!(...args);
      },
    });
  }
}
Object.defineProperty(proto, "constructor", { value: LightResponse, writable: true });
Object.defineProperty(proto, Symbol.toStringTag, { value: "Response", configurable: true });
(LightResponse as unknown as { prototype: object }).prototype = proto;

/**
 * Replaces globalThis.Response with LightResponse, process-wide (call it once,
 * before serving; workers need their own call). Opt-in, never a default;
 * returns a function that puts the native one back.
 *
 * A handler's `new Response(body, init)` then only records its arguments, and
 * the server sends a string or bytes body with a plain headers record without
 * building the runtime's Response, Headers or body stream (on Bun, about half
 * of a small response's cost). `instanceof Response`, `clone()`, `text()`,
 * `headers`, `Response.json()` and `fetch()` results keep working. Risks:
 * - a byte body is used by reference, not copied at construction as the Fetch
 *   standard says: the response takes ownership, so do not change the array
 *   after `new Response(bytes)`;
 * - runtime code that checks the native brand before anything read the
 *   object (returning it from a Deno.serve/Bun.serve handler in the same
 *   process, `Response.prototype.text.call(x)`) fails: pass it through
 *   `materializeResponse()` first;
 * - an invalid status or header throws at first use, not at construction (the
 *   server checks before sending and falls back to the native Response, which
 *   throws then, answered by `onError`).
 *
 * @example
 * ```ts
 * const restore = installLightResponse();
 * new Response("hi") instanceof Response; // true
 * restore();
 * ```
 */
export function installLightResponse(): () => void {
  globalThis.Response = LightResponse;
  return () => {
    globalThis.Response = NativeResponse;
  };
}

/**
 * The recorded parts of a light response not yet built, or null for any
 * other response.
 */
export function peekLightParts(response: Response): LightParts | null {
  const p = parts.get(response);
  return p === undefined || p.taken ? null : p;
}

/**
 * Marks the parts of a light response as sent: if built later, its body is empty.
 */
export function takeLightParts(p: LightParts): void {
  p.taken = true;
}

/**
 * The native Response for a light one (built now if needed); any other
 * Response as it is.
 *
 * @example
 * ```ts
 * const native = materializeResponse(new LightResponse("hi"));
 * ```
 */
export function materializeResponse(response: Response): Response {
  return parts.has(response) || real.has(response) ? materialize(response) : response;
}
