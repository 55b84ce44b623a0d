/**
 * The HTTP/1.1 connection driver: binds the sans-IO parser and serializer to
 * a Transport and runs one exchange at a time (pipelined requests wait,
 * parsed only when their turn comes, so responses stay in order). Every
 * change of connection state goes through the table in `conn_state.ts`. The
 * exchange writes through an {@link Http1Writer}; what a response head says
 * and whether the connection stays open is decided here.
 *
 * Backpressure: the request body is read from the socket only while the
 * handler's body stream wants more; the response body is pulled only while
 * the socket accepts it.
 *
 * @module
 */
import type { Transport } from "../../transport/types.ts";
import type { ConnectionFacts } from "../../fetch/info.ts";
import type { TrailerHint } from "../../fetch/exchange.ts";
import { TrailersError } from "../../fetch/trailers.ts";
import { adoptBuffer, type BodyFlow } from "../../fetch/body.ts";
import type { LiveConnection, ServerHost } from "../../fetch/host.ts";
import type { H2cUpgrade } from "../../upgrade_types.ts";
import type { PendingUpgrade } from "../../websocket/registry.ts";
import type { WebSocketSessionHandle } from "../../websocket/channel.ts";
import { topicsOf } from "../../websocket/topics.ts";
import { httpDate } from "../../bytes/date.ts";
import { type RequestHead, RequestParser } from "../core/parser.ts";
import { HttpParseError } from "../core/errors.ts";
import type { Http1Options } from "./options.ts";
import { ConnEvent, ConnState, nextState } from "../core/conn_table.ts";
import {
  bodyFlows,
  CONTINUE_TABLE,
  ContinueAction,
  ContinueEvent,
  ContinueState,
} from "../core/continue_table.ts";
import { type DeadlineKind, Deadlines } from "./deadlines.ts";
import { CONTINUE_100, encodeErrorResponse, type ResponseHead } from "../core/serializer.ts";
import { Http1Writer, type WriterHost } from "./response_writer.ts";
import { BodyState, InFlight, upgradeAsked } from "./in_flight.ts";
import { planResponseHead } from "./response_head.ts";
import { RequestOpener } from "./request_open.ts";
import { type ChannelHooks, socketChannel, switchingProtocols } from "./ws_channel.ts";

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Serves HTTP/1.1 on one transport.
 */
