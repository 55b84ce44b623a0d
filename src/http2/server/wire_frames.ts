/**
 * What `wire(req).h2.frames()` reports: the frames the client sent on one
 * stream, seen through the core's frame tap (`ConnCore.tap`, set only while
 * some wire on the connection listens), turned into `WireFrame`s and queued
 * for an async iterator. The queue is bounded by what the core accepts
 * (windows for DATA, flood budgets for the rest).
 *
 * @module
 */
import type { WireFrame } from "../../fetch/wire_types.ts";
import type { ConnCore } from "../core/conn_core.ts";
import type { H2Event } from "../core/events.ts";
import { Flags, type Frame, FrameType } from "../core/frame/types.ts";

const NAMES: Record<number, string> = {
  0: "DATA",
  1: "HEADERS",
  2: "PRIORITY",
  3: "RST_STREAM",
  8: "WINDOW_UPDATE",
  9: "CONTINUATION",
};

/** The decoded fields of the header block a frame ended, from the events it produced. */
function blockFields(id: number, events: H2Event[]): Array<[string, string]> | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if ((e.type === "request" || e.type === "trailers") && e.streamId === id) {
      return e.headers.map(([n, v]) => [n, v] as [string, string]);
    }
  }
  return undefined;
}

/** A received frame as reported, or null for one that is not a stream frame we report. */
export function toWireFrame(f: Frame, length: number, events: H2Event[]): WireFrame | null {
  const name = NAMES[f.type];
  if (name === undefined) return null;
  const w: WireFrame = { type: f.type, name, flags: f.flags, length, streamId: f.streamId };
  const padded = (f.flags & Flags.PADDED) !== 0;
  switch (f.type) {
    case FrameType.DATA:
      w.data = f.data.slice();
      if (padded) w.padLength = length - f.data.length - 1;
      break;
    case FrameType.HEADERS:
      if (padded) w.padLength = length - 1 - (f.priority !== null ? 5 : 0) - f.block.length;
      if (f.endHeaders) w.fields = blockFields(f.streamId, events);
      break;
    case FrameType.CONTINUATION:
      if (f.endHeaders) w.fields = blockFields(f.streamId, events);
      break;
    case FrameType.RST_STREAM:
      w.errorCode = f.code;
      break;
    case FrameType.WINDOW_UPDATE:
      w.increment = f.increment;
      break;
  }
  return w;
}

/** One stream's received frames, as an async iterator. */
export class FrameFeed implements AsyncIterableIterator<WireFrame> {
  #queue: WireFrame[] = [];
  #waiter: ((r: IteratorResult<WireFrame>) => void) | null = null;
  #done = false;

  /** Queues a frame (or hands it to a waiting next()). */
  push(f: WireFrame): void {
    if (this.#done) return;
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w({ value: f, done: false });
    } else this.#queue.push(f);
  }

  /** No more frames: the queued ones are still read, then the iterator is done. */
  close(): void {
    this.#done = true;
    const w = this.#waiter;
    if (w !== null && this.#queue.length === 0) {
      this.#waiter = null;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<WireFrame>> {
    const f = this.#queue.shift();
    if (f !== undefined) return Promise.resolve({ value: f, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  /** Stops listening (a `break` out of `for await`). */
  return(): Promise<IteratorResult<WireFrame>> {
    this.#queue.length = 0;
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WireFrame> {
    return this;
  }
}

const feeds = new WeakMap<ConnCore, Map<number, FrameFeed>>();

/** Listens to stream `id`'s frames; the tap is on while any stream of the connection listens. */
export function listen(c: ConnCore, id: number): FrameFeed {
  let map = feeds.get(c);
  if (map === undefined) {
    const m = map = new Map();
    feeds.set(c, m);
    c.tap = (f, length, events) => {
      const feed = m.get(f.streamId);
      if (feed === undefined) return;
      const w = toWireFrame(f, length, events);
      if (w !== null) feed.push(w);
    };
  }
  let feed = map.get(id);
  if (feed === undefined) map.set(id, feed = new FrameFeed());
  return feed;
}

/** Stops listening to stream `id`; the last one turns the tap off. */
export function unlisten(c: ConnCore, id: number): void {
  const map = feeds.get(c);
  if (map === undefined) return;
  map.get(id)?.close();
  map.delete(id);
  if (map.size === 0) {
    feeds.delete(c);
    c.tap = null;
  }
}
