/**
 * The HTTP/2 connection driver: binds the sans-IO {@link H2Connection} to a
 * Transport and runs one {@link Exchange} per stream.
 *
 * One loop per connection: socket bytes → `receive()` → events → (request
 * bodies, exchanges) → output flushed once per event-loop turn (a microtask)
 * with `takeOutput()` into `Transport.write`.
 *
 * Backpressure, end to end (house rule 8):
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
import type { Transport } from "../transport/types.ts";
import { type ConnectionFacts, RequestInfo } from "../fetch/info.ts";
import { Exchange, type ResponseWriter } from "../fetch/exchange.ts";
import { ownBuffer, RequestBody } from "../fetch/body.ts";
import { createRequest, UnrepresentableRequest } from "../fetch/request.ts";
import type { LiveConnection, ServerHost } from "../fetch/host.ts";
import { httpDate } from "../date.ts";
import { ConnState, H2Connection } from "./connection.ts";
import { ErrorCode } from "./errors.ts";
import { StreamState } from "./stream_state.ts";
import type { H2Event, HeaderList } from "./events.ts";
import { type RequestParts, requestParts, responseHeaders } from "./request.ts";
import type { Http2Options } from "./server_options.ts";
import type { ClientErrorKind } from "../types.ts";

const EMPTY = new Uint8Array(0);
const STATUS_500: HeaderList = [[":status", "500"], ["content-length", "0"]];

/** One stream as the driver sees it: the exchange's writer and the request body's feeder. */
class Stream implements ResponseWriter {
  readonly id: number;
  readonly #d: Http2Connection;
  exchange: Exchange | null = null;
  reqBody: RequestBody | null = null;
  /** Body bytes given to the body stream, and those credited back to the windows. */
  pushed = 0;
  credited = 0;
  /** The peer sent END_STREAM. */
  remoteDone = false;
  /** The response went out or failed: the driver no longer owes this stream anything. */
  done = false;
  /** The stream is closed or reset on the wire: nothing more may be sent. */
  gone = false;
  /** Request body bytes are no longer wanted: credit them as they arrive. */
  discard = false;
  headSent = false;
  /** The client asked `expect: 100-continue` and no interim answer has gone out yet. */
  expectContinue = false;
  /** Resolves a pending ready(). */
  waiter: (() => void) | null = null;
  /** Response DATA bytes handed to the core (sent = out - queued): the send timeout's progress. */
  out = 0;
  /** Bytes sent when the stream was last seen making progress, and since when (0: not stalled). */
  stallSent = -1;
  stallSince = 0;

  constructor(id: number, driver: Http2Connection) {
    this.id = id;
    this.#d = driver;
  }

  /** The body stream wants more: credit what the application has read so far. */
  pull(): void {
    const b = this.reqBody;
    if (b === null || this.gone) return;
    if (this.expectContinue && !this.headSent) {
      // The application reads: now ask the client for the body (RFC 9110 §10.1.1).
      this.expectContinue = false;
      this.#d.conn.sendHeaders(this.id, [[":status", "100"]], false);
      this.#d.flushSoon();
    }
    const read = this.pushed - b.buffered - this.credited;
    if (read > 0) {
      this.credited += read;
      this.#d.conn.consumed(this.id, read);
      this.#d.flushSoon();
    }
  }

  /** The application cancelled the body: take the rest as it comes and credit it. */
  cancel(): void {
    this.discard = true;
    this.#creditAll();
  }

