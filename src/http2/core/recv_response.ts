/**
 * The client side of inbound header blocks: response HEADERS (1xx, final,
 * trailers) on streams we opened or the server pushed, and PUSH_PROMISE
 * (§8.4), which reserves a stream. A server never gets here: it rejects
 * PUSH_PROMISE outright and handles HEADERS as requests (`recv_headers.ts`).
 *
 * @module
 */
import { CompressionError, HeaderListTooLargeError } from "./hpack/mod.ts";
import { ConnectionError, ErrorCode, StreamError } from "./errors.ts";
import type { HeaderList } from "./events.ts";
import type { PushPromiseFrame } from "./frame/types.ts";
import type { ConnCore } from "./conn_core.ts";
import type { H2Stream } from "./stream.ts";
import { validateRequestHeaders, validateTrailers } from "./headers.ts";
import { validateResponseHeaders } from "./response_fields.ts";
import { StreamAction, StreamEvent, StreamState, transition } from "./stream_table.ts";

/**
 * A PUSH_PROMISE frame (client side): starts its header block.
 */
export function onPushPromise(c: ConnCore, f: PushPromiseFrame): void {
  if (!c.options.enablePush) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE with push disabled");
  }
  if ((f.promisedStreamId & 1) !== 0 || f.promisedStreamId === 0) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE of an odd stream id");
  }
  const block = c.headerBlock.start(f);
  if (block === null) return;
  const headers = decodeOrNull(c, block);
  onPushPromiseBlock(c, f.streamId, f.promisedStreamId, headers);
}

function decodeOrNull(c: ConnCore, block: Uint8Array): HeaderList | null {
  try {
    return c.decoder.decode(block);
  } catch (e) {
    if (e instanceof HeaderListTooLargeError) return null;
    throw new ConnectionError(
      ErrorCode.COMPRESSION_ERROR,
      e instanceof CompressionError ? e.message : `HPACK: ${String(e)}`,
    );
  }
}

/** A whole PUSH_PROMISE block (already decoded): judge the parent, reserve the promised stream. */
export function onPushPromiseBlock(
  c: ConnCore,
  parentId: number,
  promisedId: number,
  headers: HeaderList | null,
): void {
  const parent = c.streams.get(parentId);
  const pt = transition(
    parent ? parent.state : c.store.stateOfUnknown(parentId),
    StreamEvent.RECV_PUSH_PROMISE,
  );
  const store = c.store;
  const rt = transition(store.stateOfUnknown(promisedId), StreamEvent.RESERVE_REMOTE);
  if (c.streams.has(promisedId) || rt.action !== StreamAction.OK) {
    throw new ConnectionError(
      ErrorCode.PROTOCOL_ERROR,
      `promised stream ${promisedId} is not idle`,
    );
  }
  store.highestSeen = promisedId;
  if (pt.action === StreamAction.IGNORE) {
    // The parent was reset by us: refuse the push too, and ignore what comes on it.
    c.sched.control.rstStream(promisedId, ErrorCode.CANCEL);
    store.remember(promisedId, StreamState.CLOSED_RESET_LOCAL, c.remoteSettings.initialWindowSize);
    return;
  }
  if (pt.action !== StreamAction.OK) return c.reject(parentId, pt.action, "PUSH_PROMISE");
  if (headers === null) {
    store.remember(promisedId, StreamState.CLOSED_RESET_LOCAL, c.remoteSettings.initialWindowSize);
    throw new StreamError(promisedId, ErrorCode.ENHANCE_YOUR_CALM, "promised request too large");
  }
  // §8.4: the promised request must be a valid, safe, cacheable request without a body.
  try {
    validateRequestHeaders(promisedId, headers);
  } catch (e) {
    store.remember(promisedId, StreamState.CLOSED_RESET_LOCAL, c.remoteSettings.initialWindowSize);
    throw e;
  }
  const s = store.create(promisedId, c.local.initialWindow, c.remoteSettings.initialWindowSize);
  store.setState(s, rt.next);
  store.highestAccepted = promisedId;
  c.events.push({
    type: "push-promise",
    streamId: parentId,
    promisedStreamId: promisedId,
    headers,
  });
}

/** A whole HEADERS block on the client: a response (1xx or final) or trailers. */
export function onResponseBlock(
  c: ConnCore,
  id: number,
  s: H2Stream | undefined,
  headers: HeaderList | null,
  endStream: boolean,
): void {
  if (s === undefined) {
    const state = c.store.stateOfUnknown(id);
    if (state === StreamState.IDLE) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `HEADERS on idle stream ${id}`);
    }
    return c.reject(id, transition(state, StreamEvent.RECV_HEADERS).action, "HEADERS");
  }
  const t = transition(s.state, StreamEvent.RECV_HEADERS);
  if (t.action !== StreamAction.OK) return c.reject(id, t.action, "HEADERS");
  if (c.headerBlock.selfDependent) {
    throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
  }
  if (headers === null) {
    throw new StreamError(id, ErrorCode.ENHANCE_YOUR_CALM, "response headers too large");
  }
  if (t.next !== s.state) c.store.setState(s, t.next);
  if (s.requestSeen) return onTrailers(c, s, headers, endStream);
  const head = validateResponseHeaders(id, headers);
  const informational = head.status < 200;
  if (informational && endStream) {
    throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "1xx response with END_STREAM");
  }
  if (!informational) {
    s.requestSeen = true;
    const bodiless = s.headRequest || head.status === 204 || head.status === 304;
    s.contentLength = bodiless ? -1 : head.contentLength;
    if (endStream && s.contentLength > 0) {
      throw new StreamError(
        id,
        ErrorCode.PROTOCOL_ERROR,
        "body length does not match content-length",
      );
    }
  }
  c.flood.useful();
  c.events.push({
    type: "response",
    streamId: id,
    headers,
    status: head.status,
    informational,
    endStream,
  });
  if (endStream) c.remoteEnd(s);
}

function onTrailers(c: ConnCore, s: H2Stream, headers: HeaderList, endStream: boolean): void {
  if (!endStream) {
    throw new StreamError(s.id, ErrorCode.PROTOCOL_ERROR, "trailers without END_STREAM");
  }
  validateTrailers(s.id, headers);
  if (s.contentLength >= 0 && s.received !== s.contentLength) {
    throw new StreamError(
      s.id,
      ErrorCode.PROTOCOL_ERROR,
      "body length does not match content-length",
    );
  }
  c.events.push({ type: "trailers", streamId: s.id, headers });
  c.remoteEnd(s);
}
