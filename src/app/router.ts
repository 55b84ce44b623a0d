/**
 * A small router on URLPattern, in the spirit of Hono: routes by method and
 * path pattern, typed path params, middleware with a typed per-request
 * context, and a plain fetch handler for serve().
 *
 * ```ts
 * import { Router, serve } from "@h2serve/h2serve";
 * const app = new Router<{ user: string }>();
 * app.use(async (req, ctx, next) => {
 *   ctx.set("user", req.headers.get("x-user") ?? "anonymous");
 *   return await next();
 * });
 * app.get("/hello/:name", (_req, ctx) => new Response(`hi ${ctx.params.name}, ${ctx.var.user}`));
 * serve({ port: 8080 }, app.fetch);
 * ```
 *
 * @module
 */
import type { ServeInfo } from "../types.ts";

/**
 * Values middleware stores for the handler; declared as the Router's type parameter.
 *
 * @example
 * ```ts
 * const app = new Router<{ user: string }>(); // the variables middleware sets
 * ```
 */
export type Variables = object;

/**
 * The `:name` groups of a pathname pattern, each as `{ required: name }` or
 * (with a `?` or `*` modifier) `{ optional: name }`; a name ends at `(`,
 * `{`, `.` or `-`.
 *
 * @example
 * ```ts
 * type N = ParamNames<"/users/:id/:tab?">; // { required: "id" } | { optional: "tab" }
 * ```
 */
export type ParamNames<P extends string> = P extends `${infer A}/${infer B}`
  ? ParamNames<A> | ParamNames<B>
  : P extends `${string}:${infer T}` ? (
      T extends `${infer N}(${string}` ? ParamNames<`:${N}`>
        : T extends `${infer N}{${string}` ? ParamNames<`:${N}`>
        : T extends `${infer N}.${string}` ? ParamNames<`:${N}`>
        : T extends `${infer N}-${string}` ? ParamNames<`:${N}`>
        : T extends `${infer N}${"?" | "*"}` ? { optional: N }
        : T extends `${infer N}+` ? { required: N }
        : { required: T }
    )
  : never;

/**
 * The params of a pathname pattern, inferred from its `:name` groups:
 * `"/users/:id/:tab?"` gives `{ id: string; tab?: string }`. Any other key
 * (unnamed groups are "0", "1", ...) reads as `string | undefined`.
 *
 * @example
 * ```ts
 * type P = Params<"/users/:id/:tab?">; // { id: string; tab?: string }
 * ```
 */
export type Params<P extends string = string> = string extends P ? Record<string, string>
  :
    & { [K in Extract<ParamNames<P>, { required: string }>["required"]]: string }
    & { [K in Extract<ParamNames<P>, { optional: string }>["optional"]]?: string }
    & Record<string, string | undefined>;

/**
 * The per-request context given to middleware and handlers.
 *
 * @example
 * ```ts
 * import { type Context, Router } from "@h2serve/h2serve";
 * const app = new Router<{ user: string }>();
 * app.get("/users/:id", (_req, ctx: Context<{ user: string }, "/users/:id">) =>
 *   new Response(`${ctx.params.id} seen by ${ctx.var.user}`));
 * ```
 */
export class Context<
  V extends Variables = Variables,
  P extends string = string,
  C extends object = Record<string, unknown>,
> {
  /** The request. */
  readonly req: Request;
  /** The server's per-request info (addresses, protocol, connection context). */
  readonly info: ServeInfo<C>;
  /** The request URL, parsed once. */
  readonly url: URL;
  /** Path params of the matched route, percent-decoded; empty when no route matched. */
  readonly params: Params<P>;
  /** The values set by middleware so far (read-only view; use set() to write). */
  readonly var: Readonly<Partial<V>>;
  #vars: Partial<V>;

  /** Made by the router; exported for typing. */
  constructor(req: Request, info: ServeInfo<C>, url: URL, params: Record<string, string>) {
    this.req = req;
    this.info = info;
    this.url = url;
    this.params = params as Params<P>;
    this.#vars = {};
    this.var = this.#vars;
  }

  /** Stores a value for later middleware and the handler. */
  set<K extends keyof V>(key: K, value: V[K]): void {
    this.#vars[key] = value;
  }

  /** Reads a value stored by middleware; undefined if none was set. */
  get<K extends keyof V>(key: K): V[K] | undefined {
    return this.#vars[key];
  }
}

/**
 * A route handler: the request, and its context with params and variables.
 *
 * @example
 * ```ts
 * const show: RouteHandler<object, "/items/:id"> = (_req, ctx) => new Response(ctx.params.id);
 * ```
 */
export type RouteHandler<
  V extends Variables = Variables,
  P extends string = string,
  C extends object = Record<string, unknown>,
