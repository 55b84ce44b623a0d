/**
 * One request/response exchange, independent of the protocol: run the
 * handler, fall back to onError, then stream the Response body to a
 * protocol-specific writer with backpressure. h1 and h2 drivers share it.
 *
 * @module
 */
import type { Completion, Handler } from "../types.ts";
import { RequestInfo } from "./info.ts";
import { type StaticBody, takeStaticBody } from "./static_body.ts";
import { heldBodyBytes } from "../runtime/bun_body.ts";
import { isShortAscii } from "../bytes/slab.ts";
import { bodyless } from "./status.ts";
import { takeLightWhole, type WholeResponse } from "./light_send.ts";
import { materializeResponse } from "./light_response.ts";
import { type PendingUpgrade, resolveUpgrade } from "../websocket/registry.ts";
import type { WebSocketSessionHandle } from "../websocket/channel.ts";
import { WebSocketHandshakeError } from "../websocket/upgrade.ts";
import { type TrailerProducer, TrailersError, trailersOf } from "./trailers.ts";
import { AccessRecord } from "./access_record.ts";

/**
 * What `head` is told about trailers: absent for none, the field names when
 * known up front (fixed fields), `true` when a function will produce them.
 */
export type TrailerHint = readonly string[] | true;

/**
 * The protocol side of a response.
 */
export interface ResponseWriter {
  /**
   * Sends the status and fields. `length` is the body size when known, or -1
   * when the body streams; `end` means no body follows. `trailers` says the
   * body will end with {@link ResponseWriter.trailers} instead of `end()`
   * (HTTP/1.1 then frames it chunked whatever `length` says).
   */
  head(
    status: number,
    headers: Array<[string, string]>,
    length: number,
    end: boolean,
    trailers?: TrailerHint,
  ): void;
  /**
   * Whether these (checked, lowercase) trailer fields fit the size the peer
   * accepts: h2, the peer's SETTINGS_MAX_HEADER_LIST_SIZE; h1, our own
   * http1.maxHeaderBytes.
   */
  trailersFit(fields: Array<[string, string]>): boolean;
  /** Ends the body with a trailer section (h2: HEADERS with END_STREAM) instead of end(). */
  trailers(fields: Array<[string, string]>): void;
  /** Sends body bytes; false means wait for ready() before sending more. */
  body(chunk: Uint8Array): boolean;
  /** Resolves when more body may be sent. */
  ready(): Promise<void>;
  /** The body is complete. */
  end(): void;
  /** The response cannot complete (h1: close the connection; h2: reset the stream). */
  abort(reason: unknown): void;
  /**
   * Optional: sends a whole response whose body is known, in one write (a
   * string body is ASCII, so its chars are its bytes). With `isHead`, only
   * the head, stating the body's length.
   */
  whole?(
    status: number,
    headers: Array<[string, string]>,
    body: string | Uint8Array,
    isHead: boolean,
  ): void;
  /**
   * Optional: the handler accepted a WebSocket upgrade. Sends `accept.status`
   * with `accept.headers` (101 on HTTP/1.1, 200 on an HTTP/2 stream) and
   * opens the session on the driver's channel. Returns null when the driver
   * cannot switch (the exchange then answers 400).
   */
  upgrade?(accept: PendingUpgrade): WebSocketSessionHandle | null;
}

/**
 * Turns a failure into a response.
 */
export type ErrorHandler = (error: unknown, request: Request) => Response | Promise<Response>;

/**
 * Answers with a plain 500 and logs, as Deno's serve() does.
 */
export const defaultOnError: ErrorHandler = (error, request) => {
  console.error(`h2serve: handler failed (${request.method} ${request.url}):`, error);
  return new Response("Internal Server Error", {
    status: 500,
    headers: { "content-type": "text/plain;charset=utf-8" },
  });
};

