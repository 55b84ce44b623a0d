/**
 * One request/response exchange, independent of the protocol: run the
 * handler, fall back to onError, then send the Response to a
 * protocol-specific writer (writer.ts) with backpressure. h1 and h2 drivers
 * share it. How a body goes out is chosen in one place (#choose); a
 * WebSocket handshake is answered through the driver's UpgradeHook.
 *
 * @module
 */
import type { Completion, Handler } from "../types.ts";
import { RequestInfo } from "./info.ts";
import { takeStaticBody } from "./static_body.ts";
import { takeUndiciBody } from "./undici_body.ts";
import { heldBodyBytes } from "../runtime/bun_body.ts";
import { readHeldBody } from "./held_read.ts";
import { bodyless } from "./status.ts";
import { takeLightWhole, type WholeResponse } from "./light_send.ts";
import { sendWhole } from "./send_whole.ts";
import { type TrailerProducer, TrailersError, trailersOf } from "./trailers.ts";
import { type Read, readEager } from "./eager_read.ts";
import { responseFields } from "./response_fields.ts";
import type { ResponseWriter, UpgradeHook } from "./writer.ts";
import { type ErrorHandler, fallbackResponse, reportAfterHead } from "./on_error.ts";
import { AccessRecord } from "./access_record.ts";
import type { Wirable, WireSession } from "./wire.ts";
import type { WireGrant } from "./wire_types.ts";

export { StreamResetByPeer } from "./access_record.ts";

export { defaultOnError, type ErrorHandler } from "./on_error.ts";

export type { ResponseWriter, TrailerHint, UpgradeHook } from "./writer.ts";

/** Body bytes we collect while deciding between Content-Length and streaming. */
const EAGER_LIMIT = 1024 * 1024;
const EAGER = { limit: EAGER_LIMIT, confirmEnd: true, watchClosed: true };

/**
 * How a body goes out (see #choose): whole, known now (one head with its length, one body write);
 * a number, the bytes the runtime holds, read whole (Bun); "stream", read eagerly, else streamed.
 */
type Way = WholeResponse | number | "stream";

/** What #stream sends besides the body. */
interface StreamHead {
  status: number;
  headers: Array<[string, string]>;
  /** The handler's Content-Length, or -1. */
  declared: number;
  /** The trailers to end with, or null. */
  trailers: TrailerProducer | null;
}

/** Runs one exchange; never rejects. */
export class Exchange implements Wirable {
  /** The info object given to the handler. */
  readonly info: RequestInfo;
  #abort: AbortController | null = null;
  #reason: unknown = undefined;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #writer: ResponseWriter;
  readonly #upgrades: UpgradeHook | null;
  // Set by start()/run(): the request (null once a WebSocket took over), its onError, and HEAD.
  #request: Request | null = null;
  #onError!: ErrorHandler;
  #isHead = false;
  /** The driver registered the request as a WebSocket upgrade candidate. */
  upgradable = false;
  /** The handler took the response over with wire(req) (wire.ts). */
  wired: WireSession | null = null;
  /** The handler's response is being sent: too late for wire(req). */
  answered = false;
  /** The access-log record, only when the server has an onResponse hook. */
  readonly log: AccessRecord | null = null;

  constructor(info: RequestInfo, writer: ResponseWriter, upgrades: UpgradeHook | null = null) {
    this.info = info;
    const hook = RequestInfo.onResponse(info);
    if (hook !== null) writer = this.log = new AccessRecord(hook, info, writer);
    this.#writer = writer;
    this.#upgrades = upgrades;
  }

  /** The request's signal: aborted only if the exchange is cut short. Created on first use. */
  get signal(): AbortSignal {
    if (this.#abort === null) {
      this.#abort = new AbortController();
      if (this.info.completion === "aborted") this.#abort.abort(this.#reason);
    }
    return this.#abort.signal;
  }

