/**
 * Frame builders (RFC 9113 §4.1, §6): a growable {@link ByteWriter} the
 * connection writes control frames into, plus one-shot builders returning
 * a fresh buffer per frame (handy for tests and rare frames).
 *
 * @module
 */

import { encodeSettingsPayload } from "../settings.ts";
import { Flags, type Frame, FRAME_HEADER_SIZE, FrameType } from "./types.ts";

/**
 * Writes the 9-byte frame header at `off`.
 */
export function writeFrameHeader(
  buf: Uint8Array,
  off: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  buf[off] = length >>> 16;
  buf[off + 1] = (length >>> 8) & 0xff;
  buf[off + 2] = length & 0xff;
  buf[off + 3] = type;
  buf[off + 4] = flags;
  buf[off + 5] = (streamId >>> 24) & 0x7f;
  buf[off + 6] = (streamId >>> 16) & 0xff;
  buf[off + 7] = (streamId >>> 8) & 0xff;
  buf[off + 8] = streamId & 0xff;
}

function putU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24;
  buf[off + 1] = (v >>> 16) & 0xff;
  buf[off + 2] = (v >>> 8) & 0xff;
  buf[off + 3] = v & 0xff;
}

/**
 * A growable byte buffer; frames are appended and taken out in one piece.
 */
export class ByteWriter {
  /** Backing storage (grows by doubling). */
  buf: Uint8Array;
  /** Bytes written. */
  length = 0;

  /** Creates a writer with `capacity` bytes preallocated. */
  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
  }

  /** Makes room for `n` more bytes; returns the write offset. */
  reserve(n: number): number {
    const need = this.length + n;
    if (need > this.buf.length) {
      let cap = Math.max(this.buf.length * 2, 64);
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    const off = this.length;
    this.length = need;
    return off;
  }

  /** Appends a frame header plus `payloadLength` bytes of room; returns the payload offset. */
  frame(type: number, flags: number, streamId: number, payloadLength: number): number {
    const off = this.reserve(FRAME_HEADER_SIZE + payloadLength);
    writeFrameHeader(this.buf, off, payloadLength, type, flags, streamId);
    return off + FRAME_HEADER_SIZE;
  }

  /** Appends a whole frame with the given payload. */
  frameWith(type: number, flags: number, streamId: number, payload: Uint8Array): void {
    const p = this.frame(type, flags, streamId, payload.length);
    this.buf.set(payload, p);
  }

  /** Appends RST_STREAM. */
  rstStream(streamId: number, code: number): void {
    // The offset first: frame() may grow (replace) this.buf.
    const p = this.frame(FrameType.RST_STREAM, 0, streamId, 4);
    putU32(this.buf, p, code);
  }

  /** Appends WINDOW_UPDATE. */
  windowUpdate(streamId: number, increment: number): void {
    const p = this.frame(FrameType.WINDOW_UPDATE, 0, streamId, 4);
    putU32(this.buf, p, increment);
  }

  /** Appends PING (8 opaque bytes). */
  ping(data: Uint8Array, ack: boolean): void {
    const p = this.frame(FrameType.PING, ack ? 1 : 0, 0, 8);
    this.buf.set(data.subarray(0, 8), p);
  }

  /** Appends GOAWAY. */
  goAway(lastStreamId: number, code: number, debug: Uint8Array): void {
    const p = this.frame(FrameType.GOAWAY, 0, 0, 8 + debug.length);
    putU32(this.buf, p, lastStreamId & 0x7fffffff);
    putU32(this.buf, p + 4, code);
    this.buf.set(debug, p + 8);
  }

  /** Appends SETTINGS (or a SETTINGS ACK when `ack`). */
  settings(settings: ReadonlyArray<readonly [number, number]>, ack: boolean): void {
    this.frameWith(FrameType.SETTINGS, ack ? 1 : 0, 0, encodeSettingsPayload(settings));
  }

  /** Returns the bytes written and resets the writer (the returned view is a copy). */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/**
 * Builds one frame with the given raw header fields and payload.
 */
export function buildFrame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_SIZE + payload.length);
  writeFrameHeader(out, 0, payload.length, type, flags, streamId);
  out.set(payload, FRAME_HEADER_SIZE);
  return out;
}