/** How many microtask turns a body read may take and still count as "already there". */
const EAGER_TICKS = 8;
/** Turns we give a drained body's `closed` promise to settle. */
const CLOSED_TICKS = 3;
/** The first read gets more turns: a Blob's first chunk takes a few more. */
const FIRST_READ_TICKS = 32;
/** Body bytes we collect while deciding between Content-Length and streaming. */
const EAGER_LIMIT = 1024 * 1024;

type Read = ReadableStreamReadResult<Uint8Array>;

/** Stands for "not the upgrade response" when the exchange ended before the handler returned. */
const REFUSED = new Response(null, { status: 503 });

const encoder = new TextEncoder();

/**
 * Runs one exchange; never rejects.
 */
export class Exchange {
  /** The info object given to the handler. */
  readonly info: RequestInfo;
  #abort: AbortController | null = null;
  #reason: unknown = undefined;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #writer: ResponseWriter;
  /** The driver registered the request as a WebSocket upgrade candidate. */
  upgradable = false;
  /** The access-log record, only when the server has an onResponse hook. */
  readonly log: AccessRecord | null = null;

  constructor(info: RequestInfo, writer: ResponseWriter) {
    this.info = info;
    const hook = RequestInfo.onResponse(info);
    if (hook !== null) writer = this.log = new AccessRecord(hook, info, writer);
    this.#writer = writer;
  }

  /** The request's signal: aborted only if the exchange is cut short. Created on first use. */
  get signal(): AbortSignal {
    if (this.#abort === null) {
      this.#abort = new AbortController();
      if (this.info.completion === "aborted") this.#abort.abort(this.#reason);
    }
    return this.#abort.signal;
  }

  /** True once the response was fully sent or aborted. */
  get done(): boolean {
    return this.info.completion !== null;
  }

  /**
   * The client went away (connection lost, stream reset) before the response
   * completed: abort req.signal and stop pulling the response body.
   */
  cancel(reason: unknown): void {
    if (this.done) return;
    this.log?.cancelled(reason);
    this.info.complete("aborted");
    this.#reason = reason;
    this.#abort?.abort(reason);
    this.#reader?.cancel(reason).catch(() => {});
  }

  /** A deadline the application set (server.timeout) passed: cut the response off. */
  expire(reason: Error): void {
    if (this.done) return;
    this.cancel(reason);
    this.#writer.abort(reason);
  }

