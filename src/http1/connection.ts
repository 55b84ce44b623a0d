/**
 * The HTTP/1.1 connection driver: binds the sans-IO parser and serializer to
 * a Transport and runs one exchange at a time (pipelined requests wait,
 * parsed only when their turn comes, so responses stay in order).
 *
 * Backpressure: the request body is read from the socket only while the
 * handler's body stream wants more; the response body is pulled only while
 * the socket accepts it.
 *
 * @module
 */
import type { Transport } from "../transport/types.ts";
import { type ConnectionFacts, RequestInfo } from "../fetch/info.ts";
import { Exchange, type ResponseWriter } from "../fetch/exchange.ts";
import { ownBuffer, RequestBody } from "../fetch/body.ts";
import { createRequest, isUnserved, UnrepresentableRequest } from "../fetch/request.ts";
import type { LiveConnection, ServerHost } from "../fetch/host.ts";
import { httpDate } from "../date.ts";
import { type RequestHead, RequestParser } from "./parser.ts";
import { HttpParseError } from "./errors.ts";
import type { Http1Options } from "./options.ts";
import {
  CONTINUE_100,
  encodeChunk,
  encodeErrorResponse,
  encodeHead,
  encodeHeadAndBody,
  type Framing,
  LAST_CHUNK,
  type ResponseHead,
} from "./serializer.ts";

/**
 * Takes over a connection after an `Upgrade: h2c` request; returns false to
 * decline (the request is then served on HTTP/1.1).
 */
export type H2cUpgrade = (
  transport: Transport,
  head: RequestHead,
  request: Request,
  leftover: Uint8Array[],
) => boolean;

/** Fields we frame ourselves; a handler's values for them are dropped. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade"]);

/** Characters allowed in a Host value we put into a URL (reg-name, IP literal, port). */
const HOST_RE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d*)?$/;

/** A byte body up to this size is copied next to its head; larger ones are written by reference. */
const COPY_BODY_MAX = 4096;

type DeadlineKind = "none" | "idle" | "headers" | "body" | "send";

/** One request in flight on the connection. */
class Current {
  exchange: Exchange | null = null;
  body: RequestBody | null = null;
  /** The request body has been fully read from the wire. */
  bodyDone = false;
  /** The handler wants more body bytes. */
  wanted = true;
  /** Body bytes read and thrown away (body unread by the handler). */
  discarded = 0;
  /** The response head went out. */
  headSent = false;
  continueSent = false;
  keepAlive: boolean;
  request: Request | null = null;
  /** Upgrade: h2c asked; the decision waits for the end of the body. */
  upgradePending = false;
  constructor(readonly head: RequestHead) {
    this.keepAlive = head.keepAlive;
  }
}

/** Serves HTTP/1.1 on one transport. */
export class Http1Connection implements LiveConnection, ResponseWriter {
  deadline = 0;
  #deadlineKind: DeadlineKind = "none";
  /** When the current kind's timeout fires (ms epoch), 0 for none. */
  #kindAt = 0;
  // Minimum data rate (minRequestRate): counted time runs only while we want data.
  /** Start of the counted segment running now (0: not counting). */
  #rateFrom = 0;
  /** Counted ms of this request before the running segment. */
  #rateMs = 0;
  /** Bytes received since this request began. */
  #rateBytes = 0;
  #t: Transport;
  #host: ServerHost;
  #facts: ConnectionFacts;
  #opts: Http1Options;
  #parser: RequestParser;
  #cur: Current | null = null;
  #closing = false;
  #closed = false;
  #processing = false;
  #scheme: string;
  #framing: Framing = "none";
  #upgrade: H2cUpgrade | null;
  /** The last write found the socket backed up (the client is not reading). */
  #backedUp = false;
  /** Waiting for the socket to drain before the next request is read and answered. */
  #awaitingDrain = false;

