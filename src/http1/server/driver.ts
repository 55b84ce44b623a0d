/**
 * The HTTP/1.1 connection driver: binds the sans-IO parser and serializer to
 * a Transport and runs one exchange at a time (pipelined requests wait,
 * parsed only when their turn comes, so responses stay in order). It owns
 * the connection's state (every change goes through the table in
 * `core/conn_table.ts`) and the request in flight, and decides each
 * request's cycle: which upgrade it asks for, running the handler, the h2c
 * decision, the next request, closing, timeouts, shutdown, resting. Its
 * collaborators: conn_parts.ts (reader, timers, opener and writer, let go
 * while an idle connection rests), request_reader.ts (the parse loop),
 * response_side.ts (heads, failures, the 101), ws_mode.ts (the connection
 * after the 101, handed over whole: the driver is garbage from then on).
 *
 * Backpressure: the request body is read from the socket only while the
 * handler's body stream wants more; the response body is pulled only while
 * the socket accepts it.
 *
 * @module
 */
import type { CloseWatcher, Transport, TransportSink } from "../../transport/types.ts";
import { watchClosed } from "../../transport/types.ts";
import type { ConnectionFacts } from "../../fetch/info.ts";
import type { LiveConnection, ServerHost } from "../../fetch/host.ts";
import type { H2cUpgrade } from "../../upgrade_types.ts";
import { httpDate } from "../../bytes/date.ts";
import type { RequestHead } from "../core/parser.ts";
import { HttpParseError } from "../core/errors.ts";
import type { Http1Options } from "./options.ts";
import { ConnEvent, ConnState, nextState } from "../core/conn_table.ts";
import type { ReaderHost } from "./request_reader.ts";
import { encodeErrorResponse } from "../core/serializer.ts";
import type { ResponseOwner } from "./response_side.ts";
import { BodyState, InFlight, type ResponseDone, upgradeAsked } from "./in_flight.ts";
import { ConnParts } from "./conn_parts.ts";

/** What the driver's parts call it through (see Http1Driver's static block). */
type Link = ResponseOwner & ReaderHost & ResponseDone & TransportSink & CloseWatcher;
let linkTo: (driver: Http1Driver) => Link;

/**
 * Serves HTTP/1.1 on one transport.
 */
export class Http1Driver implements LiveConnection {
  #state = ConnState.IDLE;
  #transport: Transport;
  #host: ServerHost;
  #facts: ConnectionFacts;
  readonly #options: Http1Options;
  /** Reader, timers, opener and writer; null while the connection rests (see onDeadline). */
  #parts: ConnParts | null;
  #msg: InFlight | null = null;
  #upgrade: H2cUpgrade | null;
  /** This connection as its reader, response side and transport see it. */
  readonly #link: Link;
  /** While resting: when the idle timeout ends the connection (ms epoch), 0 for never. */
  #idleAt = 0;

