/**
 * Streams we initiate: a client's request HEADERS on a new odd id, and a
 * server's PUSH_PROMISE reserving a new even id (§8.4). Every check happens
 * before anything is encoded or queued, so a refused call leaves the
 * connection (and its HPACK state) as it was.
 *
 * @module
 */
import type { ConnCore } from "./conn_core.ts";
import { ConnState, isDraining } from "./conn_table.ts";
import type { HeaderList } from "./events.ts";
import { FrameType, MAX_STREAM_ID } from "./frame/types.ts";
import { ConnectionClosingError, H2ProtocolError, TooManyStreamsError } from "./misuse.ts";
import { writeHeaderBlock } from "./scheduler.ts";
import { StreamAction, StreamEvent, StreamState, transition } from "./stream_table.ts";
import type { H2Stream } from "./stream.ts";

function checkNewId(c: ConnCore, id: number, what: string): void {
  const store = c.store;
  if (!Number.isInteger(id) || id <= 0 || id > MAX_STREAM_ID || !store.isLocal(id)) {
    throw new H2ProtocolError(
      `${what}: stream ${id} is not an id this side may open`,
      "RFC 9113 §5.1.1",
      id,
    );
  }
  if (id < store.nextLocal) {
    throw new H2ProtocolError(
      `${what}: stream ${id} is lower than one already used (next is ${store.nextLocal})`,
      "RFC 9113 §5.1.1",
      id,
    );
  }
  if (c.state === ConnState.CLOSED || isDraining(c.state)) {
    const by = c.peerGoAwayLastId === null ? "we sent GOAWAY" : "the peer sent GOAWAY";
    throw new ConnectionClosingError(`${what}: ${by}; open a new connection`, "RFC 9113 §6.8", id);
  }
  const limit = c.remoteSettings.maxConcurrentStreams;
  if (store.openOutbound >= limit) {
    throw new TooManyStreamsError(
      `${what}: the peer allows ${limit} concurrent streams`,
      "RFC 9113 §5.1.2",
      id,
    );
  }
}

function create(c: ConnCore, id: number, event: StreamEvent): H2Stream {
  const t = transition(StreamState.IDLE, event);
  const s = c.store.create(id, c.local.initialWindow, c.remoteSettings.initialWindowSize);
  if (t.action === StreamAction.OK) c.store.setState(s, t.next);
  c.store.nextLocal = id + 2;
  return s;
}

/**
 * Client side: opens stream `id` with request HEADERS (and END_STREAM when `endStream`).
 */
export function openLocalStream(
  c: ConnCore,
  id: number,
  headers: HeaderList,
  endStream: boolean,
): void {
  if (!c.isClient) {
    throw new H2ProtocolError(`a server cannot open stream ${id}`, "RFC 9113 §8.4", id);
  }
  checkNewId(c, id, "request");
  const block = c.encoder.encodeShared(headers);
  writeHeaderBlock(c.sched.control, id, block, endStream, c.sched.maxFrameSize);
  const s = create(c, id, StreamEvent.SEND_HEADERS);
  s.headersSent = true;
  s.finalSent = true;
  s.headRequest = headers.some(([n, v]) => n === ":method" && v === "HEAD");
  if (endStream) {
    s.endQueued = true;
    c.localEnd(s);
  }
}

/**
 * Server side: PUSH_PROMISE on `parentId` reserving `promisedId` for the request `headers`.
 */
export function pushPromise(
  c: ConnCore,
  parentId: number,
  promisedId: number,
  headers: HeaderList,
): void {
  if (c.isClient) {
    throw new H2ProtocolError("a client cannot push", "RFC 9113 §8.4", parentId);
  }
  if (c.remoteSettings.enablePush !== 1) {
    throw new H2ProtocolError("the client disabled push", "RFC 9113 §6.5.2", parentId);
  }
  const parent = c.streams.get(parentId);
  const pt = transition(
    parent ? parent.state : c.store.stateOfUnknown(parentId),
    StreamEvent.SEND_PUSH_PROMISE,
  );
  if (pt.action !== StreamAction.OK || parent === undefined || parent.endQueued) {
    throw new H2ProtocolError(
      `cannot push on stream ${parentId}: it is not open for sending`,
      "RFC 9113 §6.6",
      parentId,
    );
  }
  checkNewId(c, promisedId, "push");
  const block = c.encoder.encodeShared(headers);
  // PUSH_PROMISE payload = promised id + block, split across CONTINUATION as HEADERS are.
  const payload = new Uint8Array(4 + block.length);
  new DataView(payload.buffer).setUint32(0, promisedId);
  payload.set(block, 4);
  const w = c.sched.control;
  const max = c.sched.maxFrameSize;
  const before = w.length;
  writeHeaderBlock(w, parentId, payload, false, max);
  w.buf[before + 3] = FrameType.PUSH_PROMISE; // the first frame's type byte
  create(c, promisedId, StreamEvent.RESERVE_LOCAL);
}
