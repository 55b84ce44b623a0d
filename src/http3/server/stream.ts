/**
 * One HTTP/3 request stream as the driver sees it: the exchange's writer
 * (HEADERS and DATA frames straight onto the QUIC stream, waiting on the
 * stream's own backpressure) and the request body fed from DATA.
 *
 * @module
 */
import type { ResponseWriter, TrailerHint } from "../../fetch/exchange.ts";
import type { Exchange } from "../../fetch/exchange.ts";
import type { BodyFlow, RequestBody } from "../../fetch/body.ts";
import type { RequestTrailerSlot } from "../../fetch/request_trailers.ts";
import type { QuicRecv, QuicSend } from "../../transport/quic_types.ts";
import { responseHeaders } from "../../http2/server/request_parts.ts";
import { httpDate } from "../../bytes/date.ts";
import { H3Code } from "../core/errors.ts";
import type { H3Connection } from "../core/connection.ts";

/**
 * What a stream needs from its driver.
 */
export interface StreamOwner {
  /** Carry out the core's queued actions (encoder-stream bytes before a HEADERS). */
  pump(): void;
  /** The stream is done both ways: forget it. */
  finished(s: H3Stream): void;
  /** A response's FIN is on its way; a drain waits for it before closing. */
  sending(fin: Promise<void>): void;
  /** Whether a stream reset carries its code (see QuicSession.streamCodes). */
  readonly streamCodes: boolean;
  /**
   * A begun response must be cut off, but the transport cannot reset a
   * stream with a code (its reset would be a FIN, a truncated body that looks
   * whole): the connection closes with `code` instead.
   */
  cutOff(code: number, reason: string): void;
  /** The peer stopped our sending (STOP_SENDING) or the connection went: the stream is lost. */
  sendFailed(s: H3Stream, reason: unknown): void;
}

/**
 * A request stream: writer for the exchange, body flow for the request.
 */
export class H3Stream implements ResponseWriter, BodyFlow {
  exchange: Exchange | null = null;
  reqBody: RequestBody | null = null;
  trailerSlot: RequestTrailerSlot | null = null;
  /** The request's DATA is not wanted (GET/HEAD, refused requests). */
  discard = false;
  /** The response is complete or aborted. */
  sent = false;
  /** The request side ended (FIN, reset or error). */
  received = false;
  /** Request body bytes received so far. */
  pushed = 0;
  /** The response's HEADERS went out. */
  headSent = false;

  constructor(
    readonly id: number,
    readonly core: H3Connection,
    readonly owner: StreamOwner,
    readonly recv: QuicRecv,
    readonly send: QuicSend,
  ) {
    send.onFail((e) => owner.sendFailed(this, e));
  }

  // ---- ResponseWriter ---------------------------------------------------------

  head(
    status: number,
    headers: Array<[string, string]>,
    length: number,
    end: boolean,
    _trailers?: TrailerHint,
  ): void {
    if (this.sent) return;
    let fields = responseHeaders(status, headers, length, httpDate());
    if (!this.core.fieldSectionFits(fields)) {
      // RFC 9114 §4.2.2: not sent past the client's SETTINGS_MAX_FIELD_SECTION_SIZE; a bare 500 instead.
      fields = [[":status", "500"], ["content-length", "0"]];
      end = true;
      this.exchange?.cancel(
        new RangeError("response field section larger than the client's max field section size"),
      );
    }
    const frame = this.core.headersFrame(this.id, fields);
    this.owner.pump();
    this.headSent = true;
    this.send.write(frame);
    if (end) this.end();
  }

  /** Trailers are held to the client's SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114 §4.2.2). */
  trailersFit(fields: Array<[string, string]>): boolean {
    return this.core.fieldSectionFits(fields);
  }

  trailers(fields: Array<[string, string]>): void {
    if (this.sent) return;
    const frame = this.core.headersFrame(this.id, fields);
    this.owner.pump();
    this.send.write(frame);
    this.end();
  }

  /** DATA: its header and the chunk as written by the handler (no copy). */
  body(chunk: Uint8Array): boolean {
    if (this.sent || chunk.byteLength === 0) return true;
    this.send.write(this.core.dataHeader(chunk.byteLength));
    return this.send.write(chunk);
  }

  ready(): Promise<void> {
    return this.send.ready();
  }

  end(): void {
    if (this.sent) return;
    this.sent = true;
    this.owner.sending(this.send.end());
    // RFC 9114 §4.1: the response is complete, so the rest of the request body
    // is not wanted: STOP_SENDING (H3_NO_ERROR) rather than a client left blocked.
    if (!this.received) {
      this.reqBody?.error(
        new Error("the response is complete; the request body is no longer read"),
      );
      this.trailerSlot?.fail(new Error("the response is complete"));
      this.cancel();
    }
    this.#maybeDone();
  }

  abort(_reason: unknown): void {
    this.resetBoth(H3Code.INTERNAL_ERROR);
  }

  // ---- BodyFlow ---------------------------------------------------------------

  /** The handler wants more of the body: read the QUIC stream again. */
  pull(): void {
    this.recv.resume();
  }

  /** The handler gave up on the body: STOP_SENDING, keep answering. */
  cancel(): void {
    this.reqBody = null;
    this.discard = true;
    if (!this.received) {
      this.received = true;
      this.recv.stop(H3Code.NO_ERROR);
      this.#maybeDone();
    }
  }

  // ---- driver side --------------------------------------------------------------

  /** Body bytes from DATA: pushed (copied: byte streams take their buffer); reading pauses when full. */
  data(bytes: Uint8Array): void {
    const body = this.reqBody;
    if (body === null || this.discard) return;
    if (!body.push(new Uint8Array(bytes))) this.recv.pause();
  }

  /** The request side ended cleanly. */
  ended(): void {
    this.received = true;
    this.trailerSlot?.deliver([]);
    this.reqBody?.end();
    this.#maybeDone();
  }

  /** The stream died (peer reset, our reset, connection gone). */
  lost(reason: Error): void {
    this.received = true;
    this.sent = true;
    this.reqBody?.error(reason);
    this.trailerSlot?.fail(reason);
    this.exchange?.cancel(reason);
    this.#maybeDone();
  }

  /** We reset the stream: the core forgets it, then the wire reset. */
  resetBoth(code: number): void {
    this.core.resetStream(this.id);
    this.wireReset(code);
  }

  /**
   * RESET_STREAM and STOP_SENDING with `code` (each once), and the exchange
   * is cancelled. Where the transport cannot carry the code, a begun
   * response is cut off by closing the connection (never by a bare FIN).
   */
  wireReset(code: number): void {
    if (this.sent && this.received) return;
    const reason = `stream reset (code 0x${code.toString(16)})`;
    const cut = !this.sent && this.headSent && !this.owner.streamCodes;
    if (!this.sent && !cut) this.send.reset(code);
    if (!this.received) this.recv.stop(code);
    this.lost(new Error(reason));
    if (cut) this.owner.cutOff(code, reason);
  }

  #maybeDone(): void {
    if (this.sent && this.received) this.owner.finished(this);
  }
}
