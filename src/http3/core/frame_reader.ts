/**
 * Incremental frame reader for one stream: bytes in any split → frame
 * events. DATA payload is passed through in pieces as it arrives (a body is
 * never held whole); HEADERS, SETTINGS, GOAWAY and the push frames are
 * buffered up to a bound; unknown types are skipped without buffering.
 *
 * @module
 */
import { readVarint } from "./varint.ts";
import { FrameType } from "./frame_types.ts";
import { H3Code } from "./errors.ts";

/**
 * What the reader yields: `start` when a frame header is complete (the
 * stream rules judge the type here, before any payload), `data` for each
 * piece of a DATA payload, `frame` for a buffered frame's whole payload,
 * and `error` last when a frame breaks its bound (after its `start`, so the
 * stream's table may name a more specific error first).
 */
export type FrameEvent =
  | { kind: "start"; type: number; length: number }
  | { kind: "data"; bytes: Uint8Array }
  | { kind: "frame"; type: number; payload: Uint8Array }
  | { kind: "error"; code: number; reason: string };

/**
 * Bounds on buffered payloads.
 */
export interface FrameLimits {
  /** Largest HEADERS payload (the encoded field section) we buffer. */
  maxHeadersPayload: number;
}

/** SETTINGS payload bound: far more than every known setting twice over. */
const MAX_SETTINGS_PAYLOAD = 4096;
/** GOAWAY, MAX_PUSH_ID and CANCEL_PUSH carry one varint. */
const MAX_ID_PAYLOAD = 8;

const enum Phase {
  HEADER,
  PAYLOAD,
}

/**
 * The reader; one per stream.
 */
export class FrameReader {
  readonly #limits: FrameLimits;
  #phase = Phase.HEADER;
  /** Header bytes held when a header arrives split. */
  #head: Uint8Array = new Uint8Array(0);
  #type = 0;
  #left = 0;
  /** Buffered payload (null while streaming DATA or skipping). */
  #buf: Uint8Array | null = null;
  #filled = 0;
  #dead = false;

  constructor(limits: FrameLimits) {
    this.#limits = limits;
  }

  /** True when no frame is partly received (a FIN here is clean). */
  get atBoundary(): boolean {
    return this.#phase === Phase.HEADER && this.#head.length === 0;
  }

  /** Feeds bytes; a frame past its bound ends the list with an `error` (the reader is then dead). */
  push(bytes: Uint8Array): FrameEvent[] {
    const out: FrameEvent[] = [];
    let pos = 0;
    while (pos < bytes.length && !this.#dead) {
      if (this.#phase === Phase.HEADER) {
        pos = this.#readHeader(bytes, pos, out);
        continue;
      }
      const n = Math.min(this.#left, bytes.length - pos);
      const piece = bytes.subarray(pos, pos + n);
      pos += n;
      this.#left -= n;
      if (this.#type === FrameType.DATA) {
        if (n > 0) out.push({ kind: "data", bytes: piece });
      } else if (this.#buf !== null) {
        this.#buf.set(piece, this.#filled);
        this.#filled += n;
      }
      if (this.#left === 0) this.#endFrame(out);
    }
    return out;
  }

  #readHeader(bytes: Uint8Array, pos: number, out: FrameEvent[]): number {
    let src = bytes;
    let at = pos;
    if (this.#head.length > 0) {
      // A header split across pushes: join the held bytes with at most 16 more.
      const take = bytes.subarray(pos, pos + 16);
      src = new Uint8Array(this.#head.length + take.length);
      src.set(this.#head);
      src.set(take, this.#head.length);
      at = 0;
    }
    const t = readVarint(src, at);
    const l = t === null ? null : readVarint(src, t[1]);
    if (t === null || l === null) {
      // Incomplete: hold what we have (at most 16 bytes: two 8-byte varints).
      this.#head = src.slice(at);
      return bytes.length;
    }
    const used = l[1] - at - this.#head.length;
    const consumed = pos + used;
    this.#head = new Uint8Array(0);
    this.#begin(t[0], l[0], out);
    return consumed;
  }

  #begin(type: number, length: number, out: FrameEvent[]): void {
    out.push({ kind: "start", type, length });
    this.#type = type;
    this.#left = length;
    this.#buf = null;
    this.#filled = 0;
    const max = boundOf(type, this.#limits);
    if (max >= 0) {
      if (length > max) {
        const code = type === FrameType.HEADERS ? H3Code.EXCESSIVE_LOAD : H3Code.FRAME_ERROR;
        out.push({
          kind: "error",
          code,
          reason: `frame 0x${type.toString(16)} of ${length} bytes`,
        });
        this.#dead = true;
        return;
      }
      this.#buf = new Uint8Array(length);
    }
    this.#phase = Phase.PAYLOAD;
    if (length === 0) this.#endFrame(out);
  }

  #endFrame(out: FrameEvent[]): void {
    if (this.#buf !== null) out.push({ kind: "frame", type: this.#type, payload: this.#buf });
    this.#buf = null;
    this.#phase = Phase.HEADER;
  }
}

/** The payload bound of a buffered type; -1 for streamed (DATA) or skipped types. */
function boundOf(type: number, limits: FrameLimits): number {
  switch (type) {
    case FrameType.HEADERS:
    case FrameType.PUSH_PROMISE:
      return limits.maxHeadersPayload;
    case FrameType.SETTINGS:
      return MAX_SETTINGS_PAYLOAD;
    case FrameType.GOAWAY:
    case FrameType.MAX_PUSH_ID:
    case FrameType.CANCEL_PUSH:
      return MAX_ID_PAYLOAD;
    default:
      return -1;
  }
}
