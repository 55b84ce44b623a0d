/**
 * The socket object handed to handlers: a browser-like `WebSocket` (an
 * EventTarget with open/message/close/error, `send`, `close`, `readyState`,
 * `binaryType`, `bufferedAmount`, `protocol`, `extensions`, `url`) plus
 * `stream()`, a WebSocketStream-like view with backpressure both ways.
 *
 * @module
 */
import type { BinaryTypeLike, BufferSourceLike } from "../web_types.ts";
import { closeEvent, errorEvent } from "./events.ts";
import type { SessionListener, WebSocketSession } from "./session.ts";
import { checkTopic, type PublishOptions, type TopicRegistry } from "./topics.ts";

const encoder = new TextEncoder();
let listenerOf: (s: ServerWebSocket) => SessionListener;
const decoder = new TextDecoder();

import type {
  WebSocketCloseInfo,
  WebSocketStreamConnection,
  WebSocketStreamView,
} from "./socket_stream_types.ts";
export type {
  WebSocketCloseInfo,
  WebSocketStreamConnection,
  WebSocketStreamView,
} from "./socket_stream_types.ts";

/** Messages queued in the stream view's readable before inbound reading pauses. */
const READABLE_HIGH_WATER_MARK = 16;

/**
 * An `on*` event handler property's value.
 *
 * @example
 * ```ts
 * import { serve, upgradeWebSocket } from "@h2serve/h2serve";
 * serve((req) => {
 *   const { socket, response } = upgradeWebSocket(req);
 *   socket.onopen = () => socket.send("welcome");
 *   return response;
 * });
 * ```
 */
export type WebSocketEventHandler = ((this: ServerWebSocket, ev: Event) => unknown) | null;
type Handler = WebSocketEventHandler;

/**
 * A server-side WebSocket, as returned by `upgradeWebSocket`. It behaves like
 * a browser `WebSocket`; `binaryType` defaults to `"arraybuffer"`, as the
 * socket of `Deno.upgradeWebSocket` does.
 *
 * Backpressure: `send()` never blocks (watch `bufferedAmount`). For flow
 * control use `stream()`: its `writable` resolves each write only when the
 * client has taken the data, and while its `readable` is not read the server
 * stops reading from the client.
 *
 * @example
 * ```ts
 * import { serve, upgradeWebSocket } from "@h2serve/h2serve";
 * serve((req) => {
 *   const { socket, response } = upgradeWebSocket(req);
 *   socket.onmessage = (e) => socket.send(e.data);
 *   socket.onclose = (e) => console.log("closed", e.code);
 *   return response;
 * });
 * ```
 *
 * @example Streams with backpressure
 * ```ts
 * import { serve, upgradeWebSocket } from "@h2serve/h2serve";
 * serve((req) => {
 *   const { socket, response } = upgradeWebSocket(req);
 *   // `opened` resolves only once the handler has returned `response`: never await it
 *   // before returning (that deadlocks); pipe in the background instead.
 *   socket.stream().opened.then(({ readable, writable }) => readable.pipeTo(writable)); // echo
 *   return response;
 * });
 * ```
 */
export class ServerWebSocket extends EventTarget {
  /** readyState: the handler has the socket, the handshake response is not sent yet. */
  static readonly CONNECTING = 0;
  /** readyState: open. */
  static readonly OPEN = 1;
  /** readyState: closing handshake in progress. */
  static readonly CLOSING = 2;
  /** readyState: closed. */
  static readonly CLOSED = 3;
  // The instance constants are prototype getters: no four fields on every socket.
  /** readyState: the handler has the socket, the handshake response is not sent yet. */
  get CONNECTING(): 0 {
    return 0;
  }
  /** readyState: open. */
  get OPEN(): 1 {
    return 1;
  }
  /** readyState: closing handshake in progress. */
  get CLOSING(): 2 {
    return 2;
  }
  /** readyState: closed. */
  get CLOSED(): 3 {
    return 3;
  }

  #session!: WebSocketSession;
  #binaryType: BinaryTypeLike = "arraybuffer";
  #protocol: string;
  #extensions: string;
  #url: string;
  #closing = false;
  #handlers: Record<string, Handler> | undefined;
  #readable: ReadableStreamDefaultController<string | Uint8Array> | undefined;
  #view: WebSocketStreamView | undefined;
  #opened: { resolve: () => void } | undefined;
  #closedInfo: WebSocketCloseInfo | undefined;
  #closedWaiters: ((i: WebSocketCloseInfo) => void)[] | undefined;
  #topics: TopicRegistry | undefined;
  #subscribed: Set<string> | undefined;

  /** @internal Built by upgradeWebSocket. */
  constructor(url: string, protocol: string, extensions: string) {
    super();
    this.#url = url;
    this.#protocol = protocol;
    this.#extensions = extensions;
  }

  /** @internal Binds the session and the server's topics (upgradeWebSocket does this once). */
  bind(session: WebSocketSession, topics?: TopicRegistry): void {
    this.#session = session;
    this.#topics = topics;
  }