  constructor(
    transport: Transport,
    host: ServerHost,
    facts: ConnectionFacts,
    options: Http1Options,
    upgrade: H2cUpgrade | null = null,
  ) {
    this.#transport = transport;
    this.#host = host;
    this.#facts = facts;
    this.#upgrade = upgrade;
    this.#options = options;
    // One object answers the reader, the response side and the transport: an idle connection
    // holds no closures for them (Bun: 18 functions, about 0.8 KB of heap each connection).
    const link = this.#link = linkTo(this);
    (this.#parts = this.#wake()).idle();
    host.add(this);
    watchClosed(transport, link);
  }

  /** The parts a request needs: made as the connection opens, and on a resting one's next byte. */
  #wake(): ConnParts {
    return new ConnParts(this.#transport, this.#host, this.#facts, this.#options, this.#link);
  }

  /** When onDeadline must run (ms epoch), 0 for never. */
  get deadline(): number {
    return this.#parts?.deadline ?? this.#idleAt;
  }

  /** The connection's state, for tests and inspection. */
  get state(): ConnState {
    return this.#state;
  }

  /** Whether the connection rests (holds no parser, timers or writer): for tests and inspection. */
  get resting(): boolean {
    return this.#parts === null;
  }

  /** Starts reading; `initial` holds bytes already read (protocol sniffing). */
  start(initial?: Uint8Array): void {
    this.#transport.start(this.#link);
    if (initial !== undefined && initial.byteLength > 0) this.#onData(initial);
  }

  static {
    /** The parts' view of a driver: methods on one object instead of closures per connection. */
    class DriverLink implements Link {
      readonly #d: Http1Driver;
      constructor(d: Http1Driver) {
        this.#d = d;
      }
      current(): InFlight | null {
        return this.#d.#msg;
      }
      state(): ConnState {
        return this.#d.#state;
      }
      to(event: ConnEvent): void {
        this.#d.#to(event);
      }
      declined(head: RequestHead): void {
        this.#d.#declined(head);
      }
      lastAnswer(): boolean {
        const r = this.#d.#parts!.reader;
        return r.peerEnded && r.buffered === 0;
      }
      handOver(): Uint8Array {
        this.#d.#msg = null;
        return this.#d.#parts!.reader.takeRemaining();
      }
      switched(): void {
        this.#d.#switched();
      }
      peerEnded(): boolean {
        return this.#d.#parts!.reader.peerEnded;
      }
      finished(): boolean {
        return this.#d.#finished();
      }
      paused(): boolean {
        return this.#d.#state === ConnState.PAUSED;
      }
      bodyHeld(msg: InFlight): void {
        // An upgrade whose body outgrows the stream buffer is served on HTTP/1.1.
        if (this.#d.#state === ConnState.MIGHT_SWITCH_PROTOCOL) this.#d.#decline(msg);
      }
      discardOverflow(msg: InFlight): boolean {
        return this.#d.#discardOverflow(msg);
      }
      bodyDone(msg: InFlight): void {
        const d = this.#d;
        if (d.#state === ConnState.MIGHT_SWITCH_PROTOCOL) d.#upgradeOrRun(msg);
        else if (msg.exchange === null || msg.exchange.done) d.#cycleDone();
      }
      begin(head: RequestHead): void {
        this.#d.#begin(head);
      }
      responseDone(msg: InFlight): void {
        this.#d.#responseDone(msg);
      }
      allAnswered(): void {
        this.#d.#close();
      }
      fail(e: unknown): void {
        this.#d.#fail(e);
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
    }
    linkTo = (d) => new DriverLink(d);
  }

  #to(event: ConnEvent): void {
    this.#state = nextState(this.#state, event);
  }

  /** Closing, closed or handed over (to HTTP/2 or a WebSocket): nothing more to read or answer here. */
  #finished(): boolean {
    const s = this.#state;
    return s === ConnState.CLOSING || s === ConnState.CLOSED || s === ConnState.SWITCHED_PROTOCOL ||
      s === ConnState.WEBSOCKET;
  }

  // ---- input --------------------------------------------------------------

  #onData(chunk: Uint8Array): void {
    if (this.#finished()) return;
    let parts = this.#parts;
    if (parts === null) (parts = this.#parts = this.#wake()).resumeIdle(this.#idleAt);
    parts.reader.receive(chunk);
  }

  /**
   * The input ended. A socket error means the client is gone. A clean end (a half-close, as
   * `shutdown(SHUT_WR)` does) still gets its answers (RFC 9112 §9.6), unless it cut a request short.
   */
  #onEnd(error?: unknown): void {
    if (this.#finished()) return;
    if (error !== undefined) {
      const msg = this.#msg;
      if (msg?.exchange != null && !msg.exchange.done) {
        this.#host.clientError("aborted", error, this.#facts);
      }
      this.#gone(error);
      return;
    }
    const reader = this.#parts?.reader;
    if (reader === undefined) {
      // Resting: no request was begun, so every one is answered.
      this.#close();
      return;
    }
    try {
      reader.end();
    } catch (e) {
      // The end fell inside a request with nothing buffered to complete it.
      if (this.#msg !== null) this.#gone(e);
      else this.#close();
      return;
    }
    reader.process();
  }

  /** The client went away: what is in flight will never be read. */
  #gone(reason: unknown): void {
    this.#msg?.abort(reason);
    this.#to(ConnEvent.CLOSE);
    this.#transport.abort();
  }

  /** A request head arrived: build the Request and run the handler. */
  #begin(head: RequestHead): void {
    const msg = new InFlight(head);
    this.#msg = msg;
    const asked = upgradeAsked(head, this.#upgrade !== null && !this.#transport.secure);
    const h2c = asked === "h2c";
    // A WebSocket candidate is registered and served; upgradeWebSocket validates the rest.
    const ws = asked === "websocket";
    if (ws && head.bodyKind !== "none") {
      throw new HttpParseError(400, "a WebSocket handshake must not have a body");
    }
    if (h2c) this.#to(ConnEvent.UPGRADE_ASKED);
    else if (ws) this.#to(ConnEvent.WEBSOCKET_ASKED);
    else this.#to(this.#keepAlive(head) ? ConnEvent.REQUEST : ConnEvent.REQUEST_CLOSE);
    const parts = this.#parts!;
    parts.opener.open(msg, ws, parts.reader.flowOf);
    // An h2c upgrade is decided once the body is in (RFC 7540 §3.2): see #upgradeOrRun.
    if (!h2c) this.#run(msg);
  }

  /** Whether the connection may go on after answering `head`, as things stand now. */
  #keepAlive(head: RequestHead): boolean {
    return head.keepAlive && !this.#host.shuttingDown;
  }

  /** A protocol switch asked for is not made: the connection stays HTTP/1.1. */
  #declined(head: RequestHead): void {
    this.#to(this.#keepAlive(head) ? ConnEvent.UPGRADE_DECLINED : ConnEvent.UPGRADE_DECLINED_CLOSE);
  }

  #run(msg: InFlight): void {
    msg.run(this.#host, this.#state !== ConnState.WEBSOCKET_ASKED, this.#link);
  }

  /** Body not worth reading on: stop, and close once the response is out. True if closed now. */
  #discardOverflow(msg: InFlight): boolean {
    msg.wanted = false;
    if (this.#state === ConnState.MIGHT_SWITCH_PROTOCOL) this.#decline(msg);
    this.#to(ConnEvent.CLOSE_AFTER);
    if (msg.exchange !== null && !msg.exchange.done) return false;
    this.#close();
    return true;
  }

  /** The h2c upgrade is not made: serve the request here. */
  #decline(msg: InFlight): void {
    this.#declined(msg.head);
    this.#run(msg);
  }

