/**
 * Inbound frames that act on one stream's flow and life: DATA, RST_STREAM,
 * WINDOW_UPDATE, and PRIORITY / PUSH_PROMISE (whose only effect is what the
 * stream table says). Live and remembered streams are judged by the same
 * table, so the answer does not depend on whether our response finished first.
 *
 * @module
 */
import { ConnectionError, ErrorCode, StreamError } from "./errors.ts";
import type { DataFrame, RstStreamFrame, WindowUpdateFrame } from "./frame/types.ts";
import type { ConnCore } from "./conn_core.ts";
import { StreamAction, StreamEvent, StreamState, transition } from "./stream_table.ts";

/**
 * A DATA frame: connection and stream windows, content-length, a "data" event.
 */
export function onData(c: ConnCore, f: DataFrame): void {
  const id = f.streamId;
  // §6.9: DATA counts against the connection window whatever the stream state.
  if (!c.connRecv.receive(f.flowLength)) {
    throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection receive window exceeded");
  }
  const s = c.streams.get(id);
  if (s === undefined) {
    c.creditConnection(f.flowLength);
    if (c.ignoredAfterGoAway(id) && id <= c.store.highestSeen) return;
    return c.reject(
      id,
      transition(c.store.stateOfUnknown(id), StreamEvent.RECV_DATA).action,
      "DATA",
    );
  }
  const t = transition(s.state, StreamEvent.RECV_DATA);
  if (t.action !== StreamAction.OK) {
    c.creditConnection(f.flowLength);
    return c.reject(id, t.action, "DATA");
  }
  if (!s.recv.receive(f.flowLength)) {
    c.creditConnection(f.flowLength);
    throw new StreamError(id, ErrorCode.FLOW_CONTROL_ERROR, "stream receive window exceeded");
  }
  // A client's stream gets DATA only after the final response HEADERS (§8.1).
  if (!s.requestSeen) {
    throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "DATA before the response HEADERS");
  }
  const len = f.data.length;
  // Padding is flow-controlled but never reaches the application: give it back now.
  if (f.flowLength > len) c.consume(s, f.flowLength - len);
  s.received += len;
  if (s.contentLength >= 0) {
    if (s.received > s.contentLength || (f.endStream && s.received !== s.contentLength)) {
      throw new StreamError(
        id,
        ErrorCode.PROTOCOL_ERROR,
        "body length does not match content-length",
      );
    }
  }
  if (len > 0) {
    c.flood.useful();
    c.events.push({
      type: "data",
      streamId: id,
      data: f.data,
      flowLength: f.flowLength,
      endStream: f.endStream,
    });
  } else if (!f.endStream) {
    c.flood.useless();
  }
  if (f.endStream) c.remoteEnd(s);
}

/**
 * A RST_STREAM frame: the stream closes, the rapid-reset budget is spent.
 */
export function onRstStream(c: ConnCore, f: RstStreamFrame): void {
  const id = f.streamId;
  const store = c.store;
  const s = c.streams.get(id);
  if (s === undefined) {
    const was = store.stateOfUnknown(id);
    const t = transition(was, StreamEvent.RECV_RST_STREAM);
    if (t.action === StreamAction.IGNORE) {
      // In flight after close: not counted, but the peer has now closed it too.
      if (t.next !== was) store.remember(id, t.next, store.closed.window(id));
      return;
    }
    return c.reject(id, t.action, "RST_STREAM");
  }
  const t = transition(s.state, StreamEvent.RECV_RST_STREAM);
  if (t.action !== StreamAction.OK) return c.reject(id, t.action, "RST_STREAM");
  // Rapid reset (CVE-2023-44487): a stream reset before we finished it cost us work.
  const unfinished = s.state === StreamState.OPEN || s.state === StreamState.HALF_CLOSED_REMOTE;
  c.sched.remove(s.send);
  store.setState(s, t.next);
  c.events.push({ type: "stream-reset", streamId: id, code: f.code, remote: true });
  c.events.push({ type: "stream-closed", streamId: id });
  c.finalize(s);
  if (unfinished) c.flood.reset("too many stream resets");
}

/**
 * A WINDOW_UPDATE frame: grows the connection or a stream send window.
 */
export function onWindowUpdate(c: ConnCore, f: WindowUpdateFrame): void {
  const id = f.streamId;
  // §6.9: an increment of 0 is malformed whatever the stream's state, so it is answered before
  // any state lookup: whether our response (and its RST_STREAM NO_ERROR) went out before this
  // frame arrived changes nothing. Only an idle stream, which may not be reset (§6.4), makes it
  // a connection error; on stream 0 it is one anyway.
  if (f.increment === 0) {
    if (id === 0 || (!c.streams.has(id) && c.store.stateOfUnknown(id) === StreamState.IDLE)) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `WINDOW_UPDATE of 0 on stream ${id}`);
    }
    throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
  }
  if (id === 0) {
    c.windows.growConnection(f.increment);
    c.events.push({ type: "window", streamId: 0, delta: f.increment });
    return;
  }
  const s = c.streams.get(id);
  const state = s ? s.state : c.store.stateOfUnknown(id);
  const t = transition(state, StreamEvent.RECV_WINDOW_UPDATE);
  if (t.action !== StreamAction.OK && t.action !== StreamAction.IGNORE) {
    return c.reject(id, t.action, "WINDOW_UPDATE");
  }
  // Live and remembered streams are judged alike, so a race with our END_STREAM (and the
  // RST_STREAM NO_ERROR that may follow it, §8.1) changes nothing: in flight after close, an
  // update is allowed and not counted, but the window is still checked. A stream we reset for
  // an error, or forgot, has no window tracked: the update is ignored (§5.1).
  if (state === StreamState.FORGOTTEN) return;
  if (c.windows.growStream(id, s, f.increment)) c.windowGrew(id, f.increment);
}

/**
 * A frame whose only effect is what the stream table says (PRIORITY, PUSH_PROMISE).
 */
export function onStreamOnlyFrame(c: ConnCore, id: number, event: StreamEvent, what: string): void {
  const s = c.streams.get(id);
  const t = transition(s ? s.state : c.store.stateOfUnknown(id), event);
  if (t.action !== StreamAction.OK) c.reject(id, t.action, what);
}
