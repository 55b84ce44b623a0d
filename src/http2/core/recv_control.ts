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
import { ErrorCode } from "./errors.ts";
import type { H2Stream } from "./stream.ts";
import { StreamAction, StreamEvent, transition } from "./stream_table.ts";

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
 * A GOAWAY frame: the connection drains (through the connection table), and
 * each stream we opened above its last stream id, which the peer never
 * processed (§6.8), closes here as REFUSED_STREAM with no frame sent (as
 * nghttp2 does), so the caller learns it may retry it elsewhere.
 */
export function onGoAway(c: ConnCore, f: GoAwayFrame): void {
  c.input(ConnInput.GOAWAY);
  c.peerGoAwayLastId = f.lastStreamId;
  c.events.push({ type: "goaway", lastStreamId: f.lastStreamId, code: f.code, debug: f.debug });
  const refused: H2Stream[] = [];
  for (const s of c.streams.values()) {
    if (s.id > f.lastStreamId && c.store.isLocal(s.id)) refused.push(s);
  }
  for (const s of refused) {
    // As if the peer had reset it: nothing more may come from it, a send is StreamClosedError.
    const t = transition(s.state, StreamEvent.RECV_RST_STREAM);
    if (t.action !== StreamAction.OK) continue;
    c.sched.remove(s.send);
    c.store.setState(s, t.next);
    c.finalize(s);
    c.events.push({
      type: "stream-reset",
      streamId: s.id,
      code: ErrorCode.REFUSED_STREAM,
      remote: true,
      refusedByGoAway: true,
    });
    c.events.push({ type: "stream-closed", streamId: s.id });
  }
}
