/**
 * The sans-IO WebSocket receiver: bytes in, events out. It parses frames
 * (RFC 6455 §5.2), enforces every framing rule and limit, unmasks, assembles
 * fragmented messages with control frames interleaved, validates text as
 * UTF-8 while it arrives (failing on the first bad byte), and checks close
 * payloads. A violation becomes one `error` event carrying the close code;
 * the decoder then ignores further input.
 *
 * @module
 */
import { CloseCode, isWireCloseCode, MAX_CONTROL_PAYLOAD, Opcode } from "./constants.ts";
import { Utf8Validator } from "./utf8.ts";

/**
 * A complete data message. Compressed messages still hold deflated bytes (`compressed`).
 */
export interface MessageEvent {
  /** Discriminant. */
  type: "message";
  /** TEXT (1) or BINARY (2). */
  opcode: 1 | 2;
  /** The payload, unmasked (still deflated when `compressed`). */
  data: Uint8Array;
  /** RSV1 was set on the first frame: permessage-deflate applies. */
  compressed: boolean;
}

/**
 * What `WebSocketDecoder.push` yields.
 */
export type DecoderEvent =
  | MessageEvent
  | { type: "ping"; data: Uint8Array }
  | { type: "pong"; data: Uint8Array }
  | { type: "close"; code: number | undefined; reason: string }
  | { type: "error"; code: number; reason: string };

/**
 * Options of the decoder.
 */
export interface DecoderOptions {
  /** Largest message (sum of its fragments, before inflation). Over it: close 1009. */
  maxMessageBytes: number;
  /** Frames must be masked (true when the peer is a client). */
  requireMask: boolean;
  /** RSV1 is allowed on the first frame of a data message (permessage-deflate negotiated). */
  allowRsv1: boolean;
}

/**
 * The decoder's explicit states.
 */
export const DecoderState = {
  /** Reading the 2-14 byte frame header. */
  HEADER: 0,
  /** Reading the payload of the current frame. */
  PAYLOAD: 1,
  /** A close frame arrived: the rest of the input is ignored. */
  CLOSED: 2,
  /** A violation was reported: the rest of the input is ignored. */
  FAILED: 3,
} as const;
/**
 * One of `DecoderState`.
 */
export type DecoderState = typeof DecoderState[keyof typeof DecoderState];

const EMPTY = new Uint8Array(0);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const decoder = new TextDecoder();
/**
 * Where frame headers are parsed: headers are read within one push(), and
 * pushes do not interleave, so all decoders share it. A header split across
 * pushes is copied to the decoder's own buffer until it completes.
 */
const SHARED_HEAD = new Uint8Array(14);

/** Byte `k` (0-3) of a masking key held big-endian in `mask`. */
function maskByte(mask: number, k: number): number {
  return (mask >>> (24 - (k << 3))) & 0xff;
}

/**
 * Parses client (or server) frames incrementally.
 */
export class WebSocketDecoder {
  readonly #maxMessageBytes: number;
  readonly #requireMask: boolean;
  readonly #allowRsv1: boolean;
  #state: DecoderState = DecoderState.HEADER;
  /** The header being read: SHARED_HEAD, or a copy of its part while it is split across pushes. */
  #head = SHARED_HEAD;
  #headLen = 0;
  // current frame
  #fin = false;
  #opcode = 0;
  #masked = false;
  /** The current frame's masking key, its four bytes big-endian. */
  #mask = 0;
  #remaining = 0;
  #maskPos = 0;
  #control: Uint8Array = EMPTY;
  #controlLen = 0;
  // current message
  #msgOpcode: 0 | 1 | 2 = 0;
  #msgCompressed = false;
  #msgBytes = 0;
  // One growing buffer per message: a flood of 1-byte fragments costs bytes, not objects.
  #buf: Uint8Array = EMPTY;
  #bufLen = 0;
  /** Validates the text message being read; made with its first payload, dropped at its end. */
  #utf8: Utf8Validator | null = null;

  /** Builds a decoder with its limits and negotiated extension bits. */
  constructor(opts: DecoderOptions) {
    this.#maxMessageBytes = opts.maxMessageBytes;
    this.#requireMask = opts.requireMask;
    this.#allowRsv1 = opts.allowRsv1;
  }

  /** The current state (see `DecoderState`). */
  get state(): DecoderState {
    return this.#state;
  }

  /** True while a fragmented message is being assembled. */
  get inMessage(): boolean {
    return this.#msgOpcode !== 0;
  }

  /** Feeds bytes; returns the events they complete. Never throws on bad input. */
  push(bytes: Uint8Array): DecoderEvent[] {
    const out: DecoderEvent[] = [];
    let i = 0;
    const n = bytes.length;
    while (i < n) {
      if (this.#state === DecoderState.HEADER) {
        i = this.#readHeader(bytes, i, out);
      } else if (this.#state === DecoderState.PAYLOAD) {
        i = this.#readPayload(bytes, i, out);
      } else break;
    }
    return out;
  }

