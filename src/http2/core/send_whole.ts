/**
 * Server-only steps of the internal connection: a whole response in one step
 * (`sendWhole`: HEADERS, and a small body that fits the send windows and one
 * frame written right behind them, as control frames are; a larger body is
 * queued as DATA), and stream 1 of an h2c Upgrade.
 *
 * @module
 */
import { encodeLatin1, putLatin1 } from "../../bytes/latin1.ts";
import { isAscii, putAscii } from "../../bytes/ascii.ts";
import type { ConnCore } from "./conn_core.ts";
import type { HeaderList } from "./events.ts";
import { Flags, FrameType } from "./frame/types.ts";
import { writeHeaderBlock } from "./scheduler.ts";
import type { H2Stream } from "./stream.ts";
import { StreamEvent, transition } from "./stream_table.ts";

/** Bodies up to this size may be written beside their HEADERS. */
const INLINE_BODY_MAX = 16 * 1024;

/**
 * Writes HEADERS and `body` (a string is a byte string; null for none) with
 * END_STREAM on a stream that may send; returns the DATA bytes left queued.
 */
export function writeWhole(
  c: ConnCore,
  s: H2Stream,
  headers: HeaderList,
  body: string | Uint8Array | null,
): number {
  const streamId = s.id;
  const sched = c.sched;
  const w = sched.control;
  const len = body === null ? 0 : typeof body === "string" ? body.length : body.byteLength;
  const block = c.encoder.encodeShared(headers); // copied into the control writer at once
  writeHeaderBlock(w, streamId, block, len === 0, sched.maxFrameSize);
  s.headersSent = true;
  s.finalSent = true;
  s.endQueued = true;
  const q = s.send;
  if (len === 0) {
    c.localEnd(s);
    return 0;
  }
  if (
    len <= INLINE_BODY_MAX && len <= sched.maxFrameSize && len <= q.window &&
    len <= sched.connWindow
  ) {
    q.window -= len;
    sched.connWindow -= len;
    const p = w.frame(FrameType.DATA, Flags.END_STREAM, streamId, len);
    if (typeof body !== "string") w.buf.set(body!, p);
    else if (isAscii(body)) putAscii(w.buf, p, body);
    else putLatin1(w.buf, p, body);
    c.localEnd(s);
    return 0;
  }
  // ASCII text waits as it is and is encoded into its frames; other byte strings as bytes.
  q.push(typeof body === "string" && !isAscii(body) ? encodeLatin1(body) : body!);
  q.endStream = true;
  sched.activate(q);
  return len;
}

/**
 * h2c Upgrade (RFC 7540 §3.2): stream 1 carries the upgraded HTTP/1.1 request,
 * opened and ended by it: idle → open → half-closed (remote).
 */
export function openUpgradedStream(c: ConnCore): void {
  const s = c.store.create(1, c.local.initialWindow, c.remoteSettings.initialWindowSize);
  c.store.setState(s, transition(s.state, StreamEvent.RECV_HEADERS).next);
  c.store.setState(s, transition(s.state, StreamEvent.RECV_END_STREAM).next);
  s.requestSeen = true;
  c.store.highestSeen = 1;
  c.store.highestAccepted = 1;
}
