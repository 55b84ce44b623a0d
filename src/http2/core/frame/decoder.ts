/**
 * Incremental frame decoder (RFC 9113 §4) with one parser per frame type in
 * a table indexed by type. Payloads are subarrays of the pushed chunks; only
 * a frame that straddles chunk boundaries is copied (once) into its own buffer.
 *
 * @module
 */

import { ConnectionError, ErrorCode, StreamError } from "../errors.ts";
import { parseSettingsPayload } from "../settings.ts";
import {
  DEFAULT_MAX_FRAME_SIZE,
  Flags,
  type Frame,
  FRAME_HEADER_SIZE,
  FrameType,
  type PriorityFields,
} from "./types.ts";

/**
 * A frame-type parser: validates one complete frame and returns its decoded form.
 */
export type FrameParser = (
  flags: number,
  streamId: number,
  payload: Uint8Array,
  wireType: number,
) => Frame;

const EMPTY = new Uint8Array(0);

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function requireStream(streamId: number, what: string): void {
  if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${what} on stream 0`);
}

function requireConnection(streamId: number, what: string): void {
  if (streamId !== 0) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${what} on stream ${streamId}`);
  }
}

/** Strips padding (§6.1, §6.2): returns [start, end) of the content; pad ≥ remaining → PROTOCOL_ERROR. */
function unpad(flags: number, payload: Uint8Array, fixed: number, what: string): number {
  if ((flags & Flags.PADDED) === 0) return payload.length;
  if (payload.length < 1) {
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `${what} too short`);
  }
  const pad = payload[0]!;
  if (pad + 1 + fixed > payload.length) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${what} padding exceeds payload`);
  }
  return payload.length - pad;
}

function parsePriorityFields(b: Uint8Array, i: number): PriorityFields {
  const dep = u32(b, i);
  return { dependency: dep & 0x7fffffff, exclusive: dep > 0x7fffffff, weight: b[i + 4]! + 1 };
}

const parseData: FrameParser = (flags, streamId, payload) => {
  requireStream(streamId, "DATA");
  const end = unpad(flags, payload, 0, "DATA");
  const start = flags & Flags.PADDED ? 1 : 0;
  return {
    type: FrameType.DATA,
    streamId,
    flags,
    data: start === 0 && end === payload.length ? payload : payload.subarray(start, end),
    flowLength: payload.length,
    endStream: (flags & Flags.END_STREAM) !== 0,
  };
};

const parseHeaders: FrameParser = (flags, streamId, payload) => {
  requireStream(streamId, "HEADERS");
  const prio = (flags & Flags.PRIORITY) !== 0;
  const padded = (flags & Flags.PADDED) !== 0;
  const fixed = prio ? 5 : 0;
  if (payload.length < fixed + (padded ? 1 : 0)) {
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS too short");
  }
  const end = unpad(flags, payload, fixed, "HEADERS");
  let start = padded ? 1 : 0;
  let priority: PriorityFields | null = null;
  if (prio) {
    // A self-dependency is a stream error the connection raises after decoding the block (HPACK state).
    priority = parsePriorityFields(payload, start);
    start += 5;
  }
  return {
    type: FrameType.HEADERS,
    streamId,
    flags,
    block: start === 0 && end === payload.length ? payload : payload.subarray(start, end),
    endStream: (flags & Flags.END_STREAM) !== 0,
    endHeaders: (flags & Flags.END_HEADERS) !== 0,
    priority,
  };
};

const parsePriority: FrameParser = (flags, streamId, payload) => {
  requireStream(streamId, "PRIORITY");
  if (payload.length !== 5) {
    throw new StreamError(streamId, ErrorCode.FRAME_SIZE_ERROR, "PRIORITY length != 5");
  }
  const p = parsePriorityFields(payload, 0);
  if (p.dependency === streamId) {
    throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
  }
  return { type: FrameType.PRIORITY, streamId, flags, ...p };
};

const parseRstStream: FrameParser = (flags, streamId, payload) => {
  requireStream(streamId, "RST_STREAM");
  if (payload.length !== 4) {
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM length != 4");
  }
  return { type: FrameType.RST_STREAM, streamId, flags, code: u32(payload, 0) };
};

const parseSettings: FrameParser = (flags, streamId, payload) => {
  requireConnection(streamId, "SETTINGS");
  const ack = (flags & Flags.ACK) !== 0;
  if (ack && payload.length !== 0) {
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with payload");
  }
  return {
    type: FrameType.SETTINGS,
    streamId,
    flags,
    ack,
    settings: ack ? [] : parseSettingsPayload(payload),
  };
};

const parsePushPromise: FrameParser = (flags, streamId, payload) => {
  requireStream(streamId, "PUSH_PROMISE");
  const padded = (flags & Flags.PADDED) !== 0;
  if (payload.length < 4 + (padded ? 1 : 0)) {
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PUSH_PROMISE too short");
  }
  const end = unpad(flags, payload, 4, "PUSH_PROMISE");
  const start = padded ? 1 : 0;
  return {
    type: FrameType.PUSH_PROMISE,
    streamId,
    flags,
    promisedStreamId: u32(payload, start) & 0x7fffffff,
    block: payload.subarray(start + 4, end),
    endHeaders: (flags & Flags.END_HEADERS) !== 0,
  };
};

const parsePing: FrameParser = (flags, streamId, payload) => {
  requireConnection(streamId, "PING");
  if (payload.length !== 8) {
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PING length != 8");
  }
  return { type: FrameType.PING, streamId, flags, ack: (flags & Flags.ACK) !== 0, data: payload };
};

const parseGoAway: FrameParser = (flags, streamId, payload) => {
  requireConnection(streamId, "GOAWAY");
  if (payload.length < 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY too short");
  return {
    type: FrameType.GOAWAY,
    streamId,
    flags,
    lastStreamId: u32(payload, 0) & 0x7fffffff,
    code: u32(payload, 4),
    debug: payload.subarray(8),
  };
};

const parseWindowUpdate: FrameParser = (flags, streamId, payload) => {
  if (payload.length !== 4) {
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE length != 4");
  }
  return {
    type: FrameType.WINDOW_UPDATE,
    streamId,
    flags,
    increment: u32(payload, 0) & 0x7fffffff,
  };
};

const parseContinuation: FrameParser = (flags, streamId, payload) => {
  requireStream(streamId, "CONTINUATION");
  return {
    type: FrameType.CONTINUATION,
    streamId,
    flags,
    block: payload,
    endHeaders: (flags & Flags.END_HEADERS) !== 0,
  };
};

const parseUnknown: FrameParser = (flags, streamId, payload, wireType) => ({
  type: FrameType.UNKNOWN,
  wireType,
  streamId,
  flags,
  payload,
});

/**
 * The parser table, indexed by wire frame type; types past its end are unknown (§4.1).
 */
export const FRAME_PARSERS: ReadonlyArray<FrameParser> = [
  parseData,
  parseHeaders,
  parsePriority,
  parseRstStream,
  parseSettings,
  parsePushPromise,
  parsePing,
  parseGoAway,
  parseWindowUpdate,
  parseContinuation,
];

/**
 * Decodes frames from a byte stream split at arbitrary boundaries.
 *
 * Usage: `push(chunk)`, then call `next()` until it returns null. `next()`
 * throws only {@link ConnectionError} or {@link StreamError}; after a
 * StreamError the offending frame has been consumed and decoding may go on.
 * Payload subarrays alias the pushed chunks: callers must not reuse a chunk
 * while frames from it are in use.
 */
export class FrameDecoder {
  /** Largest accepted frame payload (our SETTINGS_MAX_FRAME_SIZE); larger → FRAME_SIZE_ERROR. */
  maxFrameSize: number;
  #chunk: Uint8Array = EMPTY;
  #pos = 0;
  /** A frame header split across chunks is gathered here (made the first time one is). */
  #head: Uint8Array | null = null;
  #headFill = 0;
  #body: Uint8Array | null = null;
  #bodyFill = 0;
  #len = 0;
  #type = 0;
  #flags = 0;
  #stream = 0;

  /** Creates a decoder accepting payloads up to `maxFrameSize` bytes. */
  constructor(maxFrameSize: number = DEFAULT_MAX_FRAME_SIZE) {
    this.maxFrameSize = maxFrameSize;
  }

  /** Adds bytes. Unconsumed bytes of the previous chunk are kept (copied) ahead of them. */
  push(chunk: Uint8Array): void {
    const rest = this.#chunk.length - this.#pos;
    if (rest > 0) {
      const merged = new Uint8Array(rest + chunk.length);
      merged.set(this.#chunk.subarray(this.#pos));
      merged.set(chunk, rest);
      chunk = merged;
    }
    this.#chunk = chunk;
    this.#pos = 0;
  }

  /** The payload length of the frame last returned by {@link next} (for frame taps). */
  get lastLength(): number {
    return this.#len;
  }

  /** Bytes held for a partial frame (header or payload) plus unconsumed input. */
  get buffered(): number {
    return this.#headFill + this.#bodyFill + this.#chunk.length - this.#pos;
  }

  /** The next complete frame, or null when more bytes are needed. */
  next(): Frame | null {
    const chunk = this.#chunk;
    let pos = this.#pos;
    if (pos === chunk.length) {
      // All consumed: let go of the chunk, so that an idle connection holds no read buffer.
      if (chunk !== EMPTY) {
        this.#chunk = EMPTY;
        this.#pos = 0;
      }
      return null;
    }
    if (this.#headFill < FRAME_HEADER_SIZE) {
      const avail = chunk.length - pos;
      let h: Uint8Array;
      let o: number;
      if (this.#headFill === 0 && avail >= FRAME_HEADER_SIZE) {
        h = chunk;
        o = pos;
        pos += FRAME_HEADER_SIZE;
      } else {
        const n = Math.min(FRAME_HEADER_SIZE - this.#headFill, avail);
        const head = this.#head ??= new Uint8Array(FRAME_HEADER_SIZE);
        head.set(chunk.subarray(pos, pos + n), this.#headFill);
        this.#headFill += n;
        pos += n;
        this.#pos = pos;
        if (this.#headFill < FRAME_HEADER_SIZE) return null;
        h = head;
        o = 0;
      }
      this.#headFill = FRAME_HEADER_SIZE;
      this.#len = (h[o]! << 16) | (h[o + 1]! << 8) | h[o + 2]!;
      this.#type = h[o + 3]!;
      this.#flags = h[o + 4]!;
      this.#stream = u32(h, o + 5) & 0x7fffffff;
      this.#pos = pos;
      if (this.#len > this.maxFrameSize) {
        throw new ConnectionError(
          ErrorCode.FRAME_SIZE_ERROR,
          `frame of ${this.#len} bytes exceeds MAX_FRAME_SIZE ${this.maxFrameSize}`,
        );
      }
    }
    const len = this.#len;
    let payload: Uint8Array;
    const body = this.#body;
    if (body === null) {
      const avail = chunk.length - pos;
      if (avail >= len) {
        payload = chunk.subarray(pos, pos + len);
        this.#pos = pos + len;
      } else {
        const b = new Uint8Array(len);
        b.set(chunk.subarray(pos));
        this.#body = b;
        this.#bodyFill = avail;
        this.#pos = chunk.length;
        return null;
      }
    } else {
      const n = Math.min(len - this.#bodyFill, chunk.length - pos);
      body.set(chunk.subarray(pos, pos + n), this.#bodyFill);
      this.#bodyFill += n;
      this.#pos = pos + n;
      if (this.#bodyFill < len) return null;
      payload = body;
      this.#body = null;
      this.#bodyFill = 0;
    }
    this.#headFill = 0;
    const type = this.#type;
    const parser = FRAME_PARSERS[type] ?? parseUnknown;
    return parser(this.#flags, this.#stream, payload, type);
  }
}
