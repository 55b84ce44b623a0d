/**
 * Test helpers for the HTTP/2 core: small frame builders (in the manner of
 * python-hyper/h2's FrameFactory), raw HPACK literal blocks, and a tiny
 * client that feeds a connection and reads back its frames.
 *
 * Not a test file.
 *
 * @module
 */

import { Decoder } from "../../src/http2/core/hpack/mod.ts";
import { concat } from "./common.ts";
import {
  buildFrame,
  CLIENT_PREFACE,
  type Frame,
  FrameDecoder,
  FrameType,
  H2Connection,
  type H2Event,
  type H2Options,
} from "../../src/http2/core/mod.ts";

const enc = new TextEncoder();
/** UTF-8 bytes of a string. */
export const bytes = (s: string): Uint8Array => enc.encode(s);

function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** HPACK integer (RFC 7541 §5.1) with an N-bit prefix, the prefix bits set from `first`. */
export function hpackInt(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  value -= max;
  while (value >= 128) {
    out.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  out.push(value);
  return out;
}

/** An HPACK block of literal-without-indexing fields with new names, no Huffman (valid for any decoder). */
export function literalBlock(headers: Array<[string, string]>): Uint8Array {
  const out: number[] = [];
  for (const [name, value] of headers) {
    out.push(0x00);
    out.push(...hpackInt(name.length, 7, 0));
    for (let i = 0; i < name.length; i++) out.push(name.charCodeAt(i));
    out.push(...hpackInt(value.length, 7, 0));
    for (let i = 0; i < value.length; i++) out.push(value.charCodeAt(i));
  }
  return new Uint8Array(out);
}

/** The client preface. */
export const preface = (): Uint8Array => CLIENT_PREFACE.slice();

/** SETTINGS frame. */
export function settings(pairs: Array<[number, number]> = [], ack = false): Uint8Array {
  const p: number[] = [];
  for (const [id, v] of pairs) p.push((id >>> 8) & 0xff, id & 0xff, ...u32(v));
  return buildFrame(FrameType.SETTINGS, ack ? 1 : 0, 0, new Uint8Array(p));
}

/** SETTINGS ACK. */
export const settingsAck = (): Uint8Array => settings([], true);

/** Options of header-carrying frames. */
export interface HeadersOpts {
  /** END_STREAM. */
  endStream?: boolean;
  /** END_HEADERS (default true). */
  endHeaders?: boolean;
  /** Adds padding of this length. */
  padLength?: number;
  /** Adds priority fields. */
  priority?: { dependency: number; weight: number; exclusive?: boolean };
}

/** HEADERS frame with a raw block (or a field list, encoded with {@link literalBlock}). */
export function headers(
  streamId: number,
  block: Uint8Array | Array<[string, string]>,
  opts: HeadersOpts = {},
): Uint8Array {
  const b = block instanceof Uint8Array ? block : literalBlock(block);
  let flags = (opts.endStream ? 1 : 0) | (opts.endHeaders === false ? 0 : 4);
  const pre: number[] = [];
  if (opts.padLength !== undefined) {
    flags |= 0x8;
    pre.push(opts.padLength);
  }
  if (opts.priority) {
    flags |= 0x20;
    pre.push(...u32((opts.priority.dependency | (opts.priority.exclusive ? 0x80000000 : 0)) >>> 0));
    pre.push(opts.priority.weight - 1);
  }
  const payload = concat(new Uint8Array(pre), b, new Uint8Array(opts.padLength ?? 0));
  return buildFrame(FrameType.HEADERS, flags, streamId, payload);
}

/** A GET request's fields. */
export function getRequest(
  path = "/",
  extra: Array<[string, string]> = [],
): Array<[string, string]> {
  return [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", path],
    [":authority", "localhost"],
    ...extra,
  ];
}

/** A POST request's fields. */
export function postRequest(
  path = "/",
  extra: Array<[string, string]> = [],
): Array<[string, string]> {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", "localhost"],
    ...extra,
  ];
}

/** CONTINUATION frame. */
export function continuation(streamId: number, block: Uint8Array, endHeaders = true): Uint8Array {
  return buildFrame(FrameType.CONTINUATION, endHeaders ? 4 : 0, streamId, block);
}

/** DATA frame. */
export function data(
  streamId: number,
  payload: Uint8Array | string,
  opts: { endStream?: boolean; padLength?: number } = {},
): Uint8Array {
  const d = typeof payload === "string" ? bytes(payload) : payload;
  let flags = opts.endStream ? 1 : 0;
  let p = d;
  if (opts.padLength !== undefined) {
    flags |= 0x8;
    p = concat(new Uint8Array([opts.padLength]), d, new Uint8Array(opts.padLength));
  }
  return buildFrame(FrameType.DATA, flags, streamId, p);
}

