/**
 * The "ceiling" peers' protocol side: the least work that can answer the
 * benchmark's requests, shared by ceiling_deno.ts and ceiling_bun.ts. It is a
 * yardstick, not a server: it answers every request with fixed bytes and
 * understands only what wrk and h2load send.
 *
 * HTTP/1.1: every request is a GET without a body (wrk's hello and 64k rows).
 * Requests are counted by their blank line (CRLF CRLF, found across read
 * boundaries), so pipelined and split requests are answered, one response
 * per request, all of one read in one write. The response is chosen once per
 * connection from its first request line ("GET /64k" or anything else).
 *
 * h2c (prior knowledge): no HPACK decoding. Each HEADERS frame with
 * END_HEADERS (h2load sends no CONTINUATION) gets a fixed HEADERS
 * (`:status: 200`, one static-table byte) and a 13-byte DATA frame with
 * END_STREAM. The server SETTINGS (empty: all defaults) go out first; the
 * client's SETTINGS are ACKed and PINGs echoed; WINDOW_UPDATE, PRIORITY,
 * RST_STREAM and GOAWAY are ignored. Flow control is not tracked: the
 * 13-byte bodies stay within the windows h2load keeps open (it announces
 * large windows and tops them up). Frames split across reads are buffered.
 *
 * @module
 */
import { CHUNK_BYTES, HELLO } from "./handler.ts";

/** A per-connection responder: bytes in, the bytes to send back (or null). */
export interface Responder {
  /** Feeds one read; the chunk is not kept. Returns what to write, or null. */
  feed(chunk: Uint8Array): Uint8Array | null;
}

const enc = new TextEncoder();
// A fixed date: the native peers format one per second; the ceiling does not.
const DATE = "date: Mon, 30 Nov 2026 00:00:00 GMT\r\n";

function h1Response(type: string, body: Uint8Array): Uint8Array {
  const head = enc.encode(
    `HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\n${DATE}content-length: ${body.byteLength}\r\n\r\n`,
  );
  const out = new Uint8Array(head.byteLength + body.byteLength);
  out.set(head);
  out.set(body, head.byteLength);
  return out;
}

const HELLO_H1 = h1Response("text/plain;charset=UTF-8", enc.encode(HELLO));
const BIG_H1 = h1Response(
  "application/octet-stream",
  new Uint8Array(CHUNK_BYTES).fill(0x61),
);

/** `one` repeated `n` times (pipelined requests answered in one write), cached per n. */
function repeated(cache: Uint8Array[], one: Uint8Array, n: number): Uint8Array {
  let out = cache[n];
  if (out === undefined) {
    out = new Uint8Array(one.byteLength * n);
    for (let i = 0; i < n; i++) out.set(one, i * one.byteLength);
    if (n < 64) cache[n] = out;
  }
  return out;
}

/** HTTP/1.1: one fixed response per request head seen. */
export function h1Responder(): Responder {
  let response: Uint8Array | null = null;
  const cache: Uint8Array[] = [];
  // How much of "\r\n\r\n" ended the previous read (0..3).
  let matched = 0;
  return {
    feed(chunk) {
      if (response === null) {
        // "GET /64k": byte 5..7 are "64k".
        response = chunk[5] === 0x36 && chunk[6] === 0x34 && chunk[7] === 0x6b ? BIG_H1 : HELLO_H1;
      }
      let count = 0;
      let m = matched;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === 13) m = m === 2 ? 3 : 1;
        else if (b === 10 && (m === 1 || m === 3)) {
          if (m === 3) {
            count++;
            m = 0;
          } else m = 2;
        } else m = 0;
      }
      matched = m;
      if (count === 0) return null;
      return count === 1 ? response : repeated(cache, response, count);
    },
  };
}

const PREFACE_LENGTH = 24;
const FRAME_HEADER = 9;
const TYPE_DATA = 0, TYPE_HEADERS = 1, TYPE_SETTINGS = 4, TYPE_PING = 6;
const FLAG_ACK = 1, FLAG_END_STREAM = 1, FLAG_END_HEADERS = 4;

