/**
 * Frames written as given, for test servers (`wire(req)`): HEADERS with the
 * fields in the caller's order and case through the connection's own HPACK
 * encoder (so the peer's decoder table stays in step), CONTINUATION, DATA
 * inside or outside the send windows, and any frame at all. Nothing is
 * validated: the bytes go out in call order on the control queue. Our own
 * state still follows the §5.1 table: a frame the table allows moves the
 * stream as usual, and one it forbids (DATA before HEADERS, anything after
 * our END_STREAM) breaks the stream, which is then closed on our side (a
 * local reset without a frame: the peer answers what it received).
 *
 * @module
 */
import type { ConnCore } from "./conn_core.ts";
import type { HeaderList } from "./events.ts";
import { Flags, FrameType, type PriorityFields } from "./frame/types.ts";
import { StreamAction, StreamEvent, StreamState, transition } from "./stream_table.ts";
import type { H2Stream } from "./stream.ts";

/** Options of a raw HEADERS frame. */
export interface RawHeadersOptions {
  /** END_STREAM flag. */
  endStream?: boolean;
  /** END_HEADERS flag (default true). */
  endHeaders?: boolean;
  /** Padding bytes (0..255); sets PADDED. */
  padLength?: number;
  /** Priority fields; sets PRIORITY. */
  priority?: PriorityFields;
}

/** What a raw write did to our view of the stream. */
export const enum RawOutcome {
  /** The table allowed it (or the stream is no longer live). */
  FOLLOWED = 0,
  /** The table forbade it: the stream was closed on our side. */
  BROKE = 1,
}

function checkPad(pad: number | undefined): number {
  if (pad === undefined) return -1;
  if (!Number.isInteger(pad) || pad < 0 || pad > 255) {
    throw new RangeError(`padLength ${pad} is not an integer in [0, 255]`);
  }
  return pad;
}

/** Writes a frame header and `body` with optional padding; `pre` bytes come before the body. */
function writePadded(
  c: ConnCore,
  type: number,
  flags: number,
  id: number,
  pre: Uint8Array | null,
  body: Uint8Array,
  pad: number,
): number {
  const preLen = pre === null ? 0 : pre.length;
  const len = (pad >= 0 ? pad + 1 : 0) + preLen + body.length;
  const w = c.sched.control;
  let p = w.frame(type, flags | (pad >= 0 ? Flags.PADDED : 0), id, len);
  if (pad >= 0) w.buf[p++] = pad;
  if (pre !== null) {
    w.buf.set(pre, p);
    p += preLen;
  }
  w.buf.set(body, p);
  p += body.length;
  if (pad > 0) w.buf.fill(0, p, p + pad);
  return len;
}

/** Follows the table for a frame we sent on stream `id`; a forbidden one breaks the stream. */
export function followSent(
  c: ConnCore,
  id: number,
  event: StreamEvent,
  endStream: boolean,
): RawOutcome {
  const s = c.streams.get(id);
  if (s === undefined) return RawOutcome.FOLLOWED;
  const t = transition(s.state, event);
  if (t.action !== StreamAction.OK || (s.endQueued && event !== StreamEvent.SEND_RST_STREAM)) {
    if (t.action === StreamAction.DROP) return RawOutcome.FOLLOWED;
    breakStream(c, s);
    return RawOutcome.BROKE;
  }
  if (event === StreamEvent.SEND_END_STREAM) {
    s.endQueued = true;
    c.sched.remove(s.send);
    c.localEnd(s);
    return RawOutcome.FOLLOWED;
  }
  if (event === StreamEvent.SEND_RST_STREAM) {
    c.store.setState(s, t.next);
    c.finalize(s);
    return RawOutcome.FOLLOWED;
  }
  if (t.next !== s.state) c.store.setState(s, t.next);
  if (event === StreamEvent.SEND_HEADERS) s.headersSent = s.finalSent = true;
  if (endStream) {
    s.endQueued = true;
    c.sched.remove(s.send);
    c.localEnd(s);
  }
  return RawOutcome.FOLLOWED;
}

