/**
 * A client and a server `H2Connection` (the public API) joined in memory:
 * `pump()` carries `dataToSend()` both ways until both are quiet, fed whole,
 * byte by byte, or in chunks of a given size, and records every event.
 */
import { H2Connection, type H2ConnectionOptions, type H2Event } from "../../http2.ts";

export type Feed = "whole" | "bytes" | number;

export class Pair {
  readonly client: H2Connection;
  readonly server: H2Connection;
  readonly clientEvents: H2Event[] = [];
  readonly serverEvents: H2Event[] = [];
  readonly feed: Feed;
  /** Called on each server event as it arrives (the server's application). */
  onServer: (ev: H2Event, conn: H2Connection) => void = () => {};
  /** Called on each client event as it arrives. */
  onClient: (ev: H2Event, conn: H2Connection) => void = () => {};

  constructor(
    feed: Feed = "whole",
    client: Partial<H2ConnectionOptions> = {},
    server: Partial<H2ConnectionOptions> = {},
  ) {
    this.feed = feed;
    this.client = new H2Connection({ ...client, side: "client" });
    this.server = new H2Connection({ ...server, side: "server" });
    this.client.initiateConnection();
    this.server.initiateConnection();
  }

  #deliver(
    bytes: Uint8Array,
    to: H2Connection,
    log: H2Event[],
    on: (ev: H2Event, c: H2Connection) => void,
  ) {
    const step = this.feed === "whole" ? bytes.length : this.feed === "bytes" ? 1 : this.feed;
    for (let i = 0; i < bytes.length; i += step) {
      // A fresh copy per chunk: events may alias it, as they would a socket read.
      for (const ev of to.receiveData(bytes.slice(i, i + step))) {
        log.push(ev);
        on(ev, to);
      }
    }
  }

  /** Moves bytes both ways until neither side has anything to send; returns the rounds taken. */
  pump(maxRounds = 100): number {
    for (let round = 0; round < maxRounds; round++) {
      const c2s = this.client.dataToSend();
      const s2c = this.server.dataToSend();
      if (c2s.length === 0 && s2c.length === 0) return round;
      this.#deliver(c2s, this.server, this.serverEvents, this.onServer);
      this.#deliver(s2c, this.client, this.clientEvents, this.onClient);
    }
    throw new Error("pump: the two sides never went quiet");
  }

  /** Events of one type, from one side. */
  of<T extends H2Event["type"]>(
    side: "client" | "server",
    type: T,
  ): Extract<H2Event, { type: T }>[] {
    const log = side === "client" ? this.clientEvents : this.serverEvents;
    return log.filter((e): e is Extract<H2Event, { type: T }> => e.type === type);
  }
}

export const GET: Array<[string, string]> = [
  [":method", "GET"],
  [":scheme", "http"],
  [":path", "/"],
  [":authority", "localhost"],
];

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
