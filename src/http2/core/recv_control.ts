/**
 * Inbound connection-level control frames: SETTINGS (and their ACKs), PING
 * (and ACKs) and GOAWAY. Replies are queued under the flood guard's cap on
 * replies owed.
 *
 * @module
 */
import type { GoAwayFrame, PingFrame, SettingsFrame } from "./frame/types.ts";
import type { ConnCore } from "./conn_core.ts";
import { ConnInput } from "./conn_table.ts";

/**
 * A SETTINGS frame: applies the peer's values and queues the ACK, or takes our ACK.
 */
export function onSettings(c: ConnCore, f: SettingsFrame): void {
  if (f.ack) {
    if (!c.local.acked()) return c.flood.useless(); // unsolicited ACK: ignored
    c.events.push({ type: "settings-ack" });
    return;
  }
  const changes = c.applyRemoteSettings(f.settings);
  c.flood.queueReply();
  c.sched.control.settings([], true);
  c.events.push({ type: "settings", changes });
}

/**
 * A PING frame: queues the ACK, or matches an ACK to a PING we sent.
 */
export function onPing(c: ConnCore, f: PingFrame): void {
  if (f.ack) {
    // An unsolicited PING ACK is ignored (§6.7), but spends the useless budget.
    if (!c.pings.acked(f.data)) return c.flood.useless();
    c.events.push({ type: "ping-ack", data: f.data });
    return;
  }
  c.flood.queueReply();
  c.sched.control.ping(f.data, true);
  c.events.push({ type: "ping", data: f.data });
}

/**
 * A GOAWAY frame: the connection drains (through the connection table).
 */
export function onGoAway(c: ConnCore, f: GoAwayFrame): void {
  c.input(ConnInput.GOAWAY);
  c.events.push({ type: "goaway", lastStreamId: f.lastStreamId, code: f.code, debug: f.debug });
}
