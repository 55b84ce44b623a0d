/**
 * One HTTP/2 stream as the driver sees it: the exchange's response writer
 * (HEADERS, DATA, trailers, END_STREAM, reset) and the request body's feeder
 * (window credit as the application reads). Its life moves only through the
 * table in `stream_life.ts`.
 *
 * @module
 */
import type { Exchange, ResponseWriter, TrailerHint } from "../../fetch/exchange.ts";
import type { RequestTrailerSlot } from "../../fetch/request_trailers.ts";
import { TrailersError } from "../../fetch/trailers.ts";
import { abortStatus } from "../../fetch/writer.ts";
import { ownBuffer, type RequestBody } from "../../fetch/body.ts";
import { httpDate } from "../../bytes/date.ts";
import { isAscii } from "../../bytes/ascii.ts";
import type { H2Connection } from "../core/connection.ts";
import { ErrorCode } from "../core/errors.ts";
import { LifeEvent, nextLife, StreamLife } from "./stream_life.ts";
import type { HeaderList } from "../core/events.ts";
import { responseHeaders } from "./request_parts.ts";
import type { SendWatch } from "./send_watch.ts";
import type { ClientErrorKind } from "../../types.ts";
import type { PendingUpgrade } from "../../websocket/registry.ts";
import type { WebSocketSessionHandle } from "../../websocket/channel.ts";
import type { WsStream } from "./ws_stream.ts";
import type { WireGrant } from "../../fetch/wire_types.ts";
import { WireStream } from "./wire_stream.ts";

const utf8 = new TextEncoder();

const EMPTY = new Uint8Array(0);
const STATUS_500: HeaderList = [[":status", "500"], ["content-length", "0"]];
const STATUS_503: HeaderList = [[":status", "503"], ["content-length", "0"]];

/**
 * What a stream needs from its connection driver.
 */
export interface StreamHost {
  /** The protocol core. */
  readonly conn: H2Connection;
  /** Streams with response DATA handed to the core (the send timeout's watch). */
  readonly sending: SendWatch<DriverStream>;
  /** Schedules one flush of the core's output for the end of this turn. */
  flushSoon(): void;
  /** Resets a stream with NO_ERROR once its response has been written. */
  resetWhenSent(s: DriverStream): void;
  /** Whether a stream may queue more DATA now. */
  writable(s: DriverStream): boolean;
  /** Parks a stream until writable. */
  wait(s: DriverStream): void;
  /** A stream became a WebSocket. */
  webSocketOpened(s: DriverStream, session: WebSocketSessionHandle): void;
  /** The stream died on the wire: abort its exchange and body. */
  lost(s: DriverStream, reason: Error): void;
  /** Tells the server about a client error on this connection. */
  report(kind: ClientErrorKind, error: unknown, code?: number): void;
  /** A stream holds its response HEADERS back: release them at the next flush at the latest. */
  hold(s: DriverStream): void;
}

/** A response HEADERS with a declared length up to this may wait for its body (see head()). */
const HOLD_MAX = 16 * 1024;

/**
 * One stream as the driver sees it: the exchange's writer and the request body's feeder.
 */
export class DriverStream implements ResponseWriter {
  /** The stream id. */
  readonly id: number;
  /** The connection driver. */
  readonly host: StreamHost;
  /** The exchange running the handler for this stream. */
  exchange: Exchange | null = null;
  /** The request body's stream feeder; null without a body. */
  reqBody: RequestBody | null = null;
  /** Where requestTrailers(req) learns the outcome; only requests with a body have one. */
  trailerSlot: RequestTrailerSlot | null = null;
  /** Body bytes given to the body stream. */
  pushed = 0;
  /** Body bytes credited back to the windows. */
  credited = 0;
  /** Where the stream is in its life; moved only by {@link DriverStream.step}. */
  life: StreamLife;
  /** Request body bytes are no longer wanted: credit them as they arrive. */
  discard = false;
  /** Response HEADERS have been queued. */
  headSent = false;
  /** The client asked `expect: 100-continue` and no interim answer has gone out yet. */
  expectContinue = false;
  /** Resolves a pending ready(). */
  waiter: (() => void) | null = null;
  /** Response DATA bytes handed to the core (sent = out - queued): the send timeout's progress. */
  out = 0;
  /** Bytes sent when the stream was last seen making progress. */
  stallSent = -1;
  /** Since when it has not moved (0: not stalled). */
  stallSince = 0;
  /** An RFC 8441 extended CONNECT: its WebSocket side (ws_stream.ts). Null otherwise. */
  ws: WsStream | null = null;
  /** Response HEADERS held back until the body is known whole (or the next flush). */
  #heldHead: HeaderList | null = null;
  /** The declared length of the held response. */
  #heldLength = 0;
  /** The one body chunk held with them. */
  #heldBody: Uint8Array | null = null;

  /** `remoteDone`: the request arrived with END_STREAM. */
  constructor(id: number, host: StreamHost, remoteDone: boolean) {
    this.id = id;
    this.host = host;
    this.life = remoteDone ? StreamLife.REMOTE_DONE : StreamLife.OPEN;
  }