  #finish(outcome: Completion): void {
    this.info.complete(outcome);
  }

  /**
   * Calls the handler; when it returns a Response (not a Promise) whose body
   * is known in full, sends it at once and returns null: no promise and no
   * microtask between the request's bytes and the response's. Otherwise
   * returns the promise of the rest of the exchange, as run() does.
   */
  start(
    handler: Handler,
    request: Request,
    onError: ErrorHandler,
    isHead: boolean,
  ): Promise<void> | null {
    let r: Response | Promise<Response>;
    let light: WholeResponse | null = null;
    if (this.log !== null) this.log.request = request;
    try {
      r = handler(request, this.info);
      if (r instanceof Response && !this.upgradable && trailersOf(r) === null) {
        light = takeLightWhole(r);
      }
    } catch (error) {
      return this.#settle(Promise.reject(error), request, onError, isHead);
    }
    if (!(r instanceof Response)) return this.#settle(r, request, onError, isHead);
    if (light !== null) {
      if (!this.done) this.#sendWhole(light.status, light.headers, light.body, isHead);
      return null;
    }
    if (!this.done && !this.upgradable && trailersOf(r) === null) {
      const plain = takeStaticBody(r);
      if (plain !== null) {
        this.#sendStatic(plain, isHead);
        return null;
      }
    }
    return this.#answer(r, null, request, onError, isHead);
  }

  /** Calls the handler and sends its response. */
  run(
    handler: Handler,
    request: Request,
    onError: ErrorHandler,
    isHead: boolean,
  ): Promise<void> {
    let pending: unknown;
    if (this.log !== null) this.log.request = request;
    try {
      pending = handler(request, this.info);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return this.#settle(pending, request, onError, isHead);
  }

  /** Waits for the handler's response (or its failure) and sends it. */
  async #settle(
    pending: unknown,
    request: Request,
    onError: ErrorHandler,
    isHead: boolean,
  ): Promise<void> {
    let response: Response;
    let light: WholeResponse | null = null;
    try {
      const r = await pending;
      if (!(r instanceof Response)) {
        throw new TypeError(`handler returned ${typeof r}, not a Response`);
      }
      if (!this.upgradable && trailersOf(r) === null) light = takeLightWhole(r);
      response = r;
    } catch (error) {
      if (this.done) {
        if (this.upgradable) resolveUpgrade(request, REFUSED); // fails a socket made meanwhile
        return;
      }
      // A malformed handshake the handler let through is the client's fault: 400/426, not 500.
      response = error instanceof WebSocketHandshakeError
        ? new Response(error.message, { status: error.status, headers: error.headers })
        : await this.#fallback(error, request, onError);
    }
    return this.#answer(response, light, request, onError, isHead);
  }

  /** Sends the handler's response: a WebSocket handshake, a light one's parts, or the general way. */
  async #answer(
    response: Response,
    light: WholeResponse | null,
    request: Request,
    onError: ErrorHandler,
    isHead: boolean,
  ): Promise<void> {
    if (light === null && (this.upgradable || response.status === 101)) {
      const d = resolveUpgrade(request, response);
      if (d.type === "accept") {
        if (this.done) {
          d.abandon("the client went away before the handshake response");
          return;
        }
        const session = this.#writer.upgrade?.(d) ?? null;
        if (session !== null) {
          this.#watch(session);
          return;
        }
        d.abandon("the connection cannot switch to WebSocket");
        response = new Response("not a valid WebSocket handshake", { status: 400 });
      } else if (d.type === "foreign" && !this.done) {
        response = await this.#fallback(d.error, request, onError);
      }
    }
    if (this.done) {
      if (light === null) response.body?.cancel().catch(() => {});
      return;
    }
    if (light !== null) return this.#sendWhole(light.status, light.headers, light.body, isHead);
    await this.#send(response, isHead, onError, request);
  }

  /**
   * An upgraded exchange completes when its WebSocket closes: "sent" after a
   * clean close handshake, else aborted (req.signal aborts).
   */
  #watch(session: WebSocketSessionHandle): void {
    session.closed.then(() => {
      if (session.wasClean) this.#finish("sent");
      else this.cancel(new Error("the WebSocket closed without a clean close handshake"));
    });
  }

  async #fallback(error: unknown, request: Request, onError: ErrorHandler): Promise<Response> {
    this.log?.failed();
    try {
      const r = await onError(error, request);
      // (A light response is built here: an invalid one fails now, not while sent.)
      if (r instanceof Response) return materializeResponse(r);
      throw new TypeError("onError did not return a Response");
    } catch (e) {
      if (onError !== defaultOnError) {
        console.error(`h2serve: handler failed (${request.method} ${request.url}):`, error);
        console.error("h2serve: onError failed too:", e);
      }
      return new Response("Internal Server Error", { status: 500 });
    }
  }

  async #send(
    response: Response,
    isHead: boolean,
    onError: ErrorHandler,
    request: Request,
  ): Promise<void> {
    // One boolean test until some handler has called withTrailers.
    const producer = trailersOf(response);
    if (producer === null) {
      const plain = takeStaticBody(response);
      if (plain !== null) return this.#sendStatic(plain, isHead);
    }
    const writer = this.#writer;
    const status = response.status;
    const headers: Array<[string, string]> = [];
    let declared = -1;
    // forEach is much cheaper than the iterator on some runtimes; set-cookie is
    // the one field that must not be joined, so it is taken separately.
    let cookies = false;
    response.headers.forEach((value, name) => {
      if (name === "content-length") declared = /^\d{1,15}$/.test(value) ? Number(value) : -1;
      else if (name === "set-cookie") cookies = true;
      else headers.push([name, value]);
    });
    if (cookies) {
      for (const c of response.headers.getSetCookie()) headers.push(["set-cookie", c]);
    }
    const noContent = bodyless(status);
    if (producer === null && !noContent && heldBodyBytes(response) > 0) {
      if (await this.#sendHeld(response, status, headers, declared, isHead)) return;
    }
    const body = response.body;
    // HEAD, 1xx, 204 and 304 have no content, so nothing follows it: the trailers are dropped.
    const trailers = producer === null || noContent || isHead ? null : producer;
    if (body === null && trailers !== null) {
      // An empty body with trailers is still a body (h1: chunked, h2: a second HEADERS).
      writer.head(status, headers, 0, false, trailers.names ?? true);
      await this.#endWithTrailers(trailers, onError, request);
      return;
    }
    if (body === null || noContent) {
      if (body !== null) body.cancel().catch(() => {});
      // HEAD: only a length the handler stated; an absent body says nothing about GET's.
      const length = noContent ? -1 : isHead ? declared : 0;
      writer.head(status, headers, status === 304 ? -1 : length, true);
      this.#finish("sent");
      return;
    }
    const reader = body.getReader();
    this.#reader = reader;
    try {
      await this.#stream(reader, status, headers, declared, isHead, trailers, onError, request);
    } catch (error) {
      if (!this.done) {
        this.#finish("aborted");
        writer.abort(error);
      }
      reader.cancel(error).catch(() => {});
    } finally {
      this.#reader = null;
    }
  }

  /**
   * A body the runtime holds as plain bytes (Bun), read whole without a
   * stream. False when it cannot be read so (the general path then reports why).
   */
  async #sendHeld(
    response: Response,
    status: number,
    headers: Array<[string, string]>,
    declared: number,
    isHead: boolean,
  ): Promise<boolean> {
    let bytes: Uint8Array;
    try {
      bytes = await response.bytes();
    } catch {
      return false;
    }
    if (this.done) return true;
    if (declared >= 0 && declared !== bytes.byteLength) {
      this.#finish("aborted");
      this.#writer.abort(
        new TypeError(`content-length ${declared} but the body has ${bytes.byteLength} bytes`),
      );
      return true;
    }
    this.#sendWhole(status, headers, bytes, isHead);
    return true;
  }

  /** A plain 200 whose body is known in full: one head with its length, one body write. */
  #sendStatic(plain: StaticBody, isHead: boolean): void {
    const headers: Array<[string, string]> = plain.contentType === null
      ? []
      : [["content-type", plain.contentType]];
    this.#sendWhole(200, headers, plain.body, isHead);
  }

  /** A response whose body is known in full: one head with its length, one body write. */
  #sendWhole(
    status: number,
    headers: Array<[string, string]>,
    text: string | Uint8Array,
    isHead: boolean,
  ): void {
    const writer = this.#writer;
    if (writer.whole !== undefined && (typeof text !== "string" || isShortAscii(text))) {
      writer.whole(status, headers, text, isHead);
      this.#finish("sent");
      return;
    }
    const body = typeof text === "string" ? encoder.encode(text) : text;
    const empty = isHead || body.byteLength === 0;
    writer.head(status, headers, body.byteLength, empty);
    if (!empty) {
      writer.body(body);
      writer.end();
    }
    this.#finish("sent");
  }

  /**
   * Reads what the body has ready without waiting: a body made from a string,
   * bytes or a Blob is complete within a few microtasks, so it can go out with
   * a Content-Length; anything slower streams.
   */
  async #stream(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    status: number,
    headers: Array<[string, string]>,
    declared: number,
    isHead: boolean,
    trailers: TrailerProducer | null,
    onError: ErrorHandler,
    request: Request,
  ): Promise<void> {
    const writer = this.#writer;
    const eager: Uint8Array[] = [];
    let eagerBytes = 0;
    let pending: Promise<Read> | null = null;
    let ended = false;
    // Cheaper than a second read: a body made whole at once is already closed.
    let closed = false;
    reader.closed.then(() => (closed = true), () => {});
    for (;;) {
      const p = reader.read();
      let result: Read | undefined;
      let failed = false;
      p.then((r) => (result = r), () => (failed = true));
      // A stream that has nothing yet (SSE, long poll) gets its head at once.
      const ticks = eager.length === 0 ? FIRST_READ_TICKS : EAGER_TICKS;
      for (let i = 0; i < ticks && result === undefined && !failed; i++) await null;
      if (result === undefined) {
        pending = p;
        break;
      }
      if (result.done) {
        ended = true;
        break;
      }
      const chunk = checkChunk(result.value);
      eager.push(chunk);
      eagerBytes += chunk.byteLength;
      // Deno settles `closed` one microtask after the last read, Bun two.
      for (let i = 0; i < CLOSED_TICKS && !closed; i++) await null;
      if (closed) {
        ended = true;
        break;
      }
      // Past the limit, one more read still tells whether the body is complete.
      if (eagerBytes >= EAGER_LIMIT && eager.length > 1) break;
    }
    if (this.done) return;
    if (isHead) {
      writer.head(status, headers, ended ? eagerBytes : declared, true);
      this.#finish("sent");
      reader.cancel().catch(() => {});
      return;
    }
    if (ended && declared >= 0 && declared !== eagerBytes) {
      throw new TypeError(`content-length ${declared} but the body has ${eagerBytes} bytes`);
    }
    const length = ended ? eagerBytes : declared;
    if (trailers !== null) {
      writer.head(status, headers, length, false, trailers.names ?? true);
    } else writer.head(status, headers, length, ended && eagerBytes === 0);
    let sent = 0;
    let ok = true;
    for (const chunk of eager) {
      ok = writer.body(chunk);
      sent += chunk.byteLength;
    }
    if (!ended) {
      for (;;) {
        if (!ok) await writer.ready();
        if (this.done) return;
        const r = pending !== null ? await pending : await reader.read();
        pending = null;
        if (this.done) return;
        if (r.done) break;
        const chunk = checkChunk(r.value);
        sent += chunk.byteLength;
        if (declared >= 0 && sent > declared) {
          throw new TypeError(`body exceeds its content-length ${declared}`);
        }
        ok = writer.body(chunk);
      }
      if (declared >= 0 && sent !== declared) {
        throw new TypeError(`body ended at ${sent} bytes, short of its content-length ${declared}`);
      }
    }
    if (this.done) return;
    if (trailers !== null) return this.#endWithTrailers(trailers, onError, request);
    this.#finish("sent");
    if (!(ended && eagerBytes === 0)) writer.end();
  }

  /**
   * The last body byte has been pulled: produce the trailers and end with
   * them. A failing function, a forbidden field or a section too large for
   * the peer cuts the response off (h2: RST_STREAM INTERNAL_ERROR; h1: the
   * connection closes without the last chunk) and onError hears about it.
   */
  async #endWithTrailers(
    producer: TrailerProducer,
    onError: ErrorHandler,
    request: Request,
  ): Promise<void> {
    const writer = this.#writer;
    let fields: Array<[string, string]>;
    try {
      fields = await producer.produce();
      if (!writer.trailersFit(fields)) {
        throw new TrailersError(
          "too-large",
          "the trailer section is larger than the client accepts",
        );
      }
    } catch (error) {
      if (this.done) return;
      this.#finish("aborted");
      writer.abort(error);
      await reportAfterHead(onError, error, request);
      return;
    }
    if (this.done) return; // the client left while the function ran
    this.#finish("sent");
    writer.trailers(fields);
  }
}

/**
 * A failure after the head went out: the Response onError returns cannot be
 * sent any more, so it is only told (its Response is discarded); if it
 * throws, both errors are logged.
 */
async function reportAfterHead(
  onError: ErrorHandler,
  error: unknown,
  request: Request,
): Promise<void> {
  try {
    const r = await onError(error, request);
    if (r instanceof Response) r.body?.cancel().catch(() => {});
  } catch (e) {
    console.error(`h2serve: handler failed (${request.method} ${request.url}):`, error);
    console.error("h2serve: onError failed too:", e);
  }
}

function checkChunk(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new TypeError("response body chunks must be Uint8Array");
}
