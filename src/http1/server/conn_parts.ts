/**
 * What an HTTP/1.1 connection needs only while it is in use: the request
 * reader (the parser and its loop), the timeouts, the request opener and the
 * response writer. The driver makes them when the connection opens, lets
 * them go together when it rests (idle for {@link REST_AFTER_MS}: about 20
 * objects fewer per idle keep-alive connection), and makes them again on
 * its next byte.
 *
 * @module
 */
import type { Transport } from "../../transport/types.ts";
import type { ConnectionFacts } from "../../fetch/info.ts";
import type { ServerHost } from "../../fetch/host.ts";
import { topicsOf } from "../../websocket/topics.ts";
import type { Http1Options } from "./options.ts";
import { Timeouts } from "./timeouts.ts";
import { type ReaderHost, RequestReader } from "./request_reader.ts";
import { Http1Writer } from "./response_writer.ts";
import { type ResponseOwner, ResponseSide } from "./response_side.ts";
import { RequestOpener } from "./request_open.ts";
import type { InFlight } from "./in_flight.ts";
import { HttpParseError } from "../core/errors.ts";

/**
 * How long a keep-alive connection waits for its next request before it
 * rests. A busy connection never waits that long, so it never pays for
 * making its parts again.
 */
export const REST_AFTER_MS = 500;

/**
 * The parts of one connection in use.
 */
export class ConnParts {
  /** The running timeout and the request data rate. */
  readonly timers: Timeouts;
  /** The exchange's side of the connection: frames and writes responses. */
  readonly writer: Http1Writer;
  /** Builds each request's body, exchange and Request. */
  readonly opener: RequestOpener;
  /** The input side: the parser and its loop. */
  readonly reader: RequestReader;
  /** When the connection, idle, may rest (ms epoch), 0 for not now. */
  #restAt = 0;
  readonly #host: ServerHost;
  readonly #facts: ConnectionFacts;

  constructor(
    t: Transport,
    host: ServerHost,
    facts: ConnectionFacts,
    options: Http1Options,
    link: ResponseOwner & ReaderHost,
  ) {
    this.#host = host;
    this.#facts = facts;
    const timers = this.timers = new Timeouts(options);
    const out = new ResponseSide(t, host, facts, timers, link);
    this.writer = new Http1Writer(t, out, options.maxHeaderBytes);
    this.opener = new RequestOpener(t.secure, facts, this.writer, topicsOf(host));
    this.reader = new RequestReader(t, timers, options, link);
  }

  /** When the driver's onDeadline must run (ms epoch), 0 for never: a timeout or the rest. */
  get deadline(): number {
    const at = this.timers.at, rest = this.#restAt;
    return rest !== 0 && (at === 0 || rest < at) ? rest : at;
  }

  /** The connection waits for a request: the idle timeout runs, and the rest is due after a while. */
  idle(): void {
    this.timers.start("idle");
    this.#restAt = this.timers.now() + REST_AFTER_MS;
  }

  /** Made again after a rest: the idle timeout as it ran (due at `idleAt`, 0: never). */
  resumeIdle(idleAt: number): void {
    this.timers.resumeIdle(idleAt);
    // Bytes that begin no request (empty lines) leave it idle: it may rest again.
    this.#restAt = this.timers.now() + REST_AFTER_MS;
  }

  /**
   * The rest's time came (then it is cleared): true when nothing is read, queued or awaited, so
   * that the parts may go. The driver checks its own side (its state and the request in flight).
   */
  restDue(now: number, t: Transport): boolean {
    if (this.#restAt === 0 || this.#restAt > now) return false;
    this.#restAt = 0;
    const r = this.reader;
    return this.timers.kind === "idle" && r.buffered === 0 && !r.inMessage && !r.peerEnded &&
      !r.inLoop && !this.writer.backedUp && t.queued === 0;
  }

  /**
   * The timeout due at `now`, if any (then cleared), reported under its option (not idle: an idle
   * client did nothing wrong), and what it means with `msg` in flight: "close" (idle, nothing
   * read), a 408 to answer, an Error to cut the connection with, or null for nothing.
   */
  expire(now: number, msg: InFlight | null): "close" | HttpParseError | Error | null {
    const timers = this.timers;
    const kind = timers.due(now);
    if (kind === null || kind === "none") return null;
    const why = `${kind} timeout`;
    if (kind !== "idle") {
      const option = timers.option(kind, timers.dueByRate);
      this.#host.clientError("timeout", new Error(why), this.#facts, undefined, option);
    }
    if (kind === "idle" && msg === null && !this.reader.inMessage) return "close";
    if (kind === "headers" || (kind === "body" && msg !== null && !msg.headSent)) {
      return new HttpParseError(408, why);
    }
    return kind === "body" || kind === "send" ? new Error(why) : null;
  }
}
