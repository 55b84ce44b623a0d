/**
 * WebSocket topics across serveWorkers threads. Every worker's topic
 * registry joins one BroadcastChannel named for the pool: a publish is
 * delivered to the local subscribers at once and posted on the channel, and
 * each other worker delivers it to its own subscribers, framing (and
 * compressing) it locally. Cost per publish: one structured clone of the
 * payload per other worker and one hop through the runtime's message
 * queue; no thread is a coordinator, and a worker with no subscriber for
 * the topic only pays the clone and a map lookup.
 *
 * @module
 */
import { type RelayedMessage, TopicRegistry } from "../websocket/topics.ts";

/** Connects `topics` to the pool's channel; returns the function that disconnects it. */
export function relayTopics(topics: TopicRegistry, channel: string): () => void {
  const ch = new BroadcastChannel(channel);
  topics.relay = (m) => ch.postMessage(m);
  ch.onmessage = (e: MessageEvent<RelayedMessage>) => void topics.deliver(e.data);
  return () => {
    topics.relay = undefined;
    ch.close();
  };
}

/**
 * Publishing from the pool's own thread: a registry with no subscribers
 * whose relay posts on the channel (opened on first use, kept so messages
 * keep their order), so every worker delivers it.
 */
export class PoolPublisher {
  readonly topics: TopicRegistry = new TopicRegistry();
  #ch: BroadcastChannel | null = null;

  /** Publishes on `channel`. */
  constructor(channel: string) {
    this.topics.relay = (m) => (this.#ch ??= new BroadcastChannel(channel)).postMessage(m);
  }

  /** Closes the channel (at shutdown). */
  close(): void {
    this.#ch?.close();
    this.topics.relay = undefined;
  }
}