  /** For wire(req): the writer's side, null once the response started, undefined without one. */
  grantWire(): WireGrant | null | undefined {
    return this.#writer.wire?.();
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
    this.wired?.lost(reason);
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

  /** The response cannot complete: tell the writer (h1 closes, h2 resets). */
  #fail(error: unknown): void {
    this.#finish("aborted");
    this.#writer.abort(error);
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
    this.#request = request;
    if (this.log !== null) this.log.request = request;
    this.#onError = onError;
    this.#isHead = isHead;
    let r: Response | Promise<Response>;
    let way: Way | null = null;
    try {
      r = handler(request, this.info);
      if (r instanceof Response && !this.upgradable && this.wired === null) {
        way = this.#choose(r, true);
      }
    } catch (error) {
      return this.#settle(Promise.reject(error));
    }
    if (!(r instanceof Response)) return this.#settle(r);
    if (way !== null && typeof way === "object") {
      if (!this.done) this.#sendWhole(way);
      return null;
    }
    // Bun's held bytes: one promise reaction, not the async chain of #answer and #send.
    if (typeof way === "number" && r.status !== 101 && !r.bodyUsed) return this.#held(r, way);
    return this.#answer(r, way);
  }

  /**
   * A body the runtime holds as plain bytes (Bun), read whole in one promise
   * reaction; when it cannot be read so, the stream reports why.
   */
  #held(response: Response, held: number): Promise<void> {
    this.answered = true;
    const status = response.status;
    const { headers, declared } = responseFields(response);
    return readHeldBody(response, held, headers).then(
      (body) => this.#sendHeld(body, status, headers, declared),
      () => this.#send(response, "stream"),
    );
  }

  /** Calls the handler and sends its response. */
  run(
    handler: Handler,
    request: Request,
    onError: ErrorHandler,
    isHead: boolean,
  ): Promise<void> {
    this.#request = request;
    if (this.log !== null) this.log.request = request;
    this.#onError = onError;
    this.#isHead = isHead;
    let pending: unknown;
    try {
      pending = handler(request, this.info);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return this.#settle(pending);
  }

  /**
   * How `response`'s body goes out: the one place that chooses. Trailers
   * always take the stream. `light` takes a light response's parts (not for
   * a WebSocket candidate, whose response the hook must see first). Throws
   * what an invalid light response throws (the caller answers with onError).
   */
  #choose(response: Response, light: boolean): Way {
    if (trailersOf(response) !== null) return "stream";
    if (light) {
      const parts = takeLightWhole(response);
      if (parts !== null) return parts;
    }
    const plain = takeStaticBody(response);
    if (plain !== null) {
      const headers: Array<[string, string]> = plain.contentType === null
        ? []
        : [["content-type", plain.contentType]];
      return { status: 200, headers, body: plain.body };
    }
    const undici = takeUndiciBody(response);
    if (undici !== null) return undici;
    const held = bodyless(response.status) ? 0 : heldBodyBytes(response);
    return held > 0 ? held : "stream";
  }

  /** Waits for the handler's response (or its failure) and sends it. */
  async #settle(pending: unknown): Promise<void> {
    let response: Response;
    let way: Way | null = null;
    try {
      const r = await pending;
      if (this.wired !== null) return this.#wiredEnd(r, undefined, false);
      if (!(r instanceof Response)) {
        throw new TypeError(`handler returned ${typeof r}, not a Response`);
      }
      if (!this.upgradable) way = this.#choose(r, true);
      response = r;
    } catch (error) {
      if (this.wired !== null) return this.#wiredEnd(undefined, error, true);
      if (this.done) {
        if (this.upgradable) this.#upgrades?.refused(this.#request!);
        return;
      }
      response = this.#upgrades?.failed(error) ?? await this.#fallback(error);
    }
    return this.#answer(response, way);
  }

  /** The handler failed: onError's answer (the access log records an error). */
  #fallback(error: unknown): Promise<Response> {
    this.log?.failed();
    return fallbackResponse(this.#onError, error, this.#request!);
  }

  /** A wired response ends with its wire (wire.ts). */
  async #wiredEnd(r: unknown, error: unknown, threw: boolean): Promise<void> {
    this.#finish(await this.wired!.settled(r, error, threw, this.#onError, this.#request!));
  }

  /** Sends the handler's response: a WebSocket handshake through the hook, else the chosen way. */
  async #answer(response: Response, way: Way | null): Promise<void> {
    if (this.wired !== null) return this.#wiredEnd(response, undefined, false);
    this.answered = true;
    const hook = this.#upgrades;
    const whole = way !== null && typeof way === "object";
    // A Response whose body was read or sent already (a handler that returns one twice).
    if (!whole && response.bodyUsed && !this.done) {
      response = await this.#fallback(new TypeError("the response body was already used"));
      way = null;
    }
    if (hook !== null && !whole && (this.upgradable || response.status === 101)) {
      const a = hook.answer(this.#request!, response, this.#writer, this.done, this);
      if (a.kind === "switched") {
        // Hold nothing of the upgrade's HTTP state (the Request, the driver's writer) for its life.
        this.#writer = a.writer;
        this.#request = null;
        return;
      }
      if (a.kind === "dropped") return;
      if (a.kind === "respond") response = a.response;
      else if (a.kind === "error" && !this.done) {
        response = await this.#fallback(a.error);
      }
      way = null;
    }
    if (this.done) {
      if (!whole) response.body?.cancel().catch(() => {});
      return;
    }
    way ??= this.#choose(response, false);
    if (typeof way === "object") return this.#sendWhole(way);
    await this.#send(response, way);
  }

  /** The general way: the runtime's held bytes, or the stream. */
  async #send(response: Response, way: number | "stream"): Promise<void> {
    const writer = this.#writer;
    const isHead = this.#isHead;
    const status = response.status;
    if (typeof way === "number") return this.#held(response, way);
    const { headers, declared } = responseFields(response);
    const noContent = bodyless(status);
    const body = response.body;
    const producer = trailersOf(response);
    // HEAD, 1xx, 204 and 304 have no content, so nothing follows it: the trailers are dropped.
    const trailers = producer === null || noContent || isHead ? null : producer;
    if (body === null && trailers !== null) {
      // An empty body with trailers is still a body (h1: chunked, h2: a second HEADERS).
      writer.head(status, headers, 0, false, trailers.names ?? true);
      await this.#endWithTrailers(trailers);
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
      await this.#stream(reader, { status, headers, declared, trailers });
    } catch (error) {
      if (!this.done) this.#fail(error);
      reader.cancel(error).catch(() => {});
    } finally {
      this.#reader = null;
    }
  }

  /** Sends a held body once read, checked against the handler's Content-Length. */
  #sendHeld(
    body: string | Uint8Array,
    status: number,
    headers: Array<[string, string]>,
    declared: number,
  ): void {
    if (this.done) return;
    // A held body read as text is ASCII (readHeldBody): one byte per char.
    const length = typeof body === "string" ? body.length : body.byteLength;
    if (declared >= 0 && declared !== length) {
      this.#fail(new TypeError(`content-length ${declared} but the body has ${length} bytes`));
      return;
    }
    this.#sendWhole({ status, headers, body });
  }

  /** A response whose body is known in full: one head with its length, one body write. */
  #sendWhole(whole: WholeResponse): void {
    sendWhole(this.#writer, whole, this.#isHead);
    this.#finish("sent");
  }

  /**
   * Sends what the body has ready (eager_read.ts) with a Content-Length when
   * that is all of it, and streams the rest with backpressure.
   */
  async #stream(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    head: StreamHead,
  ): Promise<void> {
    const writer = this.#writer;
    const { status, headers, declared, trailers } = head;
    const ready = await readEager(reader, EAGER);
    if (ready.badChunk) throw ready.error;
    const { chunks: eager, bytes: eagerBytes, ended } = ready;
    let pending: Promise<Read> | null = ready.pending;
    if (this.done) return;
    if (this.#isHead) {
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
    if (trailers !== null) return this.#endWithTrailers(trailers);
    this.#finish("sent");
    if (!(ended && eagerBytes === 0)) writer.end();
  }

  /**
   * The last body byte has been pulled: produce the trailers and end with
   * them. A failing function, a forbidden field or a section too large for
   * the peer cuts the response off (h2: RST_STREAM INTERNAL_ERROR; h1: the
   * connection closes without the last chunk) and onError hears about it.
   */
  async #endWithTrailers(producer: TrailerProducer): Promise<void> {
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
      this.#fail(error);
      await reportAfterHead(this.#onError, error, this.#request!);
      return;
    }
    if (this.done) return; // the client left while the function ran
    this.#finish("sent");
    writer.trailers(fields);
  }
}

function checkChunk(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new TypeError("response body chunks must be Uint8Array");
}
