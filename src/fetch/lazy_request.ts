/**
 * A Request built on first need. On Deno, `new Request(url, init)` costs
 * about 4 µs (the init dictionary, the URL, the inner request and the header
 * list), close to a third of a whole hello-world exchange; most handlers
 * read only `url`, `method`, maybe a header. So the server hands out a
 * LazyRequest: an object whose prototype chain includes Request.prototype
 * (`instanceof Request` holds), that answers `url`, `method`, `headers` and
 * `signal` itself, and builds the real Request only when anything else is
 * used, then forwards to it.
 *
 * The runtime's own code may read a Request's internal fields, e.g. in
 * `new Request(req)` or `fetch(req)`. Deno keeps them under symbol keys, so
 * each such key is forwarded to the real Request as well (the keys are
 * found by src/runtime/fetch_internals.ts). A check at start-up exercises
 * all of this; if anything differs (another runtime or
 * version), LAZY_REQUESTS is false and requests are built eagerly. Bun's
 * Request is native and cheap, so the probe turns the path off there.
 *
 * Node's undici keeps the same state under own symbol fields, but a Headers
 * object's list is private, so the real Request cannot share ours: it is
 * given our Headers object, and its copy of the list is refreshed from ours
 * before the runtime reads it, when ours was edited since (TrackedHeaders).
 *
 * @module
 */
import type { SignalSource } from "./signal_source.ts";
import { findRequestInternals, type RequestInternals } from "../runtime/fetch_internals.ts";

type Bag = Record<PropertyKey, unknown>;

/** Methods the Fetch standard upper-cases when given in any case. */
const NORMALIZED = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

/**
 * The method a Request reports for `method`: the six above upper-cased, any other as given.
 */
export function normalizeMethod(method: string): string {
  if (method === "GET" || method === "POST") return method;
  const upper = method.toUpperCase();
  return NORMALIZED.has(upper) ? upper : method;
}

/** What a LazyRequest is made from. */
interface Parts {
  url: string;
  method: string;
  headers: HeadersInit;
  body: ReadableStream<Uint8Array> | null;
  source: SignalSource;
}

/**
 * Headers that note an edit (Node only), so the real Request's copy of the
 * list is refreshed before anything reads it. Still `instanceof Headers`.
 */
class TrackedHeaders extends Headers {
  edited = false;
  override append(name: string, value: string): void {
    this.edited = true;
    super.append(name, value);
  }
  override set(name: string, value: string): void {
    this.edited = true;
    super.set(name, value);
  }
  override delete(name: string): void {
    this.edited = true;
    super.delete(name);
  }
}

/** A URL for the throwaway Requests that copy a Headers object's list (Node). */
const LIST_URL = "http://list.invalid/";

/** Members answered without building the Request. */
const OWN = new Set(["constructor", "url", "method", "headers", "signal", "body", "bodyUsed"]);

/**
 * The lazy Request. Not constructed through Request's constructor; its
 * prototype is linked to Request.prototype below.
 */
class LazyRequest {
  #url: string;
  #method: string;
  #list: HeadersInit;
  #body: ReadableStream<Uint8Array> | null;
  #source: SignalSource;
  #headers: Headers | null = null;
  #real: Request | null = null;

  constructor(parts: Parts) {
    this.#url = parts.url;
    this.#method = normalizeMethod(parts.method);
    this.#list = parts.headers;
    this.#body = parts.body;
    this.#source = parts.source;
  }

  get url(): string {
    return this.#url;
  }

  get method(): string {
    return this.#method;
  }

