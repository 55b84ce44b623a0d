/**
 * DATA written at once, in call order with HEADERS, as python-hyper h2
 * does: the caller asks for no more than the send windows and the peer's
 * frame size allow (typed errors otherwise), so nothing is ever buffered
 * beyond what the peer granted. The server driver uses the queued path
 * (`H2Connection.sendData`) instead; both spend the same windows.
 *
 * @module
 */
import type { ConnCore } from "./conn_core.ts";
import { Flags, FrameType } from "./frame/types.ts";
import {
  FlowControlError,
  FrameTooLargeError,
  H2ProtocolError,
  StreamClosedError,
} from "./misuse.ts";
import { StreamAction, StreamEvent, StreamState, transition } from "./stream_table.ts";
import type { H2Stream } from "./stream.ts";
import { ConnState } from "./conn_table.ts";

/**
 * The live stream `id` if `event` is allowed on it now; throws a typed error otherwise.
 */
export function sendable(c: ConnCore, id: number, event: StreamEvent): H2Stream {
  const s = c.streams.get(id);
  const state = s ? s.state : c.store.stateOfUnknown(id);
  const t = transition(state, event);
  const what = `${StreamEvent[event]} on stream ${id} in state ${StreamState[state]}`;
  if (c.state === ConnState.CLOSED) {
    throw new H2ProtocolError(`${what}: the connection is closed`, "RFC 9113 §5.4.1", id);
  }
  // Closed, or half-closed by our own END_STREAM: h2's StreamClosedError.
  if (t.action === StreamAction.DROP || (s?.endQueued && t.action === StreamAction.MISUSE)) {
    throw new StreamClosedError(what, "RFC 9113 §5.1", id);
  }
  if (t.action !== StreamAction.OK || s === undefined) {
    throw new H2ProtocolError(what, "RFC 9113 §5.1", id);
  }
  return s;
}

/**
 * Writes one DATA frame now (padded when `padLength` is given), spending the send windows.
 */
export function sendDataNow(
  c: ConnCore,
  id: number,
  data: Uint8Array,
  endStream: boolean,
  padLength: number | undefined,
): void {
  const s = sendable(c, id, StreamEvent.SEND_DATA);
  if (!s.finalSent) {
    throw new H2ProtocolError(`DATA before the final HEADERS on stream ${id}`, "RFC 9113 §8.1", id);
  }
  if (s.endQueued) throw new StreamClosedError(`stream ${id} already ended`, "RFC 9113 §5.1", id);
  const pad = padLength ?? -1;
  if (padLength !== undefined && !(Number.isInteger(pad) && pad >= 0 && pad <= 255)) {
    throw new H2ProtocolError(`padLength ${padLength} is not in [0, 255]`, "RFC 9113 §6.1", id);
  }
  const payload = data.length + (pad >= 0 ? pad + 1 : 0);
  const max = c.sched.maxFrameSize;
  if (payload > max) {
    throw new FrameTooLargeError(
      `DATA of ${payload} bytes exceeds the peer's MAX_FRAME_SIZE ${max}`,
      "RFC 9113 §4.2",
      id,
    );
  }
  const window = Math.min(s.send.window, c.sched.connWindow);
  if (payload > window) {
    throw new FlowControlError(
      `DATA of ${payload} flow-controlled bytes exceeds the send window ${Math.max(0, window)}`,
      "RFC 9113 §6.9",
      id,
    );
  }
  s.send.window -= payload;
  c.sched.connWindow -= payload;
  const flags = (endStream ? Flags.END_STREAM : 0) | (pad >= 0 ? Flags.PADDED : 0);
  const w = c.sched.control;
  const p = w.frame(FrameType.DATA, flags, id, payload);
  if (pad >= 0) {
    w.buf[p] = pad;
    w.buf.set(data, p + 1);
    w.buf.fill(0, p + 1 + data.length, p + payload);
  } else {
    w.buf.set(data, p);
  }
  if (endStream) {
    s.endQueued = true;
    c.localEnd(s);
  }
}
