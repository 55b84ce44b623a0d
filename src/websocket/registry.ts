/**
 * Where drivers and upgradeWebSocket meet. A driver registers an
 * `UpgradeTarget` for each request that may become a WebSocket before it
 * calls the handler; upgradeWebSocket finds it there and marks the Response
 * it returns; after the handler the driver asks `resolveUpgrade` what to
 * send. WeakMaps keep nothing alive past the request.
 *
 * @module
 */
import type { WebSocketChannel, WebSocketSessionHandle } from "./channel.ts";
import type { TopicRegistry } from "./topics.ts";

/**
 * What a driver tells upgradeWebSocket about a request.
 */
export interface UpgradeTarget {
  /** "http/1.1" for an Upgrade request, "h2" for an RFC 8441 extended CONNECT. */
  protocol: "http/1.1" | "h2";
  /** True over TLS (the socket's url gets wss:). */
  secure: boolean;
  /** The server's topics (socket.subscribe/publish); without it those throw. */
  topics?: TopicRegistry;
}

/**
 * An upgrade the handler accepted, waiting for its response to be sent.
 */
export interface PendingUpgrade {
  /** The request it answers. */
  request: Request;
  /** 101 on HTTP/1.1, 200 on HTTP/2. */
  status: 101 | 200;
  /** Response headers to send, lower-case names. */
  headers: [string, string][];
  /** Starts the session on the driver's channel once the response is written. */
  open(channel: WebSocketChannel): WebSocketSessionHandle;
  /** The handler answered otherwise: the socket fails (error + close 1006). */
  abandon(reason: string): void;
}

const targets = new WeakMap<Request, UpgradeTarget>();
const byResponse = new WeakMap<Response, PendingUpgrade>();
const byRequest = new WeakMap<Request, PendingUpgrade>();

/**
 * Drivers: declare that `req` arrived as a WebSocket upgrade candidate
 * (h1 `Upgrade: websocket`, h2 CONNECT with `:protocol websocket`).
 */
export function registerUpgradeTarget(req: Request, target: UpgradeTarget): void {
  targets.set(req, target);
}

/**
 * @internal For upgradeWebSocket.
 */
export function upgradeTargetOf(req: Request): UpgradeTarget | undefined {
  return targets.get(req);
}

/**
 * @internal For upgradeWebSocket.
 */
export function markUpgrade(res: Response, pending: PendingUpgrade): void {
  byResponse.set(res, pending);
  byRequest.set(pending.request, pending);
}

/**
 * @internal Whether upgradeWebSocket already ran for `req`.
 */
export function isUpgraded(req: Request): boolean {
  return byRequest.has(req);
}

/**
 * What a driver does with a handler's response.
 */
export type UpgradeDecision =
  | { type: "none" }
  | ({ type: "accept" } & PendingUpgrade)
  | { type: "foreign"; error: Error };

/**
 * Drivers: after the handler returned `res` for `req`, tells whether to
 * switch to WebSocket (`accept`: send `status` and `headers`, then call
 * `open(channel)`), answer normally (`none`; an upgrade the handler did not
 * return is failed here), or refuse a 101 made by another library
 * (`foreign`: log `error`, answer 500).
 */
export function resolveUpgrade(req: Request, res: Response): UpgradeDecision {
  const pending = byResponse.get(res);
  if (pending && pending.request === req) {
    byResponse.delete(res);
    byRequest.delete(req);
    return { type: "accept", ...pending };
  }
  const mine = byRequest.get(req);
  if (mine) {
    byRequest.delete(req);
    mine.abandon("the handler did not return the response of upgradeWebSocket");
  }
  const error = foreignUpgradeError(res);
  if (error) return { type: "foreign", error };
  return { type: "none" };
}

/**
 * An Error when `res` is a 101 not made by h2serve's upgradeWebSocket
 * (typically `Deno.upgradeWebSocket`'s response), else undefined.
 */
export function foreignUpgradeError(res: Response): Error | undefined {
  if (res.status !== 101 || byResponse.has(res)) return undefined;
  return new Error(
    "The handler returned a 101 response that h2serve did not create (Deno.upgradeWebSocket?). " +
      'Use upgradeWebSocket from h2serve: import { upgradeWebSocket } from "h2serve"; ' +
      "const { socket, response } = upgradeWebSocket(req); return response;",
  );
}
