/**
 * Publish/subscribe topics for WebSockets, one registry per server (per
 * worker thread under serveWorkers). A published message becomes one
 * SharedMessage, framed once and queued on every subscriber by reference;
 * each subscriber's session applies its own backpressure limit, so a slow
 * one is closed without holding up the others. With a relay set (see
 * src/workers/topic_relay.ts), every publish is also handed to the other
 * workers, which deliver it to their own subscribers.
 *
 * @module
 */
import { SharedMessage } from "./shared_message.ts";

/**
 * Options of `server.publish` and `socket.publish`.
 *
 * @example
 * ```ts
 * const opts: PublishOptions = { compress: false };
 * ```
 */
export interface PublishOptions {
  /**
   * Compress for subscribers that negotiated permessage-deflate (messages
   * under 32 bytes never are). Default true.
   */
  compress?: boolean;
}

/**
 * What a registry delivers to: a socket's session.
 */
export interface TopicSubscriber {
  /** Queues the message; false when the socket is not open (nothing was queued). */
  deliver(message: SharedMessage): boolean;
}

/**
 * A published message as it travels between worker threads.
 */
export interface RelayedMessage {
  /** The topic. */
  topic: string;
  /** TEXT (true) or BINARY. */
  text: boolean;
  /** The payload bytes. */
  payload: Uint8Array;
  /** PublishOptions.compress. */
  compress: boolean;
}

const encoder = new TextEncoder();

/**
 * Topic → subscribers, for one server.
 */
export class TopicRegistry {
  #topics = new Map<string, Set<TopicSubscriber>>();
  /** Set by the worker pool: receives every local publish, to hand to the other workers. */
  relay: ((m: RelayedMessage) => void) | undefined;

  /** Adds `sub` to `topic`; false when it already was subscribed. */
  subscribe(sub: TopicSubscriber, topic: string): boolean {
    let set = this.#topics.get(topic);
    if (set === undefined) this.#topics.set(topic, set = new Set());
    if (set.has(sub)) return false;
    set.add(sub);
    return true;
  }

  /** Removes `sub` from `topic`; false when it was not subscribed. An empty topic is forgotten. */
  unsubscribe(sub: TopicSubscriber, topic: string): boolean {
    const set = this.#topics.get(topic);
    if (set === undefined || !set.delete(sub)) return false;
    if (set.size === 0) this.#topics.delete(topic);
    return true;
  }

  /** Whether `sub` is subscribed to `topic`. */
  isSubscribed(sub: TopicSubscriber, topic: string): boolean {
    return this.#topics.get(topic)?.has(sub) ?? false;
  }

  /** Subscribers of `topic` in this registry (this worker only). */
  subscriberCount(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0;
  }

  /** Topics with at least one subscriber. */
  get topicCount(): number {
    return this.#topics.size;
  }

  /**
   * Queues `data` on every subscriber of `topic` but `except`, framed once,
   * and hands it to the relay. Returns the number of local sockets it was
   * queued on.
   */
  publish(
    topic: string,
    data: string | ArrayBufferLike | ArrayBufferView,
    options: PublishOptions = {},
    except?: TopicSubscriber,
  ): number {
    checkTopic(topic);
    const compress = options.compress ?? true;
    if (typeof compress !== "boolean") {
      throw new TypeError(`publish: option "compress" must be a boolean, got ${String(compress)}`);
    }
    const text = typeof data === "string";
    const payload = toBytes(data);
    const n = this.deliver({ topic, text, payload, compress }, except);
    this.relay?.({ topic, text, payload, compress });
    return n;
  }

  /** Queues a message on the local subscribers only (a relayed one lands here). */
  deliver(m: RelayedMessage, except?: TopicSubscriber): number {
    const set = this.#topics.get(m.topic);
    if (set === undefined) return 0;
    const msg = new SharedMessage(m.text, m.payload, m.compress);
    let n = 0;
    // A copy: delivering may close a slow subscriber, which unsubscribes it.
    for (const sub of [...set]) if (sub !== except && sub.deliver(msg)) n++;
    return n;
  }
}

/** Throws a TypeError unless `topic` is a string. */
export function checkTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== "string") {
    throw new TypeError(`a topic must be a string, got ${typeof topic}`);
  }
}

/** Bytes of a published message: copied once, since subscribers keep it by reference. */
function toBytes(data: string | ArrayBufferLike | ArrayBufferView): Uint8Array {
  if (typeof data === "string") return encoder.encode(data);
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  }
  if (
    data instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== "undefined" && data instanceof SharedArrayBuffer)
  ) {
    return new Uint8Array(data).slice();
  }
  throw new TypeError("publish: data must be a string, an ArrayBuffer or an ArrayBufferView");
}

const registries = new WeakMap<object, TopicRegistry>();

/**
 * The topic registry of a server (drivers pass it with each upgrade), made on first use.
 */
export function topicsOf(server: object): TopicRegistry {
  let r = registries.get(server);
  if (r === undefined) registries.set(server, r = new TopicRegistry());
  return r;
}

/** Makes `alias` (the public server handle) share `owner`'s registry. */
export function shareTopics(alias: object, owner: object): void {
  registries.set(alias, topicsOf(owner));
}