function padded(
  content: Uint8Array,
  padLength: number | undefined,
  prefix?: Uint8Array,
): Uint8Array {
  const pre = prefix?.length ?? 0;
  if (padLength === undefined) {
    if (!prefix) return content;
    const out = new Uint8Array(pre + content.length);
    out.set(prefix);
    out.set(content, pre);
    return out;
  }
  const out = new Uint8Array(1 + pre + content.length + padLength);
  out[0] = padLength;
  if (prefix) out.set(prefix, 1);
  out.set(content, 1 + pre);
  return out;
}

/**
 * Serializes a decoded {@link Frame} back to wire bytes. For DATA, HEADERS
 * and PUSH_PROMISE, `padLength` adds padding (and sets PADDED); the other
 * flags come from the frame's fields.
 */
export function encodeFrame(frame: Frame, padLength?: number): Uint8Array {
  const pad = padLength === undefined ? 0 : Flags.PADDED;
  switch (frame.type) {
    case FrameType.DATA:
      return buildFrame(
        frame.type,
        (frame.endStream ? 1 : 0) | pad,
        frame.streamId,
        padded(frame.data, padLength),
      );
    case FrameType.HEADERS: {
      let prefix: Uint8Array | undefined;
      if (frame.priority) {
        prefix = new Uint8Array(5);
        const p = frame.priority;
        putU32(prefix, 0, (p.dependency | (p.exclusive ? 0x80000000 : 0)) >>> 0);
        prefix[4] = p.weight - 1;
      }
      const flags = (frame.endStream ? 1 : 0) | (frame.endHeaders ? 4 : 0) | pad |
        (frame.priority ? Flags.PRIORITY : 0);
      return buildFrame(frame.type, flags, frame.streamId, padded(frame.block, padLength, prefix));
    }
    case FrameType.PRIORITY: {
      const p = new Uint8Array(5);
      putU32(p, 0, (frame.dependency | (frame.exclusive ? 0x80000000 : 0)) >>> 0);
      p[4] = frame.weight - 1;
      return buildFrame(frame.type, 0, frame.streamId, p);
    }
    case FrameType.RST_STREAM: {
      const p = new Uint8Array(4);
      putU32(p, 0, frame.code);
      return buildFrame(frame.type, 0, frame.streamId, p);
    }
    case FrameType.SETTINGS:
      return buildFrame(
        frame.type,
        frame.ack ? 1 : 0,
        0,
        frame.ack ? new Uint8Array(0) : encodeSettingsPayload(frame.settings),
      );
    case FrameType.PUSH_PROMISE: {
      const prefix = new Uint8Array(4);
      putU32(prefix, 0, frame.promisedStreamId);
      return buildFrame(
        frame.type,
        (frame.endHeaders ? 4 : 0) | pad,
        frame.streamId,
        padded(frame.block, padLength, prefix),
      );
    }
    case FrameType.PING:
      return buildFrame(frame.type, frame.ack ? 1 : 0, 0, frame.data);
    case FrameType.GOAWAY: {
      const p = new Uint8Array(8 + frame.debug.length);
      putU32(p, 0, frame.lastStreamId);
      putU32(p, 4, frame.code);
      p.set(frame.debug, 8);
      return buildFrame(frame.type, 0, 0, p);
    }
    case FrameType.WINDOW_UPDATE: {
      const p = new Uint8Array(4);
      putU32(p, 0, frame.increment);
      return buildFrame(frame.type, 0, frame.streamId, p);
    }
    case FrameType.CONTINUATION:
      return buildFrame(frame.type, frame.endHeaders ? 4 : 0, frame.streamId, frame.block);
    case FrameType.UNKNOWN:
      return buildFrame(frame.wireType, frame.flags, frame.streamId, frame.payload);
  }
}
