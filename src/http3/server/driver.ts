/**
 * The HTTP/3 connection driver: binds the sans-IO H3Connection to one QUIC
 * session and runs one Exchange per request stream, as the HTTP/2 driver
 * does per h2 stream.
 *
 * Backpressure: a request body is read from its QUIC stream only while the
 * body stream wants more (pull → resume), so an unread body stays in QUIC's
 * flow-control window; a response body is pulled only while the QUIC send
 * stream's writer has room (ready()).
 *
 * @module
 */
import type { ConnectionFacts } from "../../fetch/info.ts";
import type { LiveConnection, ServerHost } from "../../fetch/host.ts";
import type { QuicRecv, QuicSend, QuicSession } from "../../transport/quic_types.ts";
import { QpackDecoder, QpackEncoder } from "../core/qpack/mod.ts";
import { H3Connection } from "../core/connection.ts";
import { H3Code } from "../core/errors.ts";
import type { H3Event } from "../core/events.ts";
import { H3Stream, type StreamOwner } from "./stream.ts";
import { openH3Request } from "./request.ts";
import type { Http3Options } from "./options.ts";

const EMPTY = new Uint8Array(0);
/**
 * After the last FIN is handed to QUIC, time for it to be acknowledged
 * before CONNECTION_CLOSE (which discards unacknowledged stream data).
 */
const DRAIN_GRACE_MS = 100;
type UniName = "control" | "encoder" | "decoder";

/**
 * Serves HTTP/3 on one QUIC connection.
 */
export class Http3Driver implements LiveConnection, StreamOwner {
  deadline = 0;
  readonly core: H3Connection;
  readonly #session: QuicSession;
  readonly #host: ServerHost;
  readonly #facts: ConnectionFacts;
  readonly #opts: Http3Options;
  readonly #streams = new Map<number, H3Stream>();
  readonly #uniIn = new Map<number, QuicRecv>();
  /** Our unidirectional streams; bytes for one not yet open wait in order on its promise. */
  readonly #uniOut = new Map<UniName, Promise<QuicSend | null>>();
  #draining = false;
  #closed = false;
  /** FINs not yet through: closing the connection before them would lose their data. */
  readonly #fins = new Set<Promise<void>>();
  /** Since when no request stream has been open (0: one is). */
  #idleSince: number;