  #creditAll(): void {
    const owed = this.pushed - this.credited;
    if (owed > 0 && !this.gone) {
      this.credited = this.pushed;
      this.#d.conn.consumed(this.id, owed);
      this.#d.flushSoon();
    }
  }

  /**
   * The exchange finished. If the request body is still coming, it is
   * cancelled, and once our END_STREAM is out the client is asked to stop
   * with RST_STREAM NO_ERROR (RFC 9113 §8.1); until then it is drained.
   */
  finish(): void {
    this.done = true;
    if (!this.remoteDone && !this.gone) {
      this.reqBody?.error(new Error("response already sent"));
      this.cancel();
      this.#d.resetWhenSent(this);
    }
  }

  // ---- ResponseWriter -------------------------------------------------------

  /** Queues response HEADERS (END_STREAM when there is no body). */
  head(status: number, headers: Array<[string, string]>, length: number, end: boolean): void {
    if (this.gone) return;
    this.headSent = true;
    this.#d.conn.sendHeaders(this.id, responseHeaders(status, headers, length, httpDate()), end);
    this.#d.flushSoon();
  }

  /** Queues DATA (by reference); false when the stream or the socket is backed up. */
  body(chunk: Uint8Array): boolean {
    if (this.gone) return true;
    if (chunk.byteLength === 0) return true;
    const d = this.#d;
    d.conn.sendData(this.id, chunk, false);
    this.out += chunk.byteLength;
    d.sending.add(this);
    d.flushSoon();
    return d.writable(this);
  }

  /** Resolves when the stream may queue more (or is gone). */
  ready(): Promise<void> {
    if (this.gone || this.#d.writable(this)) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.#d.wait(this);
    });
  }

  /** END_STREAM after the queued DATA. */
  end(): void {
    if (this.gone) return;
    this.#d.conn.sendData(this.id, EMPTY, true);
    this.#d.flushSoon();
  }

  /** The response failed: 500 if nothing was sent, else RST_STREAM INTERNAL_ERROR. */
  abort(_reason: unknown): void {
    if (this.gone) return;
    const conn = this.#d.conn;
    if (!this.headSent) {
      this.headSent = true;
      conn.sendHeaders(this.id, STATUS_500, true);
    } else {
      conn.resetStream(this.id, ErrorCode.INTERNAL_ERROR);
      this.#d.report("aborted", _reason, ErrorCode.INTERNAL_ERROR);
      this.#d.lost(this, new Error("response failed"));
    }
    this.#d.flushSoon();
  }
}

/** Serves HTTP/2 (h2 or h2c) on one transport. */
export class Http2Connection implements LiveConnection {
  /** Streams with response DATA handed to the core, watched by the send timeout. */
  readonly sending = new Set<Stream>();
  /** Idle / PING timer (ms epoch), 0 for none. */
  #timerAt = 0;
  /** Next send-timeout check, 0 for none. */
  #sendCheckAt = 0;
  /** End of the SETTINGS exchange allowance (settingsTimeout), 0 once done. */
  #handshakeAt = 0;
  #settingsAcked = false;
  /** Since when the socket has refused writes (0: not blocked). */
  #blockedSince = 0;
  /** Streams reset within the receive() batch being processed: their handlers are not started. */
  #resetInBatch: Set<number> | null = null;
  /** The protocol core. */
  readonly conn: H2Connection;
  readonly #t: Transport;
  readonly #host: ServerHost;
  readonly #facts: ConnectionFacts;
  readonly #opts: Http2Options;
  readonly #scheme: string;
  readonly #streams = new Map<number, Stream>();
  #waiting: Stream[] = [];
  #toReset: Stream[] = [];
  #flushQueued = false;
  #blocked = false;
  #closing = false;
  #closed = false;
  #activity = false;
  #pingOut = false;
  #idleSince = 0;
  readonly #flushTask = () => this.#flush();
  readonly #onDrain = () => {
    this.#blocked = false;
    this.#blockedSince = 0;
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
    this.#t = transport;
    this.#host = host;
    this.#facts = facts;
    this.#opts = options;
    this.#scheme = transport.secure ? "https" : "http";
    this.conn = conn ?? new H2Connection(options);
    host.add(this);
    transport.closed.then(() => this.#onClosed());
    if (options.settingsTimeout > 0) this.#handshakeAt = Date.now() + options.settingsTimeout;
    this.#becameIdle();
  }