/** Closes a live stream on our side without a frame (the handler broke it on the wire). */
export function breakStream(c: ConnCore, s: H2Stream): void {
  const next = transition(s.state, StreamEvent.STREAM_ERROR).next;
  c.store.setState(s, next);
  c.finalize(s);
  c.store.remember(s.id, StreamState.CLOSED_RESET_LOCAL, null);
}

/** One HEADERS frame with `fields` HPACK-encoded as given (order, case, duplicates, pseudo-headers anywhere). */
export function sendRawHeaders(
  c: ConnCore,
  id: number,
  fields: HeaderList,
  o: RawHeadersOptions,
): RawOutcome {
  const pad = checkPad(o.padLength);
  let pre: Uint8Array | null = null;
  let flags = (o.endStream ? Flags.END_STREAM : 0) |
    (o.endHeaders === false ? 0 : Flags.END_HEADERS);
  if (o.priority !== undefined) {
    const { dependency, exclusive, weight } = o.priority;
    pre = new Uint8Array(5);
    new DataView(pre.buffer).setUint32(0, ((exclusive ? 0x80000000 : 0) | dependency) >>> 0);
    pre[4] = weight - 1;
    flags |= Flags.PRIORITY;
  }
  const block = c.encoder.encode(fields);
  writePadded(c, FrameType.HEADERS, flags, id, pre, block, pad);
  return followSent(c, id, StreamEvent.SEND_HEADERS, o.endStream === true);
}

/** One CONTINUATION frame (the fields go through the same encoder, continuing its table). */
export function sendRawContinuation(
  c: ConnCore,
  id: number,
  fields: HeaderList,
  endHeaders: boolean,
): void {
  const block = c.encoder.encode(fields);
  c.sched.control.frameWith(FrameType.CONTINUATION, endHeaders ? Flags.END_HEADERS : 0, id, block);
}

/**
 * One DATA frame now, whatever its size and the windows (the caller waits
 * or splits); the windows are spent as the peer will count them.
 */
export function sendRawData(
  c: ConnCore,
  id: number,
  data: Uint8Array,
  endStream: boolean,
  padLength: number | undefined,
): RawOutcome {
  const pad = checkPad(padLength);
  const len = writePadded(c, FrameType.DATA, endStream ? Flags.END_STREAM : 0, id, null, data, pad);
  c.sched.connWindow -= len;
  const s = c.streams.get(id);
  if (s !== undefined) s.send.window -= len;
  const outcome = followSent(c, id, StreamEvent.SEND_DATA, false);
  if (outcome === RawOutcome.BROKE || !endStream) return outcome;
  return followSent(c, id, StreamEvent.SEND_END_STREAM, true);
}

/** Any frame, as given; RST_STREAM, DATA and HEADERS on a live stream of ours are followed in the table. */
export function sendRawFrame(
  c: ConnCore,
  type: number,
  flags: number,
  id: number,
  payload: Uint8Array,
): RawOutcome {
  c.sched.control.frameWith(type, flags, id, payload);
  const end = (flags & Flags.END_STREAM) !== 0;
  switch (type) {
    case FrameType.RST_STREAM:
      return followSent(c, id, StreamEvent.SEND_RST_STREAM, false);
    case FrameType.DATA: {
      c.sched.connWindow -= payload.length;
      const s = c.streams.get(id);
      if (s !== undefined) s.send.window -= payload.length;
      const o = followSent(c, id, StreamEvent.SEND_DATA, false);
      return o === RawOutcome.BROKE || !end
        ? o
        : followSent(c, id, StreamEvent.SEND_END_STREAM, true);
    }
    case FrameType.HEADERS:
      return followSent(c, id, StreamEvent.SEND_HEADERS, end);
    default:
      return RawOutcome.FOLLOWED;
  }
}
