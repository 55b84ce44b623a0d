/**
 * The exchange's WebSocket hook (the UpgradeHook of src/fetch/writer.ts):
 * matches the handler's response with the upgradeWebSocket call that made
 * it, switches the connection through the driver's writer, and tells the
 * exchange what is left to send. Drivers give it to every Exchange.
 *
 * @module
 */
import type { UpgradeAnswer, UpgradeHook } from "../fetch/writer.ts";
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
  answer(request, response, writer, done) {
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
    // The exchange completes when the WebSocket closes: "sent" after a clean close handshake.
    return { kind: "switched", session };
  },
};
