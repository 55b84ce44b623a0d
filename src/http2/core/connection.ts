/**
 * The sans-IO HTTP/2 connection `serve()` drives (server side by default; the
 * public `H2Connection` of `http2.ts` is a face over it): bytes in → events
 * out, actions in → frames queued in an outbox. It never performs I/O, never
 * awaits and never reads a clock it was not given (`options.now`). The state
 * lives in one {@link ConnCore}; inbound frames are handled by `recv_*.ts`.
 *
 * @module
 */

export { CONN_TRANSITIONS, ConnInput, ConnState } from "./conn_table.ts";
import { ConnectionError, ErrorCode, StreamError } from "./errors.ts";
import type { H2Event, HeaderList } from "./events.ts";
import { LocalSettings, type UpdatableSettings } from "./local_settings.ts";
import { CLIENT_PREFACE, DEFAULT_WINDOW_SIZE, type Frame, FrameType } from "./frame/types.ts";
import { ConnInput, ConnState, isDraining } from "./conn_table.ts";
import { ConnCore } from "./conn_core.ts";
import type { H2Stream } from "./stream.ts";
import { type H2CoreOptions, sharedOptions } from "./conn_options.ts";
import { writeHeaderBlock } from "./scheduler.ts";
import { openUpgradedStream, writeWhole } from "./send_whole.ts";
import { parseSettingsPayload, type Settings } from "./settings.ts";
import { StreamAction, StreamEvent, StreamState, transition } from "./stream_table.ts";
import { onContinuation, onHeaders } from "./recv_headers.ts";
import { onData, onRstStream, onStreamOnlyFrame, onWindowUpdate } from "./recv_stream_frames.ts";
import { onGoAway, onPing, onSettings } from "./recv_control.ts";
import { onPushPromise } from "./recv_response.ts";
import { H2ProtocolError } from "./misuse.ts";

