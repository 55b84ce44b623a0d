/**
 * Inbound HEADERS and CONTINUATION: header-block assembly, HPACK decoding
 * (always, since the table is connection-wide), and what the block means for
 * its stream: a new request, trailers, or a refusal (§5.1.1, §6.8, §8.1).
 *
 * @module
 */
import { CompressionError, HeaderListTooLargeError } from "./hpack/mod.ts";
import { ConnectionError, ErrorCode, StreamError } from "./errors.ts";
import type { HeaderList } from "./events.ts";
import type { ContinuationFrame, HeadersFrame } from "./frame/types.ts";
import type { ConnCore } from "./conn_core.ts";
import { validateRequestHeaders, validateTrailers } from "./headers.ts";
import { StreamAction, StreamEvent, StreamState, transition } from "./stream_table.ts";
import { onPushPromiseBlock, onResponseBlock } from "./recv_response.ts";

/**
 * A HEADERS frame: starts a header block, handled whole once it ends.
 */
export function onHeaders(c: ConnCore, f: HeadersFrame): void {
  if (!c.isClient && (f.streamId & 1) === 0) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on an even stream id");
  }
  const block = c.headerBlock.start(f);
  if (block !== null) return endHeaderBlock(c, block);
  if (f.block.length === 0) c.flood.useless();
}

/**
 * A CONTINUATION frame: the next piece of the open header block.
 */
export function onContinuation(c: ConnCore, f: ContinuationFrame): void {
  const block = c.headerBlock.continue(f);
  if (block !== null) return endHeaderBlock(c, block);
  if (f.block.length === 0) c.flood.useless();
}

function endHeaderBlock(c: ConnCore, block: Uint8Array): void {
  const hb = c.headerBlock;
  const id = hb.streamId;
  const endStream = hb.endStream;
  // Always decode, even for streams we refuse or ignore: HPACK state is connection-wide.
  let headers: HeaderList | null = null;
  try {
    headers = c.decoder.decode(block);
  } catch (e) {
    if (!(e instanceof HeaderListTooLargeError)) {
      throw new ConnectionError(
        ErrorCode.COMPRESSION_ERROR,
        e instanceof CompressionError ? e.message : `HPACK: ${String(e)}`,
      );
    }
  }
  if (hb.promisedStreamId !== 0) return onPushPromiseBlock(c, id, hb.promisedStreamId, headers);
  const s = c.streams.get(id);
  if (c.isClient) return onResponseBlock(c, id, s, headers, endStream);
  if (s === undefined) {
    if (id <= c.store.highestSeen) {
      if (c.ignoredAfterGoAway(id)) return;
      return c.reject(
        id,
        transition(c.store.stateOfUnknown(id), StreamEvent.RECV_HEADERS).action,
        "HEADERS",
      );
    }
    return openStream(c, id, headers, endStream);
  }
  const t = transition(s.state, StreamEvent.RECV_HEADERS);
  if (t.action !== StreamAction.OK) return c.reject(id, t.action, "HEADERS");
  if (hb.selfDependent) {
    throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
  }
  // A second HEADERS is trailers (§8.1): it must end the stream.
  if (!endStream) {
    throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "trailers without END_STREAM");
  }
  if (headers === null) {
    throw new StreamError(id, ErrorCode.ENHANCE_YOUR_CALM, "trailers too large");
  }
  validateTrailers(id, headers);
  if (s.contentLength >= 0 && s.received !== s.contentLength) {
    throw new StreamError(
      id,
      ErrorCode.PROTOCOL_ERROR,
      "body length does not match content-length",
    );
  }
  c.events.push({ type: "trailers", streamId: id, headers });
  c.remoteEnd(s);
}

function openStream(c: ConnCore, id: number, headers: HeaderList | null, endStream: boolean): void {
  const store = c.store;
  store.highestSeen = id;
  if (c.ignoredAfterGoAway(id)) return; // §6.8: streams after our GOAWAY are not processed.
  // A refused stream never lives: the table says how it is remembered.
  const refused = transition(StreamState.IDLE, StreamEvent.STREAM_ERROR).next;
  if (c.headerBlock.selfDependent) {
    store.remember(id, refused, c.remoteSettings.initialWindowSize);
    throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
  }
  if (store.open >= c.local.maxConcurrent) {
    store.remember(id, refused, c.remoteSettings.initialWindowSize);
    throw new StreamError(id, ErrorCode.REFUSED_STREAM, "MAX_CONCURRENT_STREAMS exceeded");
  }
  const s = store.create(id, c.local.initialWindow, c.remoteSettings.initialWindowSize);
  store.highestAccepted = id;
  store.setState(s, transition(s.state, StreamEvent.RECV_HEADERS).next);
  if (headers === null) {
    s.requestSeen = true;
    // HPACK bomb: a refusal the peer provoked spends the reset budget too (as MadeYouReset).
    c.flood.reset("too many oversized header lists");
    c.events.push({ type: "headers-too-large", streamId: id, endStream });
    if (endStream) c.remoteEnd(s);
    return;
  }
  s.contentLength = validateRequestHeaders(id, headers, c.options.enableConnectProtocol);
  if (endStream && s.contentLength > 0) {
    throw new StreamError(
      id,
      ErrorCode.PROTOCOL_ERROR,
      "body length does not match content-length",
    );
  }
  s.requestSeen = true;
  c.flood.useful();
  c.events.push({ type: "request", streamId: id, headers, endStream });
  if (endStream) c.remoteEnd(s);
}
