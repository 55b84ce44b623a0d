/**
 * H3Connection, the sans-IO HTTP/3 server core: QUIC stream bytes in →
 * request events out; responses in → frame bytes out; wire actions (our
 * unidirectional streams, resets, close) queued for `takeActions()`. It
 * never awaits, opens nothing and reads no clock it was not given.
 *
 * Errors keep their scope: a stream error resets one request stream, a
 * connection error closes the connection; either way later input is
 * dropped, never thrown at the driver.
 *
 * @module
 */
import { validateRequestHeaders, validateTrailers } from "../../http2/core/headers.ts";
import { StreamError } from "../../http2/core/errors.ts";
import { TokenBucket } from "../../http2/core/flood_guard.ts";
import { H3Code, H3ConnectionError, H3StreamError } from "./errors.ts";
import { FrameType } from "./frame_types.ts";
import { encodeFrame, encodeIdFrame, encodeSettings, frameHeader } from "./frame_writer.ts";
import { fieldSectionSize, SettingId } from "./settings.ts";
import { ControlIn } from "./control_stream.ts";
import { judgeUniType, UniType } from "./uni_streams.ts";
import { type ReqPart, RequestIn } from "./request_in.ts";
import { readVarint } from "./varint.ts";
import { type Field, isSectionTooLarge, qpackErrorCode, type QpackPair } from "./qpack_port.ts";
import type { H3Action, H3Event } from "./events.ts";
import { DEFAULT_H3_OPTIONS, type H3CoreOptions } from "./options.ts";

/** Stands for a section the decoder found too large (it already told the peer). */
const TOO_LARGE: Field[] = [];

type UniRole = "control" | "encoder" | "decoder" | "ignored";

/** A peer unidirectional stream: its type once known, bytes until then. */
interface UniIn {
  role: UniRole | null;
  head: Uint8Array;
}

/**
 * The server side of one HTTP/3 connection.
 */
export class H3Connection {
  readonly #o: H3CoreOptions;
  readonly #q: QpackPair;
  readonly #requests = new Map<number, RequestIn>();
  readonly #uni = new Map<number, UniIn>();
  readonly #roles = new Set<string>();
  #control: ControlIn | null = null;
  #actions: H3Action[] = [];
  readonly #reset: TokenBucket;
  readonly #useless: TokenBucket;
  /** Highest request stream id accepted, -4 before any. */
  #highest = -4;
  /** Our GOAWAY's id once sent: request streams from here on are rejected. */
  #goaway = Infinity;
  #closed = false;
  /** The peer's SETTINGS_MAX_FIELD_SECTION_SIZE; unlimited until its SETTINGS. */
  #peerMaxSection = Infinity;

  constructor(qpack: QpackPair, options: Partial<H3CoreOptions> = {}) {
    this.#o = { ...DEFAULT_H3_OPTIONS, ...options };
    this.#q = qpack;
    const o = this.#o;
    this.#reset = new TokenBucket(o.resetBurst, o.resetRefillPerSecond, o.now);
    this.#useless = new TokenBucket(o.uselessFrameBurst, o.uselessFrameRefillPerSecond, o.now);
  }

  /** True once the connection failed or was closed by us. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Request streams whose receive side is tracked. */
  get openRequests(): number {
    return this.#requests.size;
  }