  constructor(session: QuicSession, host: ServerHost, facts: ConnectionFacts, o: Http3Options) {
    this.#session = session;
    this.#host = host;
    this.#facts = facts;
    this.#opts = o;
    const decoder = new QpackDecoder({
      maxTableCapacity: o.qpackMaxTableCapacity,
      maxBlockedStreams: o.qpackBlockedStreams,
      maxFieldSectionSize: o.maxFieldSectionSize,
    });
    this.core = new H3Connection({ decoder, encoder: new QpackEncoder() }, o);
    this.#idleSince = Date.now();
    this.#arm();
    host.add(this);
    session.closed.then(() => this.#onClosed());
  }

  /** Opens our control and QPACK streams and starts taking the client's. */
  start(): void {
    this.core.start();
    this.pump();
    this.#session.accept({
      bidi: (recv, send) => this.#onBidi(recv, send),
      uni: (recv) => this.#onUni(recv),
    });
  }

  #onBidi(recv: QuicRecv, send: QuicSend): void {
    const id = recv.id;
    const s = new H3Stream(id, this.core, this, recv, send);
    this.#streams.set(id, s);
    if (this.#idleSince !== 0) {
      this.#idleSince = 0;
      this.#arm();
    }
    recv.start({
      data: (b) => this.#events(this.core.receiveRequest(id, b, false)),
      end: () => this.#events(this.core.receiveRequest(id, EMPTY, true)),
      reset: (e) => {
        this.#events(this.core.peerReset(id));
        if (!s.sent) this.#report("aborted", e);
        s.lost(new Error("stream reset by the client"));
      },
    });
  }

  #onUni(recv: QuicRecv): void {
    const id = recv.id;
    this.#uniIn.set(id, recv);
    recv.start({
      data: (b) => this.#events(this.core.receiveUni(id, b, false)),
      end: () => this.#events(this.core.receiveUni(id, EMPTY, true)),
      reset: () => this.#events(this.core.peerResetUni(id)),
    });
  }

  #events(evs: H3Event[]): void {
    for (const ev of evs) this.#event(ev);
    this.pump();
  }

  #event(ev: H3Event): void {
    const s = "id" in ev ? this.#streams.get(ev.id) : undefined;
    switch (ev.type) {
      case "request":
        if (s !== undefined) this.#request(s, ev.fields);
        return;
      case "headers-too-large":
        if (s !== undefined) this.#refuse(s, 431);
        return;
      case "data": {
        if (s === undefined) return;
        s.pushed += ev.bytes.length;
        if (s.pushed > this.#opts.maxBodyBytes) return this.#tooLarge(s);
        s.data(ev.bytes);
        return;
      }
      case "trailers":
        s?.trailerSlot?.deliver(ev.fields);
        return;
      case "end":
        s?.ended();
        return;
      case "blocked":
        s?.recv.pause();
        return;
      case "unblocked":
        s?.recv.resume();
        return;
      case "stream-error": // the reset itself is a queued action
        this.#report("reset", new Error(ev.reason), ev.code);
        return;
      case "rejected":
        return;
      case "connection-error":
        this.#report("goaway", new Error(ev.reason), ev.code);
        this.#abortAll(new Error(`HTTP/3 connection error: ${ev.reason}`));
        return;
      case "goaway":
        return; // the client stops opening streams; ours finish
    }
  }

  #request(s: H3Stream, fields: Array<[string, string]>): void {
    const { request, status, isHead } = openH3Request(
      s,
      fields,
      this.#facts,
      this.#opts.maxBodyBytes,
    );
    if (request === null) return this.#refuse(s, status);
    const host = this.#host;
    s.exchange!.run(host.handler, request, host.onError, isHead).then(() => {
      // The exchange settled without ending the stream (e.g. cancelled): make sure it ends.
      if (!s.sent) s.resetBoth(H3Code.REQUEST_CANCELLED);
    });
  }

  /** Answers `status` with no body; the request's DATA is dropped. */
  #refuse(s: H3Stream, status: number): void {
    s.discard = true;
    s.exchange?.cancel(new Error(`answered ${status}`));
    s.head(status, [["content-length", "0"]], -1, true);
  }

  /** The body crossed maxBodyBytes: 413 before the response began, else a reset. */
  #tooLarge(s: H3Stream): void {
    const err = new RangeError("request body larger than http3.maxBodyBytes");
    s.reqBody?.error(err);
    s.trailerSlot?.fail(err);
    s.reqBody = null;
    if (s.headSent) return s.resetBoth(H3Code.REQUEST_CANCELLED);
    this.#refuse(s, 413);
    s.recv.stop(H3Code.NO_ERROR);
  }

  /** Carries out the core's queued actions. */
  pump(): void {
    for (const a of this.core.takeActions()) {
      switch (a.type) {
        case "uni":
          this.#writeUni(a.stream, a.bytes);
          break;
        case "reset":
          this.#streams.get(a.id)?.wireReset(a.code);
          break;
        case "stop":
          this.#uniIn.get(a.id)?.stop(a.code);
          break;
        case "close":
          this.#closed = true;
          // Let queued bytes (GOAWAY, final DATA) leave before the close.
          queueMicrotask(() => this.#session.close(a.code, a.reason));
          break;
      }
    }
  }

  #writeUni(name: UniName, bytes: Uint8Array): void {
    let p = this.#uniOut.get(name);
    if (p === undefined) p = this.#session.openUni().catch(() => null);
    p = p.then((send) => {
      send?.write(bytes);
      return send;
    });
    this.#uniOut.set(name, p);
  }

  sending(fin: Promise<void>): void {
    this.#fins.add(fin);
    fin.then(() => this.#fins.delete(fin));
  }

  finished(s: H3Stream): void {
    if (this.#streams.get(s.id) !== s) return;
    this.#streams.delete(s.id);
    this.core.streamDone(s.id);
    if (this.#streams.size > 0) return;
    if (this.#draining) return this.#closeNow("drained");
    this.#idleSince = Date.now();
    this.#arm();
  }

  get streamCodes(): boolean {
    return this.#session.streamCodes;
  }

  cutOff(code: number, reason: string): void {
    if (this.#closed) return;
    this.#abortAll(new Error(`HTTP/3 connection closed: ${reason}`));
    this.core.close(reason, code);
    this.pump();
  }

  sendFailed(s: H3Stream, reason: unknown): void {
    if (s.sent) return;
    if (!this.#closed) this.#report("aborted", reason);
    s.resetBoth(H3Code.REQUEST_CANCELLED);
  }

  #abortAll(reason: Error): void {
    for (const s of [...this.#streams.values()]) s.lost(reason);
    this.#streams.clear();
  }

  /** Closes once the responses' FINs are through (terminate() does not wait). */
  #closeNow(reason: string, wait = true): void {
    if (this.#closed) return;
    if (wait && this.#fins.size > 0) {
      Promise.all(this.#fins).then(() =>
        setTimeout(() => this.#closeNow(reason, false), DRAIN_GRACE_MS)
      );
      return;
    }
    this.core.close(reason);
    this.pump();
  }

  #onClosed(): void {
    this.#closed = true;
    this.#abortAll(new Error("connection closed"));
    this.#host.remove(this);
  }

  #report(
    kind: "aborted" | "reset" | "goaway" | "timeout",
    error: unknown,
    code?: number,
    option?: string,
  ): void {
    this.#host.clientError(kind, error, this.#facts, code, option);
  }

  // ---- LiveConnection -------------------------------------------------------------

  /**
   * The next check: the idle GOAWAY when no stream is open, else the send
   * check (twice per sendTimeout). QUIC's own idle timeout catches silence.
   */
  #arm(now = Date.now()): void {
    const o = this.#opts;
    if (this.#closed || this.#draining) this.deadline = 0;
    else if (this.#idleSince !== 0) {
      this.deadline = o.idleTimeout > 0 ? this.#idleSince + o.idleTimeout : 0;
    } else this.deadline = o.sendTimeout > 0 ? now + Math.max(1, o.sendTimeout / 2) : 0;
  }

  /**
   * Idle for idleTimeout: GOAWAY and close (H3_NO_ERROR). Busy: a stream
   * whose send has waited for sendTimeout (the client keeps the connection
   * but does not read it) is reset H3_REQUEST_CANCELLED, as h2 resets CANCEL.
   */
  onDeadline(now: number): void {
    const o = this.#opts;
    if (this.#idleSince !== 0) {
      if (o.idleTimeout > 0 && now - this.#idleSince >= o.idleTimeout) {
        this.deadline = 0;
        this.#report("timeout", new Error("idle"), undefined, "http3.idleTimeout");
        return this.shutdown();
      }
    } else {
      for (const s of [...this.#streams.values()]) {
        const since = s.send.blockedSince;
        if (s.sent || since === 0 || now - since < o.sendTimeout) continue;
        this.#report(
          "timeout",
          new Error("the client stopped reading"),
          undefined,
          "http3.sendTimeout",
        );
        s.resetBoth(H3Code.REQUEST_CANCELLED);
        if (this.#closed) return;
      }
    }
    this.#arm(now);
  }

  /** Graceful: GOAWAY; in-flight streams finish, then CONNECTION_CLOSE H3_NO_ERROR. */
  shutdown(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.deadline = 0;
    this.core.goAway();
    this.pump();
    if (this.#streams.size === 0) this.#closeNow("shutdown");
  }

  /** The deadline passed: every stream left is reset H3_REQUEST_CANCELLED, then close. */
  terminate(): void {
    for (const s of [...this.#streams.values()]) s.resetBoth(H3Code.REQUEST_CANCELLED);
    this.#closeNow("shutdown deadline passed", false);
    if (this.#closed) queueMicrotask(() => this.#onClosed());
  }
}
