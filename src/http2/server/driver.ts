/**
 * The HTTP/2 connection driver: binds the sans-IO {@link H2Connection} to a
 * Transport and runs one {@link Exchange} per stream.
 *
 * One loop per connection: socket bytes → `receive()` → events → (request
 * bodies, exchanges) → output flushed once per event-loop turn (a microtask)
 * with `takeOutput()` into `Transport.write`.
 *
 * Backpressure, end to end:
 * - Response bodies are pulled only while the stream has less than
 *   `streamHighWaterMark` DATA queued in the core and the socket is not
 *   backed up; queued DATA leaves only within the peer's windows, so a slow
 *   client (small window or unread socket) stops the handler's stream. Waiting
 *   streams are woken after a flush (window updates, drained socket).
 * - Request bodies: DATA goes into the body stream at once, but the window
 *   is credited (`consumed`) only for bytes the application has read, so a
 *   handler that does not read holds at most the advertised windows.
 *
 * @module
 */
import type { Transport } from "../../transport/types.ts";
import { type ConnectionFacts, RequestInfo } from "../../fetch/info.ts";
import { Exchange, StreamResetByPeer } from "../../fetch/exchange.ts";
import type { LiveConnection, ServerHost } from "../../fetch/host.ts";
import { ConnState, H2Connection } from "../core/connection.ts";
import { ErrorCode } from "../core/errors.ts";
import { LifeEvent, StreamLife } from "./stream_life.ts";
import { DRIVER_TABLE, DriverEvent, DriverState } from "./driver_table.ts";
import { DriverTimers, IdleAction } from "./timers.ts";
import type { H2Event, HeaderList } from "../core/events.ts";
import type { RequestParts } from "./request_parts.ts";
import { openRequest, type RequestContext } from "./stream_request.ts";
import { topicsOf } from "../../websocket/topics.ts";
import { DriverStream as Stream, type StreamHost } from "./exchange_stream.ts";
import { SendWatch } from "./send_watch.ts";
import { AnsweredResets } from "./answered_resets.ts";
import type { Http2Options } from "./options.ts";
import type { ClientErrorKind } from "../../types.ts";
import type { WebSocketSessionHandle } from "../../websocket/channel.ts";
import { webSocketUpgrades } from "../../websocket/exchange_upgrade.ts";

/**
 * Serves HTTP/2 (h2 or h2c) on one transport.
 */
