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
 * The driver owns the connection's state (driver_table.ts) and its life;
 * its parts are collaborators: inbound.ts applies the core's events to the
 * streams, output.ts flushes and holds the backpressure, open_streams.ts
 * keeps the streams, timers.ts decides what is due, ws_sessions.ts counts
 * the WebSockets.
 *
 * @module
 */
import type { CloseWatcher, Transport, TransportSink } from "../../transport/types.ts";
import { watchClosed } from "../../transport/types.ts";
import type { ConnectionFacts } from "../../fetch/info.ts";
import type { LiveConnection, ServerHost } from "../../fetch/host.ts";
import { ConnState, H2Connection } from "../core/connection.ts";
import { ErrorCode } from "../core/errors.ts";
import { DRIVER_TABLE, DriverEvent, DriverState } from "./driver_table.ts";
import { DriverTimers, type TimerActions } from "./timers.ts";
import type { HeaderList } from "../core/events.ts";
import type { RequestParts } from "./request_parts.ts";
import {
  openRequest,
  type RequestContext,
  requestContext,
  upgradedRequest,
} from "./stream_request.ts";
import { topicsOf } from "../../websocket/topics.ts";
import { DriverStream as Stream, type StreamHost } from "./exchange_stream.ts";
import { SendWatch } from "./send_watch.ts";
import { AnsweredResets } from "./answered_resets.ts";
import type { Http2Options } from "./options.ts";
import type { ClientErrorKind } from "../../types.ts";
import type { WebSocketSessionHandle } from "../../websocket/channel.ts";
import { ConnOutput, type OutputOwner } from "./output.ts";
import { type BusyEdges, OpenStreams } from "./open_streams.ts";
import { WsSessions } from "./ws_sessions.ts";
import { Inbound, type InboundOwner } from "./inbound.ts";

/** What the driver's parts call it through (see Http2Driver's static block). */
type Link = InboundOwner & OutputOwner & TimerActions & TransportSink & BusyEdges & CloseWatcher;
let linkTo: (driver: Http2Driver) => Link;

/**
 * Serves HTTP/2 (h2 or h2c) on one transport.
 */
export class Http2Driver implements LiveConnection, StreamHost {
  /** Streams with response DATA handed to the core, watched by the send timeout. */
  readonly sending = new SendWatch<Stream>();
  readonly #timers: DriverTimers;
  /** The connection's life on this socket (driver_table.ts); changed only through #to. */
  #state = DriverState.HANDSHAKE;
  /** The protocol core. */
  readonly conn: H2Connection;
  readonly #transport: Transport;
  readonly #host: ServerHost;
  readonly #facts: ConnectionFacts;
  readonly #opts: Http2Options;
  readonly #reqCtx: RequestContext;
  readonly #streams: OpenStreams;
  /** Open WebSocket sessions on this connection (shutdown sends them close 1001). */
  #wsSessions: WsSessions | null = null;
  readonly #toReset: AnsweredResets;
  /** Applies the core's events to the streams. */
  readonly #in: Inbound;
  /** Writes the core's output; holds the socket's backpressure and the streams waiting on it. */
  readonly #out: ConnOutput;
  /** What the parts above call back (one object with methods; see the static block). */
  readonly #link: Link;