/** RST_STREAM frame. */
export const rst = (streamId: number, code: number): Uint8Array =>
  buildFrame(FrameType.RST_STREAM, 0, streamId, new Uint8Array(u32(code)));

/** PING frame. */
export const ping = (opaque: number[] = [1, 2, 3, 4, 5, 6, 7, 8], ack = false): Uint8Array =>
  buildFrame(FrameType.PING, ack ? 1 : 0, 0, new Uint8Array(opaque));

/** GOAWAY frame. */
export const goaway = (last: number, code: number, debug = ""): Uint8Array =>
  buildFrame(
    FrameType.GOAWAY,
    0,
    0,
    concat(new Uint8Array([...u32(last), ...u32(code)]), bytes(debug)),
  );

/** WINDOW_UPDATE frame. */
export const windowUpdate = (streamId: number, inc: number): Uint8Array =>
  buildFrame(FrameType.WINDOW_UPDATE, 0, streamId, new Uint8Array(u32(inc)));

/** PRIORITY frame. */
export const priority = (
  streamId: number,
  dep: number,
  weight = 16,
  exclusive = false,
): Uint8Array =>
  buildFrame(
    FrameType.PRIORITY,
    0,
    streamId,
    new Uint8Array([...u32((dep | (exclusive ? 0x80000000 : 0)) >>> 0), weight - 1]),
  );

/** PUSH_PROMISE frame. */
export const pushPromise = (streamId: number, promised: number, block: Uint8Array): Uint8Array =>
  buildFrame(FrameType.PUSH_PROMISE, 4, streamId, concat(new Uint8Array(u32(promised)), block));

/** A frame of any (e.g. unknown) type. */
export const rawFrame = (
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array,
): Uint8Array => buildFrame(type, flags, streamId, payload);

/** A decoded output frame, with HEADERS blocks decoded. */
export type OutFrame = Frame & { fields?: Array<[string, string]> };

/** Joins a server's HEADERS/CONTINUATION blocks and decodes each field block whole. */
export class FieldBlockReader {
  readonly #hpack = new Decoder({ maxTableSize: 65536, maxHeaderListSize: 1 << 24 });
  #block: Uint8Array[] = [];

  /** The frame, with `fields` set on the frame that ends a field block. */
  read(f: Frame): OutFrame {
    const o: OutFrame = f;
    if (f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION) {
      this.#block.push(f.block.slice());
      if (f.endHeaders) {
        o.fields = this.#hpack.decode(concat(...this.#block));
        this.#block = [];
      }
    }
    return o;
  }
}

/**
 * The client side of a test conversation: sends bytes to the connection,
 * collects events, and decodes everything the connection writes.
 */
export class TestClient {
  /** The server connection under test. */
  readonly conn: H2Connection;
  /** All events so far. */
  readonly events: H2Event[] = [];
  readonly #frames = new FrameDecoder(1 << 24);
  readonly #fields = new FieldBlockReader();

  /** Creates a connection with the given options. */
  constructor(options?: Partial<H2Options>) {
    this.conn = new H2Connection(options);
  }

  /** Feeds bytes; returns the new events. */
  send(...parts: Uint8Array[]): H2Event[] {
    const ev = this.conn.receive(concat(...parts));
    this.events.push(...ev);
    return ev;
  }

  /** Takes and decodes all pending output frames. */
  read(): OutFrame[] {
    const out: OutFrame[] = [];
    for (;;) {
      const b = this.conn.takeOutput();
      if (b === null) break;
      this.#frames.push(b);
      for (let f = this.#frames.next(); f !== null; f = this.#frames.next()) {
        out.push(this.#fields.read(f));
      }
    }
    return out;
  }

  /** Preface + empty SETTINGS + SETTINGS ACK, and drains the server's greeting. */
  handshake(clientSettings: Array<[number, number]> = []): OutFrame[] {
    this.conn.initiate();
    this.send(preface(), settings(clientSettings), settingsAck());
    return this.read();
  }
}

/** Frames of one type from a list. */
export function ofType<T extends FrameType>(
  frames: OutFrame[],
  type: T,
): Array<Extract<Frame, { type: T }> & { fields?: Array<[string, string]> }> {
  return frames.filter((f) => f.type === type) as Array<
    Extract<Frame, { type: T }> & { fields?: Array<[string, string]> }
  >;
}

/** The RST_STREAM codes in a list of frames, as [streamId, code]. */
export function rsts(frames: OutFrame[]): Array<[number, number]> {
  return ofType(frames, FrameType.RST_STREAM).map((f) => [f.streamId, f.code]);
}

/** The GOAWAY frame in a list of frames, if any. */
export function goawayOf(frames: OutFrame[]): { lastStreamId: number; code: number } | undefined {
  const g = ofType(frames, FrameType.GOAWAY)[0];
  return g ? { lastStreamId: g.lastStreamId, code: g.code } : undefined;
}