> = (
  request: Request,
  ctx: Context<V, P, C>,
) => Response | Promise<Response>;

/**
 * Middleware: runs before the handler, may set context values, and either
 * returns its own response or calls `next()` (once) for the rest of the chain.
 *
 * @example
 * ```ts
 * const timing: Middleware = async (_req, _ctx, next) => {
 *   const t0 = performance.now();
 *   const res = await next();
 *   res.headers.set("server-timing", `app;dur=${performance.now() - t0}`);
 *   return res;
 * };
 * ```
 */
export type Middleware<
  V extends Variables = Variables,
  C extends object = Record<string, unknown>,
> = (
  request: Request,
  ctx: Context<V, string, C>,
  next: () => Promise<Response>,
) => Response | Promise<Response>;

/**
 * Methods accepted by route(): one, several, or all when omitted.
 *
 * @example
 * ```ts
 * import { type Methods, Router } from "@h2serve/h2serve";
 * const app = new Router();
 * app.route("/items", ["GET", "POST"] satisfies Methods, () => new Response("ok"));
 * ```
 */
export type Methods = string | readonly string[];

interface Route<V extends Variables, C extends object> {
  pattern: URLPattern;
  methods: Set<string> | null; // null: any method
  handler: RouteHandler<V, string, C>;
}

interface Use<V extends Variables, C extends object> {
  pattern: URLPattern | null;
  middleware: Middleware<V, C>;
}

function requireURLPattern(): typeof URLPattern {
  const P = (globalThis as { URLPattern?: typeof URLPattern }).URLPattern;
  if (P === undefined) {
    throw new Error(
      "h2serve Router needs the global URLPattern (Deno, Bun >= 1.3.4, Node >= 23.8); " +
        "this runtime has none: `npm install urlpattern-polyfill` and put " +
        '`import "urlpattern-polyfill";` first in your entry module',
    );
  }
  return P;
}

