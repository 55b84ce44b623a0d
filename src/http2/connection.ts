/**
 * The sans-IO HTTP/2 server connection (RFC 9113): bytes in → events out,
 * actions in → frames queued in an outbox. It never performs I/O, never
 * awaits and never reads a clock it was not given (`options.now`).
 *
 * ```ts
 * const conn = new H2Connection({ maxConcurrentStreams: 100 });
 * conn.initiate();                         // our SETTINGS (+ connection WINDOW_UPDATE)
 * for (const ev of conn.receive(bytes)) {  // never throws
 *   if (ev.type === "request") conn.sendHeaders(ev.streamId, [[":status", "200"]], false);
 * }
 * const out = conn.takeOutput();           // one buffer: control frames, then DATA
 * ```
 *
 * @module
 */

export { CONN_TRANSITIONS, ConnInput, ConnState } from "./conn_state.ts";
import { CompressionError, Decoder, Encoder, HeaderListTooLargeError } from "./hpack/mod.ts";
import { ConnectionError, ErrorCode, StreamError } from "./errors.ts";
import type { H2Event, HeaderList } from "./events.ts";
import { RecvWindow } from "./flow.ts";
import { FloodGuard } from "./flood_guard.ts";
import { PingTracker } from "./ping_tracker.ts";
import { LocalSettings, type UpdatableSettings } from "./local_settings.ts";
import { FrameDecoder } from "./frame/decoder.ts";
import {
  CLIENT_PREFACE,
  type ContinuationFrame,
  type DataFrame,
  DEFAULT_WINDOW_SIZE,
  type Frame,
  FrameType,
  type GoAwayFrame,
  type HeadersFrame,
  MAX_STREAM_ID,
  type PingFrame,
  type RstStreamFrame,
  type SettingsFrame,
  type WindowUpdateFrame,
} from "./frame/types.ts";
import { ConnInput, ConnState, connTransition } from "./conn_state.ts";
import type { H2Stream } from "./h2_stream.ts";
import { StreamStore } from "./stream_store.ts";
import { SendWindows } from "./send_windows.ts";
import { HeaderBlockAssembler } from "./header_block.ts";
import { validateRequestHeaders, validateTrailers } from "./headers.ts";
import { type H2Options, resolveOptions } from "./options.ts";
import { writeHeaderBlock, WriteScheduler } from "./scheduler.ts";
import { defaultSettings, parseSettingsPayload, SETTING_KEYS, type Settings } from "./settings.ts";
import { StreamAction, StreamEvent, StreamState, transition } from "./stream_state.ts";

const textEncoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/**
 * A server-side HTTP/2 connection, in the style of python-hyper/h2.
 *
 * Input: {@link receive} (bytes from the socket). Output: {@link takeOutput}
 * (bytes for the socket). Actions: {@link sendHeaders}, {@link sendData},
 * {@link sendTrailers}, {@link resetStream}, {@link ping}, {@link goAway},
 * {@link updateSettings}, {@link consumed}.
 *
 * Errors: protocol errors never throw out of `receive()`; they become
 * queued GOAWAY/RST_STREAM frames plus "connection-error"/"stream-reset"
 * events. Action methods throw `Error` only on API misuse (e.g. DATA before
 * HEADERS, sending after END_STREAM, sending on a stream the peer never
 * opened); sends on a stream that is already closed or reset (a race with
 * the peer) are silently dropped and return false.
 *
 * Closing: `closed` becomes true after a connection error, an error GOAWAY,
 * or — after a GOAWAY sent or received — once no stream is open. The driver
 * then writes whatever `takeOutput()` returns and closes the socket.
 */
export class H2Connection {
  /** The resolved options (limits and advertised settings). */
  readonly options: Readonly<H2Options>;
  /** The peer's settings currently in force. */
  readonly remoteSettings: Settings = defaultSettings();
  /** Our settings the peer has acknowledged (what is in force on our side). */
  readonly localSettings: Settings;