  #fail(out: DecoderEvent[], code: number, reason: string): number {
    this.#state = DecoderState.FAILED;
    this.#buf = EMPTY;
    out.push({ type: "error", code, reason });
    return Number.MAX_SAFE_INTEGER;
  }

  #headerSize(): number {
    if (this.#headLen < 2) return 2;
    const len7 = this.#head[1]! & 0x7f;
    const masked = (this.#head[1]! & 0x80) !== 0;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  #readHeader(bytes: Uint8Array, i: number, out: DecoderEvent[]): number {
    if (this.#headLen === 0 && bytes.length - i >= 2) {
      // Fast path: the first two bytes at once, then the rest of the header in one copy.
      this.#head[0] = bytes[i]!;
      this.#head[1] = bytes[i + 1]!;
      this.#headLen = 2;
      i += 2;
      const r = this.#checkFirstTwo(out);
      if (r !== 0) return r;
      const take = Math.min(this.#headerSize() - 2, bytes.length - i);
      if (take > 0) this.#head.set(bytes.subarray(i, i + take), 2);
      this.#headLen += take;
      i += take;
    }
    while (i < bytes.length) {
      const need = this.#headerSize();
      if (this.#headLen >= need) break;
      this.#head[this.#headLen++] = bytes[i++]!;
      if (this.#headLen === 2) {
        const r = this.#checkFirstTwo(out);
        if (r !== 0) return r;
      }
    }
    if (this.#headLen < 2 || this.#headLen < this.#headerSize()) {
      // The header goes on in the next push: keep its part out of the shared buffer.
      if (this.#head === SHARED_HEAD) this.#head = SHARED_HEAD.slice();
      return i;
    }
    return this.#startFrame(out) === 0 ? i : Number.MAX_SAFE_INTEGER;
  }

  // Checks what the first two bytes alone decide, so bad frames fail before their payload.
  #checkFirstTwo(out: DecoderEvent[]): number {
    const b0 = this.#head[0]!;
    const b1 = this.#head[1]!;
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    const P = CloseCode.PROTOCOL_ERROR;
    if ((b0 & 0x30) !== 0) return this.#fail(out, P, "RSV2/RSV3 set without an extension");
    if (opcode >= 0x8) {
      if (opcode > Opcode.PONG) return this.#fail(out, P, `reserved opcode ${opcode}`);
      if (!fin) return this.#fail(out, P, "fragmented control frame");
      if (len7 > MAX_CONTROL_PAYLOAD) return this.#fail(out, P, "control frame over 125 bytes");
      if (rsv1) return this.#fail(out, P, "RSV1 set on a control frame");
    } else if (opcode === Opcode.CONTINUATION) {
      if (this.#msgOpcode === 0) return this.#fail(out, P, "continuation without a message");
      if (rsv1) return this.#fail(out, P, "RSV1 set on a continuation frame");
    } else if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      if (this.#msgOpcode !== 0) return this.#fail(out, P, "new message inside a fragmented one");
      if (rsv1 && !this.#allowRsv1) return this.#fail(out, P, "RSV1 set without an extension");
    } else {
      return this.#fail(out, P, `reserved opcode ${opcode}`);
    }
    if (masked !== this.#requireMask) {
      return this.#fail(out, P, masked ? "masked server frame" : "unmasked client frame");
    }
    return 0;
  }

  #startFrame(out: DecoderEvent[]): number {
    const h = this.#head;
    const b0 = h[0]!;
    const len7 = h[1]! & 0x7f;
    let p = 2;
    let length = len7;
    if (len7 === 126) {
      length = (h[2]! << 8) | h[3]!;
      p = 4;
    } else if (len7 === 127) {
      const hi = ((h[2]! << 24) >>> 0) + (h[3]! << 16) + (h[4]! << 8) + h[5]!;
      const lo = ((h[6]! << 24) >>> 0) + (h[7]! << 16) + (h[8]! << 8) + h[9]!;
      if (hi >= 0x80000000) {
        return this.#fail(out, CloseCode.PROTOCOL_ERROR, "64-bit length MSB set");
      }
      if (hi > 0x1fffff) return this.#fail(out, CloseCode.MESSAGE_TOO_BIG, "length over 2^53");
      length = hi * 0x1_0000_0000 + lo;
      p = 10;
    }
    this.#fin = (b0 & 0x80) !== 0;
    this.#opcode = b0 & 0x0f;
    this.#masked = (h[1]! & 0x80) !== 0;
    this.#mask = this.#masked
      ? ((h[p]! << 24) | (h[p + 1]! << 16) | (h[p + 2]! << 8) | h[p + 3]!)
      : 0;
    this.#maskPos = 0;
    this.#remaining = length;
    this.#headLen = 0;
    this.#head = SHARED_HEAD;
    if (this.#opcode >= 0x8) {
      this.#control = length === 0 ? EMPTY : new Uint8Array(length);
      this.#controlLen = 0;
    } else {
      if (this.#opcode !== Opcode.CONTINUATION) {
        this.#msgOpcode = this.#opcode as 1 | 2;
        this.#msgCompressed = (b0 & 0x40) !== 0;
        this.#msgBytes = 0;
      }
      if (this.#msgBytes + length > this.#maxMessageBytes) {
        return this.#fail(out, CloseCode.MESSAGE_TOO_BIG, "message over maxMessageBytes");
      }
      this.#msgBytes += length;
    }
    this.#state = DecoderState.PAYLOAD;
    if (length === 0) return this.#endFrame(out);
    return 0;
  }

  /** Copies `src[start, end)` into `dst` at `at`, unmasking on the way (32 bits at a time). */
  #copy(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void {
    dst.set(src.subarray(start, end), at);
    if (!this.#masked) return;
    const m = this.#mask;
    let k = this.#maskPos;
    let j = at;
    const e = at + end - start;
    while (j < e && ((dst.byteOffset + j) & 3) !== 0) {
      dst[j++]! ^= maskByte(m, k);
      k = (k + 1) & 3;
    }
    const words = (e - j) >>> 2;
    if (words > 0) {
      // The key starting at byte k, as a word in memory order.
      const b0 = maskByte(m, k), b1 = maskByte(m, (k + 1) & 3);
      const b2 = maskByte(m, (k + 2) & 3), b3 = maskByte(m, (k + 3) & 3);
      const key = LITTLE_ENDIAN
        ? b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)
        : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
      const w = new Uint32Array(dst.buffer, dst.byteOffset + j, words);
      for (let x = 0; x < words; x++) w[x]! ^= key;
      j += words << 2;
    }
    while (j < e) {
      dst[j++]! ^= maskByte(m, k);
      k = (k + 1) & 3;
    }
    this.#maskPos = k;
  }

  /** Grows the message buffer to hold `n` bytes (doubling; never past maxMessageBytes). */
  #reserve(n: number): void {
    if (n <= this.#buf.length) return;
    const size = this.#fin && this.#bufLen === 0
      ? n
      : Math.min(Math.max(n, this.#buf.length * 2, 256), this.#maxMessageBytes);
    const next = new Uint8Array(Math.max(size, n));
    next.set(this.#buf.subarray(0, this.#bufLen));
    this.#buf = next;
  }

  #readPayload(bytes: Uint8Array, i: number, out: DecoderEvent[]): number {
    const take = Math.min(this.#remaining, bytes.length - i);
    this.#remaining -= take;
    if (this.#opcode >= 0x8) {
      this.#copy(bytes, i, i + take, this.#control, this.#controlLen);
      this.#controlLen += take;
    } else if (take > 0) {
      const at = this.#bufLen;
      this.#reserve(at + take + this.#remaining);
      this.#copy(bytes, i, i + take, this.#buf, at);
      this.#bufLen += take;
      const text = this.#msgOpcode === Opcode.TEXT && !this.#msgCompressed;
      if (text && !(this.#utf8 ??= new Utf8Validator()).push(this.#buf, at, at + take)) {
        return this.#fail(out, CloseCode.INVALID_PAYLOAD, "invalid UTF-8 in a text message");
      }
    }
    i += take;
    if (this.#remaining === 0) {
      if (this.#endFrame(out) !== 0) return Number.MAX_SAFE_INTEGER;
    }
    return i;
  }

  #endFrame(out: DecoderEvent[]): number {
    this.#state = DecoderState.HEADER;
    const op = this.#opcode;
    if (op === Opcode.PING) out.push({ type: "ping", data: this.#control });
    else if (op === Opcode.PONG) out.push({ type: "pong", data: this.#control });
    else if (op === Opcode.CLOSE) return this.#close(this.#control, out);
    else if (this.#fin) {
      const text = this.#msgOpcode === Opcode.TEXT && !this.#msgCompressed;
      const utf8 = this.#utf8;
      this.#utf8 = null;
      if (text && utf8 !== null && !utf8.end()) {
        return this.#fail(out, CloseCode.INVALID_PAYLOAD, "truncated UTF-8 in a text message");
      }
      out.push({
        type: "message",
        opcode: this.#msgOpcode as 1 | 2,
        data: this.#buf.length === this.#bufLen ? this.#buf : this.#buf.slice(0, this.#bufLen),
        compressed: this.#msgCompressed,
      });
      this.#buf = EMPTY;
      this.#bufLen = 0;
      this.#msgOpcode = 0;
      this.#msgBytes = 0;
    }
    return 0;
  }

  #close(p: Uint8Array, out: DecoderEvent[]): number {
    const P = CloseCode.PROTOCOL_ERROR;
    if (p.length === 1) return this.#fail(out, P, "1-byte close payload");
    let code: number | undefined;
    let reason = "";
    if (p.length >= 2) {
      code = (p[0]! << 8) | p[1]!;
      if (!isWireCloseCode(code)) return this.#fail(out, P, `invalid close code ${code}`);
      const r = p.subarray(2);
      const v = new Utf8Validator();
      if (!v.push(r) || !v.end()) {
        return this.#fail(out, CloseCode.INVALID_PAYLOAD, "invalid UTF-8 in the close reason");
      }
      reason = decoder.decode(r);
    }
    this.#state = DecoderState.CLOSED;
    this.#buf = EMPTY;
    out.push({ type: "close", code, reason });
    return 0;
  }
}
