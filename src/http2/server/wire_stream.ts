/**
 * `wire(req)` on HTTP/2: the handler drives its stream's frames
 * (src/fetch/wire_types.ts `WireH2`). Frames go out through the core's raw
 * sends (core/send_raw.ts) in call order, through the connection's own HPACK
 * encoder; the core's stream state follows the §5.1 table, and a stream the
 * frames broke is closed on our side while the connection goes on.
 *
 * @module
 */
import type { Completion } from "../../types.ts";
import { WireError } from "../../fetch/wire.ts";
import type {
  WireDataOptions,
  WireFields,
  WireFrame,
  WireGrant,
  WireH2,
  WireHeadersOptions,
  WirePushResponse,
  WireRawFrame,
} from "../../fetch/wire_types.ts";
import { ConnState, type H2Connection } from "../core/connection.ts";
import { ErrorCode } from "../core/errors.ts";
import type { HeaderList } from "../core/events.ts";
import { MAX_STREAM_ID } from "../core/frame/types.ts";
import { pushPromise } from "../core/local_streams.ts";
import {
  sendRawContinuation,
  sendRawData,
  sendRawFrame,
  sendRawHeaders,
} from "../core/send_raw.ts";
import { type FrameFeed, listen, unlisten } from "./wire_frames.ts";

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

/** What the wire needs from its DriverStream. */
export interface WireOwner {
  /** The stream id. */
  readonly id: number;
  /** The connection's core. */
  readonly conn: H2Connection;
  /** Schedules a flush. */
  flushSoon(): void;
  /** Resolves after the next flush (windows may have moved), or when the stream is lost. */
  nextFlush(): Promise<void>;
}

function bytesOf(b: Uint8Array | string): Uint8Array {
  return typeof b === "string" ? encoder.encode(b) : b;
}

function byte(v: number, what: string, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`${what} ${v} is out of range`);
  }
  return v;
}

/** One stream handed to a wire handler. */
export class WireStream implements WireH2, WireGrant {
  readonly side: { h2: WireH2; h1: null };
  readonly ended: Promise<Completion>;
  readonly #owner: WireOwner;
  #resolve!: (c: Completion) => void;
  #over = false;
  /** The client went away (reset, connection lost): sends are dropped, not errors. */
  #gone = false;
  #feed: FrameFeed | null = null;

