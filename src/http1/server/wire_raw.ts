/**
 * `wire(req)` on HTTP/1.1: the handler writes the connection's bytes itself
 * (src/fetch/wire_types.ts `WireH1`), with no framing and no checks: an
 * invalid status line, a wrong length, anything. The connection then closes
 * after the response, unless the handler says its bytes were one complete,
 * correctly framed response (`end({ close: false })`).
 *
 * @module
 */
import type { Completion } from "../../types.ts";
import type { Transport } from "../../transport/types.ts";
import { WireError } from "../../fetch/wire.ts";
import type { WireGrant, WireH1 } from "../../fetch/wire_types.ts";

const encoder = new TextEncoder();

/** What the raw response needs from its connection. */
export interface RawOwner {
  /** Resolves when the socket drained (under `http1.sendTimeout`). */
  ready(): Promise<void>;
  /** The response ended; `close`: the handler did not vouch for its framing. */
  finished(close: boolean): void;
  /** The response cannot complete: the connection is cut. */
  abort(reason: unknown): void;
}

/** The raw side of one HTTP/1.1 response. */
export class RawWire implements WireH1, WireGrant {
  readonly side: { h2: null; h1: WireH1 };
  readonly ended: Promise<Completion>;
  readonly #t: Transport;
  readonly #owner: RawOwner;
  #resolve!: (c: Completion) => void;
  #over = false;
  /** The client went away: writes are dropped, not errors. */
  #gone = false;

  constructor(t: Transport, owner: RawOwner) {
    this.#t = t;
    this.#owner = owner;
    this.side = { h2: null, h1: this };
    this.ended = new Promise((r) => (this.#resolve = r));
  }

  #finish(outcome: Completion): void {
    this.#over = true;
    this.#resolve(outcome);
  }

  async write(bytes: Uint8Array | string): Promise<void> {
    if (this.#gone) return;
    if (this.#over) throw new WireError("started", "this wire has ended (end())");
    const b = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
    if (b.byteLength > 0 && !this.#t.write(b)) await this.#owner.ready();
  }

  end(options: { close?: boolean } = {}): Promise<void> {
    if (this.#over) return Promise.resolve();
    this.#owner.finished(options.close !== false);
    this.#finish("sent");
    return Promise.resolve();
  }

  abort(reason: unknown): void {
    if (this.#over) return;
    this.#owner.abort(reason);
    this.#finish("aborted");
  }

  lost(_reason: unknown): void {
    this.#gone = true;
    if (!this.#over) this.#finish("aborted");
  }
}