export class Http1Driver implements LiveConnection {
  #state = ConnState.IDLE;
  #transport: Transport;
  #host: ServerHost;
  #facts: ConnectionFacts;
  #opts: Http1Options;
  #parser: RequestParser;
  #deadlines: Deadlines;
  #msg: InFlight | null = null;
  /** The client closed its sending side: no more requests will come. */
  #peerEnded = false;
  /** #process is on the stack (a transport may deliver data from inside resume()). */
  #inLoop = false;
  /** The clock, read once per pass of #process: a request's timers and date need no finer one. */
  #loopNow = 0;
  /** Builds each request's body, exchange and Request. */
  readonly #opener: RequestOpener;
  /** A request body's pull and cancel, as the body stream calls them. */
  readonly #flowOf = (msg: InFlight): BodyFlow => ({
    pull: () => this.#pull(msg),
    cancel: () => this.#cancelBody(msg),
  });
  #upgrade: H2cUpgrade | null;
  /** The exchange's side of the connection: frames and writes responses. */
  readonly #writer: Http1Writer;
  /** What the response writer and a WebSocket channel ask of this connection. */
  readonly #hooks: WriterHost & ChannelHooks = {
    headFor: (status, headers, length, end, trailers) =>
      this.#headFor(status, headers, length, end, trailers),
    armSendTimeout: () => this.#setDeadline("send", this.#opts.sendTimeout),
    clearSendTimeout: () => this.#clearDeadline("send"),
    abortResponse: (reason) => this.#abortResponse(reason),
    upgrade: (accept) => this.#switchToWebSocket(accept),
    failed: (code, reason) => {
      this.#host.clientError("websocket", new Error(reason), this.#facts, code);
    },
  };
  /** In WEBSOCKET: the session that owns the socket. */
  #ws: WebSocketSessionHandle | null = null;

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
    this.#opts = options;
    this.#upgrade = upgrade;
    this.#parser = new RequestParser(options);
    this.#writer = new Http1Writer(transport, this.#hooks, options.maxHeaderBytes);
    this.#opener = new RequestOpener(transport.secure, facts, this.#writer, topicsOf(host));
    this.#deadlines = new Deadlines(options.minRequestRate, options.minRequestRateGrace);
    host.add(this);
    transport.closed.then(() => this.#onClosed());
    this.#setDeadline("idle", options.keepAliveTimeout);
  }

  /** When onDeadline must run (ms epoch), 0 for never. */
  get deadline(): number {
    return this.#deadlines.at;
  }

  /** The connection's state, for tests and inspection. */
  get state(): ConnState {
    return this.#state;
  }

  /** Starts reading; `initial` holds bytes already read (protocol sniffing). */
  start(initial?: Uint8Array): void {
    this.#transport.start({
      data: (chunk) => this.#onData(chunk),
      end: (error) => this.#onEnd(error),
    });
    if (initial !== undefined && initial.byteLength > 0) this.#onData(initial);
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
    if (this.#state === ConnState.WEBSOCKET) {
      this.#ws?.receive(chunk);
      return;
    }
    if (this.#finished()) return;
    this.#deadlines.received(chunk.byteLength);
    this.#parser.push(chunk);
    this.#process();
  }

  /**
   * The input ended. A socket error means the client is gone. A clean end
   * (a half-close, as `shutdown(SHUT_WR)` does) still gets its answers
   * (RFC 9112 §9.6), unless it cut a request short.
   */
  #onEnd(error?: unknown): void {
    if (this.#state === ConnState.WEBSOCKET) {
      // Without a close frame first this is an abnormal closure (1006); after one, a no-op.
      this.#ws?.peerEnded(error === undefined ? undefined : asError(error));
      if (error === undefined) this.#transport.close();
      else this.#transport.abort();
      return;
    }
    if (this.#finished()) return;
    if (error !== undefined) {
      const msg = this.#msg;
      if (msg?.exchange != null && !msg.exchange.done) {
        this.#host.clientError("aborted", error, this.#facts);
      }
      this.#gone(error);
      return;
    }
    this.#peerEnded = true;
    try {
      this.#parser.finish();
    } catch (e) {
      // The end fell inside a request with nothing buffered to complete it.
      if (this.#msg !== null) this.#gone(e);
      else this.#close();
      return;
    }
    this.#process();
  }

  /** The client went away: what is in flight will never be read. */
  #gone(reason: unknown): void {
    this.#msg?.abort(reason);
    this.#to(ConnEvent.CLOSE);
    this.#transport.abort();
  }

  /** Drives the parser as far as the state allows. Re-entrancy safe. */
  #process(): void {
    if (this.#inLoop) return;
    this.#inLoop = true;
    this.#loopNow = Date.now();
    try {
      this.#processLoop();
    } catch (e) {
      this.#fail(e);
    } finally {
      this.#inLoop = false;
    }
  }

  #processLoop(): void {
    const parser = this.#parser;
    for (;;) {
      if (this.#finished()) return;
      const msg = this.#msg;
      if (msg !== null && msg.bodyState === BodyState.READING) {
        if (!msg.wanted) {
          // An upgrade whose body outgrows the stream buffer is served on HTTP/1.1.
          if (this.#state === ConnState.MIGHT_SWITCH_PROTOCOL) this.#decline(msg);
          this.#clearDeadline("body");
          this.#transport.pause();
          return;
        }
        const ev = parser.next();
        if (ev === null) {
          this.#transport.resume();
          if (msg.body !== null && msg.wanted) this.#setDeadline("body", this.#opts.bodyTimeout);
          return;
        }
        if (ev.type === "data") {
          if (msg.body !== null && !msg.body.closed) {
            msg.wanted = msg.body.push(adoptBuffer(ev.data));
          } else {
            msg.discarded += ev.data.byteLength;
            if (msg.discarded > this.#opts.maxDiscardBytes) {
              // Not worth reading on: stop, and close once the response is out.
              msg.wanted = false;
              if (this.#state === ConnState.MIGHT_SWITCH_PROTOCOL) this.#decline(msg);
              this.#to(ConnEvent.CLOSE_AFTER);
              if (msg.exchange === null || msg.exchange.done) {
                this.#close();
                return;
              }
            }
          }
        } else if (ev.type === "end") {
          msg.bodyState = BodyState.DONE;
          msg.trailerSlot?.deliver(ev.trailers ?? []);
          msg.body?.end();
          this.#clearDeadline("body");
          if (this.#state === ConnState.MIGHT_SWITCH_PROTOCOL) this.#upgradeOrRun(msg);
          else if (msg.exchange === null || msg.exchange.done) this.#cycleDone();
        }
        continue;
      }
      if (msg !== null) {
        // A response is pending: hold pipelined bytes, within bounds.
        if (parser.buffered > this.#opts.maxPipelineBytes) this.#transport.pause();
        return;
      }
      if (this.#state === ConnState.PAUSED) {
        this.#transport.pause();
        return;
      }
      const ev = parser.next();
      if (ev === null) {
        if (this.#peerEnded) {
          // Every request the client sent is answered (a cut-off one threw above).
          this.#close();
          return;
        }
        this.#transport.resume();
        if (parser.inMessage && this.#deadlines.kind !== "headers") {
          this.#setDeadline("headers", this.#opts.headersTimeout);
        }
        return;
      }
      if (ev.type !== "head") throw new HttpParseError(400, "unexpected parser event");
      this.#clearDeadline();
      this.#begin(ev.head);
    }
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
    this.#opener.open(msg, ws, this.#flowOf);
    // An h2c upgrade is decided once the body is in (RFC 7540 §3.2): see #upgradeOrRun.
    if (!h2c) this.#run(msg);
  }

  /** Whether the connection may go on after answering `head`, as things stand now. */
  #keepAlive(head: RequestHead): boolean {
    return head.keepAlive && !this.#host.shuttingDown;
  }

  #run(msg: InFlight): void {
    const isHead = msg.head.method === "HEAD";
    const exchange = msg.exchange!;
    const handler = this.#host.handler, onError = this.#host.onError;
    // Without a body, a Response returned synchronously is sent before this
    // returns. A request with a body keeps the asynchronous order: a body that
    // turns out malformed still gets its 400 instead of a response already sent.
    // A WebSocket handshake keeps its own (asynchronous) path.
    if (msg.head.bodyKind === "none" && this.#state !== ConnState.WEBSOCKET_ASKED) {
      const rest = exchange.start(handler, msg.request!, onError, isHead);
      if (rest === null) this.#responseDone(msg);
      else rest.then(() => this.#responseDone(msg));
      return;
    }
    exchange.run(handler, msg.request!, onError, isHead).then(() => this.#responseDone(msg));
  }

  /** The h2c upgrade is not made: serve the request here. */
  #decline(msg: InFlight): void {
    this.#to(
      this.#keepAlive(msg.head) ? ConnEvent.UPGRADE_DECLINED : ConnEvent.UPGRADE_DECLINED_CLOSE,
    );
    this.#run(msg);
  }

  /**
   * The body of an Upgrade: h2c request is complete (buffered in its stream):
   * offer the connection to HTTP/2, or serve the request here.
   */
  #upgradeOrRun(msg: InFlight): void {
    const leftover = [this.#parser.takeRemaining()];
    const taken = this.#upgrade!(this.#transport, msg.head, msg.request!, leftover);
    if (!taken) {
      if (leftover[0]!.byteLength > 0) this.#parser.push(leftover[0]!);
      this.#decline(msg);
      return;
    }
    this.#to(ConnEvent.UPGRADE_TAKEN);
    this.#msg = null;
    this.#host.remove(this);
  }

  #pull(msg: InFlight): void {
    msg.wanted = true;
    if (this.#msg !== msg) return;
    const move = CONTINUE_TABLE.next(msg.expect, ContinueEvent.BODY_WANTED);
    msg.expect = move.next;
    if (move.action === ContinueAction.SEND_100) this.#transport.write(CONTINUE_100);
    this.#transport.resume();
    queueMicrotask(() => this.#process());
  }

  #cancelBody(msg: InFlight): void {
    // The handler gave up on the body: keep reading only to discard it.
    msg.wanted = true;
    if (this.#msg === msg) queueMicrotask(() => this.#process());
  }

  // ---- output: what the writer (response_writer.ts) asks of the connection --

  /** The current request's response head, with the connection's own reasons to close added. */
  #headFor(
    status: number,
    headers: Array<[string, string]>,
    length: number,
    end: boolean,
    trailers?: TrailerHint,
  ): ResponseHead {
    const msg = this.#msg!;
    const req = msg.head;
    msg.headSent = true;
    msg.expect = CONTINUE_TABLE.next(msg.expect, ContinueEvent.HEAD_SENT).next;
    // A WebSocket candidate answered without switching: the connection stays HTTP.
    if (this.#state === ConnState.WEBSOCKET_ASKED) {
      this.#to(
        this.#keepAlive(req) ? ConnEvent.UPGRADE_DECLINED : ConnEvent.UPGRADE_DECLINED_CLOSE,
      );
    }
    const head = planResponseHead(
      req,
      status,
      headers,
      length,
      end,
      trailers,
      httpDate(this.#now()),
    );
    let close = !head.keepAlive || this.#host.shuttingDown;
    // An unsent 100-continue body may still be on its way: do not try to resync.
    if (msg.expect === ContinueState.FORFEITED && msg.bodyState === BodyState.READING) close = true;
    // The client sent its last bytes: this is the last answer unless more requests wait.
    if (this.#peerEnded && this.#parser.buffered === 0) close = true;
    if (close) this.#to(ConnEvent.CLOSE_AFTER);
    head.keepAlive = this.#state === ConnState.SEND_BODY;
    return head;
  }

  /**
   * The handler accepted a WebSocket handshake: 101, then the socket belongs
   * to the session. Bytes already read past the request head are its first.
   */
  #switchToWebSocket(accept: PendingUpgrade): WebSocketSessionHandle | null {
    const msg = this.#msg;
    if (
      msg === null || this.#state !== ConnState.WEBSOCKET_ASKED || msg.bodyState !== BodyState.DONE
    ) return null;
    msg.headSent = true;
    this.#to(ConnEvent.UPGRADE_TAKEN);
    // Keep-alive, header and body deadlines end here; the session's idleTimeout takes over.
    this.#clearDeadline();
    this.#msg = null;
    this.#transport.write(switchingProtocols(accept.headers));
    const stats = this.#facts.stats;
    const session = accept.open(socketChannel(this.#transport, this.#hooks));
    this.#ws = session;
    stats.websockets++;
    session.closed.then(() => stats.websockets--);
    const leftover = this.#parser.takeRemaining();
    if (leftover.byteLength > 0) session.receive(leftover);
    if (this.#peerEnded) {
      // The client half-closed right behind its handshake: nothing more will come.
      session.peerEnded();
      this.#transport.close();
      return session;
    }
    this.#transport.resume();
    if (this.#host.shuttingDown) session.goingAway();
    return session;
  }

  /** The response failed: 500 if no head went out, else the only honest signal left is closing. */
  #abortResponse(reason: unknown): void {
    // Failed trailers are the server's own error: onError hears them, not onClientError.
    if (!(reason instanceof TrailersError)) {
      this.#host.clientError("aborted", reason, this.#facts);
    }
    const msg = this.#msg;
    this.#to(ConnEvent.CLOSE);
    if (msg !== null && !msg.headSent) {
      this.#transport.write(encodeErrorResponse(500, httpDate()));
      this.#transport.close();
    } else {
      this.#transport.abort();
    }
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
      msg.body?.error(new Error("response already sent"));
      msg.body = null;
      msg.wanted = true;
      this.#to(ConnEvent.RESPONSE_DONE);
      this.#process();
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
    if (this.#writer.backedUp && this.#transport.queued > 0) {
      // The client is not reading what we sent: answer (and read) nothing more
      // until it does, or the send timeout ends the connection. Without this
      // a client could pipeline small requests for large responses and never
      // read, and every response would wait in memory.
      this.#to(ConnEvent.CYCLE_DONE_BACKED_UP);
      this.#setDeadline("send", this.#opts.sendTimeout);
      this.#transport.pause();
      // One more turn: a drain caused by the socket closing lets #onClosed run first.
      this.#transport.drain().then(() => queueMicrotask(() => this.#drained()));
      return;
    }
    this.#to(ConnEvent.CYCLE_DONE);
    this.#setDeadline("idle", this.#opts.keepAliveTimeout);
    this.#transport.resume();
    // Answered synchronously from inside the parse loop: the loop goes on by itself.
    if (!this.#inLoop) queueMicrotask(() => this.#process());
  }

  /** The client read enough of our responses: serve the next request. */
  #drained(): void {
    this.#writer.backedUp = false;
    if (this.#state !== ConnState.PAUSED) return;
    this.#to(ConnEvent.DRAINED);
    this.#setDeadline("idle", this.#opts.keepAliveTimeout);
    this.#transport.resume();
    this.#process();
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

  #now(): number {
    return this.#inLoop ? this.#loopNow : Date.now();
  }

  #setDeadline(kind: DeadlineKind, ms: number): void {
    const counting = kind === "headers" || (kind === "body" && this.#wantsBody());
    this.#deadlines.set(kind, ms, counting, this.#now());
  }

  #clearDeadline(kind?: DeadlineKind): void {
    this.#deadlines.clear(kind, this.#now());
  }

  /** The body is wanted from the client now (not while a 100-continue is still owed). */
  #wantsBody(): boolean {
    const msg = this.#msg;
    return msg !== null && bodyFlows(msg.expect);
  }

  /** A timeout fired, or the request data rate fell below minRequestRate. */
  onDeadline(now: number): void {
    const kind = this.#deadlines.due(now);
    if (kind === "send" && this.#state === ConnState.WEBSOCKET) {
      this.#timedOut(kind, false);
      this.#transport.abort();
      this.#ws?.peerEnded(new Error("send timeout: the client does not read"));
      return;
    }
    if (kind === null || this.#finished()) return;
    if (kind !== "idle") this.#timedOut(kind, this.#deadlines.dueByRate);
    const msg = this.#msg;
    if (kind === "idle" && msg === null && !this.#parser.inMessage) {
      this.#close();
    } else if (kind === "headers" || (kind === "body" && msg !== null && !msg.headSent)) {
      this.#fail(new HttpParseError(408, `${kind} timeout`));
    } else if (kind === "body" || kind === "send") {
      this.#gone(new Error(`${kind} timeout`));
    }
  }

  /** Graceful shutdown: close now if idle, else after the current response. */
  shutdown(): void {
    if (this.#state === ConnState.WEBSOCKET) {
      this.#ws?.goingAway();
      return;
    }
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
    if (this.#state === ConnState.SWITCHED_PROTOCOL) return;
    if (this.#state === ConnState.WEBSOCKET) {
      this.#to(ConnEvent.SOCKET_CLOSED);
      this.#ws?.peerEnded(new Error("connection closed"));
      this.#host.remove(this);
      return;
    }
    this.#to(ConnEvent.SOCKET_CLOSED);
    this.#host.remove(this);
    this.#msg?.abort(new Error("connection closed"));
  }

  /** Reports a fired timeout, named by its option (the data rate's, or the kind's). */
  #timedOut(kind: DeadlineKind, rate: boolean): void {
    const option = rate ? "http1.minRequestRate" : `http1.${kind}Timeout`;
    this.#host.clientError("timeout", new Error(`${kind} timeout`), this.#facts, undefined, option);
  }

  /** The shutdown deadline passed: abort the exchange in flight (req.signal) and the socket. */
  terminate(): void {
    if (this.#state === ConnState.WEBSOCKET) {
      this.#transport.abort();
      this.#ws?.peerEnded(new Error("server shutdown deadline passed"));
      return;
    }
    if (this.#finished()) return;
    this.#gone(new Error("server shutdown deadline passed"));
  }
}