  /** @param conn a core already set up for an h2c Upgrade; by default a new one. */
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
    this.#reqCtx = requestContext(facts, transport.secure, options.maxBodyBytes, topicsOf(host));
    this.conn = conn ?? new H2Connection(options);
    this.#toReset = new AnsweredResets(options.idleTimeout || options.sendTimeout);
    host.add(this);
    const link = linkTo(this);
    this.#link = link;
    const timers = this.#timers = new DriverTimers(options, Date.now());
    this.#streams = new OpenStreams(link);
    this.#in = new Inbound(this.#streams, this.#toReset, options.maxBodyBytes, link);
    this.#out = new ConnOutput(this.conn, transport, options.streamHighWaterMark, timers, link);
    watchClosed(transport, link);
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
    this.#transport.start(this.#link);
    if (initial !== undefined && initial.byteLength > 0) this.#onData(initial);
    this.flushSoon();
  }

  /**
   * Takes over after `101 Switching Protocols` (h2c Upgrade): answers the upgraded request on
   * stream 1 (`body` is its complete body, read on HTTP/1.1), then reads the client preface
   * from `leftover` and the socket.
   */
  startUpgraded(
    parts: RequestParts,
    body: ReadableStream<Uint8Array> | null,
    leftover: Uint8Array[],
    raw: ReadonlyArray<readonly [string, string]> | null = null,
  ): void {
    this.#transport.start(this.#link);
    const s = new Stream(1, this, true);
    this.#streams.add(s);
    this.#run(s, upgradedRequest(s, parts, body, raw, this.#facts), parts.method === "HEAD");
    for (const chunk of leftover) if (chunk.byteLength > 0) this.#onData(chunk);
    this.flushSoon();
  }

  // ---- input ----------------------------------------------------------------

  #onData(chunk: Uint8Array): void {
    if (this.#ending()) return;
    this.#timers.activity = true;
    this.#in.apply(this.conn.receive(chunk));
    const timers = this.#timers;
    if (
      timers.handshakeAt !== 0 && this.#state === DriverState.READY &&
      this.conn.state === ConnState.OPEN
    ) {
      timers.handshakeAt = 0;
    }
    this.flushSoon();
  }

  #onRequest(id: number, headers: HeaderList, endStream: boolean): void {
    const s = new Stream(id, this, endStream);
    this.#streams.add(s);
    const { request, status, isHead } = openRequest(s, headers, endStream, this.#reqCtx);
    if (request === null) {
      this.conn.sendHeaders(id, [[":status", status], ["content-length", "0"]], true);
      s.finish();
      this.#streams.settle(s);
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
      this.#streams.settle(s);
    });
  }

  /** A stream became a WebSocket: count it, and finish the stream when the session closes. */
  webSocketOpened(s: Stream, session: WebSocketSessionHandle): void {
    (this.#wsSessions ??= new WsSessions(this.#facts.stats)).opened(
      session,
      this.#host.shuttingDown,
      () => {
        s.ws!.sessionClosed();
        s.finish();
        this.#streams.settle(s);
        this.flushSoon();
      },
    );
  }

  /** The stream died on the wire (reset, or our own reset): abort its exchange and body. */
  lost(s: Stream, reason: Error): void {
    this.#streams.lost(s, reason);
  }

  #onEnd(error?: unknown): void {
    // The peer closed or the socket failed: nothing in flight can complete.
    this.#abortAll(error ?? new Error("connection closed"));
    this.#transport.abort();
  }

  #abortAll(reason: unknown): void {
    this.#streams.abortAll(reason);
  }

  // ---- output ---------------------------------------------------------------

  /** Sends the due RST_STREAM NO_ERROR of answered uploads (see answered_resets.ts); true if any. */
  #resetAnswered(now = Date.now()): boolean {
    return this.#toReset.sendDue(this.conn, this.#streams, now);
  }

  /** Resets a stream with NO_ERROR once its response has been written (see Stream.finish). */
  resetWhenSent(s: Stream): void {
    this.#toReset.add(s);
    this.flushSoon();
  }

  /** A stream holds its HEADERS back until its body is known; the flush releases them. */
  hold(s: Stream): void {
    this.#out.hold(s);
  }

  /** Whether a stream may queue more DATA now. */
  writable(s: Stream): boolean {
    return this.#out.writable(s);
  }

  /** Parks a stream until writable (woken after a flush). */
  wait(s: Stream): void {
    this.#out.wait(s);
  }

  /** Schedules one flush of the core's output for the end of this turn. */
  flushSoon(): void {
    this.#out.soon();
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
    this.#timers.run(now, this.#link);
  }

  static {
    /**
     * The parts' view of a driver (input, output, timers, transport, busy edges): methods
     * on one object per connection instead of two dozen closures in five objects.
     */
    class DriverLink implements Link {
      readonly #d: Http2Driver;
      constructor(d: Http2Driver) {
        this.#d = d;
      }
      get streams(): StreamHost {
        return this.#d;
      }
      data(chunk: Uint8Array): void {
        this.#d.#onData(chunk);
      }
      end(error?: unknown): void {
        this.#d.#onEnd(error);
      }
      transportClosed(): void {
        this.#d.#onClosed();
      }
      becameBusy(): void {
        this.#d.#timers.becameBusy(Date.now());
      }
      becameIdle(): void {
        this.#d.#timers.becameIdle(Date.now(), this.#d.sending.size > 0);
      }
      request(id: number, headers: HeaderList, endStream: boolean): void {
        this.#d.#onRequest(id, headers, endStream);
      }
      reportReset(remote: boolean, code: number, reason?: string): void {
        this.#d.reportReset(remote, code, reason);
      }
      connectionError(code: number, reason: string): void {
        this.#d.report("goaway", new Error(reason), code);
        this.#d.#abortAll(new Error(`HTTP/2 connection error: ${reason}`));
      }
      pingAcked(): void {
        this.#d.#timers.pingAcked();
      }
      settingsAcked(): void {
        this.#d.#to(DriverEvent.SETTINGS_ACKED);
      }
      closed(): boolean {
        return this.#d.#state === DriverState.CLOSED;
      }
      closing(): boolean {
        return this.#d.#state === DriverState.CLOSING;
      }
      close(): void {
        this.#d.#close();
      }
      resetAnswered(): boolean {
        return this.#d.#toReset.size > 0 && this.#d.#resetAnswered();
      }
      flushed(): void {
        const d = this.#d;
        if (d.sending.size > 0) d.sending.prune(d.conn);
      }
      ending(): boolean {
        return this.#d.#ending();
      }
      idle(): boolean {
        return this.#d.#streams.size === 0 && this.#d.conn.openStreams === 0;
      }
      abortSocket(): void {
        this.#d.#transport.abort();
      }
      answeredResetsDue(now: number): void {
        const d = this.#d;
        if (d.#toReset.size > 0 && d.#resetAnswered(now)) d.flushSoon(); // waited too long
      }
      settingsTimedOut(): void {
        const d = this.#d;
        d.timedOut("http2.settingsTimeout", "SETTINGS exchange timed out");
        d.#abortAll(new Error("HTTP/2 SETTINGS exchange timed out"));
        d.conn.goAway(ErrorCode.SETTINGS_TIMEOUT, "settings timeout");
        d.#out.flush();
        d.#close();
      }
      checkSends(now: number): boolean {
        return this.#d.#checkSends(now);
      }
      closeIdle(): void {
        this.#d.#goAwayAndClose();
      }
      peerDead(): void {
        const d = this.#d;
        d.timedOut("http2.pingTimeout", "no answer to a PING");
        d.#abortAll(new Error("HTTP/2 peer unresponsive"));
        d.#goAwayAndClose();
      }
      ping(): void {
        this.#d.conn.ping();
        this.#d.flushSoon();
      }
    }
    linkTo = (d) => new DriverLink(d);
  }

  /**
   * Send timeout (slow read, zero window): a socket that has refused writes
   * for sendTimeout closes the connection; a stream whose queued DATA has not
   * moved for sendTimeout is reset (CANCEL) and its response cancelled.
   * Returns whether anything is still to be watched.
   */
  #checkSends(now: number): boolean {
    if (this.#out.blocked && this.#timers.socketStalled(now)) {
      this.timedOut("http2.sendTimeout", "the client stopped reading");
      this.#abortAll(new Error("send timeout: the client stopped reading"));
      this.#to(DriverEvent.CLOSE);
      this.#transport.abort();
      return false;
    }
    const stalled = this.sending.check(this.conn, now, this.#opts.sendTimeout, (s) => {
      this.conn.resetStream(s.id, ErrorCode.CANCEL);
      this.timedOut("http2.sendTimeout", "the client's window stayed shut");
      this.#streams.lost(s, new Error("send timeout: the client's window stayed shut"));
    });
    if (stalled) this.flushSoon();
    return this.#streams.size > 0 || this.sending.size > 0;
  }

  /** Final GOAWAY NO_ERROR, flushed, then close (whatever is still open is abandoned). */
  #goAwayAndClose(): void {
    this.deadline = 0;
    this.conn.goAway(ErrorCode.NO_ERROR);
    this.#out.flush();
    this.#close();
  }

  /** Graceful shutdown: GOAWAY with the last stream id; open streams finish, then the socket closes. */
  shutdown(): void {
    if (this.#ending()) return;
    this.#toReset.hurry();
    this.conn.goAway(ErrorCode.NO_ERROR);
    // WebSocket streams are in flight: they finish their close handshake under the GOAWAY.
    this.#wsSessions?.goingAway();
    this.flushSoon();
  }

  /** The shutdown deadline passed: RST_STREAM CANCEL for every stream left, GOAWAY, close. */
  terminate(): void {
    if (this.#ending()) return this.#transport.abort(); // its final flush is stuck: drop it
    for (const id of this.#streams.ids()) this.conn.resetStream(id, ErrorCode.CANCEL);
    this.#abortAll(new Error("server shutdown deadline passed"));
    this.conn.goAway(ErrorCode.NO_ERROR);
    this.#out.flush();
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