  /** Next time onDeadline must run (ms epoch), 0 for none: the earliest of the timers. */
  get deadline(): number {
    let d = this.#timerAt;
    for (const t of [this.#sendCheckAt, this.#handshakeAt]) {
      if (t !== 0 && (d === 0 || t < d)) d = t;
    }
    return d;
  }

  /** Sets the idle / PING timer. */
  set deadline(at: number) {
    this.#timerAt = at;
  }

  /** Starts reading; `initial` holds bytes already read (the sniffed preface). */
  start(initial?: Uint8Array): void {
    this.conn.initiate();
    this.#t.start({
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
  ): void {
    this.#t.start({
      data: (chunk) => this.#onData(chunk),
      end: (error) => this.#onEnd(error),
    });
    const s = new Stream(1, this);
    s.remoteDone = true;
    this.#addStream(s);
    const exchange = new Exchange(new RequestInfo(this.#facts), s);
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
    if (this.#closing) return;
    this.#activity = true;
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
    if (this.#handshakeAt !== 0 && this.#settingsAcked && this.conn.state === ConnState.OPEN) {
      this.#handshakeAt = 0;
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
        const len = ev.data.byteLength;
        if (s === undefined || s.discard || s.reqBody === null || s.reqBody.closed) {
          this.conn.consumed(ev.streamId, len);
          return;
        }
        s.pushed += len;
        // Copied: the event aliases the socket chunk, and byte streams transfer buffers.
        s.reqBody.push(ownBuffer(ev.data));
        return;
      }
      case "stream-end": {
        const s = this.#streams.get(ev.streamId);
        if (s === undefined) return;
        s.remoteDone = true;
        s.reqBody?.end();
        if (s.done) this.#forget(s);
        return;
      }
      case "stream-reset": {
        const s = this.#streams.get(ev.streamId);
        if (s !== undefined || !ev.remote) this.reportReset(ev.remote, ev.code, ev.reason);
        if (s !== undefined) this.lost(s, new Error(`stream reset (code ${ev.code})`));
        return;
      }
      case "stream-closed": {
        const s = this.#streams.get(ev.streamId);
        if (s !== undefined) {
          s.gone = true;
          if (s.done) this.#forget(s);
        }
        return;
      }
      case "headers-too-large": {
        const s = new Stream(ev.streamId, this);
        s.remoteDone = ev.endStream;
        s.discard = true;
        s.done = true;
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
        this.#pingOut = false;
        return;
      case "settings-ack":
        this.#settingsAcked = true;
        return;
      default:
        // window: the flush that follows every receive() wakes waiting streams.
        // settings, settings-ack, ping, goaway, trailers: the core did what is needed.
        return;
    }
  }

  #onRequest(id: number, headers: HeaderList, endStream: boolean): void {
    const s = new Stream(id, this);
    s.remoteDone = endStream;
    const parts = requestParts(headers, this.#scheme, this.#facts.localAddr.hostname);
    const method = parts?.method ?? "GET";
    let body: RequestBody | null = null;
    if (!endStream && method !== "GET" && method !== "HEAD") {
      s.expectContinue = parts !== null && /^\s*100-continue\s*$/i.test(expectOf(headers));
      body = new RequestBody(s, s.expectContinue);
      s.reqBody = body;
    } else if (!endStream) {
      s.discard = true; // GET/HEAD cannot carry a body in Fetch
    }
    this.#addStream(s);
    const exchange = new Exchange(new RequestInfo(this.#facts), s);
    s.exchange = exchange;
    let request: Request | null = null;
    let status = "400";
    if (parts !== null) {
      try {
        request = createRequest(parts.url, method, parts.headers, body?.stream ?? null, exchange);
      } catch (e) {
        if (e instanceof UnrepresentableRequest) status = String(e.status);
      }
    }
    if (request === null) {
      this.conn.sendHeaders(id, [[":status", status], ["content-length", "0"]], true);
      exchange.cancel(new Error("request not representable"));
      body?.error(new Error("request refused"));
      s.reqBody = null;
      s.finish();
      if (s.remoteDone) this.#forget(s);
      return;
    }
    this.#run(s, request, method === "HEAD");
  }

  #run(s: Stream, request: Request, isHead: boolean): void {
    const host = this.#host;
    s.exchange!.run(host.handler, request, host.onError, isHead).then(() => {
      s.finish();
      if (s.remoteDone || s.gone) this.#forget(s);
    });
  }

  #addStream(s: Stream): void {
    const streams = this.#streams;
    if (streams.size === 0) this.#becameBusy();
    streams.set(s.id, s);
  }

  #forget(s: Stream): void {
    const streams = this.#streams;
    if (streams.get(s.id) !== s) return;
    streams.delete(s.id);
    if (streams.size === 0) this.#becameIdle();
  }

  /** The stream died on the wire (reset, or our own reset): abort its exchange and body. */
  lost(s: Stream, reason: Error): void {
    s.gone = true;
    s.done = true;
    s.reqBody?.error(reason);
    s.exchange?.cancel(reason);
    const w = s.waiter;
    if (w !== null) {
      s.waiter = null;
      w();
    }
    this.#forget(s);
  }

  #onEnd(error?: unknown): void {
    // The peer closed or the socket failed: nothing in flight can complete.
    this.#abortAll(error ?? new Error("connection closed"));
    this.#t.abort();
  }