  #state: ConnState = ConnState.AWAIT_PREFACE;
  #initiated = false;
  #prefaceFill = 0;
  readonly #frames: FrameDecoder;
  readonly #decoder: Decoder;
  readonly #encoder: Encoder;
  readonly #sched: WriteScheduler;
  readonly #connRecv: RecvWindow;
  readonly #store: StreamStore;
  /** The store's live streams (the hot path reads them directly). */
  readonly #streams: Map<number, H2Stream>;
  readonly #local: LocalSettings;
  readonly #windows: SendWindows;
  readonly #windowGrew = (streamId: number): void => {
    this.#events.push({ type: "window", streamId });
  };
  #events: H2Event[] = [];
  readonly #headerBlock: HeaderBlockAssembler;
  /** A graceful GOAWAY was sent before the handshake ended: it drains once OPEN. */
  #goAwayEarly = false;
  /** Last stream id of the GOAWAY we sent (streams above it are not processed); none: 2^31-1. */
  #goAwayLastId = MAX_STREAM_ID;
  // Flood budgets.
  readonly #flood: FloodGuard;
  readonly #pings = new PingTracker();
  readonly #encodeBlock: (headers: HeaderList) => Uint8Array;

  /** Creates a server connection; nothing is queued until {@link initiate} (or the first {@link receive}). */
  constructor(options?: Partial<H2Options>) {
    const o = resolveOptions(options);
    this.options = o;
    this.#frames = new FrameDecoder(o.maxFrameSize);
    this.#decoder = new Decoder({
      maxTableSize: Math.max(4096, o.headerTableSize),
      maxHeaderListSize: o.maxHeaderListSize,
      maxFields: o.maxHeaderFields,
    });
    this.#encoder = new Encoder({ tableSizeLimit: o.maxEncoderTableSize });
    this.#sched = new WriteScheduler(o.writeBatchSize);
    this.#connRecv = new RecvWindow(DEFAULT_WINDOW_SIZE);
    this.#local = new LocalSettings(o.maxConcurrentStreams, o.maxFrameSize, {
      initialWindow: (v) => {
        for (const s of this.#streams.values()) s.recv.retarget(v);
      },
      maxFrameSize: (v) => (this.#frames.maxFrameSize = v),
      headerTableSize: (v) => this.#decoder.setMaxTableSize(v),
    });
    this.localSettings = this.#local.inForce;
    this.#store = new StreamStore(o.closedStreamMemory);
    this.#streams = this.#store.live;
    this.#windows = new SendWindows(this.#store, this.#sched);
    this.#headerBlock = new HeaderBlockAssembler(o.maxHeaderBlockSize, o.maxContinuationFrames);
    this.#flood = new FloodGuard(o);
    const encoder = this.#encoder;
    this.#encodeBlock = (headers) => encoder.encode(headers);
  }

  // ---------------------------------------------------------------- state

  /** True once the connection is finished: write the remaining output, then close the socket. */
  get closed(): boolean {
    const st = this.#state;
    if (st === ConnState.CLOSED) return true;
    return (st === ConnState.DRAINING || this.#goAwayEarly) && this.#store.open === 0;
  }

  /** Whether {@link takeOutput} would return bytes. */
  get hasOutput(): boolean {
    return this.#sched.hasOutput;
  }

  /** Streams in open or half-closed states (what MAX_CONCURRENT_STREAMS counts). */
  get openStreams(): number {
    return this.#store.open;
  }

  /** The connection state. */
  get state(): ConnState {
    return this.#state;
  }

  /** The §5.1 state of a stream (closed streams no longer remembered report FORGOTTEN). */
  streamState(streamId: number): StreamState {
    return this.#streams.get(streamId)?.state ?? this.#store.stateOfUnknown(streamId);
  }

  /** DATA bytes queued on a stream and not yet written (the driver's high-watermark input). */
  queuedBytes(streamId: number): number {
    return this.#streams.get(streamId)?.send.queued ?? 0;
  }

  /** Bytes that may be sent now on a stream: min(stream window, connection window); for 0, the connection window. */
  sendWindow(streamId: number): number {
    const c = this.#sched.connWindow;
    if (streamId === 0) return c;
    const s = this.#streams.get(streamId);
    return s ? Math.min(s.send.window, c) : 0;
  }

  // ---------------------------------------------------------------- start

  /** Queues our SETTINGS, and a connection WINDOW_UPDATE when `connectionWindowSize` > 65535. Idempotent. */
  initiate(): void {
    if (this.#initiated) return;
    this.#initiated = true;
    const o = this.options;
    this.#sendSettings(LocalSettings.initial(o));
    const extra = o.connectionWindowSize - DEFAULT_WINDOW_SIZE;
    if (extra > 0) {
      this.#sched.control.windowUpdate(0, extra);
      this.#connRecv.window += extra;
      this.#connRecv.target = o.connectionWindowSize;
    }
  }

  /**
   * h2c Upgrade (RFC 7540 §3.2): applies the client's SETTINGS from the
   * decoded `HTTP2-Settings` header (implicitly acknowledged, no ACK is
   * sent), queues our SETTINGS, and opens stream 1 half-closed (remote) for
   * the upgraded request; answer it with `sendHeaders(1, ...)`. The client
   * preface is still expected next. Throws {@link ConnectionError} for an
   * invalid payload (answer the HTTP/1.1 request with 400 instead of 101).
   */
  initiateUpgrade(http2SettingsPayload: Uint8Array): void {
    const settings = parseSettingsPayload(http2SettingsPayload);
    this.#applyRemoteSettings(settings);
    this.initiate();
    const s = this.#store.create(
      1,
      this.#local.initialWindow,
      this.remoteSettings.initialWindowSize,
    );
    this.#store.setState(s, StreamState.HALF_CLOSED_REMOTE);
    s.requestSeen = true;
    this.#store.highestSeen = 1;
    this.#store.highestAccepted = 1;
  }

  // ---------------------------------------------------------------- input

  /**
   * Feeds bytes from the peer and returns the resulting events. Never
   * throws. `data` is not copied: "data" events and header fragments
   * alias it, so consume or copy them before reusing the buffer.
   */
  receive(data: Uint8Array): H2Event[] {
    if (this.#state === ConnState.CLOSED) return [];
    if (!this.#initiated) this.initiate();
    const events: H2Event[] = [];
    this.#events = events;
    try {
      if (this.#state === ConnState.AWAIT_PREFACE) {
        const need = CLIENT_PREFACE.length - this.#prefaceFill;
        const n = Math.min(need, data.length);
        for (let i = 0; i < n; i++) {
          if (data[i] !== CLIENT_PREFACE[this.#prefaceFill + i]) {
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "invalid connection preface");
          }
        }
        this.#prefaceFill += n;
        if (this.#prefaceFill < CLIENT_PREFACE.length) return events;
        this.#connInput(ConnInput.PREFACE);
        data = data.subarray(n);
      }
      const frames = this.#frames;
      frames.push(data);
      for (;;) {
        try {
          const frame = frames.next();
          if (frame === null) break;
          this.#onFrame(frame);
        } catch (e) {
          if (e instanceof StreamError) this.#streamError(e);
          else throw e;
        }
        if ((this.#state as ConnState) === ConnState.CLOSED) break;
      }
    } catch (e) {
      this.#connectionError(
        e instanceof ConnectionError ? e : new ConnectionError(ErrorCode.INTERNAL_ERROR, String(e)),
      );
    }
    this.#events = [];
    return events;
  }

  #connInput(input: ConnInput): void {
    const next = connTransition(this.#state, input);
    if (next === undefined) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        this.#state === ConnState.AWAIT_SETTINGS
          ? "first frame is not SETTINGS"
          : "unexpected input",
      );
    }
    this.#state = next;
    if (next === ConnState.OPEN && this.#goAwayEarly) {
      this.#goAwayEarly = false;
      this.#connInput(ConnInput.GOAWAY);
    }
  }

  #onFrame(f: Frame): void {
    if (this.#headerBlock.open && f.type !== FrameType.CONTINUATION) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "frame interleaved in a header block");
    }
    const settings = f.type === FrameType.SETTINGS && !f.ack;
    if (this.#state !== ConnState.OPEN || settings) {
      this.#connInput(settings ? ConnInput.SETTINGS : ConnInput.OTHER_FRAME);
    }
    switch (f.type) {
      case FrameType.DATA:
        return this.#onData(f);
      case FrameType.HEADERS:
        return this.#onHeaders(f);
      case FrameType.PRIORITY:
        // Deprecated (§5.3.2): parsed (self-dependency rejected by the parser) and ignored.
        return this.#onStreamOnlyFrame(f.streamId, StreamEvent.RECV_PRIORITY, "PRIORITY");
      case FrameType.RST_STREAM:
        return this.#onRstStream(f);
      case FrameType.SETTINGS:
        return this.#onSettings(f);
      case FrameType.PUSH_PROMISE:
        // No state admits it from a client (§8.4): the table answers PROTOCOL_ERROR.
        return this.#onStreamOnlyFrame(f.streamId, StreamEvent.RECV_PUSH_PROMISE, "PUSH_PROMISE");
      case FrameType.PING:
        return this.#onPing(f);
      case FrameType.GOAWAY:
        return this.#onGoAway(f);
      case FrameType.WINDOW_UPDATE:
        return this.#onWindowUpdate(f);
      case FrameType.CONTINUATION:
        return this.#onContinuation(f);
      case FrameType.UNKNOWN:
        return; // §4.1/§5.5: ignore unknown frame types.
    }
  }

  /** A frame whose only effect is what the stream table says (PRIORITY, PUSH_PROMISE). */
  #onStreamOnlyFrame(id: number, event: StreamEvent, what: string): void {
    const s = this.#streams.get(id);
    const t = transition(s ? s.state : this.#store.stateOfUnknown(id), event);
    if (t.action !== StreamAction.OK) this.#reject(id, t.action, what);
  }

  /** Applies a table action for a frame on a stream we have no live object for (or a non-OK action). */
  #reject(id: number, action: StreamAction, what: string): void {
    switch (action) {
      case StreamAction.IGNORE:
        this.#flood.useless();
        return;
      case StreamAction.STREAM_CLOSED:
        throw new StreamError(id, ErrorCode.STREAM_CLOSED, `${what} on closed stream`);
      case StreamAction.CONN_STREAM_CLOSED:
        throw new ConnectionError(
          ErrorCode.STREAM_CLOSED,
          `${what} after END_STREAM on stream ${id}`,
        );
      default:
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `${what} on ${StreamState[this.#store.stateOfUnknown(id)]} stream ${id}`,
        );
    }
  }

  #ignoredAfterGoAway(id: number): boolean {
    return id > this.#goAwayLastId && (id & 1) === 1;
  }

  #onData(f: DataFrame): void {
    const id = f.streamId;
    // §6.9: DATA counts against the connection window whatever the stream state.
    if (!this.#connRecv.receive(f.flowLength)) {
      throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection receive window exceeded");
    }
    const s = this.#streams.get(id);
    if (s === undefined) {
      this.#creditConnection(f.flowLength);
      if (this.#ignoredAfterGoAway(id) && id <= this.#store.highestSeen) return;
      return this.#reject(
        id,
        transition(this.#store.stateOfUnknown(id), StreamEvent.RECV_DATA).action,
        "DATA",
      );
    }
    const t = transition(s.state, StreamEvent.RECV_DATA);
    if (t.action !== StreamAction.OK) {
      this.#creditConnection(f.flowLength);
      return this.#reject(id, t.action, "DATA");
    }
    if (!s.recv.receive(f.flowLength)) {
      this.#creditConnection(f.flowLength);
      throw new StreamError(id, ErrorCode.FLOW_CONTROL_ERROR, "stream receive window exceeded");
    }
    const len = f.data.length;
    // Padding is flow-controlled but never reaches the application: give it back now.
    if (f.flowLength > len) this.#consume(s, f.flowLength - len);
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
      this.#flood.useful();
      this.#events.push({
        type: "data",
        streamId: id,
        data: f.data,
        flowLength: f.flowLength,
        endStream: f.endStream,
      });
    } else if (!f.endStream) {
      this.#flood.useless();
    }
    if (f.endStream) this.#remoteEnd(s);
  }

  #remoteEnd(s: H2Stream): void {
    const t = transition(s.state, StreamEvent.RECV_END_STREAM);
    if (t.action !== StreamAction.OK) return this.#reject(s.id, t.action, "END_STREAM");
    this.#store.setState(s, t.next);
    this.#events.push({ type: "stream-end", streamId: s.id });
    if (t.next === StreamState.CLOSED) {
      this.#events.push({ type: "stream-closed", streamId: s.id });
      this.#finalize(s);
    }
  }

  #onHeaders(f: HeadersFrame): void {
    const id = f.streamId;
    if ((id & 1) === 0) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on an even stream id");
    }
    const block = this.#headerBlock.start(f);
    if (block !== null) return this.#endHeaderBlock(block);
    if (f.block.length === 0) this.#flood.useless();
  }

  #onContinuation(f: ContinuationFrame): void {
    const block = this.#headerBlock.continue(f);
    if (block !== null) return this.#endHeaderBlock(block);
    if (f.block.length === 0) this.#flood.useless();
  }

  #endHeaderBlock(block: Uint8Array): void {
    const hb = this.#headerBlock;
    const id = hb.streamId;
    const endStream = hb.endStream;
    // Always decode, even for streams we refuse or ignore: HPACK state is connection-wide.
    let headers: HeaderList | null = null;
    try {
      headers = this.#decoder.decode(block);
    } catch (e) {
      if (!(e instanceof HeaderListTooLargeError)) {
        throw new ConnectionError(
          ErrorCode.COMPRESSION_ERROR,
          e instanceof CompressionError ? e.message : `HPACK: ${String(e)}`,
        );
      }
    }
    const s = this.#streams.get(id);
    if (s === undefined) {
      if (id <= this.#store.highestSeen) {
        if (this.#ignoredAfterGoAway(id)) return;
        return this.#reject(
          id,
          transition(this.#store.stateOfUnknown(id), StreamEvent.RECV_HEADERS).action,
          "HEADERS",
        );
      }
      return this.#openStream(id, headers, endStream);
    }
    const t = transition(s.state, StreamEvent.RECV_HEADERS);
    if (t.action !== StreamAction.OK) return this.#reject(id, t.action, "HEADERS");
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
    this.#events.push({ type: "trailers", streamId: id, headers });
    this.#remoteEnd(s);
  }

  #openStream(id: number, headers: HeaderList | null, endStream: boolean): void {
    this.#store.highestSeen = id;
    if (this.#ignoredAfterGoAway(id)) return; // §6.8: streams after our GOAWAY are not processed.
    if (this.#headerBlock.selfDependent) {
      this.#store.remember(
        id,
        StreamState.CLOSED_RESET_LOCAL,
        this.remoteSettings.initialWindowSize,
      );
      throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
    }
    if (this.#store.open >= this.#local.maxConcurrent) {
      this.#store.remember(
        id,
        StreamState.CLOSED_RESET_LOCAL,
        this.remoteSettings.initialWindowSize,
      );
      throw new StreamError(id, ErrorCode.REFUSED_STREAM, "MAX_CONCURRENT_STREAMS exceeded");
    }
    const s = this.#store.create(
      id,
      this.#local.initialWindow,
      this.remoteSettings.initialWindowSize,
    );
    this.#store.highestAccepted = id;
    this.#store.setState(s, transition(StreamState.IDLE, StreamEvent.RECV_HEADERS).next);
    if (headers === null) {
      s.requestSeen = true;
      // HPACK bomb: a refusal the peer provoked spends the reset budget too (as MadeYouReset).
      this.#flood.reset("too many oversized header lists");
      this.#events.push({ type: "headers-too-large", streamId: id, endStream });
      if (endStream) this.#remoteEnd(s);
      return;
    }
    s.contentLength = validateRequestHeaders(id, headers);
    if (endStream && s.contentLength > 0) {
      throw new StreamError(
        id,
        ErrorCode.PROTOCOL_ERROR,
        "body length does not match content-length",
      );
    }
    s.requestSeen = true;
    this.#flood.useful();
    this.#events.push({ type: "request", streamId: id, headers, endStream });
    if (endStream) this.#remoteEnd(s);
  }

  #onRstStream(f: RstStreamFrame): void {
    const id = f.streamId;
    const s = this.#streams.get(id);
    if (s === undefined) {
      const was = this.#store.stateOfUnknown(id);
      const t = transition(was, StreamEvent.RECV_RST_STREAM);
      if (t.action === StreamAction.IGNORE) {
        // In flight after close: not counted, but the peer has now closed it too.
        if (t.next !== was) this.#store.remember(id, t.next, this.#store.closed.window(id));
        return;
      }
      return this.#reject(id, t.action, "RST_STREAM");
    }
    const t = transition(s.state, StreamEvent.RECV_RST_STREAM);
    if (t.action !== StreamAction.OK) return this.#reject(id, t.action, "RST_STREAM");
    // Rapid reset (CVE-2023-44487): a stream reset before we finished it cost us work.
    const unfinished = s.state === StreamState.OPEN || s.state === StreamState.HALF_CLOSED_REMOTE;
    this.#sched.remove(s.send);
    this.#store.setState(s, t.next);
    this.#events.push({ type: "stream-reset", streamId: id, code: f.code, remote: true });
    this.#events.push({ type: "stream-closed", streamId: id });
    this.#finalize(s);
    if (unfinished) this.#flood.reset("too many stream resets");
  }

  #onSettings(f: SettingsFrame): void {
    if (f.ack) {
      if (!this.#local.acked()) return this.#flood.useless(); // unsolicited ACK: ignored
      this.#events.push({ type: "settings-ack" });
      return;
    }
    const changes = this.#applyRemoteSettings(f.settings);
    this.#flood.queueReply();
    this.#sched.control.settings([], true);
    this.#events.push({ type: "settings", changes });
  }

  #applyRemoteSettings(settings: ReadonlyArray<readonly [number, number]>): Partial<Settings> {
    const changes: Partial<Settings> = {};
    const rs = this.remoteSettings;
    for (const [id, value] of settings) {
      const key = SETTING_KEYS[id];
      if (key === undefined) continue; // unknown settings are ignored (§6.5.2)
      if (key === "initialWindowSize") {
        this.#windows.shift(value - rs.initialWindowSize, this.#windowGrew);
      } else if (key === "maxFrameSize") {
        this.#sched.maxFrameSize = value;
      } else if (key === "headerTableSize") {
        this.#encoder.setMaxTableSize(Math.min(value, this.options.maxEncoderTableSize));
      }
      rs[key] = value;
      changes[key] = value;
    }
    return changes;
  }

  #sendSettings(settings: Array<[number, number]>): void {
    this.#sched.control.settings(settings, false);
    this.#local.sent(settings);
  }

  #onPing(f: PingFrame): void {
    if (f.ack) {
      // An unsolicited PING ACK is ignored (§6.7), but spends the useless budget.
      if (!this.#pings.acked(f.data)) return this.#flood.useless();
      this.#events.push({ type: "ping-ack", data: f.data });
      return;
    }
    this.#flood.queueReply();
    this.#sched.control.ping(f.data, true);
    this.#events.push({ type: "ping", data: f.data });
  }

  #onGoAway(f: GoAwayFrame): void {
    this.#connInput(ConnInput.GOAWAY);
    this.#events.push({
      type: "goaway",
      lastStreamId: f.lastStreamId,
      code: f.code,
      debug: f.debug,
    });
  }

  #onWindowUpdate(f: WindowUpdateFrame): void {
    const id = f.streamId;
    if (id === 0) {
      this.#windows.growConnection(f.increment);
      this.#events.push({ type: "window", streamId: 0 });
      return;
    }
    const s = this.#streams.get(id);
    const state = s ? s.state : this.#store.stateOfUnknown(id);
    const t = transition(state, StreamEvent.RECV_WINDOW_UPDATE);
    if (t.action !== StreamAction.OK && t.action !== StreamAction.IGNORE) {
      return this.#reject(id, t.action, "WINDOW_UPDATE");
    }
    // Frames after our RST_STREAM are ignored (§5.1); otherwise live and remembered streams
    // are judged alike, so a race with our END_STREAM changes nothing.
    if (state === StreamState.CLOSED_RESET_LOCAL || state === StreamState.FORGOTTEN) return;
    // In flight after close: allowed and not counted, but the window is still checked.
    if (this.#windows.growStream(id, s, f.increment)) this.#windowGrew(id);
  }

  // ---------------------------------------------------------------- errors and budgets

  #streamError(e: StreamError): void {
    const id = e.streamId;
    this.#queueReplyOrFail();
    if (this.#state === ConnState.CLOSED) return;
    this.#sched.control.rstStream(id, e.code);
    const s = this.#streams.get(id);
    if (s !== undefined) {
      this.#sched.remove(s.send);
      this.#store.setState(s, StreamState.CLOSED_RESET_LOCAL);
      this.#finalize(s);
    } else {
      this.#store.remember(id, StreamState.CLOSED_RESET_LOCAL, this.#store.closed.window(id));
    }
    this.#events.push({
      type: "stream-reset",
      streamId: id,
      code: e.code,
      remote: false,
      reason: e.reason,
    });
    if (s !== undefined) this.#events.push({ type: "stream-closed", streamId: id });
    // MadeYouReset (CVE-2025-8671): resets the peer provokes spend the same budget.
    try {
      this.#flood.reset("too many stream errors");
    } catch (e) {
      this.#connectionError(e as ConnectionError);
    }
  }

  #connectionError(e: ConnectionError): void {
    if (this.#state === ConnState.CLOSED) return;
    this.#connInput(ConnInput.ERROR);
    this.#headerBlock.reset();
    for (const s of this.#streams.values()) this.#sched.remove(s.send);
    const debug = textEncoder.encode(e.reason.slice(0, 256));
    this.#sched.control.goAway(this.#store.highestAccepted, e.code, debug);
    this.#goAwayLastId = this.#store.highestAccepted;
    this.#events.push({ type: "connection-error", code: e.code, reason: e.reason });
  }

  #queueReplyOrFail(): void {
    try {
      this.#flood.queueReply();
    } catch (e) {
      this.#connectionError(e as ConnectionError);
    }
  }

  // ---------------------------------------------------------------- stream bookkeeping

  /** Drops a closed stream: its unread bytes go back to the connection window; it is remembered. */
  #finalize(s: H2Stream): void {
    if (s.state === StreamState.CLOSED) this.#flood.completed();
    this.#creditConnection(s.recv.unconsumed);
    s.recv.unconsumed = 0;
    this.#sched.remove(s.send);
    this.#store.drop(s);
  }

  #creditConnection(n: number): void {
    const inc = this.#connRecv.consume(n);
    if (inc > 0) this.#sched.control.windowUpdate(0, inc);
  }

  #consume(s: H2Stream, n: number): void {
    if (n > s.recv.unconsumed) n = s.recv.unconsumed;
    if (n <= 0) return;
    const inc = s.recv.consume(n);
    // No stream WINDOW_UPDATE once the peer has finished sending.
    if (inc > 0 && (s.state === StreamState.OPEN || s.state === StreamState.HALF_CLOSED_LOCAL)) {
      this.#sched.control.windowUpdate(s.id, inc);
    }
    this.#creditConnection(n);
  }

  #live(streamId: number, event: StreamEvent): H2Stream | null {
    if (this.#state === ConnState.CLOSED) return null;
    const s = this.#streams.get(streamId);
    const t = transition(s ? s.state : this.#store.stateOfUnknown(streamId), event);
    if (t.action === StreamAction.DROP) return null;
    if (t.action !== StreamAction.OK || s === undefined) {
      throw new Error(
        `cannot ${StreamEvent[event]} on stream ${streamId} in state ${
          StreamState[s?.state ?? StreamState.IDLE]
        }`,
      );
    }
    return s;
  }

  // ---------------------------------------------------------------- actions

  /**
   * Sends response HEADERS (+ CONTINUATION, split at the peer's
   * MAX_FRAME_SIZE); `:status` first, names lowercase, no connection-specific
   * fields (not checked here). May be called more than once for 1xx
   * responses. Called after DATA was queued, it sends trailers (then
   * `endStream` must be true). Returns false if the stream is already closed.
   */
  sendHeaders(streamId: number, headers: HeaderList, endStream: boolean): boolean {
    const s = this.#live(streamId, StreamEvent.SEND_HEADERS);
    if (s === null) return false;
    if (s.endQueued) throw new Error(`stream ${streamId} already ended`);
    if (s.send.pending) {
      if (!endStream) throw new Error("HEADERS after DATA must end the stream (trailers)");
      return this.sendTrailers(streamId, headers);
    }
    // Copied into the control writer at once.
    const block = this.#encoder.encodeShared(headers);
    writeHeaderBlock(this.#sched.control, streamId, block, endStream, this.#sched.maxFrameSize);
    s.headersSent = true;
    if (endStream) {
      s.endQueued = true;
      this.#localEnd(s);
    }
    return true;
  }

  /**
   * Queues DATA (not copied: do not mutate `data` afterwards). It is written
   * by {@link takeOutput} within the stream and connection send windows,
   * split at the peer's MAX_FRAME_SIZE, round-robin with other streams.
   * Returns false if the stream is already closed.
   */
  sendData(streamId: number, data: Uint8Array, endStream: boolean): boolean {
    const s = this.#live(streamId, StreamEvent.SEND_DATA);
    if (s === null) return false;
    if (!s.headersSent) throw new Error(`DATA before HEADERS on stream ${streamId}`);
    if (s.endQueued) throw new Error(`stream ${streamId} already ended`);
    const q = s.send;
    q.push(data);
    if (endStream) {
      q.endStream = true;
      s.endQueued = true;
    }
    if (q.pending) this.#sched.activate(q);
    return true;
  }

  /** Queues trailers: HEADERS with END_STREAM after all DATA queued so far. Returns false if closed. */
  sendTrailers(streamId: number, trailers: HeaderList): boolean {
    const s = this.#live(streamId, StreamEvent.SEND_HEADERS);
    if (s === null) return false;
    if (!s.headersSent) throw new Error(`trailers before HEADERS on stream ${streamId}`);
    if (s.endQueued) throw new Error(`stream ${streamId} already ended`);
    s.endQueued = true;
    s.send.trailers = trailers;
    this.#sched.activate(s.send);
    return true;
  }

  /** Resets a stream with RST_STREAM (dropping its queued data). Returns false if already closed. */
  resetStream(streamId: number, code: number = ErrorCode.CANCEL): boolean {
    const s = this.#live(streamId, StreamEvent.SEND_RST_STREAM);
    if (s === null) return false;
    this.#sched.control.rstStream(streamId, code);
    this.#store.setState(s, StreamState.CLOSED_RESET_LOCAL);
    this.#finalize(s);
    return true;
  }

  /** Sends a PING; the answer comes back as a "ping-ack" event. Default opaque data is a counter. */
  ping(opaque8?: Uint8Array): void {
    if (this.#state === ConnState.CLOSED) return;
    if (!this.#initiated) this.initiate();
    this.#sched.control.ping(this.#pings.sent(opaque8), false);
  }

  /**
   * Sends GOAWAY with the highest stream id accepted so far. With NO_ERROR
   * it is graceful: streams up to that id finish, newer ones are ignored,
   * and `closed` turns true when none is open. Any other code closes the
   * connection now (queued DATA is dropped). May be repeated.
   */
  goAway(code: number = ErrorCode.NO_ERROR, debug?: string | Uint8Array): void {
    if (this.#state === ConnState.CLOSED) return;
    if (!this.#initiated) this.initiate();
    const last = Math.min(this.#store.highestAccepted, this.#goAwayLastId);
    const d = debug === undefined
      ? EMPTY
      : typeof debug === "string"
      ? textEncoder.encode(debug)
      : debug;
    this.#sched.control.goAway(last, code, d);
    this.#goAwayLastId = last;
    if (code !== ErrorCode.NO_ERROR) {
      this.#connInput(ConnInput.ERROR);
      for (const s of this.#streams.values()) this.#sched.remove(s.send);
    } else if (this.#state === ConnState.OPEN || this.#state === ConnState.DRAINING) {
      this.#connInput(ConnInput.GOAWAY);
    } else {
      this.#goAwayEarly = true; // drains once the handshake ends (see #connInput)
    }
  }

  /**
   * Sends a new SETTINGS frame with our changed values (subset of
   * headerTableSize, maxConcurrentStreams, initialWindowSize, maxFrameSize,
   * maxHeaderListSize). Raises apply at once, cuts when the peer ACKs.
   */
  updateSettings(changes: UpdatableSettings): void {
    if (this.#state === ConnState.CLOSED) return;
    if (!this.#initiated) this.initiate();
    const s = LocalSettings.pairs(changes);
    if (s.length > 0) this.#sendSettings(s);
  }

  /**
   * The application consumed `n` body bytes of a stream (pass `data.length`
   * of "data" events; padding is credited by the core). Reopens the stream
   * and connection receive windows with WINDOW_UPDATE once at least half of
   * a window is owed. Reports for closed streams are ignored: their unread
   * bytes were already returned to the connection window when they closed.
   */
  consumed(streamId: number, n: number): void {
    if (this.#state === ConnState.CLOSED) return;
    const s = this.#streams.get(streamId);
    if (s !== undefined) this.#consume(s, n);
  }

  #localEnd(s: H2Stream): void {
    const t = transition(s.state, StreamEvent.SEND_END_STREAM);
    if (t.action !== StreamAction.OK) return;
    this.#store.setState(s, t.next);
    if (t.next === StreamState.CLOSED) this.#finalize(s);
  }

  // ---------------------------------------------------------------- output

  /**
   * All pending output as one buffer: control frames (SETTINGS, ACKs,
   * WINDOW_UPDATE, RST_STREAM, GOAWAY, response HEADERS) in queue order,
   * then DATA round-robin up to `writeBatchSize` bytes. Null if nothing is
   * pending. Streams whose END_STREAM goes out here reach their final state
   * (no event: the application ended them itself).
   */
  takeOutput(): Uint8Array | null {
    const out = this.#sched.take(this.#encodeBlock);
    this.#flood.written();
    const fin = this.#sched.finished;
    if (fin.length > 0) {
      for (const q of fin) {
        const s = this.#streams.get(q.streamId);
        if (s !== undefined) this.#localEnd(s);
      }
      fin.length = 0;
    }
    return out;
  }
}
