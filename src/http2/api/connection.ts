/**
 * The public sans-IO HTTP/2 connection, in python-hyper h2's shape: feed it
 * bytes, act on the events, write what `dataToSend()` returns. It is a thin
 * face over the core that `serve()` runs (`../core/connection.ts`): the same
 * state tables, frame handlers, HPACK and flood limits; this file only maps
 * names, checks what the caller sends, and writes DATA at once.
 *
 * @module
 */
import { H2Connection as Core } from "../core/connection.ts";
import type { HeaderList as CoreHeaderList } from "../core/events.ts";
import { ErrorCode } from "../core/errors.ts";
import { MAX_STREAM_ID } from "../core/frame/types.ts";
import { openLocalStream, pushPromise } from "../core/local_streams.ts";
import { H2ProtocolError, StreamClosedError } from "../core/misuse.ts";
import { sendable, sendDataNow } from "../core/send_now.ts";
import type { Settings } from "../core/settings.ts";
import { StreamEvent, StreamState } from "../core/stream_table.ts";
import { type H2Event, type HeaderList, publicEvents } from "./events.ts";
import { coreOptions, type H2ConnectionOptions, type SettingsUpdate } from "./options.ts";
import { statusOf, validateOutbound } from "./outbound_headers.ts";

const EMPTY = new Uint8Array(0);

/**
 * One HTTP/2 connection, server or client side, that performs no I/O.
 *
 * Peer errors never throw: the core queues the RST_STREAM or GOAWAY and
 * reports a "stream-reset" or "connection-terminated" event. A call the
 * protocol forbids now throws an {@link H2ProtocolError} (or a subclass)
 * before anything changes, so the connection goes on working.
 *
 * @example
 * ```ts
 * import { H2Connection } from "../../../http2.ts";
 * const server = new H2Connection({ side: "server" });
 * server.initiateConnection();
 * const fromPeer = new Uint8Array(0); // bytes read from the socket
 * for (const ev of server.receiveData(fromPeer)) {
 *   if (ev.type === "request-received") {
 *     server.sendHeaders(ev.streamId, [[":status", "200"]]);
 *     server.sendData(ev.streamId, new TextEncoder().encode("hi"), { endStream: true });
 *   }
 * }
 * const toPeer = server.dataToSend(); // write these bytes to the socket
 * ```
 */
export class H2Connection {
  /** Which end of the connection this is. */
  readonly side: "server" | "client";
  readonly #core: Core;
  readonly #validate: boolean;

  /** Creates a connection; nothing is queued until {@link initiateConnection}. Throws RangeError on bad options. */
  constructor(options: H2ConnectionOptions) {
    this.side = options.side;
    this.#core = new Core(coreOptions(options));
    this.#validate = options.validateHeaders ?? true;
  }

  /** Queues the client preface (client) and our SETTINGS. Call once, first. */
  initiateConnection(): void {
    this.#core.initiate();
  }

  /** Feeds bytes read from the peer; returns what the peer did, in order. Never throws. */
  receiveData(data: Uint8Array): H2Event[] {
    const core = this.#core;
    return publicEvents(core.receive(data), () => core.core.goAwayLastId);
  }

