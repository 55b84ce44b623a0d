/**
 * What serve() returns: the public face of a running server. The working
 * parts (the handler, the connection registry, error reporting the drivers
 * call) stay on the implementation behind a private field, out of sight of
 * `console.log(server)`, `Object.keys` and autocompletion.
 *
 * @module
 */
import type { Addr } from "./transport/types.ts";
import type { Server, ServerStats, ShutdownOptions } from "./types.ts";
import type { PublishOptions } from "./websocket/topics.ts";
import type { SignalSource } from "./fetch/request.ts";
import { requestSource } from "./fetch/request.ts";
import { Exchange } from "./fetch/exchange.ts";
import { ResponseDeadline } from "./fetch/writer.ts";

/** The parts of the implementation the handle forwards to. */
interface Impl {
  readonly addr: Addr;
  readonly url: URL;
  readonly finished: Promise<void>;
  stats(): ServerStats;
  shutdown(options?: ShutdownOptions): Promise<void>;
  ref(keep: boolean): void;
  publish(
    topic: string,
    data: string | ArrayBufferLike | ArrayBufferView,
    options?: PublishOptions,
  ): number;
  subscriberCount(topic: string): number;
}

/** Longest timeout setTimeout takes, in seconds. */
const MAX_SECONDS = 0x7fffffff / 1000;

/**
 * The public server object.
 */
export class ServerHandle implements Server<Addr> {
  #impl: Impl;
  /** Timers set by timeout(), by exchange; made on first use. */
  #timers: WeakMap<SignalSource, ReturnType<typeof setTimeout>> | null = null;

  constructor(impl: Impl) {
    this.#impl = impl;
  }

  /** Where it listens. */
  get addr(): Addr {
    return this.#impl.addr;
  }
  /** Its base URL. */
  get url(): URL {
    return this.#impl.url;
  }
  /** Resolves when the server has shut down and every connection has closed. */
  get finished(): Promise<void> {
    return this.#impl.finished;
  }
  /** Current counts of connections and requests. */
  stats(): ServerStats {
    return this.#impl.stats();
  }
  /** Graceful shutdown with a deadline. */
  shutdown(options?: ShutdownOptions): Promise<void> {
    return this.#impl.shutdown(options);
  }
  /** Sends `data` to every WebSocket subscribed to `topic`; how many it was queued on. */
  publish(
    topic: string,
    data: string | ArrayBufferLike | ArrayBufferView,
    options?: PublishOptions,
  ): number {
    return this.#impl.publish(topic, data, options);
  }
  /** How many of this server's WebSockets are subscribed to `topic`. */
  subscriberCount(topic: string): number {
    return this.#impl.subscriberCount(topic);
  }
  /** The listener keeps the process alive again (the default). */
  ref(): void {
    this.#impl.ref(true);
  }
  /** The listener no longer keeps the process alive on its own. */
  unref(): void {
    this.#impl.ref(false);
  }

  /** Cuts the response to `request` off `seconds` from now unless it has completed; 0 clears. */
  timeout(request: Request, seconds: number): void {
    if (!(typeof seconds === "number" && seconds >= 0 && seconds <= MAX_SECONDS)) {
      throw new RangeError(
        `timeout(request, seconds): seconds must be a number in [0, ${MAX_SECONDS}], got ${seconds}`,
      );
    }
    const exchange = requestSource(request);
    if (!(exchange instanceof Exchange)) {
      throw new TypeError("timeout(request, seconds): request is not one this server received");
    }
    const timers = (this.#timers ??= new WeakMap());
    const old = timers.get(exchange);
    if (old !== undefined) clearTimeout(old);
    timers.delete(exchange);
    if (seconds === 0 || exchange.done) return;
    const timer = setTimeout(() => {
      timers.delete(exchange);
      exchange.expire(new ResponseDeadline(`server.timeout(): no response within ${seconds} s`));
    }, seconds * 1000);
    timers.set(exchange, timer);
    // The timer never outlives its exchange, nor keeps a finished exchange's process alive.
    exchange.info.completed.then(() => {
      clearTimeout(timer);
      if (timers.get(exchange) === timer) timers.delete(exchange);
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#impl.shutdown();
  }
}