function toPattern(pattern: string | URLPattern): URLPattern {
  if (typeof pattern !== "string") return pattern;
  const P = requireURLPattern();
  return new P({ pathname: pattern });
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function paramsOf(m: URLPatternResult): Record<string, string> {
  const out: Record<string, string> = {};
  // Named hostname groups only: a pathname-only pattern's hostname is a "*" group "0".
  for (const [k, v] of Object.entries(m.hostname.groups)) {
    if (v !== undefined && !/^\d+$/.test(k)) out[k] = decode(v);
  }
  for (const [k, v] of Object.entries(m.pathname.groups)) if (v !== undefined) out[k] = decode(v);
  return out;
}

function plain(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/**
 * Routes requests to handlers by method and URLPattern.
 *
 * Behaviour:
 * - Routes are tried in registration order; the first whose pattern and
 *   method match handles the request.
 * - No pattern matches: 404 (or the notFound() handler).
 * - A pattern matches but not the method: 405 with `Allow` listing the
 *   methods that would match (HEAD included wherever GET is).
 * - HEAD without its own route runs the GET route; the server drops the body.
 * - OPTIONS without its own route: 204 with `Allow` when a pattern matches.
 * - Params are percent-decoded (raw if the escape is malformed).
 * - Middleware added with use() runs for every request the router receives,
 *   404 and 405 included, in registration order, around the outcome.
 *
 * `V` declares the variables middleware may set: `new Router<{ user: User }>()`.
 * `C` is the connection context, the type serve()'s `onConnection` returns:
 * handlers then read `ctx.info.connection.context` with that type.
 *
 * @example
 * ```ts
 * import { Router, serve } from "@h2serve/h2serve";
 * const app = new Router();
 * app.get("/hello/:name", (_req, ctx) => new Response(`hi ${ctx.params.name}`));
 * serve({ port: 8000 }, app.fetch);
 * ```
 */
export class Router<V extends Variables = Variables, C extends object = Record<string, unknown>> {
  #routes: Array<Route<V, C>> = [];
  #uses: Array<Use<V, C>> = [];
  #notFound: RouteHandler<V, string, C> = () => plain(404, "Not Found\n");

  /** Adds middleware for every request, or for those whose path matches `pattern`. */
  use(middleware: Middleware<V, C>): this;
  /** Adds middleware for requests whose pathname matches `pattern`. */
  use(pattern: string | URLPattern, middleware: Middleware<V, C>): this;
  use(a: string | URLPattern | Middleware<V, C>, b?: Middleware<V, C>): this {
    if (typeof a === "function") this.#uses.push({ pattern: null, middleware: a });
    else if (b !== undefined) this.#uses.push({ pattern: toPattern(a), middleware: b });
    else throw new TypeError("Router.use: missing middleware");
    return this;
  }

  /**
   * Adds a route. `pattern` is a URLPattern pathname (`/users/:id`) or a
   * URLPattern; `methods` is one method, a list, or omitted for any.
   */
  route<P extends string>(pattern: P, handler: RouteHandler<V, P, C>): this;
  /** Adds a route for the given method(s). */
  route<P extends string>(pattern: P, methods: Methods, handler: RouteHandler<V, P, C>): this;
  /** Adds a route with a prebuilt URLPattern. */
  route(pattern: URLPattern, methods: Methods | null, handler: RouteHandler<V, string, C>): this;
  route(
    pattern: string | URLPattern,
    a: Methods | null | RouteHandler<V, string, C>,
    b?: RouteHandler<V, string, C>,
  ): this {
    const handler = typeof a === "function" ? a : b;
    if (handler === undefined) throw new TypeError("Router.route: missing handler");
    const list = typeof a === "function" || a === null ? null : typeof a === "string" ? [a] : a;
    const methods = list === null ? null : new Set(list.map((m) => m.toUpperCase()));
    this.#routes.push({ pattern: toPattern(pattern), methods, handler });
    return this;
  }

  /** GET (and so HEAD) route. */
  get<P extends string>(pattern: P, handler: RouteHandler<V, P, C>): this {
    return this.route(pattern, "GET", handler);
  }
  /** POST route. */
  post<P extends string>(pattern: P, handler: RouteHandler<V, P, C>): this {
    return this.route(pattern, "POST", handler);
  }
  /** PUT route. */
  put<P extends string>(pattern: P, handler: RouteHandler<V, P, C>): this {
    return this.route(pattern, "PUT", handler);
  }
  /** DELETE route. */
  delete<P extends string>(pattern: P, handler: RouteHandler<V, P, C>): this {
    return this.route(pattern, "DELETE", handler);
  }
  /** PATCH route. */
  patch<P extends string>(pattern: P, handler: RouteHandler<V, P, C>): this {
    return this.route(pattern, "PATCH", handler);
  }
  /** Route for any method. */
  all<P extends string>(pattern: P, handler: RouteHandler<V, P, C>): this {
    return this.route(pattern, handler);
  }

  /** Replaces the 404 response. */
  notFound(handler: RouteHandler<V, string, C>): this {
    this.#notFound = handler;
    return this;
  }

  /** The fetch handler: pass it to serve(), Deno.serve or Bun.serve. */
  readonly fetch = (request: Request, info: ServeInfo<C>): Promise<Response> => {
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    let handler: RouteHandler<V, string, C> | null = null;
    let params: Record<string, string> = {};
    let headFallback: Route<V, C> | null = null;
    let headParams: Record<string, string> = {};
    const allowed = new Set<string>();
    for (const r of this.#routes) {
      const m = r.pattern.exec(request.url);
      if (m === null) continue;
      if (r.methods === null || r.methods.has(method)) {
        handler = r.handler;
        params = paramsOf(m);
        break;
      }
      if (method === "HEAD" && headFallback === null && r.methods.has("GET")) {
        headFallback = r;
        headParams = paramsOf(m);
      }
      for (const x of r.methods) allowed.add(x);
    }
    if (handler === null && headFallback !== null) {
      handler = headFallback.handler;
      params = headParams;
    }
    if (handler === null) {
      if (allowed.size === 0) {
        handler = this.#notFound;
      } else {
        if (allowed.has("GET")) allowed.add("HEAD");
        allowed.add("OPTIONS");
        const allow = [...allowed].sort().join(", ");
        handler = method === "OPTIONS"
          ? () => new Response(null, { status: 204, headers: { allow } })
          : () => plain(405, "Method Not Allowed\n", { allow });
      }
    }
    const ctx = new Context<V, string, C>(request, info, url, params);
    const uses = this.#uses.filter((u) => u.pattern === null || u.pattern.test(request.url));
    const final = handler;
    const dispatch = async (i: number): Promise<Response> => {
      const u = uses[i];
      if (u === undefined) return await final(request, ctx);
      let called = false;
      return await u.middleware(request, ctx, () => {
        if (called) return Promise.reject(new Error("Router: next() called twice"));
        called = true;
        return dispatch(i + 1);
      });
    };
    return dispatch(0);
  };
}

/**
 * Shorthand for `new Router<V, C>()`.
 *
 * @example
 * ```ts
 * import { router, serve } from "@h2serve/h2serve";
 * const onConnection = () => ({ requests: 0 });
 * const app = router<{ user: string }, ReturnType<typeof onConnection>>();
 * app.get("/", (_req, ctx) => new Response(`${++ctx.info.connection.context.requests}`));
 * serve({ port: 8080, onConnection, fetch: app.fetch });
 * ```
 */
export function router<
  V extends Variables = Variables,
  C extends object = Record<string, unknown>,
>(): Router<V, C> {
  return new Router<V, C>();
}
