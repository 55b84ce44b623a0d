/**
 * The input side of one HTTP/2 connection: a batch of events from the core's
 * `receive()`, each applied to its stream (request DATA, trailers, ends,
 * resets, a 431 for an oversized header block), and the connection-level
 * ones handed to the driver. A stream opened and reset within one batch
 * (rapid reset) never reaches the handler.
 *
 * @module
 */
import { StreamResetByPeer } from "../../fetch/exchange.ts";
import type { H2Event, HeaderList } from "../core/events.ts";
import { LifeEvent } from "./stream_life.ts";
import { DriverStream as Stream, type StreamHost } from "./exchange_stream.ts";
import type { OpenStreams } from "./open_streams.ts";
import type { AnsweredResets } from "./answered_resets.ts";

/**
 * What the input hands to the driver.
 */
export interface InboundOwner {
  /** The stream's host (the driver): new streams are made with it. */
  readonly streams: StreamHost;
  /** A request's HEADERS opened stream `id`: build the Request and run the handler. */
  request(id: number, headers: HeaderList, endStream: boolean): void;
  /** A stream reset: by us ("reset") or by the peer mid-exchange ("aborted"). */
  reportReset(remote: boolean, code: number, reason?: string): void;
  /** The core failed the connection (GOAWAY sent). */
  connectionError(code: number, reason: string): void;
  /** The peer answered our PING. */
  pingAcked(): void;
  /** The peer acknowledged our SETTINGS. */
  settingsAcked(): void;
}

/**
 * Applies the core's events to the connection's streams.
 */
export class Inbound {
  readonly #streams: OpenStreams;
  readonly #toReset: AnsweredResets;
  readonly #maxBodyBytes: number;
  readonly #owner: InboundOwner;
  /** Streams reset within the batch being applied: their handlers are not started. */
  #resetInBatch: Set<number> | null = null;

  /** `maxBodyBytes`: `http2.maxBodyBytes`. */
  constructor(
    streams: OpenStreams,
    toReset: AnsweredResets,
    maxBodyBytes: number,
    owner: InboundOwner,
  ) {
    this.#streams = streams;
    this.#toReset = toReset;
    this.#maxBodyBytes = maxBodyBytes;
    this.#owner = owner;
  }

  /** Applies one `receive()` batch, in order. */
  apply(events: H2Event[]): void {
    // Rapid reset: a stream opened and reset in the same batch never reaches the handler.
    let reset: Set<number> | null = null;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if (ev.type === "stream-reset") (reset ??= new Set()).add(ev.streamId);
    }
    this.#resetInBatch = reset;
    for (let i = 0; i < events.length; i++) this.#onEvent(events[i]!);
    this.#resetInBatch = null;
  }

  #onEvent(ev: H2Event): void {
    const owner = this.#owner;
    switch (ev.type) {
      case "request":
        if (this.#resetInBatch?.has(ev.streamId)) return;
        return owner.request(ev.streamId, ev.headers, ev.endStream);
      case "data": {
        const s = this.#streams.get(ev.streamId);
        if (s !== undefined && s.receiveData(ev.data, this.#maxBodyBytes)) return;
        const len = ev.data.byteLength;
        owner.streams.conn.consumed(ev.streamId, len);
        this.#toReset.received(ev.streamId, len); // an answered upload: reset past its allowance
        return;
      }
      case "trailers":
        // "stream-end" follows; the slot keeps the first settlement.
        this.#streams.get(ev.streamId)?.trailerSlot?.deliver(ev.headers);
        return;
      case "stream-end": {
        const s = this.#streams.get(ev.streamId);
        if (s === undefined) return;
        s.remoteEnd();
        this.#streams.settle(s);
        return;
      }
      case "stream-reset": {
        const s = this.#streams.get(ev.streamId);
        if (s !== undefined || !ev.remote) owner.reportReset(ev.remote, ev.code, ev.reason);
        if (s !== undefined) this.#streams.lost(s, new StreamResetByPeer(ev.code));
        return;
      }
      case "stream-closed": {
        const s = this.#streams.get(ev.streamId);
        if (s !== undefined) {
          s.step(LifeEvent.WIRE_CLOSED);
          this.#streams.settle(s);
        }
        return;
      }
      case "headers-too-large": {
        const host = owner.streams;
        const s = new Stream(ev.streamId, host, ev.endStream);
        s.step(LifeEvent.ANSWER);
        s.discard = true;
        s.headSent = true;
        host.conn.sendHeaders(ev.streamId, [[":status", "431"], ["content-length", "0"]], true);
        if (!ev.endStream) {
          this.#streams.add(s);
          host.resetWhenSent(s);
        }
        return;
      }
      case "connection-error":
        return owner.connectionError(ev.code, ev.reason);
      case "ping-ack":
        return owner.pingAcked();
      case "settings-ack":
        return owner.settingsAcked();
      default:
        // window: the flush that follows every receive() wakes waiting streams.
        // settings, ping, goaway: the core did what is needed.
        return;
    }
  }
}