  /** The bytes to write to the peer now (empty when there are none). */
  dataToSend(): Uint8Array {
    const first = this.#core.takeOutput();
    if (first === null) return EMPTY;
    const more: Uint8Array[] = [];
    for (let b = this.#core.takeOutput(); b !== null; b = this.#core.takeOutput()) more.push(b);
    if (more.length === 0) return first;
    const out = new Uint8Array(more.reduce((n, b) => n + b.length, first.length));
    out.set(first);
    let off = first.length;
    for (const b of more) {
      out.set(b, off);
      off += b.length;
    }
    return out;
  }

  /**
   * Sends HEADERS: a client's request on a new stream (see
   * {@link getNextAvailableStreamId}), a server's response (1xx first if you
   * like), or trailers (then `endStream` is required). `headers` are
   * `[name, value, sensitive?]` in order, pseudo-headers first.
   */
  sendHeaders(streamId: number, headers: HeaderList, options: { endStream?: boolean } = {}): void {
    const endStream = options.endStream ?? false;
    const list = headers as CoreHeaderList;
    const c = this.#core.core;
    // A new stream (or a bad id, which openLocalStream names); a closed one of ours is refused below.
    const store = c.store;
    if (
      c.isClient && !c.streams.has(streamId) &&
      (!store.isLocal(streamId) || store.closed.state(streamId) === undefined)
    ) {
      if (this.#validate) validateOutbound(streamId, "request", list);
      openLocalStream(c, streamId, list, endStream);
      return;
    }
    const s = sendable(c, streamId, StreamEvent.SEND_HEADERS);
    if (s.endQueued) {
      throw new StreamClosedError(`stream ${streamId} already ended`, "RFC 9113 §5.1", streamId);
    }
    const trailers = s.finalSent;
    if (trailers && !endStream) {
      throw new H2ProtocolError("trailers must end the stream", "RFC 9113 §8.1", streamId);
    }
    if (this.#validate) validateOutbound(streamId, trailers ? "trailers" : "response", list);
    const status = statusOf(list);
    if (!trailers && status >= 100 && status < 200 && endStream) {
      throw new H2ProtocolError("a 1xx response cannot end the stream", "RFC 9113 §8.1", streamId);
    }
    this.#core.sendHeaders(streamId, list, endStream);
    if (!(status >= 100 && status < 200)) s.finalSent = true;
  }

  /**
   * Sends one DATA frame now. Throws {@link FlowControlError} when it exceeds
   * {@link localFlowControlWindow}, {@link FrameTooLargeError} beyond
   * {@link maxOutboundFrameSize} (padding counts toward both).
   */
  sendData(
    streamId: number,
    data: Uint8Array,
    options: { endStream?: boolean; padLength?: number } = {},
  ): void {
    sendDataNow(this.#core.core, streamId, data, options.endStream ?? false, options.padLength);
  }

  /** Ends our side of a stream with an empty DATA frame carrying END_STREAM. */
  endStream(streamId: number): void {
    this.sendData(streamId, EMPTY, { endStream: true });
  }

  /** Resets a stream with RST_STREAM (default NO_ERROR); its queued output is dropped. */
  resetStream(streamId: number, errorCode: number = ErrorCode.NO_ERROR): void {
    sendable(this.#core.core, streamId, StreamEvent.SEND_RST_STREAM);
    this.#core.resetStream(streamId, errorCode);
  }

  /**
   * Server side: PUSH_PROMISE on `streamId` reserving `promisedStreamId`
   * (even, from {@link getNextAvailableStreamId}) for `requestHeaders` (a GET
   * or HEAD); then send the response on the promised stream. Throws when the
   * client disabled push.
   */
  pushStream(streamId: number, promisedStreamId: number, requestHeaders: HeaderList): void {
    const list = requestHeaders as CoreHeaderList;
    if (this.#validate) validateOutbound(promisedStreamId, "push", list);
    pushPromise(this.#core.core, streamId, promisedStreamId, list);
  }

  /**
   * Tells the core that `byteCount` received bytes of `streamId` were processed
   * (pass each "data-received" event's `flowControlledLength`). WINDOW_UPDATE
   * is queued once half a window is owed. Until then, the peer's window shrinks.
   */
  acknowledgeReceivedData(byteCount: number, streamId: number): void {
    if (!(Number.isInteger(byteCount) && byteCount >= 0)) {
      throw new RangeError(`byteCount must be a non-negative integer, got ${byteCount}`);
    }
    this.#core.consumed(streamId, byteCount);
  }

  /** Bytes we may send on `streamId` now: min(stream, connection) send window; 0 is the connection. */
  localFlowControlWindow(streamId: number): number {
    const c = this.#core.core;
    if (streamId === 0) return c.sched.connWindow;
    const s = this.#live(streamId);
    return Math.min(s.send.window, c.sched.connWindow);
  }

  /** Bytes the peer may send on `streamId` now: min(stream, connection) receive window; 0 is the connection. */
  remoteFlowControlWindow(streamId: number): number {
    const c = this.#core.core;
    if (streamId === 0) return c.connRecv.window;
    const s = this.#live(streamId);
    return Math.min(s.recv.window, c.connRecv.window);
  }

  #live(streamId: number) {
    const s = this.#core.core.streams.get(streamId);
    if (s === undefined) {
      const state = StreamState[this.#core.streamState(streamId)];
      throw new StreamClosedError(`stream ${streamId} is ${state}`, "RFC 9113 §5.1", streamId);
    }
    return s;
  }

  /** The largest DATA payload the peer accepts in one frame (its SETTINGS_MAX_FRAME_SIZE). */
  get maxOutboundFrameSize(): number {
    return this.#core.remoteSettings.maxFrameSize;
  }

  /** The largest frame payload we accept (our SETTINGS_MAX_FRAME_SIZE in force). */
  get maxInboundFrameSize(): number {
    return this.#core.localSettings.maxFrameSize;
  }

  /** Sends a PING with 8 opaque bytes; the answer is a "ping-ack-received" event. */
  ping(opaqueData: Uint8Array): void {
    if (opaqueData.length !== 8) {
      throw new H2ProtocolError(`PING data is ${opaqueData.length} bytes, not 8`, "RFC 9113 §6.7");
    }
    this.#core.ping(opaqueData);
  }

  /** Sends a SETTINGS frame with changed values (raises apply now, cuts once acknowledged). */
  updateSettings(changes: SettingsUpdate): void {
    this.#core.updateSettings(changes);
  }

  /**
   * Sends GOAWAY. With NO_ERROR (the default) streams up to `lastStreamId`
   * (default: the highest the peer opened) finish and `closed` turns true
   * when none is left; any other code closes the connection now.
   */
  closeConnection(
    errorCode: number = ErrorCode.NO_ERROR,
    lastStreamId?: number,
    additionalData?: Uint8Array,
  ): void {
    this.#core.goAway(errorCode, additionalData, lastStreamId);
  }

  /** The next stream id this side may open: odd on a client, even (for pushes) on a server. */
  getNextAvailableStreamId(): number {
    const id = this.#core.core.store.nextLocal;
    if (id > MAX_STREAM_ID) {
      throw new H2ProtocolError("stream ids are exhausted", "RFC 9113 §5.1.1");
    }
    return id;
  }

  /** Open or half-closed streams the peer initiated. */
  get openInboundStreams(): number {
    const store = this.#core.core.store;
    return store.open - store.openOutbound;
  }

  /** Open or half-closed streams we initiated. */
  get openOutboundStreams(): number {
    return this.#core.core.store.openOutbound;
  }

  /** Our settings in force (acknowledged by the peer). */
  get localSettings(): Readonly<Settings> {
    return this.#core.localSettings;
  }

  /** The peer's settings in force. */
  get remoteSettings(): Readonly<Settings> {
    return this.#core.remoteSettings;
  }

  /** True once the connection is over: write the last dataToSend(), then close the socket. */
  get closed(): boolean {
    return this.#core.closed;
  }
}
