/**
 * The shared state of one sans-IO HTTP/2 connection, and the bookkeeping
 * every frame handler and action needs: connection-table inputs, stream
 * endings, receive-window credit, table rejections and the two error paths
 * (RST_STREAM, GOAWAY). The frame handlers (`recv_*.ts`) and the public
 * {@link H2Connection} work on one {@link ConnCore}; it is the single holder of
 * the connection state, and that state changes only through {@link ConnCore.input}.
 *
 * @module
 */
import { Decoder, Encoder } from "./hpack/mod.ts";
import { ConnectionError, ErrorCode, StreamError } from "./errors.ts";
import type { H2Event } from "./events.ts";
import { RecvWindow } from "./flow.ts";
import { FloodGuard } from "./flood_guard.ts";
import { PingTracker } from "./ping_tracker.ts";
import { LocalSettings } from "./local_settings.ts";
import { FrameDecoder } from "./frame/decoder.ts";
import { DEFAULT_WINDOW_SIZE, type Frame, MAX_STREAM_ID } from "./frame/types.ts";
import { ConnAction, ConnInput, ConnState, connTransition } from "./conn_table.ts";
import type { H2Stream } from "./stream.ts";
import { StreamStore } from "./stream_store.ts";
import { SendWindows } from "./send_windows.ts";
import { HeaderBlockAssembler } from "./header_block.ts";
import type { H2CoreOptions } from "./conn_options.ts";
import { WriteScheduler } from "./scheduler.ts";
import { defaultSettings, SETTING_KEYS, type Settings } from "./settings.ts";
import { StreamAction, StreamEvent, StreamState, transition } from "./stream_table.ts";

const textEncoder = new TextEncoder();

/**
 * One connection's state: codecs, streams, windows, budgets and the event list
 * of the `receive()` call in progress.
 */
export class ConnCore {
  /** The resolved options (limits and advertised settings). */
  readonly options: Readonly<H2CoreOptions>;
  /** The peer's settings currently in force. */
  readonly remoteSettings: Settings = defaultSettings();
  /** The connection table's state; change it only through {@link input}. */
  state: ConnState;
  /** We are the client: we send the preface, open odd streams, receive responses and pushes. */
  readonly isClient: boolean;
  /** Last stream id of the GOAWAY we sent (streams above it are not processed); none: 2^31-1. */
  goAwayLastId = MAX_STREAM_ID;
  /** Last stream id of the latest GOAWAY the peer sent; null until one comes. */
  peerGoAwayLastId: number | null = null;
  /** Events of the `receive()` call in progress. */
  events: H2Event[] = [];
  /** The frame parser. */
  readonly frames: FrameDecoder;
  /** The HPACK decoder (connection-wide state). */
  readonly decoder: Decoder;
  /** The HPACK encoder. */
  readonly encoder: Encoder;
  /** Control frames and DATA waiting to be written. */
  readonly sched: WriteScheduler;
  /** The connection receive window. */
  readonly connRecv: RecvWindow;
  /** Live and remembered streams. */
  readonly store: StreamStore;
  /** The store's live streams (replaced by the store as they come and go: read, never keep). */
  get streams(): ReadonlyMap<number, H2Stream> {
    return this.store.live;
  }
  /** Our settings: sent, acknowledged, in force. */
  readonly local: LocalSettings;
  /** Send windows the peer grants. */
  readonly windows: SendWindows;
  /** Flood budgets. */
  readonly flood: FloodGuard;
  /** PINGs we sent and await an ACK for. */
  readonly pings = new PingTracker();
  /** HEADERS + CONTINUATION assembly. */
  readonly headerBlock: HeaderBlockAssembler;
  /**
   * Sees every frame received once it has been handled, with the events it
   * produced (test servers' `wire(req).h2.frames()`); null, the usual case, costs one test.
   */
  tap: ((frame: Frame, length: number, events: H2Event[]) => void) | null = null;

  // Methods, not closures: LocalSettings and SendWindows call back into this one object.
  /** Our SETTINGS_INITIAL_WINDOW_SIZE took effect: every stream's receive window follows. */
  localInitialWindow(v: number): void {
    for (const s of this.streams.values()) s.recv.retarget(v);
  }

  /** Our SETTINGS_MAX_FRAME_SIZE took effect. */
  localMaxFrameSize(v: number): void {
    this.frames.maxFrameSize = v;
  }

