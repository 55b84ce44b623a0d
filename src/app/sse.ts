/**
 * Server-Sent Events: `sse(source, options)` turns an async iterable of
 * events into a `text/event-stream` Response. Each event is written as soon
 * as the source yields it; comment heartbeats keep idle proxies from closing
 * the stream; the source's `return()` runs when the client goes away.
 *
 * ```ts
 * import { serve, sse } from "@h2serve/h2serve";
 * serve({ port: 8080 }, (req) =>
 *   sse((async function* () {
 *     for (let i = 0; ; i++) {
 *       yield { event: "tick", data: String(i) };
 *       await new Promise((r) => setTimeout(r, 1000));
 *     }
 *   })(), { signal: req.signal }));
 * ```
 *
 * @module
 */

/**
 * One event. A plain string is shorthand for `{ data: string }`.
 *
 * @example
 * ```ts
 * const event: SseEvent = { event: "tick", id: "1", data: "hello" };
 * ```
 */
export interface SseEvent {
  /** The payload. Strings go as is (split at line breaks); other values are JSON-encoded. */
  data?: unknown;
  /** The event type (`addEventListener(type)` on the client). Must not hold CR, LF or NUL. */
  event?: string;
  /** The event id, echoed by reconnecting clients as Last-Event-ID. Must not hold CR, LF or NUL. */
  id?: string;
  /** Reconnection delay for the client, in milliseconds (a non-negative integer). */
  retry?: number;
  /** A comment line (ignored by clients); may span lines. */
  comment?: string;
}

/**
 * Options of sse().
 *
 * @example
 * ```ts
 * const options: SseOptions = { heartbeat: 30_000, headers: { "x-stream": "clock" } };
 * ```
 */
export interface SseOptions {
  /**
   * Milliseconds of silence after which a `: ping` comment is sent; 0 turns
   * heartbeats off. Default 15000 (below the common 30-60 s proxy idle timeouts).
   */
  heartbeat?: number;
  /** Ends the stream and calls the source's return() when aborted; pass `req.signal`. */
  signal?: AbortSignal;
  /** Extra response headers (they may override the defaults). */
  // Spelled through Headers, not HeadersInit: Node users compile without the DOM library.
  headers?: ConstructorParameters<typeof Headers>[0];
  /** Response status. Default 200. */
  status?: number;
}

/**
 * Default heartbeat interval in milliseconds.
 *
 * @example
 * ```ts
 * const twice = { heartbeat: SSE_HEARTBEAT_MS / 2 };
 * ```
 */
export const SSE_HEARTBEAT_MS = 15_000;

const encoder = new TextEncoder();
const LINE_BREAK = /\r\n|\r|\n/;

function checkField(name: string, value: string): string {
  if (/[\r\n\0]/.test(value)) {
    throw new TypeError(`SSE ${name} must not contain CR, LF or NUL: ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Encodes one event in the text/event-stream format (WHATWG HTML §9.2.6).
 * Data and comments are split at every CR, LF or CRLF into one line each, so
 * no payload can end the event early or forge fields; event and id refuse
 * line breaks with a TypeError.
 *
 * @example
 * ```ts
 * encodeEvent({ event: "tick", data: "a\nb" }); // "event: tick\ndata: a\ndata: b\n\n"
 * ```
 */
export function encodeEvent(event: SseEvent | string): string {
  const e: SseEvent = typeof event === "string" ? { data: event } : event;
  let out = "";
  if (e.comment !== undefined) {
    for (const line of e.comment.split(LINE_BREAK)) out += `: ${line}\n`;
  }
  if (e.event !== undefined) out += `event: ${checkField("event", e.event)}\n`;
  if (e.id !== undefined) out += `id: ${checkField("id", e.id)}\n`;
  if (e.retry !== undefined) {
    if (!Number.isInteger(e.retry) || e.retry < 0) {
      throw new TypeError(`SSE retry must be a non-negative integer: ${e.retry}`);
    }
    out += `retry: ${e.retry}\n`;
  }
  if (e.data !== undefined) {
    const data = typeof e.data === "string" ? e.data : JSON.stringify(e.data) ?? "";
    for (const line of data.split(LINE_BREAK)) out += `data: ${line}\n`;
  }
  return out + "\n";
}

/**
 * Streams `source` as Server-Sent Events. The response starts with a short
 * comment so that its head goes out at once (a client's `open` fires before
 * the first event). Events are pulled from the source only as the client
 * reads, so a slow client never makes the stream buffer without bound.
 *
 * Cleanup: when the client goes away (the body is cancelled) or
 * `options.signal` aborts, the heartbeat stops and the source's `return()` is
 * called. An async generator that is suspended in an `await` runs its
 * `finally` only once that await settles; let it watch the same signal to
 * stop sooner.
 *
 * @example
 * ```ts
 * import { serve, sse } from "@h2serve/h2serve";
 * async function* clock() {
 *   for (let i = 0; i < 3; i++) yield { event: "tick", data: String(i) };
 * }
 * serve({ port: 8000 }, () => sse(clock()));
 * ```
 */
export function sse(source: AsyncIterable<SseEvent | string>, options: SseOptions = {}): Response {
  const interval = options.heartbeat ?? SSE_HEARTBEAT_MS;
  const signal = options.signal;
  const iterator = source[Symbol.asyncIterator]();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let finished = false;

  const arm = () => {
    if (interval <= 0 || finished) return;
    clearTimeout(timer);
    timer = setTimeout(ping, interval);
  };
  const send = (s: string) => {
    controller.enqueue(encoder.encode(s));
    arm();
  };
  function ping() {
    if (finished) return;
    // Only into an empty queue: a client that is not reading needs no heartbeat.
    if ((controller.desiredSize ?? 0) > 0) send(": ping\n\n");
    else arm();
  }
  /** Stops everything once; `returnSource` unless the source itself ended. */
  const finish = (returnSource: boolean) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    if (returnSource) {
      try {
        Promise.resolve(iterator.return?.()).catch(() => {});
      } catch {
        // A throwing return() must not break the response.
      }
    }
  };
  const onAbort = () => {
    if (finished) return;
    finish(true);
    try {
      controller.close();
    } catch {
      // Already closed or errored.
    }
  };

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (signal?.aborted) {
        finish(true);
        c.close();
        return;
      }
      signal?.addEventListener("abort", onAbort);
      send(":\n\n");
    },
    async pull(c) {
      if (finished) return;
      let r: IteratorResult<SseEvent | string>;
      try {
        r = await iterator.next();
      } catch (error) {
        if (finished) return;
        finish(false);
        c.error(error);
        return;
      }
      if (finished) return;
      if (r.done) {
        finish(false);
        c.close();
        return;
      }
      let chunk: string;
      try {
        chunk = encodeEvent(r.value);
      } catch (error) {
        finish(true);
        c.error(error);
        return;
      }
      send(chunk);
    },
    cancel() {
      finish(true);
    },
  }, { highWaterMark: 1 });

  const headers = new Headers({
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    // nginx buffers proxied responses unless told otherwise.
    "x-accel-buffering": "no",
  });
  for (const [k, v] of new Headers(options.headers)) headers.set(k, v);
  return new Response(body, { status: options.status ?? 200, headers });
}
