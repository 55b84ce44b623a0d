/**
 * The runtime's private slots on Request, Headers and Response objects,
 * found by their symbol descriptions. Deno keeps a Request's state and a
 * plain Response body under such keys; Bun has none. Only the probes that
 * find them live here: src/fetch builds its fast paths on what they return,
 * and turns the paths off when they return null.
 *
 * @module
 */

type Bag = Record<PropertyKey, unknown>;

/**
 * The symbol keys the runtime uses for a Request's state. Deno keeps the
 * Headers and the signal behind prototype accessors and links a Headers
 * object's list of pairs under a key; Node's undici keeps both as own fields
 * and hides a Headers object's list in a private field (`list` is null).
 */
export interface RequestInternals {
  /** Own fields of every Request instance. */
  fields: symbol[];
  /** The key holding the Headers object (Deno: a prototype accessor with a setter; Node: own). */
  headers: symbol;
  /** The key the runtime reads the signal through (Deno: a prototype getter; Node: own). */
  signal: symbol;
  /** The own field holding the inner request, whose list of fields the runtime sends and copies. */
  inner: symbol;
  /** A Headers object's own field holding its list of pairs, or null where it is private (Node). */
  list: symbol | null;
  /** The inner request's property holding that list: `headerList` (Deno) or `headersList` (Node). */
  innerList: string;
}

/**
 * Finds the Request keys on this runtime, or null where they are not there.
 */
export function findRequestInternals(): RequestInternals | null {
  const probe = new Request("http://probe.invalid/");
  const fields = Object.getOwnPropertySymbols(probe);
  const proto = Request.prototype as unknown as Bag;
  const accessor = (d: string) =>
    Object.getOwnPropertySymbols(proto).find((s) => {
      const desc = Object.getOwnPropertyDescriptor(proto, s);
      return s.description === d && typeof desc?.get === "function";
    });
  const own = (d: string) => fields.find((s) => s.description === d);
  const headers = accessor("headers");
  const signal = accessor("signal");
  const inner = own("request");
  const list = Object.getOwnPropertySymbols(new Headers()).find((s) =>
    s.description === "header list"
  );
  if (headers !== undefined && signal !== undefined && inner !== undefined && list !== undefined) {
    const setter = Object.getOwnPropertyDescriptor(proto, headers)?.set;
    if (typeof setter !== "function") return null;
    return { fields, headers, signal, inner, list, innerList: "headerList" };
  }
  // Node (undici): the state, the signal and the Headers object are own fields.
  const state = own("state");
  const ownSignal = own("signal");
  const ownHeaders = own("headers");
  if (state === undefined || ownSignal === undefined || ownHeaders === undefined) return null;
  const inside = (probe as unknown as Bag)[state] as Record<string, unknown> | undefined;
  if (typeof inside !== "object" || inside === null || !("headersList" in inside)) return null;
  if (!((probe as unknown as Bag)[ownHeaders] instanceof Headers)) return null;
  return {
    fields,
    headers: ownHeaders,
    signal: ownSignal,
    inner: state,
    list: null,
    innerList: "headersList",
  };
}

/**
 * The symbol keys under which the runtime keeps a plain Response body.
 */
export interface ResponseInternals {
  /** The status. */
  status: symbol;
  /** The body as a string or bytes. */
  body: symbol;
  /** How the headers were given (see KIND_* in src/fetch/static_body.ts). */
  kind: symbol;
  /** The Content-Type given. */
  type: symbol;
  /** Whether the body was taken. */
  consumed: symbol;
  /** Response.prototype's internal body getter (an object whose `streamOrStatic` is the body). */
  inner: symbol;
}

/**
 * Finds the Response keys on this runtime, or null where they are not there.
 */
export function findResponseInternals(): ResponseInternals | null {
  const probe = new Response("probe");
  const own = Object.getOwnPropertySymbols(probe);
  const proto = Object.getOwnPropertySymbols(Response.prototype);
  const by = (list: symbol[], d: string) => list.find((s) => s.description === d);
  const status = by(own, "serve fast status");
  const body = by(own, "serve fast body");
  const kind = by(own, "serve fast header kind");
  const type = by(own, "serve fast content type");
  const consumed = by(own, "serve fast consumed");
  const inner = by(proto, "body");
  if (!status || !body || !kind || !type || !consumed || !inner) return null;
  return { status, body, kind, type, consumed, inner };
}