function frame(type: number, flags: number, stream: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER + payload.byteLength);
  const n = payload.byteLength;
  out[0] = n >>> 16;
  out[1] = (n >>> 8) & 0xff;
  out[2] = n & 0xff;
  out[3] = type;
  out[4] = flags;
  new DataView(out.buffer).setUint32(5, stream);
  out.set(payload, FRAME_HEADER);
  return out;
}

const SERVER_SETTINGS = frame(TYPE_SETTINGS, 0, 0, new Uint8Array(0));
const SETTINGS_ACK = frame(TYPE_SETTINGS, FLAG_ACK, 0, new Uint8Array(0));
/** HEADERS (":status: 200" = static index 8) then DATA "Hello, World!" ending the stream. */
const H2_REPLY = (() => {
  const headers = frame(TYPE_HEADERS, FLAG_END_HEADERS, 0, new Uint8Array([0x88]));
  const data = frame(TYPE_DATA, FLAG_END_STREAM, 0, enc.encode(HELLO));
  const out = new Uint8Array(headers.byteLength + data.byteLength);
  out.set(headers);
  out.set(data, headers.byteLength);
  return out;
})();
const H2_DATA_AT = FRAME_HEADER + 1;

/** h2c with prior knowledge: a fixed reply per HEADERS frame, no HPACK. */
export function h2Responder(): Responder {
  let buffered: Uint8Array | null = null;
  let prefaceSeen = false;
  let settingsSent = false;
  return {
    feed(chunk) {
      let buf = chunk;
      if (buffered !== null) {
        buf = new Uint8Array(buffered.byteLength + chunk.byteLength);
        buf.set(buffered);
        buf.set(chunk, buffered.byteLength);
        buffered = null;
      }
      let at = 0;
      if (!prefaceSeen) {
        if (buf.byteLength < PREFACE_LENGTH) {
          buffered = buf.slice();
          return null;
        }
        prefaceSeen = true;
        at = PREFACE_LENGTH;
      }
      // Replies: collected as (stream id) numbers and control frames, sized at the end.
      const streams: number[] = [];
      const control: Uint8Array[] = [];
      if (!settingsSent) {
        settingsSent = true;
        control.push(SERVER_SETTINGS);
      }
      while (buf.byteLength - at >= FRAME_HEADER) {
        const length = (buf[at]! << 16) | (buf[at + 1]! << 8) | buf[at + 2]!;
        if (buf.byteLength - at < FRAME_HEADER + length) break;
        const type = buf[at + 3]!;
        const flags = buf[at + 4]!;
        const stream = ((buf[at + 5]! & 0x7f) << 24 | buf[at + 6]! << 16 | buf[at + 7]! << 8 |
          buf[at + 8]!) >>> 0;
        if (type === TYPE_HEADERS && (flags & FLAG_END_HEADERS) !== 0) streams.push(stream);
        else if (type === TYPE_SETTINGS && (flags & FLAG_ACK) === 0) control.push(SETTINGS_ACK);
        else if (type === TYPE_PING && (flags & FLAG_ACK) === 0 && length === 8) {
          control.push(frame(TYPE_PING, FLAG_ACK, 0, buf.subarray(at + 9, at + 17)));
        }
        at += FRAME_HEADER + length;
      }
      if (at < buf.byteLength) buffered = buf.slice(at);
      if (streams.length === 0 && control.length === 0) return null;
      let size = streams.length * H2_REPLY.byteLength;
      for (const c of control) size += c.byteLength;
      const out = new Uint8Array(size);
      let o = 0;
      for (const c of control) {
        out.set(c, o);
        o += c.byteLength;
      }
      const view = new DataView(out.buffer);
      for (const id of streams) {
        out.set(H2_REPLY, o);
        view.setUint32(o + 5, id);
        view.setUint32(o + H2_DATA_AT + 5, id);
        o += H2_REPLY.byteLength;
      }
      return out;
    },
  };
}
