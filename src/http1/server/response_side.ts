/**
 * The output side of an HTTP/1.1 connection: what the response writer and a
 * WebSocket handshake ask of it. A response head gets the connection's own
 * reasons to close added (shutdown, a forfeited 100-continue body, the
 * client's last request); a failed response becomes a 500, or a cut
 * connection once a head went out; an accepted WebSocket handshake gets its
 * 101, and the connection goes to a WebSocketConnection (ws_mode.ts). The connection's state moves only
 * through its owner (the driver).
 *
 * @module
 */
import type { Transport } from "../../transport/types.ts";
import type { ConnectionFacts } from "../../fetch/info.ts";
import type { TrailerHint } from "../../fetch/exchange.ts";
import { TrailersError } from "../../fetch/trailers.ts";
import { abortStatus } from "../../fetch/writer.ts";
import type { ServerHost } from "../../fetch/host.ts";
import type { PendingUpgrade } from "../../websocket/registry.ts";
import type { WebSocketSessionHandle } from "../../websocket/channel.ts";
import { httpDate } from "../../bytes/date.ts";
import type { RequestHead } from "../core/parser.ts";
import { ConnEvent, ConnState } from "../core/conn_table.ts";
import { ContinueState } from "../core/continue_table.ts";
import { encodeErrorResponse, type ResponseHead } from "../core/serializer.ts";
import type { WriterHost } from "./response_writer.ts";
import { BodyState, type InFlight } from "./in_flight.ts";
import { planResponseHead } from "./response_head.ts";
import type { Timeouts } from "./timeouts.ts";
import { WebSocketConnection } from "./ws_mode.ts";
import type { WireGrant } from "../../fetch/wire_types.ts";
import { RawWire } from "./wire_raw.ts";

/**
 * What the output side asks of its connection.
 */
export interface ResponseOwner {
  /** The request being answered, if any. */
  current(): InFlight | null;
  /** The connection's state. */
  state(): ConnState;
  /** The request became a WebSocket: the connection has a new owner (the driver lets go). */
  switched(): void;
  /** Moves the connection's state (conn_table.ts). */
  to(event: ConnEvent): void;
  /** A protocol switch asked for is not made: the connection stays HTTP/1.1. */
  declined(head: RequestHead): void;
  /** The client ended its input and nothing of it is unread: this is the last answer. */
  lastAnswer(): boolean;
  /** The request became a WebSocket and leaves the connection: the bytes read past it. */
  handOver(): Uint8Array;
  /** The client closed its sending side. */
  peerEnded(): boolean;
}

/**
 * The connection as the response writer and a WebSocket channel see it.
 */
export class ResponseSide implements WriterHost {
  readonly #t: Transport;
  readonly #host: ServerHost;
  readonly #facts: ConnectionFacts;
  readonly #timers: Timeouts;
  readonly #owner: ResponseOwner;

  constructor(
    t: Transport,
    host: ServerHost,
    facts: ConnectionFacts,
    timers: Timeouts,
    owner: ResponseOwner,
  ) {
    this.#t = t;
    this.#host = host;
    this.#facts = facts;
    this.#timers = timers;
    this.#owner = owner;
  }

  /** The current request's response head, with the connection's own reasons to close added. */
  headFor(
    status: number,
    headers: Array<[string, string]>,
    length: number,
    end: boolean,
    trailers?: TrailerHint,
  ): ResponseHead {
    const owner = this.#owner;
    const msg = owner.current()!;
    const req = msg.head;
    msg.headGoesOut();
    // A WebSocket candidate answered without switching: the connection stays HTTP.
    if (owner.state() === ConnState.WEBSOCKET_ASKED) owner.declined(req);
    const date = httpDate(this.#timers.now());
    const head = planResponseHead(req, status, headers, length, end, trailers, date);
    let close = !head.keepAlive || this.#host.shuttingDown;
    // An unsent 100-continue body may still be on its way: do not try to resync.
    if (msg.expect === ContinueState.FORFEITED && msg.bodyState === BodyState.READING) close = true;
    // The client sent its last bytes: this is the last answer unless more requests wait.
    if (owner.lastAnswer()) close = true;
    if (close) owner.to(ConnEvent.CLOSE_AFTER);
    head.keepAlive = owner.state() === ConnState.SEND_BODY;
    return head;
  }

  /** A drain is awaited: start `http1.sendTimeout`. */
  armSendTimeout(): void {
    this.#timers.start("send");
  }

  /** The socket drained. */
  clearSendTimeout(): void {
    this.#timers.stop("send");
  }

  /** The response failed: 500 if no head went out, else the only honest signal left is closing. */
  abortResponse(reason: unknown): number {
    // Failed trailers are the server's own error: onError hears them, not onClientError.
    if (!(reason instanceof TrailersError)) {
      this.#host.clientError("aborted", reason, this.#facts);
    }
    const msg = this.#owner.current();
    this.#owner.to(ConnEvent.CLOSE);
    if (msg !== null && !msg.headSent) {
      const status = abortStatus(reason);
      this.#t.write(encodeErrorResponse(status, httpDate()));
      this.#t.close();
      return status;
    }
    this.#t.abort();
    return 0;
  }

  /**
   * The handler accepted a WebSocket handshake: 101, then the socket belongs
   * to the session and the connection to a {@link WebSocketConnection}.
   * Bytes already read past the request head are its first.
   */
  upgrade(accept: PendingUpgrade): WebSocketSessionHandle | null {
    const owner = this.#owner;
    const msg = owner.current();
    if (
      msg === null || owner.state() !== ConnState.WEBSOCKET_ASKED ||
      msg.bodyState !== BodyState.DONE
    ) return null;
    msg.headSent = true;
    owner.to(ConnEvent.UPGRADE_TAKEN);
    // Keep-alive, header and body deadlines end here; the session's idleTimeout takes over.
    this.#timers.stop();
    const leftover = owner.handOver();
    const peerEnded = owner.peerEnded();
    const sendTimeout = this.#timers.length("send");
    const ws = new WebSocketConnection(this.#t, this.#host, this.#facts, sendTimeout, accept);
    owner.switched();
    ws.start(leftover, peerEnded);
    return ws.session;
  }

  /** wire(req): raw bytes; the connection closes after them unless the handler vouches for them. */
  rawWire(ready: () => Promise<void>): WireGrant | null {
    const owner = this.#owner;
    const msg = owner.current();
    if (msg === null || msg.headSent || owner.state() === ConnState.WEBSOCKET_ASKED) return null;
    msg.headGoesOut();
    return new RawWire(this.#t, {
      ready,
      abort: (reason) => this.abortResponse(reason),
      finished: (close) => {
        const unsent = msg.expect === ContinueState.FORFEITED &&
          msg.bodyState === BodyState.READING;
        if (close || unsent || this.#host.shuttingDown || owner.lastAnswer()) {
          owner.to(ConnEvent.CLOSE_AFTER);
        }
      },
    });
  }
}