  constructor(
    transport: Transport,
    host: ServerHost,
    facts: ConnectionFacts,
    options: Http1Options,
    upgrade: H2cUpgrade | null = null,
  ) {
    this.#t = transport;
    this.#host = host;
    this.#facts = facts;
    this.#opts = options;
    this.#upgrade = upgrade;
    this.#scheme = transport.secure ? "https://" : "http://";
    this.#parser = new RequestParser(options);
    host.add(this);
    transport.closed.then(() => this.#onClosed());
    this.#setDeadline("idle", options.keepAliveTimeout);
  }

  /** Starts reading; `initial` holds bytes already read (protocol sniffing). */
  start(initial?: Uint8Array): void {
    this.#t.start({
      data: (chunk) => this.#onData(chunk),
      end: (error) => this.#onEnd(error),
    });
    if (initial !== undefined && initial.byteLength > 0) this.#onData(initial);
  }

  // ---- input --------------------------------------------------------------

  #onData(chunk: Uint8Array): void {
    if (this.#closing && this.#cur === null) return;
    this.#rateBytes += chunk.byteLength;
    if (this.#rateFrom !== 0) this.#arm();
    this.#parser.push(chunk);
    this.#process();
  }

  #onEnd(error?: unknown): void {
    const cur = this.#cur;
    if (cur !== null && !cur.bodyDone) {
      const reason = error ?? new HttpParseError(400, "connection closed mid-request");
      cur.body?.error(reason);
    }
    // The client is gone: whatever is in flight will never be read.
    if (cur !== null && cur.exchange !== null && !cur.exchange.done) {
      this.#host.clientError("aborted", error ?? new Error("client disconnected"), this.#facts);
      cur.exchange.cancel(error ?? new Error("client disconnected"));
    }
    this.#t.abort();
  }

  /** Drives the parser as far as the current state allows. Re-entrancy safe. */
  #process(): void {
    if (this.#processing) return;
    this.#processing = true;
    try {
      this.#processLoop();
    } catch (e) {
      this.#fail(e);
    } finally {
      this.#processing = false;
    }
  }

  #processLoop(): void {
    const parser = this.#parser;
    for (;;) {
      if (this.#closed) return;
      const cur = this.#cur;
      if (cur !== null && !cur.bodyDone) {
        if (!cur.wanted) {
          // An upgrade whose body outgrows the stream buffer is served on HTTP/1.1.
          if (cur.upgradePending) this.#run(cur);
          this.#clearDeadline("body");
          this.#t.pause();
          return;
        }
        const ev = parser.next();
        if (ev === null) {
          this.#t.resume();
          if (cur.body !== null && cur.wanted) this.#setDeadline("body", this.#opts.bodyTimeout);
          return;
        }
        if (ev.type === "data") {
          if (cur.body !== null && !cur.body.closed) {
            cur.wanted = cur.body.push(ownBuffer(ev.data));
          } else {
            cur.discarded += ev.data.byteLength;
            if (cur.discarded > this.#opts.maxDiscardBytes) {
              // Not worth reading on: stop, and close once the response is out.
              cur.keepAlive = false;
              cur.wanted = false;
              if (cur.exchange === null || cur.exchange.done) {
                this.#closeAfterResponse(cur);
                return;
              }
            }
          }
        } else if (ev.type === "end") {
          cur.bodyDone = true;
          cur.body?.end();
          this.#clearDeadline("body");
          if (cur.upgradePending) {
            this.#upgradeOrRun(cur);
            if (this.#closed) return;
          } else if (cur.exchange === null || cur.exchange.done) this.#next();
        }
        continue;
      }
      if (cur !== null) {
        // A response is pending: hold pipelined bytes, within bounds.
        if (parser.buffered > this.#opts.maxPipelineBytes) this.#t.pause();
        return;
      }
      if (this.#closing) return;
      if (this.#awaitingDrain) {
        this.#t.pause();
        return;
      }
      const ev = parser.next();
      if (ev === null) {
        this.#t.resume();
        if (parser.inMessage && this.#deadlineKind !== "headers") {
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
    const cur = new Current(head);
    this.#cur = cur;
    if (this.#host.shuttingDown) cur.keepAlive = false;
    const method = head.method;
    if (isUnserved(method)) throw new HttpParseError(501, `method ${method} not served`);
    const url = this.#url(head);
    const hasBody = head.bodyKind !== "none";
    let body: RequestBody | null = null;
    if (hasBody && method !== "GET" && method !== "HEAD") {
      body = new RequestBody({
        pull: () => this.#pull(cur),
        cancel: () => this.#cancelBody(cur),
      }, head.expectContinue);
      cur.body = body;
    }
    const info = new RequestInfo(this.#facts);
    const exchange = new Exchange(info, this);
    cur.exchange = exchange;
    let request: Request;
    try {
      request = createRequest(url, method, head.headers, body?.stream ?? null, exchange);
    } catch (e) {
      const status = e instanceof UnrepresentableRequest ? e.status : 400;
      throw new HttpParseError(status, "request not representable as a Fetch Request");
    }
    if (head.expectContinue && body === null) cur.continueSent = true;
    cur.request = request;
    if (
      head.upgrade !== null && this.#upgrade !== null && !this.#t.secure &&
      /(^|,)\s*h2c\s*($|,)/i.test(head.upgrade)
    ) {
      // Decided once the body is in (RFC 7540 §3.2): see #upgradeOrRun.
      cur.upgradePending = true;
      return;
    }
    this.#run(cur);
  }

  #run(cur: Current): void {
    cur.upgradePending = false;
    const isHead = cur.head.method === "HEAD";
    cur.exchange!.run(this.#host.handler, cur.request!, this.#host.onError, isHead).then(() => {
      this.#responseDone(cur);
    });
  }

  /**
   * The body of an Upgrade: h2c request is complete (buffered in its stream):
   * offer the connection to HTTP/2, or serve the request here.
   */
  #upgradeOrRun(cur: Current): void {
    const leftover = [this.#parser.takeRemaining()];
    const taken = this.#upgrade!(this.#t, cur.head, cur.request!, leftover);
    if (!taken) {
      if (leftover[0]!.byteLength > 0) this.#parser.push(leftover[0]!);
      this.#run(cur);
      return;
    }
    this.#closed = true;
    this.#cur = null;
    this.#host.remove(this);
  }

  #url(head: RequestHead): string {
    const target = head.target;
    const isOrigin = target.charCodeAt(0) === 47; /* / */
    if (isOrigin || target === "*") {
      // No Host (1.0) or an empty one: our own address, never a name taken from the path.
      const host = head.host || this.#localAuthority();
      if (!HOST_RE.test(host)) throw new HttpParseError(400, "invalid Host");
      return this.#scheme + host + (isOrigin ? target : "/*");
    }
    // absolute-form (RFC 9112 §3.2.2): the target wins over Host.
    if (/^https?:\/\//i.test(target)) return target;
    throw new HttpParseError(400, "unsupported request-target form");
  }

  #localAuthority(): string {
    const { hostname, port } = this.#facts.localAddr;
    return (hostname.includes(":") ? `[${hostname}]` : hostname) + ":" + port;
  }

  #pull(cur: Current): void {
    cur.wanted = true;
    if (cur.head.expectContinue && !cur.continueSent && !cur.headSent && this.#cur === cur) {
      cur.continueSent = true;
      this.#t.write(CONTINUE_100);
    }
    if (this.#cur === cur) {
      this.#t.resume();
      queueMicrotask(() => this.#process());
    }
  }

  #cancelBody(cur: Current): void {
    // The handler gave up on the body: keep reading only to discard it.
    cur.wanted = true;
    if (this.#cur === cur) queueMicrotask(() => this.#process());
  }

  // ---- output (ResponseWriter for the current exchange) --------------------

  /** Writes the response head for the current request. */
  head(status: number, headers: Array<[string, string]>, length: number, end: boolean): void {
    this.#write(encodeHead(this.#headFor(status, headers, length, end)));
  }

  /** Writes a whole response (head and body) in one piece; a string body is ASCII. */
  whole(
    status: number,
    headers: Array<[string, string]>,
    body: string | Uint8Array,
    isHead: boolean,
  ): void {
    const length = typeof body === "string" ? body.length : body.byteLength;
    const head = this.#headFor(status, headers, length, isHead || length === 0);
    if (isHead || length === 0) this.#write(encodeHead(head));
    else if (typeof body === "string" || length <= COPY_BODY_MAX) {
      this.#write(encodeHeadAndBody(head, body));
    } else {
      // Large bytes go by reference (the transport glues or writes them as they are).
      this.#t.write(encodeHead(head));
      this.#write(body);
    }
  }

  /** Writes, noting whether the socket is backed up. */
  #write(bytes: Uint8Array): boolean {
    const ok = this.#t.write(bytes);
    this.#backedUp = !ok;
    return ok;
  }

  /** Framing and connection decisions for the current request's response head. */
  #headFor(
    status: number,
    headers: Array<[string, string]>,
    length: number,
    end: boolean,
  ): ResponseHead {
    const cur = this.#cur!;
    const req = cur.head;
    cur.headSent = true;
    const filtered: Array<[string, string]> = [];
    for (const h of headers) {
      if (HOP_BY_HOP.has(h[0])) {
        if (h[0] === "connection" && /(^|,)\s*close\s*($|,)/i.test(h[1])) cur.keepAlive = false;
        continue;
      }
      filtered.push(h);
    }
    let framing: Framing;
    if (end) framing = "none";
    else if (length >= 0) framing = "length";
    else if (req.versionMinor === 1) framing = "chunked";
    else {
      framing = "close";
      cur.keepAlive = false;
    }
    if (this.#closing || this.#host.shuttingDown) cur.keepAlive = false;
    // An unsent 100-continue body may still be on its way: do not try to resync.
    if (req.expectContinue && !cur.continueSent && !cur.bodyDone) cur.keepAlive = false;
    this.#framing = framing;
    return {
      status,
      headers: filtered,
      framing,
      contentLength: length,
      keepAlive: cur.keepAlive,
      http10: req.versionMinor === 0,
      date: httpDate(),
    };
  }

  /** Writes body bytes, framed. */
  body(chunk: Uint8Array): boolean {
    if (chunk.byteLength === 0) return true;
    return this.#write(this.#framing === "chunked" ? encodeChunk(chunk) : chunk);
  }

  /** Waits for the socket to drain, under the send timeout. */
  ready(): Promise<void> {
    if (this.#t.queued === 0) return Promise.resolve();
    this.#setDeadline("send", this.#opts.sendTimeout);
    return this.#t.drain().then(() => this.#clearDeadline("send"));
  }

  /** Ends the body. */
  end(): void {
    if (this.#framing === "chunked") this.#write(LAST_CHUNK);
  }

  /** The response failed after its head: the only honest signal left is closing. */
  abort(_reason: unknown): void {
    this.#host.clientError("aborted", _reason, this.#facts);
    const cur = this.#cur;
    if (cur !== null && !cur.headSent) {
      this.#t.write(encodeErrorResponse(500, httpDate()));
      this.#t.close();
    } else {
      this.#t.abort();
    }
    this.#closing = true;
  }

  // ---- lifecycle ----------------------------------------------------------

  #responseDone(cur: Current): void {
    if (this.#cur !== cur || this.#closed) return;
    if (!cur.keepAlive || this.#closing) {
      this.#closeAfterResponse(cur);
      return;
    }
    if (!cur.bodyDone) {
      // Unread body: discard it (bounded) so the next request can be found.
      cur.body?.error(new Error("response already sent"));
      cur.body = null;
      cur.wanted = true;
      this.#process();
      return;
    }
    this.#next();
  }

  #closeAfterResponse(cur: Current): void {
    cur.exchange?.cancel(new Error("connection closing"));
    this.#closing = true;
    this.#cur = null;
    this.#t.close();
  }

  /** The exchange and its body are both finished: move to the next request. */
  #next(): void {
    const cur = this.#cur;
    if (cur === null || cur.exchange === null || !cur.exchange.done || !cur.bodyDone) return;
    if (!cur.keepAlive || this.#closing) {
      this.#closeAfterResponse(cur);
      return;
    }
    this.#cur = null;
    if (this.#backedUp && this.#t.queued > 0) {
      // The client is not reading what we sent: answer (and read) nothing more
      // until it does, or the send timeout ends the connection. Without this
      // a client could pipeline small requests for large responses and never
      // read, and every response would wait in memory.
      this.#awaitingDrain = true;
      this.#setDeadline("send", this.#opts.sendTimeout);
      this.#t.pause();
      // One more turn: a drain caused by the socket closing lets #onClosed run first.
      this.#t.drain().then(() => queueMicrotask(() => this.#drained()));
      return;
    }
    this.#setDeadline("idle", this.#opts.keepAliveTimeout);
    this.#t.resume();
    queueMicrotask(() => this.#process());
  }

  /** The client read enough of our responses: serve the next request. */
  #drained(): void {
    this.#awaitingDrain = false;
    this.#backedUp = false;
    if (this.#closed || this.#closing || this.#cur !== null) return;
    this.#setDeadline("idle", this.#opts.keepAliveTimeout);
    this.#t.resume();
    this.#process();
  }

  /** Answers a parse error and closes; an in-flight exchange is cut off. */
  #fail(e: unknown): void {
    const status = e instanceof HttpParseError ? e.status : 400;
    if (status !== 408) this.#host.clientError("bad-request", e, this.#facts, status);
    const cur = this.#cur;
    this.#closing = true;
    if (cur !== null) {
      cur.body?.error(e);
      if (cur.exchange !== null && !cur.exchange.done) cur.exchange.cancel(e);
      if (cur.headSent) {
        this.#t.abort();
        return;
      }
    }
    this.#cur = null;
    this.#t.write(encodeErrorResponse(status, httpDate()));
    this.#t.close();
  }

  #setDeadline(kind: DeadlineKind, ms: number): void {
    const now = Date.now();
    this.#deadlineKind = kind;
    this.#kindAt = ms > 0 && Number.isFinite(ms) ? now + ms : 0;
    if (kind === "idle") {
      // A new request cycle: the data rate is measured per request.
      this.#rateFrom = this.#rateMs = this.#rateBytes = 0;
    } else if (kind === "headers" || (kind === "body" && this.#wantsBody())) {
      if (this.#rateFrom === 0) this.#rateFrom = now;
    } else this.#pauseRate(now);
    this.#arm();
  }

  #clearDeadline(kind?: DeadlineKind): void {
    if (kind !== undefined && this.#deadlineKind !== kind) return;
    this.#deadlineKind = "none";
    this.#kindAt = 0;
    this.#pauseRate(Date.now());
    this.#arm();
  }

  /** The body is wanted from the client now (not while a 100-continue is still owed). */
  #wantsBody(): boolean {
    const cur = this.#cur;
    return cur !== null && !(cur.head.expectContinue && !cur.continueSent);
  }

  #pauseRate(now: number): void {
    if (this.#rateFrom === 0) return;
    this.#rateMs += now - this.#rateFrom;
    this.#rateFrom = 0;
  }

  /** When the minimum data rate is violated if no more bytes arrive (0: not counting). */
  #rateAt(): number {
    const rate = this.#opts.minRequestRate;
    if (this.#rateFrom === 0 || !(rate > 0)) return 0;
    const allowed = Math.max(this.#opts.minRequestRateGrace, (this.#rateBytes * 1000) / rate);
    return this.#rateFrom + allowed - this.#rateMs;
  }

  #arm(): void {
    const k = this.#kindAt;
    const r = this.#rateAt();
    this.deadline = k === 0 ? r : r === 0 ? k : Math.min(k, r);
  }

  /** A timeout fired, or the request data rate fell below minRequestRate. */
  onDeadline(now: number): void {
    const r = this.#rateAt();
    if ((this.#kindAt === 0 || this.#kindAt > now) && (r === 0 || r > now)) {
      this.#arm(); // bytes arrived since: not due yet
      return;
    }
    const kind = this.#deadlineKind;
    if (kind !== "idle") this.#timedOut(kind, r !== 0 && r <= now);
    this.#clearDeadline();
    const cur = this.#cur;
    if (kind === "idle" && cur === null && !this.#parser.inMessage) {
      this.#closing = true;
      this.#t.close();
    } else if (kind === "headers" || (kind === "body" && cur !== null && !cur.headSent)) {
      this.#fail(new HttpParseError(408, `${kind} timeout`));
    } else if (kind === "body" || kind === "send") {
      cur?.exchange?.cancel(new Error(`${kind} timeout`));
      this.#closing = true;
      this.#t.abort();
    }
  }

  /** Graceful shutdown: close now if idle, else after the current response. */
  shutdown(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#cur === null) this.#t.close();
    else this.#cur.keepAlive = false;
  }

  #onClosed(): void {
    this.#closed = true;
    this.#host.remove(this);
    const cur = this.#cur;
    if (cur !== null) {
      if (!cur.bodyDone) cur.body?.error(new Error("connection closed"));
      cur.exchange?.cancel(new Error("connection closed"));
    }
  }

  /** Reports a fired timeout, named by its option (the data rate's, or the kind's). */
  #timedOut(kind: DeadlineKind, rate: boolean): void {
    const option = rate ? "http1.minRequestRate" : `http1.${kind}Timeout`;
    this.#host.clientError("timeout", new Error(`${kind} timeout`), this.#facts, undefined, option);
  }

  /** The shutdown deadline passed: abort the exchange in flight (req.signal) and the socket. */
  terminate(): void {
    this.#cur?.exchange?.cancel(new Error("server shutdown deadline passed"));
    this.#closing = true;
    this.#t.abort();
  }
}