  /** The body of an Upgrade: h2c request is complete (buffered): offer it to HTTP/2, or serve it here. */
  #upgradeOrRun(msg: InFlight): void {
    const reader = this.#parts!.reader;
    const leftover = [reader.takeRemaining()];
    const taken = this.#upgrade!(this.#transport, msg.head, msg.request!, leftover);
    if (!taken) {
      reader.pushBack(leftover[0]!);
      this.#decline(msg);
      return;
    }
    this.#to(ConnEvent.UPGRADE_TAKEN);
    this.#msg = null;
    this.#host.remove(this);
  }

  /**
   * A WebSocket took the connection (ws_mode.ts): it is the server's, the
   * transport's sink and its close watcher now, and nothing holds this driver.
   */
  #switched(): void {
    this.#host.remove(this);
    this.#transport.unwatchClose?.(this.#link);
  }

  // ---- lifecycle ----------------------------------------------------------

  #responseDone(msg: InFlight): void {
    msg.trailerSlot?.responseDone();
    if (this.#msg !== msg || this.#finished()) return;
    if (this.#state === ConnState.MUST_CLOSE) {
      this.#close();
      return;
    }
    if (msg.bodyState === BodyState.READING) {
      // Unread body: discard it (bounded) so the next request can be found.
      msg.discardRest();
      this.#to(ConnEvent.RESPONSE_DONE);
      this.#parts!.reader.process();
      return;
    }
    this.#cycleDone();
  }

  /** Flushes what is written, then closes; whatever is still in flight is cut off. */
  #close(): void {
    this.#msg?.exchange?.cancel(new Error("connection closing"));
    this.#msg = null;
    this.#to(ConnEvent.CLOSE);
    this.#transport.close();
  }

  /** The exchange and its body are both finished: move to the next request. */
  #cycleDone(): void {
    const msg = this.#msg;
    if (
      msg === null || msg.exchange === null || !msg.exchange.done ||
      msg.bodyState !== BodyState.DONE
    ) return;
    if (this.#state === ConnState.MUST_CLOSE) {
      this.#close();
      return;
    }
    this.#msg = null;
    const parts = this.#parts!;
    if (parts.writer.backedUp && this.#transport.queued > 0) {
      // The client is not reading what we sent: answer (and read) nothing more
      // until it does, or the send timeout ends the connection. Without this
      // a client could pipeline small requests for large responses and never
      // read, and every response would wait in memory.
      this.#to(ConnEvent.CYCLE_DONE_BACKED_UP);
      parts.timers.start("send");
      this.#transport.pause();
      // One more turn: a drain caused by the socket closing lets #onClosed run first.
      this.#transport.drain().then(() => queueMicrotask(() => this.#drained()));
      return;
    }
    this.#to(ConnEvent.CYCLE_DONE);
    parts.idle();
    this.#transport.resume();
    // Answered synchronously from inside the parse loop: the loop goes on by itself.
    if (!parts.reader.inLoop) queueMicrotask(() => parts.reader.process());
  }

  /** The client read enough of our responses: serve the next request. */
  #drained(): void {
    const parts = this.#parts!;
    parts.writer.backedUp = false;
    if (this.#state !== ConnState.PAUSED) return;
    this.#to(ConnEvent.DRAINED);
    parts.idle();
    this.#transport.resume();
    parts.reader.process();
  }

  /** Answers a parse error and closes; an in-flight exchange is cut off. */
  #fail(e: unknown): void {
    const status = e instanceof HttpParseError ? e.status : 400;
    if (status !== 408) this.#host.clientError("bad-request", e, this.#facts, status);
    const msg = this.#msg;
    this.#to(ConnEvent.CLOSE);
    if (msg !== null) {
      msg.abort(e);
      if (msg.headSent) {
        this.#transport.abort();
        return;
      }
    }
    this.#msg = null;
    this.#transport.write(encodeErrorResponse(status, httpDate()));
    this.#transport.close();
  }

  /** A timeout fired, or the request data rate fell below minRequestRate. */
  onDeadline(now: number): void {
    if (this.#finished()) return;
    const parts = this.#parts;
    if (parts === null) {
      // Resting: only the idle timeout runs.
      if (this.#idleAt !== 0 && this.#idleAt <= now) this.#close();
      return;
    }
    const msg = this.#msg;
    if (parts.restDue(now, this.#transport) && msg === null && this.#state === ConnState.IDLE) {
      // It lets go of its parts: what it holds then is its socket, this driver and its facts.
      this.#idleAt = parts.timers.at;
      this.#parts = null;
      this.#transport.rest?.();
      return;
    }
    const fired = parts.expire(now, msg);
    if (fired === "close") this.#close();
    else if (fired instanceof HttpParseError) this.#fail(fired);
    else if (fired !== null) this.#gone(fired);
  }

  /** Graceful shutdown: close now if idle, else after the current response. */
  shutdown(): void {
    if (this.#finished()) return;
    const msg = this.#msg;
    if (msg === null) this.#close();
    else if (
      this.#state !== ConnState.MIGHT_SWITCH_PROTOCOL && this.#state !== ConnState.WEBSOCKET_ASKED
    ) {
      // (A pending upgrade reads host.shuttingDown when it is decided.)
      this.#to(ConnEvent.CLOSE_AFTER);
      if (msg.exchange !== null && msg.exchange.done) this.#close();
    }
  }

  #onClosed(): void {
    // Handed over: the new owner watches the socket (where a transport cannot forget a watcher).
    if (this.#state === ConnState.SWITCHED_PROTOCOL || this.#state === ConnState.WEBSOCKET) return;
    this.#to(ConnEvent.SOCKET_CLOSED);
    this.#host.remove(this);
    this.#msg?.abort(new Error("connection closed"));
  }

  /** The shutdown deadline passed: abort the exchange in flight (req.signal) and the socket. */
  terminate(): void {
    if (this.#finished()) return;
    this.#gone(new Error("server shutdown deadline passed"));
  }
}
