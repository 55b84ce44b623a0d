/**
 * The exchange's WebSocket hook (the UpgradeHook of src/fetch/writer.ts):
 * matches the handler's response with the upgradeWebSocket call that made
 * it, switches the connection through the driver's writer, and tells the
 * exchange what is left to send. Drivers give it to every Exchange. A
 * switched exchange's writer is a SwitchedWriter: the exchange then holds
 * nothing of the driver for the socket's life.
 *
 * @module
 */
import type { ResponseWriter, SwitchOwner, UpgradeAnswer, UpgradeHook } from "../fetch/writer.ts";
import type { SessionCloseWatcher, WebSocketSessionHandle } from "./channel.ts";
import { resolveUpgrade } from "./registry.ts";
import { WebSocketHandshakeError } from "./upgrade.ts";

/** Stands for "not the upgrade response" when the exchange ended before the handler returned. */
const REFUSED = new Response(null, { status: 503 });
const NONE: UpgradeAnswer = { kind: "none" };
const DROPPED: UpgradeAnswer = { kind: "dropped" };

/** The one WebSocket hook every exchange is given. */
export const webSocketUpgrades: UpgradeHook = {
  failed(error) {
    // A malformed handshake the handler let through is the client's fault: 400/426, not 500.
    if (!(error instanceof WebSocketHandshakeError)) return null;
    return new Response(error.message, { status: error.status, headers: error.headers });
  },
  refused(request) {
    resolveUpgrade(request, REFUSED); // fails a socket made meanwhile
  },
  answer(request, response, writer, done, owner) {
    const d = resolveUpgrade(request, response);
    if (d.type === "foreign") return { kind: "error", error: d.error };
    if (d.type !== "accept") return NONE;
    if (done) {
      d.abandon("the client went away before the handshake response");
      return DROPPED;
    }
    const session = writer.upgrade?.(d) ?? null;
    if (session === null) {
      d.abandon("the connection cannot switch to WebSocket");
      const response = new Response("not a valid WebSocket handshake", { status: 400 });
      return { kind: "respond", response };
    }
    return { kind: "switched", writer: new SwitchedWriter(session, owner) };
  },
};

/**
 * The exchange's writer once its connection is a WebSocket: it completes the
 * exchange when the session closes ("sent" after a clean close handshake,
 * else aborted, and req.signal aborts), and its abort (server.timeout) drops
 * the WebSocket. Nothing else is written through it.
 */
class SwitchedWriter implements ResponseWriter, SessionCloseWatcher {
  readonly #session: WebSocketSessionHandle;
  readonly #owner: SwitchOwner;
  constructor(session: WebSocketSessionHandle, owner: SwitchOwner) {
    this.#session = session;
    this.#owner = owner;
    session.watchClosed(this);
  }
  sessionClosed(): void {
    if (this.#session.wasClean) this.#owner.info.complete("sent");
    else this.#owner.cancel(new Error("the WebSocket closed without a clean close handshake"));
  }
  abort(reason: unknown): void {
    this.#session.abort(reason instanceof Error ? reason : new Error(String(reason)));
  }
  head(): void {
    switched();
  }
  trailersFit(): boolean {
    return switched();
  }
  trailers(): void {
    switched();
  }
  body(): boolean {
    return switched();
  }
  ready(): Promise<void> {
    return switched();
  }
  end(): void {
    switched();
  }
}

function switched(): never {
  throw new Error("the connection switched to WebSocket: no HTTP response follows");
}