  get headers(): Headers {
    return (this.#headers ??= internals!.list === null
      ? new TrackedHeaders(this.#list)
      : new Headers(this.#list));
  }

  get signal(): AbortSignal {
    return this.#source.signal;
  }

  /** The exchange behind a lazy request (static: not visible on the request). */
  static sourceOf(r: unknown): SignalSource | null {
    return typeof r === "object" && r !== null && #source in r ? (r as LazyRequest).#source : null;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.#body === null ? null : this.#materialize().body;
  }

  get bodyUsed(): boolean {
    return this.#body === null ? false : this.#materialize().bodyUsed;
  }

  /** The real Request, built once; its Headers object is ours, so edits stay in one place. */
  #materialize(): Request {
    if (this.#real !== null) return this.#real;
    const init: RequestInit & { duplex?: string } = { method: this.#method, headers: this.headers };
    if (this.#body !== null) {
      init.body = this.#body;
      init.duplex = "half";
    }
    const real = new Request(this.#url, init);
    // One Headers object (and on Deno one list of pairs): later edits reach copies and fetch(req).
    const keys = internals!;
    (real as unknown as Bag)[keys.headers] = this.#headers;
    if (keys.list !== null) {
      const inner = (real as unknown as Bag)[keys.inner] as Bag;
      inner[keys.innerList] = (this.#headers as unknown as Bag)[keys.list];
    } else (this.#headers as TrackedHeaders).edited = false;
    this.#real = real;
    return real;
  }

  /**
   * The real Request with the current fields: on Node, the list the runtime
   * sends and copies is refreshed from our Headers when they were edited.
   */
  #current(): Request {
    const real = this.#materialize();
    const headers = this.#headers;
    if (headers instanceof TrackedHeaders && headers.edited) {
      const keys = internals!;
      const copy = new Request(LIST_URL, { headers }) as unknown as Bag;
      const inner = (real as unknown as Bag)[keys.inner] as Bag;
      inner[keys.innerList] = (copy[keys.inner] as Bag)[keys.innerList];
      headers.edited = false;
    }
    return real;
  }

  static #install: (found: RequestInternals) => void;

  static {
    const proto = LazyRequest.prototype as unknown as Bag;
    const define = (key: PropertyKey, desc: PropertyDescriptor) =>
      Object.defineProperty(proto, key, { ...desc, configurable: true, enumerable: false });
    const forward = (key: PropertyKey) => {
      const base = Object.getOwnPropertyDescriptor(Request.prototype, key);
      if (base === undefined) return;
      if (typeof base.value === "function") {
        define(key, {
          writable: true,
          value: function (this: LazyRequest, ...args: unknown[]) {
            const real = this.#current() as unknown as Bag;
            return (real[key] as (...a: unknown[]) => unknown).apply(real, args);
          },
        });
      } else if (base.get !== undefined) {
        define(key, {
          get(this: LazyRequest) {
            return (this.#current() as unknown as Bag)[key];
          },
        });
      }
    };
    LazyRequest.#install = (found: RequestInternals) => {
      for (const name of Object.getOwnPropertyNames(Request.prototype)) {
        if (!OWN.has(name)) forward(name);
      }
      // The runtime's internal fields live on the real Request.
      for (const key of found.fields) {
        define(key, {
          get(this: LazyRequest) {
            return (this.#current() as unknown as Bag)[key];
          },
          set(this: LazyRequest, value: unknown) {
            (this.#current() as unknown as Bag)[key] = value;
          },
        });
      }
      // Copies made by the runtime (new Request(req), fetch(req)) follow our signal.
      define(found.signal, {
        get(this: LazyRequest) {
          return this.#source.signal;
        },
      });
      define(found.headers, {
        get(this: LazyRequest) {
          this.#materialize();
          return this.#headers;
        },
      });
      Object.setPrototypeOf(LazyRequest.prototype, Request.prototype);
    };
  }

  /** Links the class into Request's prototype chain using the runtime's keys. */
  static install(found: RequestInternals): void {
    LazyRequest.#install(found);
  }
}

/** Checks, synchronously, the behaviour the server relies on. */
function verify(): boolean {
  const controller = new AbortController();
  const source = { signal: controller.signal };
  const url = "http://probe.invalid/a?b=1";
  const make = (method: string, body: ReadableStream<Uint8Array> | null) =>
    new LazyRequest({ url, method, headers: [["x-a", "1"]], body, source }) as unknown as Request;
  const r = make("get", null);
  if (!(r instanceof Request) || r.url !== url || r.method !== "GET") return false;
  if (r.headers.get("x-a") !== "1" || r.body !== null || r.bodyUsed) return false;
  r.headers.set("x-b", "2");
  const copy = new Request(r);
  if (copy.url !== url || copy.method !== "GET" || copy.headers.get("x-b") !== "2") return false;
  const clone = r.clone();
  if (clone.headers.get("x-b") !== "2" || r.headers.get("x-b") !== "2") return false;
  // Edits after the real Request exists reach what the runtime copies from it.
  r.headers.set("x-c", "3");
  r.headers.delete("x-a");
  const later = new Request(r);
  if (later.headers.get("x-c") !== "3" || later.headers.has("x-a")) return false;
  if (r.clone().headers.get("x-c") !== "3") return false;
  if (r.cache !== "default" || r.redirect !== "follow") return false;
  // A copy's signal follows the client's.
  controller.abort();
  if (!copy.signal.aborted || !r.signal.aborted) return false;
  const stream = new ReadableStream<Uint8Array>();
  const post = make("POST", stream);
  if (post.body !== stream || post.bodyUsed) return false;
  const moved = new Request(post);
  if (moved.body === null || !post.bodyUsed) return false;
  return true;
}

let internals: RequestInternals | null = null;
try {
  const found = findRequestInternals();
  if (found !== null) {
    internals = found;
    LazyRequest.install(found);
    if (!verify()) internals = null;
  }
} catch {
  internals = null;
}

/**
 * True when requests are built lazily on this runtime.
 */
export const LAZY_REQUESTS: boolean = internals !== null;

/**
 * A Request that is built only when the handler needs more than `url`,
 * `method`, `headers` or `signal`. Only call when LAZY_REQUESTS is true.
 * The caller has validated the method and that `url` parses.
 */
export function lazyRequest(
  url: string,
  method: string,
  headers: HeadersInit,
  body: ReadableStream<Uint8Array> | null,
  source: SignalSource,
): Request {
  return new LazyRequest({ url, method, headers, body, source }) as unknown as Request;
}

/**
 * The signal source (exchange) of a lazy request, or null for any other object.
 */
export function lazySource(r: unknown): SignalSource | null {
  return LazyRequest.sourceOf(r);
}