  #abortAll(reason: unknown): void {
    const err = reason instanceof Error ? reason : new Error(String(reason));
    for (const s of [...this.#streams.values()]) this.lost(s, err);
  }

  // ---- output ---------------------------------------------------------------

  /** Resets a stream with NO_ERROR once its response has been written (see Stream.finish). */
  resetWhenSent(s: Stream): void {
    this.#toReset.push(s);
    this.flushSoon();
  }

  /** Sends the RST_STREAM NO_ERROR of answered streams whose END_STREAM went out; true if any. */
  #resetAnswered(): boolean {
    const list = this.#toReset;
    const conn = this.conn;
    let keep = 0;
    let sent = false;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.gone) continue;
      const state = conn.streamState(s.id);
      if (state === StreamState.OPEN || state === StreamState.HALF_CLOSED_REMOTE) {
        list[keep++] = s; // our END_STREAM is still queued (flow control)
        continue;
      }
      if (state === StreamState.HALF_CLOSED_LOCAL) {
        sent = conn.resetStream(s.id, ErrorCode.NO_ERROR);
      }
      s.gone = true;
      this.#forget(s);
    }
    list.length = keep;
    return sent;
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
    if (this.#flushQueued || this.#closed) return;
    this.#flushQueued = true;
    queueMicrotask(this.#flushTask);
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#closed) return;
    const conn = this.conn;
    const t = this.#t;
    if (this.#closing) return;
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
            this.#blockedSince = Date.now();
            t.drain().then(this.#onDrain);
            break;
          }
        }
        if (this.#blocked || this.#toReset.length === 0 || !this.#resetAnswered()) break;
      }
      if (conn.closed) {
        this.#close();
        return;
      }
    }
    if (this.sending.size > 0) this.#pruneSending();
    if (!this.#blocked) this.#wake();
  }

  /**
   * Streams whose DATA has all left the core leave `sending` at once (a later
   * body() adds them back): otherwise every answered stream, with its
   * exchange, would live until the next send check, or forever when
   * sendTimeout is 0.
   */
  #pruneSending(): void {
    const conn = this.conn;
    for (const s of this.sending) {
      if (conn.queuedBytes(s.id) === 0) {
        s.stallSince = 0;
        this.sending.delete(s);
      }
    }
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
      if (s.gone || conn.queuedBytes(s.id) < hwm) {
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
    if (this.#closing) return;
    this.#closing = true;
    const ms = this.#opts.sendTimeout;
    this.#timerAt = this.#handshakeAt = 0;
    this.#sendCheckAt = ms > 0 ? Date.now() + ms : 0;
    this.#abortAll(new Error("connection closed"));
    this.#t.close();
  }

  #onClosed(): void {
    this.#closed = true;
    this.#closing = true;
    this.#abortAll(new Error("connection closed"));
    this.#timerAt = this.#sendCheckAt = this.#handshakeAt = 0;
    this.sending.clear();
    this.#host.remove(this);
  }

  // ---- lifecycle --------------------------------------------------------------

  #becameIdle(): void {
    if (this.sending.size === 0) this.#sendCheckAt = 0;
    this.#idleSince = Date.now();
    const ms = this.#opts.idleTimeout;
    this.deadline = ms > 0 ? this.#idleSince + ms : 0;
  }

  #becameBusy(): void {
    this.#armSendCheck(Date.now());
    const ms = this.#opts.pingInterval;
    this.#activity = false;
    this.#pingOut = false;
    this.deadline = ms > 0 ? Date.now() + ms : 0;
  }

  /** Idle timeout, PING liveness, the SETTINGS exchange timeout and the send timeout. */
  onDeadline(now: number): void {
    if (this.#closing) {
      // A close that cannot flush (the client does not read) is cut off after sendTimeout.
      this.#timerAt = this.#handshakeAt = 0;
      if (this.#sendCheckAt !== 0 && this.#sendCheckAt <= now) {
        this.#sendCheckAt = 0;
        this.#t.abort();
      }
      return;
    }
    if (this.#handshakeAt !== 0 && this.#handshakeAt <= now) {
      this.#handshakeAt = 0;
      this.timedOut("http2.settingsTimeout", "SETTINGS exchange timed out");
      this.#abortAll(new Error("HTTP/2 SETTINGS exchange timed out"));
      this.conn.goAway(ErrorCode.SETTINGS_TIMEOUT, "settings timeout");
      this.#flush();
      this.#close();
      return;
    }
    if (this.#sendCheckAt !== 0 && this.#sendCheckAt <= now) {
      this.#checkSends(now);
      if (this.#closing) return;
    }
    if (this.#timerAt === 0 || this.#timerAt > now) return;
    this.#idleOrPing(now);
  }

  #armSendCheck(now: number): void {
    const ms = this.#opts.sendTimeout;
    this.#sendCheckAt = ms > 0 ? now + Math.max(1, ms / 2) : 0;
  }

  /**
   * Send timeout (slow read, zero window): a socket that has refused writes
   * for sendTimeout closes the connection; a stream whose queued DATA has not
   * moved for sendTimeout is reset (CANCEL) and its response cancelled.
   */
  #checkSends(now: number): void {
    const ms = this.#opts.sendTimeout;
    if (this.#blocked && this.#blockedSince !== 0 && now - this.#blockedSince >= ms) {
      this.timedOut("http2.sendTimeout", "the client stopped reading");
      this.#abortAll(new Error("send timeout: the client stopped reading"));
      this.#closing = true;
      this.#t.abort();
      return;
    }
    const conn = this.conn;
    let stalled = false;
    for (const s of this.sending) {
      const q = conn.queuedBytes(s.id);
      if (q === 0) {
        if (s.done || s.gone) this.sending.delete(s);
        s.stallSince = 0;
        continue;
      }
      const sent = s.out - q;
      if (sent !== s.stallSent || s.stallSince === 0) {
        s.stallSent = sent;
        s.stallSince = now;
      } else if (now - s.stallSince >= ms) {
        this.sending.delete(s);
        conn.resetStream(s.id, ErrorCode.CANCEL);
        this.timedOut("http2.sendTimeout", "the client's window stayed shut");
        this.lost(s, new Error("send timeout: the client's window stayed shut"));
        stalled = true;
      }
    }
    if (stalled) this.flushSoon();
    if (this.#streams.size > 0 || this.sending.size > 0) this.#armSendCheck(now);
    else this.#sendCheckAt = 0;
  }

  #idleOrPing(now: number): void {
    const o = this.#opts;
    if (this.#streams.size === 0 && this.conn.openStreams === 0) {
      if (o.idleTimeout > 0 && now - this.#idleSince >= o.idleTimeout) {
        this.#goAwayAndClose();
      } else {
        this.deadline = o.idleTimeout > 0 ? this.#idleSince + o.idleTimeout : 0;
      }
      return;
    }
    if (o.pingInterval <= 0) {
      this.deadline = 0;
      return;
    }
    if (this.#activity) {
      this.#activity = false;
      this.#pingOut = false;
      this.deadline = now + o.pingInterval;
    } else if (this.#pingOut) {
      // Nothing, not even the PING ACK, for pingTimeout: the peer is gone.
      this.timedOut("http2.pingTimeout", "no answer to a PING");
      this.#abortAll(new Error("HTTP/2 peer unresponsive"));
      this.#goAwayAndClose();
    } else {
      this.conn.ping();
      this.#pingOut = true;
      this.deadline = now + o.pingTimeout;
      this.flushSoon();
    }
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
    if (this.#closing) return;
    this.conn.goAway(ErrorCode.NO_ERROR);
    this.flushSoon();
  }

  /** The shutdown deadline passed: RST_STREAM CANCEL for every stream left, GOAWAY, close. */
  terminate(): void {
    if (this.#closing) return this.#t.abort(); // its final flush is stuck: drop it
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

/** The value of the request's `expect` field, or "". */
function expectOf(headers: HeaderList): string {
  for (const [name, value] of headers) if (name === "expect") return value;
  return "";
}