  /** Applies an event to the stream's life. */
  step(event: LifeEvent): void {
    this.life = nextLife(this.life, event);
  }

  /** The response is in progress and the stream is live on the wire: it may send. */
  get canSend(): boolean {
    return this.life === StreamLife.OPEN || this.life === StreamLife.REMOTE_DONE;
  }

  /** The stream is live on the wire (request bytes may be credited). */
  get live(): boolean {
    return this.life <= StreamLife.ANSWERED;
  }

  /**
   * Request DATA: the WebSocket's, or the body stream's (copied: the event
   * aliases the socket chunk, and byte streams transfer buffers). Past
   * `maxBodyBytes` the body fails (413). False when nobody wants the bytes:
   * the driver credits them.
   */
  receiveData(data: Uint8Array, maxBodyBytes: number): boolean {
    if (this.ws?.takesData) {
      this.ws.receive(ownBuffer(data));
      return true;
    }
    const body = this.reqBody;
    if (this.discard || body === null || body.closed) return false;
    const len = data.byteLength;
    this.pushed += len;
    if (this.pushed > maxBodyBytes) {
      this.host.conn.consumed(this.id, len);
      this.#tooLarge();
      return true;
    }
    body.push(ownBuffer(data));
    return true;
  }

  /** The client's END_STREAM: the body and its trailers are complete. */
  remoteEnd(): void {
    this.step(LifeEvent.REMOTE_END);
    this.trailerSlot?.deliver([]);
    this.reqBody?.end();
    // Without a close frame first, the WebSocket ends abnormally (1006).
    this.ws?.peerEnded();
  }