  /** @internal The listener the session reports to (one object, no closures per socket). */
  listener(): SessionListener {
    return listenerOf(this);
  }

  static {
    class Listener implements SessionListener {
      readonly #s: ServerWebSocket;
      constructor(s: ServerWebSocket) {
        this.#s = s;
      }
      open(): void {
        this.#s.dispatchEvent(new Event("open"));
        this.#s.#opened?.resolve();
      }
      message(data: Uint8Array, text: boolean): void {
        this.#s.#onMessage(data, text);
      }
      error(message: string): void {
        this.#s.dispatchEvent(errorEvent(message));
      }
      close(code: number, reason: string, wasClean: boolean): void {
        const s = this.#s;
        try {
          s.#readable?.close();
        } catch { /* already closed or errored */ }
        s.#leaveAll();
        const info = s.#closedInfo = { closeCode: code, reason };
        const waiters = s.#closedWaiters;
        s.#closedWaiters = undefined;
        for (const w of waiters ?? []) w(info);
        s.dispatchEvent(closeEvent(code, reason, wasClean));
      }
    }
    listenerOf = (s) => new Listener(s);
  }

  #onMessage(data: Uint8Array, text: boolean): void {
    if (this.#readable) {
      this.#readable.enqueue(text ? decoder.decode(data) : data);
      if ((this.#readable.desiredSize ?? 1) <= 0) this.#session.hold("readable", true);
    }
    let payload: string | ArrayBuffer | Blob;
    if (text) payload = decoder.decode(data);
    else if (this.#binaryType === "blob") payload = new Blob([data as Uint8Array<ArrayBuffer>]);
    else {
      payload = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
        ? data.buffer as ArrayBuffer
        : data.slice().buffer as ArrayBuffer;
    }
    this.dispatchEvent(new MessageEvent("message", { data: payload }));
  }

  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. */
  get readyState(): number {
    const s = this.#session.state;
    return s < 2 && this.#closing ? 2 : s;
  }

  /** "arraybuffer" (default) or "blob": the type of binary `message` event data. */
  get binaryType(): BinaryTypeLike {
    return this.#binaryType;
  }
  set binaryType(v: BinaryTypeLike) {
    if (v === "blob" || v === "arraybuffer") this.#binaryType = v;
  }

  /** Bytes passed to send() that the client has not taken yet (queued or above the channel's mark). */
  get bufferedAmount(): number {
    return this.#session.bufferedAmount;
  }

  /** The selected subprotocol ("" when none). */
  get protocol(): string {
    return this.#protocol;
  }

  /** The negotiated extensions, as sent in Sec-WebSocket-Extensions ("" when none). */
  get extensions(): string {
    return this.#extensions;
  }

  /** The request URL with a ws: or wss: scheme. */
  get url(): string {
    return this.#url;
  }

  /**
   * Sends a message: a string as text, anything else as binary. Blobs are read
   * asynchronously; messages still go out in call order. Throws
   * InvalidStateError while CONNECTING; ignored once closing.
   */
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void {
    if (this.readyState === 0) {
      throw new DOMException("The WebSocket is still CONNECTING", "InvalidStateError");
    }
    if (this.readyState >= 2) return;
    if (typeof data === "string") {
      const b = encoder.encode(data);
      this.#session.send(true, b, b.length);
    } else if (data instanceof Blob) {
      this.#session.send(false, data.arrayBuffer().then((a) => new Uint8Array(a)), data.size);
    } else if (ArrayBuffer.isView(data)) {
      const b = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
      this.#session.send(false, b, b.length);
    } else if (data instanceof ArrayBuffer || isSharedArrayBuffer(data)) {
      const b = new Uint8Array(data as ArrayBuffer).slice();
      this.#session.send(false, b, b.length);
    } else {
      const b = encoder.encode(String(data));
      this.#session.send(true, b, b.length);
    }
  }

  /**
   * Starts the closing handshake. `code` must be 1000 or 3000-4999
   * (InvalidAccessError), `reason` at most 123 UTF-8 bytes (SyntaxError).
   */
  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw new DOMException(
        `The close code must be either 1000, or between 3000 and 4999. ${code} is neither.`,
        "InvalidAccessError",
      );
    }
    const r = reason ?? "";
    if (encoder.encode(r).length > 123) {
      throw new DOMException("The close reason may not be longer than 123 bytes.", "SyntaxError");
    }
    if (this.readyState >= 2) return;
    this.#closing = true;
    this.#session.close(code, code === undefined ? "" : r);
  }