  constructor(owner: WireOwner) {
    this.#owner = owner;
    this.side = { h2: this, h1: null };
    this.ended = new Promise((r) => (this.#resolve = r));
  }

  get streamId(): number {
    return this.#owner.id;
  }

  get maxPayloadSize(): number {
    return this.#owner.conn.remoteSettings.maxFrameSize;
  }

  get window(): { stream: number; connection: number } {
    const c = this.#owner.conn.core;
    return {
      stream: c.streams.get(this.#owner.id)?.send.window ?? 0,
      connection: c.sched.connWindow,
    };
  }

  /** The connection to send on; null once the client went away; throws after end() or reset(). */
  #open(): H2Connection | null {
    if (this.#gone || this.#owner.conn.state === ConnState.CLOSED) return null;
    if (this.#over) throw new WireError("started", "this wire has ended (end() or reset())");
    return this.#owner.conn;
  }

  #finish(outcome: Completion): void {
    if (this.#over) return;
    this.#over = true;
    this.#owner.flushSoon();
    unlisten(this.#owner.conn.core, this.#owner.id);
    this.#resolve(outcome);
  }

  headers(fields: WireFields, options: WireHeadersOptions = {}): void {
    const conn = this.#open();
    if (conn === null) return;
    sendRawHeaders(conn.core, this.#owner.id, fields as HeaderList, options);
    this.#owner.flushSoon();
  }

  continuation(fields: WireFields, options: { endHeaders?: boolean } = {}): void {
    const conn = this.#open();
    if (conn === null) return;
    sendRawContinuation(
      conn.core,
      this.#owner.id,
      fields as HeaderList,
      options.endHeaders !== false,
    );
    this.#owner.flushSoon();
  }

  async data(bytes: Uint8Array | string, o: WireDataOptions = {}): Promise<void> {
    const b = bytesOf(bytes);
    const pad = o.padLength;
    const extra = pad === undefined ? 0 : byte(pad, "padLength", 255) + 1;
    const id = this.#owner.id;
    let off = 0;
    do {
      const conn = this.#open();
      if (conn === null) return;
      const c = conn.core;
      let n = b.length - off;
      if (!o.oversize) n = Math.min(n, Math.max(1, this.maxPayloadSize - extra));
      if (!o.ignoreFlowControl) {
        for (;;) {
          const s = c.streams.get(id);
          const win = Math.min(s === undefined ? Infinity : s.send.window, c.sched.connWindow);
          if (win >= n + extra) break;
          if (!o.oversize && win - extra > 0) {
            n = win - extra;
            break;
          }
          await this.#owner.nextFlush();
          if (this.#open() === null) return;
        }
      }
      const last = off + n >= b.length;
      sendRawData(c, id, b.subarray(off, off + n), last && o.endStream === true, pad);
      off += n;
      this.#owner.flushSoon();
    } while (off < b.length);
  }

  frame(f: WireRawFrame): void {
    const conn = this.#open();
    if (conn === null) return;
    const type = byte(f.type, "frame type", 255);
    const flags = byte(f.flags ?? 0, "flags", 255);
    const id = byte(f.streamId ?? this.#owner.id, "streamId", MAX_STREAM_ID);
    sendRawFrame(conn.core, type, flags, id, f.payload ?? EMPTY);
    this.#owner.flushSoon();
  }

  push(requestFields: WireFields, response: WirePushResponse = {}): number {
    const conn = this.#open();
    if (conn === null) throw new WireError("started", "the client went away: nothing to push on");
    const c = conn.core;
    const promised = c.store.nextLocal;
    pushPromise(c, this.#owner.id, promised, requestFields as HeaderList);
    const body = response.body === undefined ? EMPTY : bytesOf(response.body);
    const fields: HeaderList = [[":status", String(response.status ?? 200)]];
    for (const [n, v] of response.headers ?? []) fields.push([n, v]);
    conn.sendHeaders(promised, fields, body.length === 0);
    if (body.length > 0) conn.sendData(promised, body, true);
    this.#owner.flushSoon();
    return promised;
  }

  reset(errorCode: number = ErrorCode.CANCEL): void {
    if (this.#over) return;
    const code = byte(errorCode, "errorCode", 0xffffffff);
    const conn = this.#owner.conn;
    const id = this.#owner.id;
    if (conn.state !== ConnState.CLOSED && !conn.resetStream(id, code)) {
      sendRawFrame(conn.core, 3, 0, id, u32(code));
    }
    this.#finish("aborted");
  }

  end(): void {
    if (this.#over) return;
    const conn = this.#owner.conn;
    const c = conn.core;
    const s = c.streams.get(this.#owner.id);
    if (conn.state !== ConnState.CLOSED && s !== undefined && !s.endQueued) {
      // No HEADERS went out: no DATA can end the stream, so it is reset.
      if (!s.headersSent) conn.resetStream(s.id, ErrorCode.INTERNAL_ERROR);
      else sendRawData(c, s.id, EMPTY, true, undefined);
    }
    this.#finish("sent");
  }

  frames(): AsyncIterableIterator<WireFrame> {
    if (this.#feed !== null) return this.#feed;
    const conn = this.#open();
    this.#feed = listen(this.#owner.conn.core, this.#owner.id);
    if (conn === null) unlisten(this.#owner.conn.core, this.#owner.id); // ends at once
    return this.#feed;
  }

  // ---- WireGrant --------------------------------------------------------------

  abort(_reason: unknown): void {
    if (this.#over) return;
    const conn = this.#owner.conn;
    if (conn.state !== ConnState.CLOSED) conn.resetStream(this.#owner.id, ErrorCode.INTERNAL_ERROR);
    this.#finish("aborted");
  }

  lost(_reason: unknown): void {
    this.#gone = true;
    this.#finish("aborted");
  }
}

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v);
  return b;
}