  /**
   * The request body crossed maxBodyBytes: its stream errors; the client gets
   * 413, or RST_STREAM CANCEL once the response has started (a 413 can no
   * longer be said, and REFUSED_STREAM would wrongly promise the request was
   * not processed, inviting a retry, §8.7).
   */
  #tooLarge(): void {
    const err = new RangeError("request body larger than http2.maxBodyBytes");
    this.reqBody?.error(err);
    this.trailerSlot?.fail(err);
    this.reqBody = null;
    if (this.headSent) {
      this.host.conn.resetStream(this.id, ErrorCode.CANCEL);
      this.host.lost(this, err);
      return;
    }
    this.headSent = true;
    this.host.conn.sendHeaders(this.id, [[":status", "413"], ["content-length", "0"]], true);
    this.exchange?.cancel(err);
    this.finish();
  }

  /** The body stream wants more: credit what the application has read so far. */
  pull(): void {
    const b = this.reqBody;
    if (b === null || !this.live) return;
    if (this.expectContinue && !this.headSent) {
      // The application reads: now ask the client for the body (RFC 9110 §10.1.1).
      this.expectContinue = false;
      this.host.conn.sendHeaders(this.id, [[":status", "100"]], false);
      this.host.flushSoon();
    }
    const read = this.pushed - b.buffered - this.credited;
    if (read > 0) {
      this.credited += read;
      this.host.conn.consumed(this.id, read);
      this.host.flushSoon();
    }
  }

  /** The application cancelled the body: take the rest as it comes and credit it. */
  cancel(): void {
    this.discard = true;
    const owed = this.pushed - this.credited;
    if (owed > 0 && this.live) {
      this.credited = this.pushed;
      this.host.conn.consumed(this.id, owed);
      this.host.flushSoon();
    }
  }

  /**
   * The exchange finished. If the request body is still coming, it is
   * cancelled, and once our END_STREAM is out the client is asked to stop
   * with RST_STREAM NO_ERROR (RFC 9113 §8.1); until then it is drained.
   */
  finish(): void {
    this.trailerSlot?.responseDone();
    const wasOpen = this.life === StreamLife.OPEN;
    this.step(LifeEvent.ANSWER);
    if (wasOpen) {
      this.reqBody?.error(new Error("response already sent"));
      this.cancel();
      this.host.resetWhenSent(this);
    }
  }

  // ---- ResponseWriter -------------------------------------------------------

  /** Queues response HEADERS (END_STREAM when there is no body). No `Trailer` field is added: it is advisory. */
  head(
    status: number,
    headers: Array<[string, string]>,
    length: number,
    end: boolean,
    trailerHint?: TrailerHint,
  ): void {
    if (!this.canSend) return;
    this.headSent = true;
    const fields = responseHeaders(status, headers, length, httpDate());
    if (!end && length > 0 && length <= HOLD_MAX && trailerHint === undefined) {
      // A body of known small length usually follows at once: HEADERS, DATA and
      // END_STREAM then go to the core in one sendWhole (see end()).
      this.#heldHead = fields;
      this.#heldLength = length;
      this.host.hold(this);
    } else {
      this.host.conn.sendHeaders(this.id, fields, end);
    }
    this.host.flushSoon();
  }

  /** Sends held HEADERS (and the body chunk held with them) the ordinary way. */
  release(): void {
    const fields = this.#heldHead;
    if (fields === null) return;
    const body = this.#heldBody;
    this.#heldHead = this.#heldBody = null;
    if (!this.canSend) return;
    this.host.conn.sendHeaders(this.id, fields, false);
    if (body !== null) this.#data(body);
  }

  /**
   * A whole response (a string body is ASCII): HEADERS and a small body go
   * out together, in one core call; a body the windows cannot take yet is
   * queued and watched like any DATA.
   */
  whole(
    status: number,
    headers: Array<[string, string]>,
    body: string | Uint8Array,
    isHead: boolean,
  ): void {
    if (!this.canSend) return;
    this.headSent = true;
    const length = typeof body === "string" ? body.length : body.byteLength;
    const d = this.host;
    const fields = responseHeaders(status, headers, length, httpDate());
    const queued = d.conn.sendWhole(this.id, fields, isHead ? null : body);
    if (queued > 0) {
      this.out += queued;
      d.sending.add(this);
    }
    d.flushSoon();
  }

  /**
   * A whole response with a text body of any size or content. ASCII text (as
   * JSON and HTML mostly are) is queued as the string and encoded into its
   * DATA frames as they are written: no body bytes are made per response.
   */
  wholeText(status: number, headers: Array<[string, string]>, text: string, isHead: boolean): void {
    this.whole(status, headers, isAscii(text) ? text : utf8.encode(text), isHead);
  }

  /** Queues DATA (by reference); false when the stream or the socket is backed up. */
  body(chunk: Uint8Array): boolean {
    if (!this.canSend) return true;
    if (chunk.byteLength === 0) return true;
    if (this.#heldHead !== null) {
      if (this.#heldBody === null && chunk.byteLength === this.#heldLength) {
        this.#heldBody = chunk;
        return true;
      }
      this.release();
    }
    this.#data(chunk);
    return this.host.writable(this);
  }

  #data(chunk: Uint8Array): void {
    const d = this.host;
    d.conn.sendData(this.id, chunk, false);
    this.out += chunk.byteLength;
    d.sending.add(this);
    d.flushSoon();
  }

  /** Resolves when the stream may queue more (or is gone). */
  ready(): Promise<void> {
    this.release();
    if (!this.canSend || this.host.writable(this)) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.host.wait(this);
    });
  }

  /** The handler accepted an RFC 8441 WebSocket (see ws_stream.ts). */
  upgrade(accept: PendingUpgrade): WebSocketSessionHandle | null {
    return this.ws?.accept(accept) ?? null;
  }

  /** wire(req): the handler takes the stream's frames over (wire_stream.ts). */
  wire(): WireGrant | null {
    if (this.headSent || !this.canSend) return null;
    this.headSent = true;
    const host = this.host;
    return new WireStream({
      id: this.id,
      conn: host.conn,
      flushSoon: () => host.flushSoon(),
      nextFlush: () =>
        new Promise<void>((resolve) => {
          this.waiter = resolve;
          host.wait(this);
        }),
    });
  }

  /** END_STREAM after the queued DATA. */
  end(): void {
    if (!this.canSend) return;
    const fields = this.#heldHead;
    if (fields !== null && this.#heldBody !== null) {
      const body = this.#heldBody;
      this.#heldHead = this.#heldBody = null;
      const queued = this.host.conn.sendWhole(this.id, fields, body);
      if (queued > 0) {
        this.out += queued;
        this.host.sending.add(this);
      }
    } else {
      this.release();
      this.host.conn.sendData(this.id, EMPTY, true);
    }
    this.host.flushSoon();
  }

  /** Trailers are held to the peer's SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2), when it set one. */
  trailersFit(fields: Array<[string, string]>): boolean {
    const max = this.host.conn.remoteSettings.maxHeaderListSize;
    if (max === Infinity) return true;
    let size = 0;
    for (const [name, value] of fields) size += name.length + value.length + 32;
    return size <= max;
  }

  /** Trailers: HEADERS with END_STREAM after the queued DATA. */
  trailers(fields: Array<[string, string]>): void {
    this.release();
    if (!this.canSend) return;
    this.host.conn.sendTrailers(this.id, fields);
    this.host.flushSoon();
  }

  /** The response failed: 500 (503 for a deadline) if nothing was sent, else RST_STREAM INTERNAL_ERROR. */
  abort(reason: unknown): number {
    this.release();
    if (!this.canSend) return 0;
    const conn = this.host.conn;
    let status = 0;
    if (!this.headSent) {
      this.headSent = true;
      status = abortStatus(reason);
      conn.sendHeaders(this.id, status === 503 ? STATUS_503 : STATUS_500, true);
    } else {
      conn.resetStream(this.id, ErrorCode.INTERNAL_ERROR);
      // Failed trailers are the server's own error: onError hears them, not onClientError.
      if (!(reason instanceof TrailersError)) {
        this.host.report("aborted", reason, ErrorCode.INTERNAL_ERROR);
      }
      this.host.lost(this, new Error("response failed"));
    }
    this.host.flushSoon();
    return status;
  }
}