  /**
   * Subscribes to `topic`: messages published to it (`server.publish`,
   * another socket's `publish`) are sent to this socket, with the same
   * `maxBufferedBytes` limit as `send()`. Returns false when it already was
   * subscribed, or the socket is closed. Closing unsubscribes from all.
   */
  subscribe(topic: string): boolean {
    checkTopic(topic);
    if (this.#session.state >= 2 || !this.#registry().subscribe(this.#session, topic)) return false;
    (this.#subscribed ??= new Set()).add(topic);
    return true;
  }

  /** Unsubscribes from `topic`; false when it was not subscribed. */
  unsubscribe(topic: string): boolean {
    checkTopic(topic);
    this.#subscribed?.delete(topic);
    return this.#topics?.unsubscribe(this.#session, topic) ?? false;
  }

  /** Whether this socket is subscribed to `topic`. */
  isSubscribed(topic: string): boolean {
    return this.#subscribed?.has(topic) ?? false;
  }

  /** The topics this socket is subscribed to. */
  get subscriptions(): string[] {
    return [...(this.#subscribed ?? [])];
  }

  /**
   * Sends `data` to every subscriber of `topic` but this socket (subscribed
   * or not), framed once; under serveWorkers, to the other workers' too.
   * Returns how many sockets of this worker it was queued on.
   */
  publish(
    topic: string,
    data: string | ArrayBufferLike | ArrayBufferView,
    options?: PublishOptions,
  ): number {
    return this.#registry().publish(topic, data, options, this.#session);
  }

  #registry(): TopicRegistry {
    if (this.#topics) return this.#topics;
    throw new TypeError("topics need a socket upgraded by an h2serve server");
  }

  #leaveAll(): void {
    for (const t of this.#subscribed ?? []) this.#topics?.unsubscribe(this.#session, t);
    this.#subscribed = undefined;
  }

  /**
   * A WebSocketStream-like view: `opened` gives a `readable` of incoming
   * messages and a `writable` for outgoing ones, both with backpressure.
   * Message events still fire. Calling it again returns the same view.
   */
  stream(): WebSocketStreamView {
    if (this.#view) return this.#view;
    const readable = new ReadableStream<string | Uint8Array>({
      start: (c) => {
        this.#readable = c;
      },
      pull: () => this.#session.hold("readable", false),
      cancel: () => this.#session.hold("readable", false),
    }, new CountQueuingStrategy({ highWaterMark: READABLE_HIGH_WATER_MARK }));
    const writable = new WritableStream<string | BufferSourceLike>({
      write: async (chunk) => {
        if (this.readyState !== 1) {
          throw new DOMException("The WebSocket is not open", "InvalidStateError");
        }
        this.send(chunk as string | ArrayBuffer);
        await this.#session.writable();
      },
      close: () => this.close(),
      abort: () => this.close(),
    });
    const conn: WebSocketStreamConnection = {
      readable,
      writable,
      protocol: this.#protocol,
      extensions: this.#extensions,
    };
    const opened = new Promise<WebSocketStreamConnection>((resolve) => {
      if (this.#session.state >= 1) resolve(conn);
      else this.#opened = { resolve: () => resolve(conn) };
    });
    const closed = new Promise<WebSocketCloseInfo>((resolve) => {
      if (this.#closedInfo) resolve(this.#closedInfo);
      else (this.#closedWaiters ??= []).push(resolve);
    });
    this.#view = {
      opened,
      closed,
      close: (info) => this.close(info?.closeCode, info?.reason),
    };
    return this.#view;
  }

  #handler(type: string): Handler {
    return this.#handlers?.[type] ?? null;
  }
  #setHandler(type: string, fn: Handler): void {
    const handlers = this.#handlers ??= {};
    const old = handlers[type];
    if (old) this.removeEventListener(type, old as EventListener);
    handlers[type] = typeof fn === "function" ? fn : null;
    if (typeof fn === "function") this.addEventListener(type, fn as EventListener);
  }

  /** Handler of the `open` event. */
  get onopen(): WebSocketEventHandler {
    return this.#handler("open");
  }
  set onopen(fn: WebSocketEventHandler) {
    this.#setHandler("open", fn);
  }
  /** Handler of the `message` event (`e.data`: string, ArrayBuffer or Blob). */
  get onmessage(): ((this: ServerWebSocket, ev: MessageEvent) => unknown) | null {
    return this.#handler("message") as
      | ((this: ServerWebSocket, ev: MessageEvent) => unknown)
      | null;
  }
  set onmessage(fn: ((this: ServerWebSocket, ev: MessageEvent) => unknown) | null) {
    this.#setHandler("message", fn as Handler);
  }
  /** Handler of the `close` event (`e.code`, `e.reason`, `e.wasClean`). */
  get onclose(): ((this: ServerWebSocket, ev: CloseEvent) => unknown) | null {
    return this.#handler("close") as ((this: ServerWebSocket, ev: CloseEvent) => unknown) | null;
  }
  set onclose(fn: ((this: ServerWebSocket, ev: CloseEvent) => unknown) | null) {
    this.#setHandler("close", fn as Handler);
  }
  /** Handler of the `error` event. */
  get onerror(): WebSocketEventHandler {
    return this.#handler("error");
  }
  set onerror(fn: WebSocketEventHandler) {
    this.#setHandler("error", fn);
  }
}

function isSharedArrayBuffer(x: unknown): boolean {
  return typeof SharedArrayBuffer !== "undefined" && x instanceof SharedArrayBuffer;
}