const textEncoder = new TextEncoder();
const misuse = (why: string, id: number) => new H2ProtocolError(why, "RFC 9113 §8.1", id);
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
  readonly options: Readonly<H2CoreOptions>;
  /** The peer's settings currently in force. */
  readonly remoteSettings: Settings;
  /** Our settings the peer has acknowledged (what is in force on our side). */
  readonly localSettings: Settings;

  readonly #c: ConnCore;
  #initiated = false;
  #prefaceFill = 0;

  /** Creates a connection (`options.side`, default server); nothing is queued until {@link initiate} (or the first {@link receive}). */
  constructor(options?: Partial<H2CoreOptions>) {
    const o = sharedOptions(options);
    this.options = o;
    const c = new ConnCore(o);
    this.#c = c;
    this.remoteSettings = c.remoteSettings;
    this.localSettings = c.local.inForce;
  }

  // ---------------------------------------------------------------- state

  /** The shared state, for the actions in `local_streams.ts` and `send_now.ts` (the public face uses them). */
  get core(): ConnCore {
    return this.#c;
  }

  /** True once the connection is finished: write the remaining output, then close the socket. */
  get closed(): boolean {
    const c = this.#c;
    const st = c.state;
    if (st === ConnState.CLOSED) return true;
    return isDraining(st) && c.store.open === 0;
  }

  /** Whether {@link takeOutput} would return bytes. */
  get hasOutput(): boolean {
    return this.#c.sched.hasOutput;
  }

  /** Streams in open or half-closed states (what MAX_CONCURRENT_STREAMS counts). */
  get openStreams(): number {
    return this.#c.store.open;
  }

  /** The connection state. */
  get state(): ConnState {
    return this.#c.state;
  }

  /** The §5.1 state of a stream (closed streams no longer remembered report FORGOTTEN). */
  streamState(streamId: number): StreamState {
    const c = this.#c;
    return c.streams.get(streamId)?.state ?? c.store.stateOfUnknown(streamId);
  }

  /** DATA bytes queued on a stream and not yet written (the driver's high-watermark input). */
  queuedBytes(streamId: number): number {
    return this.#c.streams.get(streamId)?.send.queued ?? 0;
  }

  /** Bytes that may be sent now on a stream: min(stream window, connection window); for 0, the connection window. */
  sendWindow(streamId: number): number {
    const c = this.#c.sched.connWindow;
    if (streamId === 0) return c;
    const s = this.#c.streams.get(streamId);
    return s ? Math.min(s.send.window, c) : 0;
  }

  // ---------------------------------------------------------------- start

  /** Queues (a client's preface and) our SETTINGS, and a connection WINDOW_UPDATE when `connectionWindowSize` > 65535. Idempotent. */
  initiate(): void {
    if (this.#initiated) return;
    this.#initiated = true;
    const o = this.options;
    const c = this.#c;
    if (c.isClient) {
      const w = c.sched.control;
      const off = w.reserve(24); // first: reserve() may replace w.buf
      w.buf.set(CLIENT_PREFACE, off);
    }
    c.sendSettings(LocalSettings.initial(o));
    const extra = o.connectionWindowSize - DEFAULT_WINDOW_SIZE;
    if (extra > 0) {
      c.sched.control.windowUpdate(0, extra);
      c.connRecv.window += extra;
      c.connRecv.target = o.connectionWindowSize;
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
    this.#c.applyRemoteSettings(parseSettingsPayload(http2SettingsPayload));
    this.initiate();
    openUpgradedStream(this.#c);
  }

  // ---------------------------------------------------------------- input

  /**
   * Feeds bytes from the peer and returns the resulting events. Never
   * throws. `data` is not copied: "data" events and header fragments
   * alias it, so consume or copy them before reusing the buffer.
   */
  receive(data: Uint8Array): H2Event[] {
    const c = this.#c;
    if (c.state === ConnState.CLOSED) return [];
    if (!this.#initiated) this.initiate();
    const events: H2Event[] = [];
    c.events = events;
    try {
      if (c.state === ConnState.AWAIT_PREFACE || c.state === ConnState.AWAIT_PREFACE_GOAWAY) {
        const need = CLIENT_PREFACE.length - this.#prefaceFill;
        const n = Math.min(need, data.length);
        for (let i = 0; i < n; i++) {
          if (data[i] !== CLIENT_PREFACE[this.#prefaceFill + i]) {
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "invalid connection preface");
          }
        }
        this.#prefaceFill += n;
        if (this.#prefaceFill < CLIENT_PREFACE.length) return events;
        c.input(ConnInput.PREFACE);
        data = data.subarray(n);
      }
      const frames = c.frames;
      frames.push(data);
      let tapped: Frame | null = null;
      for (;;) {
        try {
          const frame = frames.next();
          if (frame === null) break;
          tapped = frame;
          this.#onFrame(frame);
        } catch (e) {
          if (e instanceof StreamError) c.streamError(e);
          else throw e;
        }
        if (c.tap !== null && tapped !== null) c.tap(tapped, frames.lastLength, events);
        tapped = null;
        if ((c.state as ConnState) === ConnState.CLOSED) break;
      }
    } catch (e) {
      c.connectionError(
        e instanceof ConnectionError ? e : new ConnectionError(ErrorCode.INTERNAL_ERROR, String(e)),
      );
    }
    c.events = [];
    return events;
  }

  #onFrame(f: Frame): void {
    const c = this.#c;
    if (c.headerBlock.open && f.type !== FrameType.CONTINUATION) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "frame interleaved in a header block");
    }
    const settings = f.type === FrameType.SETTINGS && !f.ack;
    if (c.state !== ConnState.OPEN || settings) {
      c.input(settings ? ConnInput.SETTINGS : ConnInput.OTHER_FRAME);
    }
    switch (f.type) {
      case FrameType.DATA:
        return onData(c, f);
      case FrameType.HEADERS:
        return onHeaders(c, f);
      case FrameType.PRIORITY:
        // Deprecated (§5.3.2): parsed (self-dependency rejected by the parser) and ignored.
        return onStreamOnlyFrame(c, f.streamId, StreamEvent.RECV_PRIORITY, "PRIORITY");
      case FrameType.RST_STREAM:
        return onRstStream(c, f);
      case FrameType.SETTINGS:
        return onSettings(c, f);
      case FrameType.PUSH_PROMISE:
        if (c.isClient) return onPushPromise(c, f);
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE from a client"); // §8.4
      case FrameType.PING:
        return onPing(c, f);
      case FrameType.GOAWAY:
        return onGoAway(c, f);
      case FrameType.WINDOW_UPDATE:
        return onWindowUpdate(c, f);
      case FrameType.CONTINUATION:
        return onContinuation(c, f);
      case FrameType.UNKNOWN:
        return; // §4.1/§5.5: ignore unknown frame types.
    }
  }

  #live(streamId: number, event: StreamEvent): H2Stream | null {
    const c = this.#c;
    if (c.state === ConnState.CLOSED) return null;
    const s = c.streams.get(streamId);
    const t = transition(s ? s.state : c.store.stateOfUnknown(streamId), event);
    if (t.action === StreamAction.DROP) return null;
    if (t.action !== StreamAction.OK || s === undefined) {
      const state = StreamState[s?.state ?? c.store.stateOfUnknown(streamId)];
      throw new H2ProtocolError(
        `cannot ${StreamEvent[event]} on stream ${streamId} in state ${state}`,
        "RFC 9113 §5.1",
        streamId,
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
    if (s.endQueued) throw misuse(`stream ${streamId} already ended`, streamId);
    if (s.send.pending) {
      if (!endStream) throw misuse("HEADERS after DATA must end the stream (trailers)", streamId);
      return this.sendTrailers(streamId, headers);
    }
    // Copied into the control writer at once.
    const block = this.#c.encoder.encodeShared(headers);
    writeHeaderBlock(this.#c.sched.control, streamId, block, endStream, this.#c.sched.maxFrameSize);
    s.headersSent = true;
    const next = transition(s.state, StreamEvent.SEND_HEADERS).next; // reserved (local) → half-closed
    if (next !== s.state) this.#c.store.setState(s, next);
    if (endStream) {
      s.endQueued = true;
      this.#c.localEnd(s);
    }
    return true;
  }

  /**
   * A whole response: HEADERS, then `body` (a string is a byte string, one
   * octet per character; null for none) with END_STREAM. A small body that
   * fits the send windows and one frame is written at once behind the
   * HEADERS, as control frames are, so the stream reaches its final state
   * now; a larger one is queued as DATA ({@link sendData}). Returns the DATA
   * bytes left queued (0 when all is written), or -1 if the stream is
   * already closed.
   */
  sendWhole(streamId: number, headers: HeaderList, body: string | Uint8Array | null): number {
    const s = this.#live(streamId, StreamEvent.SEND_HEADERS);
    if (s === null) return -1;
    if (s.endQueued) throw misuse(`stream ${streamId} already ended`, streamId);
    if (s.send.pending) throw misuse(`stream ${streamId} already sent DATA`, streamId);
    return writeWhole(this.#c, s, headers, body);
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
    if (!s.headersSent) throw misuse(`DATA before HEADERS on stream ${streamId}`, streamId);
    if (s.endQueued) throw misuse(`stream ${streamId} already ended`, streamId);
    const q = s.send;
    q.push(data);
    if (endStream) {
      q.endStream = true;
      s.endQueued = true;
    }
    if (q.pending) this.#c.sched.activate(q);
    return true;
  }

  /** Queues trailers: HEADERS with END_STREAM after all DATA queued so far. Returns false if closed. */
  sendTrailers(streamId: number, trailers: HeaderList): boolean {
    const s = this.#live(streamId, StreamEvent.SEND_HEADERS);
    if (s === null) return false;
    if (!s.headersSent) throw misuse(`trailers before HEADERS on stream ${streamId}`, streamId);
    if (s.endQueued) throw misuse(`stream ${streamId} already ended`, streamId);
    s.endQueued = true;
    s.send.trailers = trailers;
    this.#c.sched.activate(s.send);
    return true;
  }

  /** Resets a stream with RST_STREAM (dropping its queued data). Returns false if already closed. */
  resetStream(streamId: number, code: number = ErrorCode.CANCEL): boolean {
    const s = this.#live(streamId, StreamEvent.SEND_RST_STREAM);
    if (s === null) return false;
    this.#c.sched.control.rstStream(streamId, code);
    this.#c.store.setState(s, transition(s.state, StreamEvent.SEND_RST_STREAM).next);
    this.#c.finalize(s);
    // NO_ERROR after our answer (§8.1) ends the stream cleanly: its window stays judged, as
    // for a stream closed by END_STREAM. A reset for an error stops tracking it (§5.1).
    if (code !== ErrorCode.NO_ERROR) {
      this.#c.store.remember(streamId, StreamState.CLOSED_RESET_LOCAL, null);
    }
    return true;
  }

  /** Sends a PING; the answer comes back as a "ping-ack" event. Default opaque data is a counter. */
  ping(opaque8?: Uint8Array): void {
    if (this.#c.state === ConnState.CLOSED) return;
    if (!this.#initiated) this.initiate();
    this.#c.sched.control.ping(this.#c.pings.sent(opaque8), false);
  }

  /**
   * Sends GOAWAY with the highest stream id accepted so far. With NO_ERROR
   * it is graceful: streams up to that id finish, newer ones are ignored,
   * and `closed` turns true when none is open. Any other code closes the
   * connection now (queued DATA is dropped). May be repeated.
   */
  goAway(
    code: number = ErrorCode.NO_ERROR,
    debug?: string | Uint8Array,
    lastStreamId?: number,
  ): void {
    if (this.#c.state === ConnState.CLOSED) return;
    if (!this.#initiated) this.initiate();
    const last = Math.min(lastStreamId ?? this.#c.store.highestAccepted, this.#c.goAwayLastId);
    const d = debug === undefined
      ? EMPTY
      : typeof debug === "string"
      ? textEncoder.encode(debug)
      : debug;
    this.#c.sched.control.goAway(last, code, d);
    this.#c.goAwayLastId = last;
    this.#c.dropAboveGoAway(last);
    if (code !== ErrorCode.NO_ERROR) {
      this.#c.input(ConnInput.ERROR);
      for (const s of this.#c.streams.values()) this.#c.sched.remove(s.send);
    } else {
      // Before the handshake ends this is AWAIT_*_GOAWAY, which ends in DRAINING.
      this.#c.input(ConnInput.GOAWAY);
    }
  }

  /**
   * Sends a new SETTINGS frame with our changed values (subset of
   * headerTableSize, maxConcurrentStreams, initialWindowSize, maxFrameSize,
   * maxHeaderListSize). Raises apply at once, cuts when the peer ACKs.
   */
  updateSettings(changes: UpdatableSettings): void {
    if (this.#c.state === ConnState.CLOSED) return;
    if (!this.#initiated) this.initiate();
    const s = LocalSettings.pairs(changes);
    if (s.length > 0) this.#c.sendSettings(s);
  }

  /**
   * The application consumed `n` body bytes of a stream (pass `data.length`
   * of "data" events; padding is credited by the core). Reopens the stream
   * and connection receive windows with WINDOW_UPDATE once at least half of
   * a window is owed. Reports for closed streams are ignored: their unread
   * bytes were already returned to the connection window when they closed.
   */
  consumed(streamId: number, n: number): void {
    if (this.#c.state === ConnState.CLOSED) return;
    const s = this.#c.streams.get(streamId);
    if (s !== undefined) this.#c.consume(s, n);
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
    const out = this.#c.sched.take(this.#c.encoder);
    this.#c.flood.written();
    const fin = this.#c.sched.finished;
    if (fin.length > 0) {
      for (const q of fin) {
        const s = this.#c.streams.get(q.streamId);
        if (s !== undefined) this.#c.localEnd(s);
      }
      fin.length = 0;
    }
    return out;
  }
}
