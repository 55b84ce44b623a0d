/**
 * The access-log side of one exchange, made only when `onResponse` is set:
 * it stands between the exchange and the protocol's writer, noting the
 * status and the body bytes that pass, and reports once when the exchange
 * completes. Without the option none of this exists (no object, no closure).
 *
 * @module
 */
import type { ResponseEnding, ResponseInfo } from "../app/access_log.ts";
import type { Completion } from "../types.ts";
import type { ResponseWriter, TrailerHint } from "./writer.ts";
import type { RequestInfo } from "./info.ts";
import type { PendingUpgrade } from "../websocket/registry.ts";
import type { WebSocketSessionHandle } from "../websocket/channel.ts";

/**
 * An error a driver cancels an exchange with when the peer reset its
 * HTTP/2 stream (RST_STREAM): the log tells it from a lost connection.
 */
export class StreamResetByPeer extends Error {
  /** The RST_STREAM error code. */
  readonly code: number;
  constructor(code: number) {
    super(`stream reset (code ${code})`);
    this.code = code;
  }
}

/**
 * Counts what one exchange sends and reports it to the hook when it completes.
 */
export class AccessRecord implements ResponseWriter {
  #hook: (info: ResponseInfo) => void;
  #inner: ResponseWriter;
  #info: RequestInfo;
  #start = performance.now();
  #status = 0;
  #sent = 0;
  #ending: ResponseEnding | null = null;
  #cancelled = false;
  #cancelReason: unknown = undefined;
  /** The request, once the handler is called with it. */
  request: Request | null = null;
  /** The request body's byte count, when there is one. */
  requestBody: { readonly received: number } | null = null;
  whole?: ResponseWriter["whole"];
  upgrade?: ResponseWriter["upgrade"];
  wire?: ResponseWriter["wire"];

  constructor(hook: (info: ResponseInfo) => void, info: RequestInfo, inner: ResponseWriter) {
    this.#hook = hook;
    this.#info = info;
    this.#inner = inner;
    if (inner.whole !== undefined) {
      this.whole = (status, headers, body, isHead) => {
        this.#status = status;
        if (!isHead) this.#sent += typeof body === "string" ? body.length : body.byteLength;
        inner.whole!(status, headers, body, isHead);
      };
    }
    if (inner.upgrade !== undefined) {
      this.upgrade = (accept: PendingUpgrade): WebSocketSessionHandle | null => {
        const session = inner.upgrade!(accept);
        if (session !== null) this.#status = accept.status;
        return session;
      };
    }
    if (inner.wire !== undefined) this.wire = () => inner.wire!();
    info.completed.then((c) => this.#report(c));
  }

  head(
    status: number,
    headers: Array<[string, string]>,
    length: number,
    end: boolean,
    trailers?: TrailerHint,
  ): void {
    this.#status = status;
    this.#inner.head(status, headers, length, end, trailers);
  }
  trailersFit(fields: Array<[string, string]>): boolean {
    return this.#inner.trailersFit(fields);
  }
  trailers(fields: Array<[string, string]>): void {
    this.#inner.trailers(fields);
  }
  body(chunk: Uint8Array): boolean {
    this.#sent += chunk.byteLength;
    return this.#inner.body(chunk);
  }
  ready(): Promise<void> {
    return this.#inner.ready();
  }
  end(): void {
    this.#inner.end();
  }
  abort(reason: unknown): number | void {
    // After a cancel (client gone, timeout) the abort only tells the protocol; not our failure.
    if (!this.#cancelled) this.#ending ??= "error";
    const status = this.#inner.abort(reason);
    if (typeof status === "number" && status > 0) this.#status = status; // the fallback answer sent
    return status;
  }

  /** The handler failed (threw, rejected, returned no Response): whatever went out is its fallback. */
  failed(): void {
    this.#ending ??= "error";
  }

  /** The exchange was cut short from outside (the client, a reset, a deadline). */
  cancelled(reason: unknown): void {
    this.#cancelled = true;
    this.#cancelReason = reason;
  }

  #report(completion: Completion): void {
    const request = this.request;
    if (request === null) return; // refused before any handler saw it: the driver answered
    let ended: ResponseEnding;
    if (this.#ending !== null) ended = this.#ending;
    else if (completion === "sent") ended = "complete";
    else ended = this.#cancelReason instanceof StreamResetByPeer ? "reset" : "aborted";
    const info = this.#info;
    try {
      this.#hook({
        method: request.method,
        url: request.url,
        status: this.#status,
        requestBytes: this.requestBody?.received ?? 0,
        responseBytes: this.#sent,
        duration: performance.now() - this.#start,
        protocol: info.protocol,
        remoteAddr: info.remoteAddr,
        ended,
      });
    } catch (e) {
      console.error("h2serve: onResponse failed:", e);
    }
  }
}