  /** Our SETTINGS_HEADER_TABLE_SIZE took effect. */
  localHeaderTableSize(v: number): void {
    this.decoder.setMaxTableSize(v);
  }

  /** Reports a send window that grew (a "window" event). */
  windowGrew(streamId: number, delta: number): void {
    this.events.push({ type: "window", streamId, delta });
  }

  /** Builds the state for resolved options. */
  constructor(o: Readonly<H2CoreOptions>) {
    this.options = o;
    this.isClient = o.side === "client";
    // A client has sent the preface itself: the server's first frame must be SETTINGS.
    this.state = this.isClient ? ConnState.AWAIT_SETTINGS : ConnState.AWAIT_PREFACE;
    this.frames = new FrameDecoder(o.maxFrameSize);
    this.decoder = new Decoder({
      maxTableSize: Math.max(4096, o.headerTableSize),
      maxHeaderListSize: o.maxHeaderListSize,
      maxFields: o.maxHeaderFields,
    });
    this.encoder = new Encoder({ tableSizeLimit: o.maxEncoderTableSize });
    this.sched = new WriteScheduler(o.writeBatchSize);
    this.connRecv = new RecvWindow(DEFAULT_WINDOW_SIZE);
    this.local = new LocalSettings(o.maxConcurrentStreams, o.maxFrameSize, this);
    this.store = new StreamStore(o.closedStreamMemory, this.isClient);
    this.windows = new SendWindows(this.store, this.sched);
    this.headerBlock = new HeaderBlockAssembler(o.maxHeaderBlockSize, o.maxContinuationFrames);
    this.flood = new FloodGuard(o);
  }