export class Http2Driver implements LiveConnection, StreamHost {
  /** Streams with response DATA handed to the core, watched by the send timeout. */
  readonly sending = new SendWatch<Stream>();
  readonly #timers: DriverTimers;
  /** The connection's life on this socket (driver_table.ts); changed only through #to. */
  #state = DriverState.HANDSHAKE;
  /** Streams reset within the receive() batch being processed: their handlers are not started. */
  #resetInBatch: Set<number> | null = null;
  /** The protocol core. */
  readonly conn: H2Connection;
  readonly #transport: Transport;
  readonly #host: ServerHost;
  readonly #facts: ConnectionFacts;
  readonly #opts: Http2Options;
  readonly #reqCtx: RequestContext;
  readonly #streams = new Map<number, Stream>();
  /** Open WebSocket sessions on this connection (shutdown sends them close 1001). */
  readonly #wsSessions = new Set<WebSocketSessionHandle>();
  #waiting: Stream[] = [];
  /** Streams holding response HEADERS back (released before every flush). */
  #held: Stream[] = [];
  readonly #toReset: AnsweredResets;
  // Two scheduling facts stay flags, not driver states: they say what to do next, not
  // where the connection is, and they flip many times while the state stays put.
  // #flushQueued de-duplicates the per-turn flush microtask (true and false within one
  // READY turn); #blocked is the socket's backpressure (set by a refused write, cleared by
  // its drain), which gates writes and the waking of streams in HANDSHAKE and READY alike.
  // As states they would double every lifecycle state twice and put no new row to use.
  #flushQueued = false;
  #blocked = false;
  readonly #flushTask = () => this.#flush();
  readonly #onDrain = () => {
    this.#blocked = false;
    this.#timers.blockedSince = 0;
    this.#flush();
  };

  /**
   * @param conn a core already set up for an h2c Upgrade; by default a new one.
   */
  constructor(
    transport: Transport,
    host: ServerHost,
    facts: ConnectionFacts,
    options: Http2Options,
    conn?: H2Connection,
  ) {
    this.#transport = transport;
    this.#host = host;
    this.#facts = facts;
    this.#opts = options;
    this.#reqCtx = {
      facts,
      secure: transport.secure,
      fallbackAuthority: facts.localAddr.hostname ?? "localhost",
      maxBodyBytes: options.maxBodyBytes,
      topics: topicsOf(host),
    };
    this.conn = conn ?? new H2Connection(options);
    this.#toReset = new AnsweredResets(options.idleTimeout || options.sendTimeout);
    host.add(this);
    this.#timers = new DriverTimers(options, Date.now());
    transport.closed.then(() => this.#onClosed());
    this.#timers.becameIdle(Date.now(), false);
  }

  #to(event: DriverEvent): void {
    this.#state = DRIVER_TABLE.next(this.#state, event);
  }

  /** Closing or closed: nothing more is read. */
  #ending(): boolean {
    return this.#state === DriverState.CLOSING || this.#state === DriverState.CLOSED;
  }

  /** Next time onDeadline must run (ms epoch), 0 for none: the earliest of the timers. */
  get deadline(): number {
    return this.#timers.next;
  }

  /** Sets the idle / PING timer. */
  set deadline(at: number) {
    this.#timers.idleOrPingAt = at;
  }

  /** Starts reading; `initial` holds bytes already read (the sniffed preface). */
  start(initial?: Uint8Array): void {
    this.conn.initiate();
    this.#transport.start({
      data: (chunk) => this.#onData(chunk),
      end: (error) => this.#onEnd(error),
    });
    if (initial !== undefined && initial.byteLength > 0) this.#onData(initial);
    this.flushSoon();
  }

  /**
   * Takes over after `101 Switching Protocols` (h2c Upgrade): answers the
   * upgraded request on stream 1 (`body` is its complete body, read on
   * HTTP/1.1), then reads the client preface from `leftover` and the socket.
   */
  startUpgraded(
    parts: RequestParts,
    body: ReadableStream<Uint8Array> | null,
    leftover: Uint8Array[],
    raw: ReadonlyArray<readonly [string, string]> | null = null,
  ): void {
    this.#transport.start({
      data: (chunk) => this.#onData(chunk),
      end: (error) => this.#onEnd(error),
    });
    const s = new Stream(1, this, true);
    this.#addStream(s);
    const exchange = new Exchange(new RequestInfo(this.#facts, raw), s, webSocketUpgrades);
    s.exchange = exchange;
    const req = new Request(parts.url, {
      method: parts.method,
      headers: parts.headers,
      body,
      signal: exchange.signal,
      // @ts-ignore: duplex is required by some runtimes for streaming bodies.
      duplex: "half",
    });
    this.#run(s, req, parts.method === "HEAD");
    for (const chunk of leftover) if (chunk.byteLength > 0) this.#onData(chunk);
    this.flushSoon();
  }

  // ---- input ----------------------------------------------------------------

  #onData(chunk: Uint8Array): void {
    if (this.#ending()) return;
    this.#timers.activity = true;
    const events = this.conn.receive(chunk);
    // Rapid reset: a stream opened and reset in the same batch never reaches the handler.
    let reset: Set<number> | null = null;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if (ev.type === "stream-reset") (reset ??= new Set()).add(ev.streamId);
    }
    this.#resetInBatch = reset;
    for (let i = 0; i < events.length; i++) this.#onEvent(events[i]!);
    this.#resetInBatch = null;
    const timers = this.#timers;
    if (
      timers.handshakeAt !== 0 && this.#state === DriverState.READY &&
      this.conn.state === ConnState.OPEN
    ) {
      timers.handshakeAt = 0;
    }
    this.flushSoon();
  }

  #onEvent(ev: H2Event): void {
    switch (ev.type) {
      case "request":
        if (this.#resetInBatch?.has(ev.streamId)) return;
        return this.#onRequest(ev.streamId, ev.headers, ev.endStream);
      case "data": {
        const s = this.#streams.get(ev.streamId);
        if (s !== undefined && s.receiveData(ev.data, this.#opts.maxBodyBytes)) return;
        const len = ev.data.byteLength;
        this.conn.consumed(ev.streamId, len);
        this.#toReset.received(ev.streamId, len); // an answered upload: reset past its allowance
        return;
      }
      case "trailers":
        // "stream-end" follows; the slot keeps the first settlement.
        this.#streams.get(ev.streamId)?.trailerSlot?.deliver(ev.headers);
        return;
      case "stream-end": {
        const s = this.#streams.get(ev.streamId);
        if (s === undefined) return;
        s.remoteEnd();
        this.#settle(s);
        return;
      }
      case "stream-reset": {
        const s = this.#streams.get(ev.streamId);
        if (s !== undefined || !ev.remote) this.reportReset(ev.remote, ev.code, ev.reason);
        if (s !== undefined) this.lost(s, new StreamResetByPeer(ev.code));
        return;
      }
      case "stream-closed": {
        const s = this.#streams.get(ev.streamId);
        if (s !== undefined) {
          s.step(LifeEvent.WIRE_CLOSED);
          this.#settle(s);
        }
        return;
      }
      case "headers-too-large": {
        const s = new Stream(ev.streamId, this, ev.endStream);
        s.step(LifeEvent.ANSWER);
        s.discard = true;
        s.headSent = true;
        this.conn.sendHeaders(ev.streamId, [[":status", "431"], ["content-length", "0"]], true);
        if (!ev.endStream) {
          this.#addStream(s);
          this.resetWhenSent(s);
        }
        return;
      }
      case "connection-error":
        this.report("goaway", new Error(ev.reason), ev.code);
        this.#abortAll(new Error(`HTTP/2 connection error: ${ev.reason}`));
        return;
      case "ping-ack":
        this.#timers.pingAcked();
        return;
      case "settings-ack":
        this.#to(DriverEvent.SETTINGS_ACKED);
        return;
      default:
        // window: the flush that follows every receive() wakes waiting streams.
        // settings, settings-ack, ping, goaway: the core did what is needed.
        return;
    }
  }

  #onRequest(id: number, headers: HeaderList, endStream: boolean): void {
    const s = new Stream(id, this, endStream);
    this.#addStream(s);
    const { request, status, isHead } = openRequest(s, headers, endStream, this.#reqCtx);
    if (request === null) {
      this.conn.sendHeaders(id, [[":status", status], ["content-length", "0"]], true);
      s.finish();
      this.#settle(s);
      return;
    }
    this.#run(s, request, isHead);
  }

  #run(s: Stream, request: Request, isHead: boolean): void {
    const host = this.#host;
    s.exchange!.run(host.handler, request, host.onError, isHead).then(() => {
      if (s.ws?.session) return; // answered when the WebSocket closes
      s.ws?.decline();
      s.finish();
      this.#settle(s);
    });
  }

  /** A stream became a WebSocket: count it, and finish the stream when the session closes. */
  webSocketOpened(s: Stream, session: WebSocketSessionHandle): void {
    const stats = this.#facts.stats;
    stats.websockets++;
    this.#wsSessions.add(session);
    session.closed.then(() => {
      stats.websockets--;
      this.#wsSessions.delete(session);
      // Closed without ending our side (the peer's END_STREAM came without a close frame): end it.
      const ws = s.ws!;
      if (!ws.done && s.canSend) {
        ws.done = true;
        s.end();
      }
      s.finish();
      this.#settle(s);
      this.flushSoon();
    });
    if (this.#host.shuttingDown) session.goingAway();
  }

  #addStream(s: Stream): void {
    const streams = this.#streams;
    if (streams.size === 0) this.#timers.becameBusy(Date.now());
    streams.set(s.id, s);
  }

  /** Forgets a stream once nothing is owed either way (its life is FINISHED). */
  #settle(s: Stream): void {
    if (s.life !== StreamLife.FINISHED) return;
    const streams = this.#streams;
    if (streams.get(s.id) !== s) return;
    streams.delete(s.id);
    if (streams.size === 0) this.#timers.becameIdle(Date.now(), this.sending.size > 0);
  }

  /** The stream died on the wire (reset, or our own reset): abort its exchange and body. */
  lost(s: Stream, reason: Error): void {
    s.step(LifeEvent.LOST);
    s.ws?.peerEnded(reason);
    s.reqBody?.error(reason);
    s.trailerSlot?.fail(reason);
    s.exchange?.cancel(reason);
    const w = s.waiter;
    if (w !== null) {
      s.waiter = null;
      w();
    }
    this.#settle(s);
  }

  #onEnd(error?: unknown): void {
    // The peer closed or the socket failed: nothing in flight can complete.
    this.#abortAll(error ?? new Error("connection closed"));
    this.#transport.abort();
  }

  #abortAll(reason: unknown): void {
    const err = reason instanceof Error ? reason : new Error(String(reason));
    for (const s of [...this.#streams.values()]) this.lost(s, err);
  }

  // ---- output ---------------------------------------------------------------

  readonly #settled = (s: Stream) => this.#settle(s);

  /** Sends the due RST_STREAM NO_ERROR of answered uploads (see answered_resets.ts); true if any. */
  #resetAnswered(now = Date.now()): boolean {
    return this.#toReset.sendDue(this.conn, this.#settled, now);
  }

  /** Resets a stream with NO_ERROR once its response has been written (see Stream.finish). */
  resetWhenSent(s: Stream): void {
    this.#toReset.add(s);
    this.flushSoon();
  }

  /** A stream holds its HEADERS back until its body is known; the flush releases them. */
  hold(s: Stream): void {
    this.#held.push(s);
  }

  /** Whether a stream may queue more DATA now. */
  writable(s: Stream): boolean {
    return !this.#blocked && this.conn.queuedBytes(s.id) < this.#opts.streamHighWaterMark;
  }

  /** Parks a stream until writable (woken after a flush). */
  wait(s: Stream): void {
    this.#waiting.push(s);
  }

  /** Schedules one flush of the core's output for the end of this turn. */
  flushSoon(): void {
    if (this.#flushQueued || this.#state === DriverState.CLOSED) return;
    this.#flushQueued = true;
    queueMicrotask(this.#flushTask);
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#state === DriverState.CLOSED) return;
    const held = this.#held;
    if (held.length > 0) {
      for (let i = 0; i < held.length; i++) held[i]!.release();
      held.length = 0;
    }
    const conn = this.conn;
    const t = this.#transport;
    if (this.#state === DriverState.CLOSING) return;
    if (conn.closed) {
      // Final frames (GOAWAY, last DATA) go out whatever the backpressure; then close.
      for (let out = conn.takeOutput(); out !== null; out = conn.takeOutput()) t.write(out);
      this.#close();
      return;
    }
    if (!this.#blocked) {
      for (let pass = 0; pass < 2; pass++) {
        for (;;) {
          const out = conn.takeOutput();
          if (out === null) break;
          if (!t.write(out)) {
            this.#blocked = true;
            this.#timers.blocked(Date.now());
            t.drain().then(this.#onDrain);
            break;
          }
        }
        if (this.#blocked || this.#toReset.size === 0 || !this.#resetAnswered()) break;
      }
      if (conn.closed) {
        this.#close();
        return;
      }
    }
    if (this.sending.size > 0) this.sending.prune(this.conn);
    if (!this.#blocked) this.#wake();
  }

  #wake(): void {
    const list = this.#waiting;
    if (list.length === 0) return;
    const conn = this.conn;
    const hwm = this.#opts.streamHighWaterMark;
    let keep = 0;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const w = s.waiter;
      if (w === null) continue;
      if (!s.canSend || conn.queuedBytes(s.id) < hwm) {
        s.waiter = null;
        w();
      } else {
        list[keep++] = s;
      }
    }
    list.length = keep;
  }

  /** Writes what is left and closes the socket. */
  #close(): void {
    if (this.#ending()) return;
    this.#to(DriverEvent.CLOSE);
    this.#timers.closing(Date.now());
    this.#abortAll(new Error("connection closed"));
    this.#transport.close();
  }

  #onClosed(): void {
    this.#to(DriverEvent.SOCKET_CLOSED);
    this.#abortAll(new Error("connection closed"));
    this.#timers.clear();
    this.sending.clear();
    this.#host.remove(this);
  }

  // ---- lifecycle --------------------------------------------------------------

  /** Idle timeout, PING liveness, the SETTINGS exchange timeout and the send timeout. */
  onDeadline(now: number): void {
    const timers = this.#timers;
    if (this.#ending()) {
      // A close that cannot flush (the client does not read) is cut off after sendTimeout.
      timers.idleOrPingAt = timers.handshakeAt = 0;
      if (DriverTimers.due(timers.sendCheckAt, now)) {
        timers.sendCheckAt = 0;
        this.#transport.abort();
      }
      return;
    }
    if (this.#toReset.size > 0 && this.#resetAnswered(now)) this.flushSoon(); // waited too long
    if (DriverTimers.due(timers.handshakeAt, now)) {
      timers.handshakeAt = 0;
      this.timedOut("http2.settingsTimeout", "SETTINGS exchange timed out");
      this.#abortAll(new Error("HTTP/2 SETTINGS exchange timed out"));
      this.conn.goAway(ErrorCode.SETTINGS_TIMEOUT, "settings timeout");
      this.#flush();
      this.#close();
      return;
    }
    if (DriverTimers.due(timers.sendCheckAt, now)) {
      this.#checkSends(now);
      if (this.#ending()) return;
    }
    if (!DriverTimers.due(timers.idleOrPingAt, now)) return;
    const idle = this.#streams.size === 0 && this.conn.openStreams === 0;
    switch (timers.idleOrPing(now, idle)) {
      case IdleAction.CLOSE_IDLE:
        return this.#goAwayAndClose();
      case IdleAction.PEER_DEAD:
        this.timedOut("http2.pingTimeout", "no answer to a PING");
        this.#abortAll(new Error("HTTP/2 peer unresponsive"));
        return this.#goAwayAndClose();
      case IdleAction.PING:
        this.conn.ping();
        this.flushSoon();
        return;
      case IdleAction.NONE:
        return;
    }
  }

  /**
   * Send timeout (slow read, zero window): a socket that has refused writes
   * for sendTimeout closes the connection; a stream whose queued DATA has not
   * moved for sendTimeout is reset (CANCEL) and its response cancelled.
   */
  #checkSends(now: number): void {
    const ms = this.#opts.sendTimeout;
    if (this.#blocked && this.#timers.socketStalled(now)) {
      this.timedOut("http2.sendTimeout", "the client stopped reading");
      this.#abortAll(new Error("send timeout: the client stopped reading"));
      this.#to(DriverEvent.CLOSE);
      this.#transport.abort();
      return;
    }
    const stalled = this.sending.check(this.conn, now, ms, (s) => {
      this.conn.resetStream(s.id, ErrorCode.CANCEL);
      this.timedOut("http2.sendTimeout", "the client's window stayed shut");
      this.lost(s, new Error("send timeout: the client's window stayed shut"));
    });
    if (stalled) this.flushSoon();
    if (this.#streams.size > 0 || this.sending.size > 0) this.#timers.armSendCheck(now);
    else this.#timers.sendCheckAt = 0;
  }

  /** Final GOAWAY NO_ERROR, flushed, then close (whatever is still open is abandoned). */
  #goAwayAndClose(): void {
    this.deadline = 0;
    this.conn.goAway(ErrorCode.NO_ERROR);
    this.#flush();
    this.#close();
  }

  /** Graceful shutdown: GOAWAY with the last stream id; open streams finish, then the socket closes. */
  shutdown(): void {
    if (this.#ending()) return;
    this.#toReset.hurry();
    this.conn.goAway(ErrorCode.NO_ERROR);
    // WebSocket streams are in flight: they finish their close handshake under the GOAWAY.
    for (const session of this.#wsSessions) session.goingAway();
    this.flushSoon();
  }

  /** The shutdown deadline passed: RST_STREAM CANCEL for every stream left, GOAWAY, close. */
  terminate(): void {
    if (this.#ending()) return this.#transport.abort(); // its final flush is stuck: drop it
    for (const id of [...this.#streams.keys()]) this.conn.resetStream(id, ErrorCode.CANCEL);
    this.#abortAll(new Error("server shutdown deadline passed"));
    this.conn.goAway(ErrorCode.NO_ERROR);
    this.#flush();
    this.#close();
  }

  /** Tells the server about a client protocol error on this connection. */
  report(kind: ClientErrorKind, error: unknown, code?: number, timeout?: string): void {
    this.#host.clientError(kind, error, this.#facts, code, timeout);
  }

  /** A timeout fired: `option` names it. */
  timedOut(option: string, why: string): void {
    this.report("timeout", new Error(why), undefined, option);
  }

  /** A stream reset: by us for a protocol error ("reset"), or by the peer mid-exchange ("aborted"). */
  reportReset(remote: boolean, code: number, reason?: string): void {
    const why = reason ?? `stream reset by the client (code ${code})`;
    this.report(remote ? "aborted" : "reset", new Error(why), code);
  }
}
