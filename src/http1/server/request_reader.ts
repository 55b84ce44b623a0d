/**
 * The input side of an HTTP/1.1 connection: socket bytes into the parser,
 * and the parse loop that finds request heads and feeds the body of the
 * request in flight, as far as the connection lets it. Reading stops while
 * the handler does not want body bytes, while a response is pending (past
 * `maxPipelineBytes` of pipelined bytes) and while the client is not
 * reading our responses. The body stream's pull and cancel (and the
 * `100 Continue` a pull may owe) restart it. What each step means for the connection (its
 * state, the h2c decision, the next request) is the driver's to decide.
 *
 * @module
 */
import type { Transport } from "../../transport/types.ts";
import { type RequestHead, RequestParser } from "../core/parser.ts";
import { HttpParseError } from "../core/errors.ts";
import { CONTINUE_100 } from "../core/serializer.ts";
import type { BodyFlow } from "../../fetch/body.ts";
import type { Http1Options } from "./options.ts";
import { BodyState, type InFlight } from "./in_flight.ts";
import type { Timeouts } from "./timeouts.ts";

/**
 * What the reader asks of its connection.
 */
export interface ReaderHost {
  /** The request in flight, if any. */
  current(): InFlight | null;
  /** Closing, closed or handed over: nothing more to read or answer. */
  finished(): boolean;
  /** The client does not read our responses: read nothing more until it does. */
  paused(): boolean;
  /** The handler stopped wanting the body (an h2c Upgrade then is served on HTTP/1.1). */
  bodyHeld(msg: InFlight): void;
  /** More body was thrown away than `maxDiscardBytes`: stop. True if the connection closed. */
  discardOverflow(msg: InFlight): boolean;
  /** The body is complete. */
  bodyDone(msg: InFlight): void;
  /** A request head arrived. */
  begin(head: RequestHead): void;
  /** The client ended its input and every request it sent is answered. */
  allAnswered(): void;
  /** The input is malformed (an HttpParseError names the status). */
  fail(e: unknown): void;
}

/**
 * Reads requests off one connection.
 */
export class RequestReader {
  readonly #parser: RequestParser;
  readonly #transport: Transport;
  readonly #timers: Timeouts;
  readonly #opts: Http1Options;
  readonly #host: ReaderHost;
  /** The client closed its sending side: no more requests will come. */
  #peerEnded = false;
  /** The loop is on the stack (a transport may deliver data from inside resume()). */
  #inLoop = false;

  constructor(t: Transport, timers: Timeouts, options: Http1Options, host: ReaderHost) {
    this.#parser = new RequestParser(options);
    this.#transport = t;
    this.#timers = timers;
    this.#opts = options;
    this.#host = host;
  }

  /** The client closed its sending side. */
  get peerEnded(): boolean {
    return this.#peerEnded;
  }

  /** The parse loop is running (what it answers, it goes on from by itself). */
  get inLoop(): boolean {
    return this.#inLoop;
  }

  /** Bytes received and not parsed yet. */
  get buffered(): number {
    return this.#parser.buffered;
  }

  /** Part of a request head or body has been read. */
  get inMessage(): boolean {
    return this.#parser.inMessage;
  }

  /** A request body's pull and cancel, as the body stream calls them. */
  readonly flowOf = (msg: InFlight): BodyFlow => ({
    pull: () => this.#pull(msg),
    cancel: () => this.#cancelBody(msg),
  });

  /** Bytes from the socket. */
  receive(chunk: Uint8Array): void {
    this.#timers.received(chunk.byteLength);
    this.#parser.push(chunk);
    this.process();
  }

  /** The client half-closed; throws when that cut a request short. */
  end(): void {
    this.#peerEnded = true;
    this.#parser.finish();
  }

  /** Everything read past the current message (handed over with the connection). */
  takeRemaining(): Uint8Array {
    return this.#parser.takeRemaining();
  }

  /** Bytes handed back (an h2c Upgrade that was not taken). */
  pushBack(bytes: Uint8Array): void {
    if (bytes.byteLength > 0) this.#parser.push(bytes);
  }

  #pull(msg: InFlight): void {
    msg.wanted = true;
    if (this.#host.current() !== msg) return;
    if (msg.pullBody()) this.#transport.write(CONTINUE_100);
    this.#transport.resume();
    queueMicrotask(() => this.process());
  }

  #cancelBody(msg: InFlight): void {
    // The handler gave up on the body: keep reading only to discard it.
    msg.wanted = true;
    if (this.#host.current() === msg) queueMicrotask(() => this.process());
  }

  /** Drives the parser as far as the connection allows. Re-entrancy safe. */
  process(): void {
    if (this.#inLoop) return;
    this.#inLoop = true;
    this.#timers.beginPass();
    try {
      this.#loop();
    } catch (e) {
      this.#host.fail(e);
    } finally {
      this.#inLoop = false;
      this.#timers.endPass();
    }
  }

  #loop(): void {
    const parser = this.#parser;
    const host = this.#host;
    for (;;) {
      if (host.finished()) return;
      const msg = host.current();
      if (msg !== null && msg.bodyState === BodyState.READING) {
        if (!msg.wanted) {
          host.bodyHeld(msg);
          this.#timers.stop("body");
          this.#transport.pause();
          return;
        }
        const ev = parser.next();
        if (ev === null) {
          this.#transport.resume();
          if (msg.body !== null && msg.wanted) this.#timers.start("body", msg.bodyFlows);
          return;
        }
        if (ev.type === "data") {
          if (msg.bodyData(ev.data, this.#opts.maxDiscardBytes) && host.discardOverflow(msg)) {
            return;
          }
        } else if (ev.type === "end") {
          msg.bodyEnd(ev.trailers);
          this.#timers.stop("body");
          host.bodyDone(msg);
        }
        continue;
      }
      if (msg !== null) {
        // A response is pending: hold pipelined bytes, within bounds.
        if (parser.buffered > this.#opts.maxPipelineBytes) this.#transport.pause();
        return;
      }
      if (host.paused()) {
        this.#transport.pause();
        return;
      }
      const ev = parser.next();
      if (ev === null) {
        if (this.#peerEnded) {
          // Every request the client sent is answered (a cut-off one threw above).
          host.allAnswered();
          return;
        }
        this.#transport.resume();
        if (parser.inMessage && this.#timers.kind !== "headers") this.#timers.start("headers");
        return;
      }
      if (ev.type !== "head") throw new HttpParseError(400, "unexpected parser event");
      this.#timers.stop();
      host.begin(ev.head);
    }
  }
}