  /** Feeds the connection table; a PROTOCOL_ERROR row throws the connection error. */
  input(input: ConnInput): void {
    const t = connTransition(this.state, input);
    if (t.action === ConnAction.PROTOCOL_ERROR) {
      const first = this.state === ConnState.AWAIT_SETTINGS ||
        this.state === ConnState.AWAIT_SETTINGS_GOAWAY;
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        first ? "first frame is not SETTINGS" : "unexpected input",
      );
    }
    this.state = t.next;
  }

  /** Applies a table action for a frame on a stream we have no live object for (or a non-OK action). */
  reject(id: number, action: StreamAction, what: string): void {
    switch (action) {
      case StreamAction.IGNORE:
        this.flood.useless();
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
          `${what} on ${StreamState[this.store.stateOfUnknown(id)]} stream ${id}`,
        );
    }
  }

  /** A peer-initiated stream above the last id of our GOAWAY: not processed (§6.8). */
  ignoredAfterGoAway(id: number): boolean {
    return id > this.goAwayLastId && !this.store.isLocal(id);
  }

  /**
   * Our GOAWAY named `last`: the peer's live streams above it will not be
   * processed, so they close now with no frame and no event (the caller
   * chose `last`); the peer learns from the GOAWAY itself (nghttp2 does the same).
   */
  dropAboveGoAway(last: number): void {
    const drop: H2Stream[] = [];
    for (const s of this.streams.values()) {
      if (s.id > last && !this.store.isLocal(s.id)) drop.push(s);
    }
    for (const s of drop) {
      this.sched.remove(s.send);
      this.store.setState(s, StreamState.CLOSED_RESET_LOCAL);
      this.finalize(s);
    }
  }

  /** The peer ended its side of a stream (END_STREAM). */
  remoteEnd(s: H2Stream): void {
    const t = transition(s.state, StreamEvent.RECV_END_STREAM);
    if (t.action !== StreamAction.OK) return this.reject(s.id, t.action, "END_STREAM");
    this.store.setState(s, t.next);
    this.events.push({ type: "stream-end", streamId: s.id });
    if (t.next === StreamState.CLOSED) {
      this.events.push({ type: "stream-closed", streamId: s.id });
      this.finalize(s);
    }
  }

  /** Our END_STREAM went out (or was queued with HEADERS). */
  localEnd(s: H2Stream): void {
    const t = transition(s.state, StreamEvent.SEND_END_STREAM);
    if (t.action !== StreamAction.OK) return;
    this.store.setState(s, t.next);
    if (t.next === StreamState.CLOSED) this.finalize(s);
  }

  /** Drops a closed stream: its unread bytes go back to the connection window; it is remembered. */
  finalize(s: H2Stream): void {
    if (s.state === StreamState.CLOSED) this.flood.completed();
    this.creditConnection(s.recv.unconsumed);
    s.recv.unconsumed = 0;
    this.sched.remove(s.send);
    this.store.drop(s);
  }

  /** Returns `n` bytes to the connection receive window (WINDOW_UPDATE when enough is owed). */
  creditConnection(n: number): void {
    const inc = this.connRecv.consume(n);
    if (inc > 0) this.sched.control.windowUpdate(0, inc);
  }

  /** The application (or padding) consumed `n` bytes of a stream. */
  consume(s: H2Stream, n: number): void {
    if (n > s.recv.unconsumed) n = s.recv.unconsumed;
    if (n <= 0) return;
    const inc = s.recv.consume(n);
    // No stream WINDOW_UPDATE once the peer has finished sending.
    if (inc > 0 && (s.state === StreamState.OPEN || s.state === StreamState.HALF_CLOSED_LOCAL)) {
      this.sched.control.windowUpdate(s.id, inc);
    }
    this.creditConnection(n);
  }

  /** A stream error: RST_STREAM, the stream closed (or remembered as reset), the reset budget spent. */
  streamError(e: StreamError): void {
    const id = e.streamId;
    this.#queueReplyOrFail();
    if (this.state === ConnState.CLOSED) return;
    this.sched.control.rstStream(id, e.code);
    const s = this.streams.get(id);
    let next: StreamState;
    if (s !== undefined) {
      this.sched.remove(s.send);
      next = transition(s.state, StreamEvent.STREAM_ERROR).next;
      this.store.setState(s, next);
      this.finalize(s);
    } else {
      next = transition(this.store.stateOfUnknown(id), StreamEvent.STREAM_ERROR).next;
    }
    // Reset for an error: its window is no longer tracked, later frames are ignored (§5.1).
    this.store.remember(id, next, null);
    this.events.push({
      type: "stream-reset",
      streamId: id,
      code: e.code,
      remote: false,
      reason: e.reason,
    });
    if (s !== undefined) this.events.push({ type: "stream-closed", streamId: id });
    // MadeYouReset (CVE-2025-8671): resets the peer provokes spend the same budget.
    try {
      this.flood.reset("too many stream errors");
    } catch (e) {
      this.connectionError(e as ConnectionError);
    }
  }

  /** A connection error: GOAWAY with the error, the table to CLOSED, queued DATA dropped. */
  connectionError(e: ConnectionError): void {
    if (this.state === ConnState.CLOSED) return;
    this.input(ConnInput.ERROR);
    this.headerBlock.reset();
    for (const s of this.streams.values()) this.sched.remove(s.send);
    const debug = textEncoder.encode(e.reason.slice(0, 256));
    this.sched.control.goAway(this.store.highestAccepted, e.code, debug);
    this.goAwayLastId = this.store.highestAccepted;
    this.events.push({ type: "connection-error", code: e.code, reason: e.reason });
  }

  #queueReplyOrFail(): void {
    try {
      this.flood.queueReply();
    } catch (e) {
      this.connectionError(e as ConnectionError);
    }
  }

  /** Applies the peer's settings; returns what changed. */
  applyRemoteSettings(settings: ReadonlyArray<readonly [number, number]>): Partial<Settings> {
    const changes: Partial<Settings> = {};
    const rs = this.remoteSettings;
    for (const [id, value] of settings) {
      const key = SETTING_KEYS[id];
      if (key === undefined) continue; // unknown settings are ignored (§6.5.2)
      if (key === "enablePush" && value === 1 && this.isClient) {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a server sent ENABLE_PUSH = 1");
      }
      if (key === "initialWindowSize") {
        this.windows.shift(value - rs.initialWindowSize, this);
      } else if (key === "maxFrameSize") {
        this.sched.maxFrameSize = value;
      } else if (key === "headerTableSize") {
        this.encoder.setMaxTableSize(Math.min(value, this.options.maxEncoderTableSize));
      }
      rs[key] = value;
      changes[key] = value;
    }
    return changes;
  }

  /** Queues our SETTINGS and notes them as awaiting an ACK. */
  sendSettings(settings: Array<[number, number]>): void {
    this.sched.control.settings(settings, false);
    this.local.sent(settings);
  }
}