  /** Queues the first bytes of our control stream (its type, SETTINGS) and QPACK streams. */
  start(): void {
    const o = this.#o;
    const settings = encodeSettings([
      [SettingId.QPACK_MAX_TABLE_CAPACITY, o.qpackMaxTableCapacity],
      [SettingId.QPACK_BLOCKED_STREAMS, o.qpackBlockedStreams],
      [SettingId.MAX_FIELD_SECTION_SIZE, o.maxFieldSectionSize],
    ]);
    const control = new Uint8Array(1 + settings.length);
    control[0] = UniType.CONTROL;
    control.set(settings, 1);
    this.#actions.push({ type: "uni", stream: "control", bytes: control });
    this.#actions.push({
      type: "uni",
      stream: "encoder",
      bytes: Uint8Array.of(UniType.QPACK_ENCODER),
    });
    this.#actions.push({
      type: "uni",
      stream: "decoder",
      bytes: Uint8Array.of(UniType.QPACK_DECODER),
    });
  }

  /** Bytes (and FIN) on the client's request stream `id`. */
  receiveRequest(id: number, bytes: Uint8Array, fin: boolean): H3Event[] {
    const out: H3Event[] = [];
    if (this.#closed) return out;
    let s = this.#requests.get(id);
    if (s === undefined) {
      if (id <= this.#highest) return out; // a stream we already finished with: its leftovers
      if (id % 4 !== 0) {
        return this.#fail(out, H3Code.STREAM_CREATION_ERROR, "bad request stream id");
      }
      this.#highest = id;
      if (id >= this.#goaway) {
        this.#actions.push({ type: "reset", id, code: H3Code.REQUEST_REJECTED });
        out.push({ type: "rejected", id });
        return out;
      }
      s = new RequestIn(id, { maxHeadersPayload: this.#o.maxHeaderBlockSize });
      this.#requests.set(id, s);
    }
    try {
      for (const part of s.push(bytes, fin)) this.#part(s, part, out);
    } catch (e) {
      this.#error(e, out);
    }
    return out;
  }

  /** Bytes (and FIN) on the client's unidirectional stream `id`. */
  receiveUni(id: number, bytes: Uint8Array, fin: boolean): H3Event[] {
    const out: H3Event[] = [];
    if (this.#closed) return out;
    let u = this.#uni.get(id);
    if (u === undefined) this.#uni.set(id, u = { role: null, head: new Uint8Array(0) });
    try {
      let rest = bytes;
      if (u.role === null) {
        const joined = concat(u.head, bytes);
        const t = readVarint(joined, 0);
        if (t === null) {
          u.head = joined;
          if (fin) this.#uni.delete(id); // ended before saying what it is: nothing to do
          return out;
        }
        u.role = this.#adopt(id, t[0]);
        rest = joined.subarray(t[1]);
      }
      this.#uniBytes(u.role, rest, out);
      if (fin && u.role !== "ignored") {
        throw new H3ConnectionError(H3Code.CLOSED_CRITICAL_STREAM, `the ${u.role} stream ended`);
      }
    } catch (e) {
      this.#error(e, out);
    }
    return out;
  }

  /** The peer reset request stream `id` (RESET_STREAM): forget it; it spends a reset token. */
  peerReset(id: number): H3Event[] {
    const out: H3Event[] = [];
    const s = this.#requests.get(id);
    if (s === undefined || this.#closed) return out;
    this.#forget(id);
    this.#q.decoder.cancelStream(id);
    if (!this.#reset.take()) {
      this.#fail(out, H3Code.EXCESSIVE_LOAD, "too many reset request streams");
    }
    return out;
  }

  /** The peer reset one of its unidirectional streams: fatal for a critical one. */
  peerResetUni(id: number): H3Event[] {
    const out: H3Event[] = [];
    const role = this.#uni.get(id)?.role;
    if (this.#closed || role === undefined || role === null || role === "ignored") return out;
    return this.#fail(out, H3Code.CLOSED_CRITICAL_STREAM, `the ${role} stream was reset`);
  }

  /** The driver is done with request stream `id` (response sent or aborted). */
  streamDone(id: number): void {
    this.#forget(id);
  }

  /**
   * A HEADERS frame for a response or trailer section on stream `id`.
   * Encoder-stream bytes it needs are queued first.
   */
  headersFrame(id: number, fields: Field[]): Uint8Array {
    const block = this.#q.encoder.encodeSection(id, fields);
    const enc = this.#q.encoder.encoderStream();
    if (enc.length > 0) this.#actions.push({ type: "uni", stream: "encoder", bytes: enc });
    return encodeFrame(FrameType.HEADERS, block);
  }

  /** Whether a section fits the peer's SETTINGS_MAX_FIELD_SECTION_SIZE (else it must not be sent). */
  fieldSectionFits(fields: Field[]): boolean {
    return fieldSectionSize(fields) <= this.#peerMaxSection;
  }

  /** The header of a DATA frame of `length` bytes (the payload is written as is). */
  dataHeader(length: number): Uint8Array {
    return frameHeader(FrameType.DATA, length);
  }

  /**
   * Graceful shutdown: GOAWAY with the first request stream id we will not
   * process; streams at or past it are reset with H3_REQUEST_REJECTED.
   */
  goAway(): void {
    if (this.#closed || this.#goaway !== Infinity) return;
    this.#goaway = this.#highest + 4;
    this.#actions.push({
      type: "uni",
      stream: "control",
      bytes: encodeIdFrame(FrameType.GOAWAY, this.#goaway),
    });
  }

  /** Closes the connection, with H3_NO_ERROR after a drain or at the deadline. */
  close(reason = "closing", code: number = H3Code.NO_ERROR): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#actions.push({ type: "close", code, reason });
  }

  /** The driver reset request stream `id` itself: forget it (QPACK cancels its section). */
  resetStream(id: number): void {
    if (this.#requests.has(id)) this.#q.decoder.cancelStream(id);
    this.#forget(id);
  }

  /** Takes the queued wire actions (QPACK decoder-stream bytes included). */
  takeActions(): H3Action[] {
    const dec = this.#q.decoder.decoderStream();
    if (dec.length > 0 && !this.#closed) {
      this.#actions.push({ type: "uni", stream: "decoder", bytes: dec });
    }
    const a = this.#actions;
    this.#actions = [];
    return a;
  }

  // ---- internals ---------------------------------------------------------------

  #adopt(id: number, type: number): UniRole {
    const v = judgeUniType(type, this.#roles);
    if ("error" in v) throw new H3ConnectionError(v.error, v.reason);
    if ("ignore" in v) {
      // Unknown stream types are refused; a flood of them is a flood of streams.
      this.#spend();
      this.#actions.push({ type: "stop", id, code: H3Code.STREAM_CREATION_ERROR });
      return "ignored";
    }
    this.#roles.add(v.role);
    if (v.role === "control") this.#control = new ControlIn();
    return v.role;
  }

  #uniBytes(role: UniRole, bytes: Uint8Array, out: H3Event[]): void {
    if (bytes.length === 0 || role === "ignored") return;
    if (role === "decoder") {
      this.#q.encoder.decoderStream(bytes);
      return;
    }
    if (role === "encoder") {
      let unblocked;
      try {
        unblocked = this.#q.decoder.encoderStream(bytes);
      } catch (e) {
        throw new H3ConnectionError(
          qpackErrorCode(e, H3Code.QPACK_ENCODER_STREAM_ERROR),
          String(e),
        );
      }
      for (const u of unblocked) {
        this.#unblock(u.streamId, u.error === undefined ? u.fields : TOO_LARGE, out);
      }
      return;
    }
    for (const ev of this.#control!.push(bytes)) {
      if (ev.type === "settings") {
        this.#peerMaxSection = ev.settings.maxFieldSectionSize;
        this.#q.encoder.setPeerSettings({
          maxTableCapacity: ev.settings.maxTableCapacity,
          blockedStreams: ev.settings.blockedStreams,
        });
        const enc = this.#q.encoder.encoderStream();
        if (enc.length > 0) this.#actions.push({ type: "uni", stream: "encoder", bytes: enc });
      } else if (ev.type === "goaway") {
        out.push({ type: "goaway", id: ev.id });
      } else this.#spend();
    }
  }

  #part(s: RequestIn, part: ReqPart, out: H3Event[]): void {
    if (s.held !== null) {
      // The field section waits on the encoder stream: what follows it waits too, bounded.
      if (part.kind === "data") s.heldBytes += part.bytes.length;
      if (s.heldBytes > this.#o.maxBlockedBytes) {
        throw new H3StreamError(
          s.id,
          H3Code.EXCESSIVE_LOAD,
          "too much data behind a blocked section",
        );
      }
      s.held.push(part.kind === "data" ? { kind: "data", bytes: part.bytes.slice() } : part);
      return;
    }
    switch (part.kind) {
      case "useless":
        return this.#spend();
      case "data":
        s.received += part.bytes.length;
        if (s.declared >= 0 && s.received > s.declared) {
          throw new H3StreamError(s.id, H3Code.MESSAGE_ERROR, "body exceeds content-length");
        }
        out.push({ type: "data", id: s.id, bytes: part.bytes });
        return;
      case "end":
        // RFC 9114 §4.1.2: a content-length the DATA does not match makes the request malformed.
        if (s.declared >= 0 && s.received !== s.declared) {
          throw new H3StreamError(s.id, H3Code.MESSAGE_ERROR, "body shorter than content-length");
        }
        out.push({ type: "end", id: s.id });
        return;
      case "headers":
      case "trailers": {
        let r;
        try {
          r = this.#q.decoder.decodeSection(s.id, part.block);
        } catch (e) {
          if (!isSectionTooLarge(e)) throw new H3ConnectionError(qpackErrorCode(e), String(e));
          r = TOO_LARGE;
        }
        if (!Array.isArray(r)) {
          if (part.kind === "trailers") {
            s.held = [{ kind: "trailers", block: new Uint8Array(0) }];
          } else s.held = [];
          out.push({ type: "blocked", id: s.id });
          return;
        }
        this.#section(s, part.kind, r, out);
      }
    }
  }

  /** A decoded field section: validated, size-checked, then announced. */
  #section(s: RequestIn, kind: "headers" | "trailers", fields: Field[], out: H3Event[]): void {
    let size = 0;
    for (const [n, v] of fields) size += n.length + v.length + 32;
    if (fields === TOO_LARGE || size > this.#o.maxFieldSectionSize) {
      if (kind === "headers") {
        out.push({ type: "headers-too-large", id: s.id });
        return;
      }
      throw new H3StreamError(s.id, H3Code.EXCESSIVE_LOAD, "trailer section too large");
    }
    try {
      if (kind === "headers") s.declared = validateRequestHeaders(s.id, fields);
      else validateTrailers(s.id, fields);
    } catch (e) {
      if (e instanceof StreamError) throw new H3StreamError(s.id, H3Code.MESSAGE_ERROR, e.reason);
      throw e;
    }
    out.push(
      kind === "headers"
        ? { type: "request", id: s.id, fields }
        : { type: "trailers", id: s.id, fields },
    );
  }

  /** The encoder stream unblocked stream `id`'s section: announce it, then replay what waited. */
  #unblock(id: number, fields: Field[], out: H3Event[]): void {
    const s = this.#requests.get(id);
    if (s === undefined || s.held === null) return;
    const held = s.held;
    s.held = null;
    s.heldBytes = 0;
    // A held "trailers" marker first means the blocked section was the trailers.
    const first = held[0];
    const kind = first?.kind === "trailers" && first.block.length === 0 ? "trailers" : "headers";
    if (kind === "trailers") held.shift();
    try {
      this.#section(s, kind, fields, out);
      out.push({ type: "unblocked", id });
      for (const p of held) {
        if (this.#requests.get(id) !== s) break;
        this.#part(s, p, out);
      }
    } catch (e) {
      this.#error(e, out);
    }
  }

  #spend(): void {
    if (!this.#useless.take()) {
      throw new H3ConnectionError(H3Code.EXCESSIVE_LOAD, "too many useless frames or streams");
    }
  }

  #forget(id: number): void {
    this.#requests.delete(id);
  }

  #error(e: unknown, out: H3Event[]): void {
    if (e instanceof H3StreamError) {
      this.#forget(e.streamId);
      this.#q.decoder.cancelStream(e.streamId);
      this.#actions.push({ type: "reset", id: e.streamId, code: e.code });
      out.push({ type: "stream-error", id: e.streamId, code: e.code, reason: e.message });
      // Resets we are made to send count like the peer's own (h2's MadeYouReset rule).
      if (!this.#reset.take()) this.#fail(out, H3Code.EXCESSIVE_LOAD, "too many stream errors");
      return;
    }
    if (e instanceof H3ConnectionError) {
      this.#fail(out, e.code, e.message);
      return;
    }
    this.#fail(out, H3Code.INTERNAL_ERROR, String(e));
  }

  #fail(out: H3Event[], code: number, reason: string): H3Event[] {
    if (this.#closed) return out;
    this.#closed = true;
    this.#requests.clear();
    this.#actions.push({ type: "close", code, reason });
    out.push({ type: "connection-error", code, reason });
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const c = new Uint8Array(a.length + b.length);
  c.set(a);
  c.set(b, a.length);
  return c;
}
