/**
 * A strict, sans-IO HTTP/1.1 request parser (RFC 9112, RFC 9110).
 *
 * Bytes go in with {@linkcode RequestParser.push}; events come out of
 * {@linkcode RequestParser.next}, one at a time: a `head`, zero or more `data` events as body bytes
 * arrive, then an `end`. The parser never reads a socket or a clock. Anything that is not a
 * well-formed request throws an {@linkcode HttpParseError} carrying the status to answer with;
 * the parser is dead afterwards.
 *
 * Design notes:
 * - Lines (request-line, field lines, chunk-size lines) are validated byte by byte in order, also
 *   while still incomplete, so the same input gives the same events and the same error whichever
 *   way it is split into chunks, and garbage (a TLS ClientHello, a bare LF, an obs-fold) is
 *   rejected as soon as it is seen, not after a timeout.
 * - Body bytes are handed out as subarrays of the pushed chunks (no copies). A line that spans
 *   chunks is merged into a small internal buffer whose size is bounded by the limits.
 *
 * @module
 */

import { HttpParseError } from "./errors.ts";
import { DEFAULT_HTTP1_LIMITS, type Http1Limits } from "./limits.ts";
import { isOws } from "./chars.ts";
import { ByteQueue } from "./byte_queue.ts";
import { MessageState, type RequestHead } from "./message.ts";
import { chunkSizeLine, MAX_CHUNK_SIZE_DIGITS } from "./chunk_line.ts";
import { decodeLatin1 } from "../../bytes/latin1.ts";
import { checkTarget, methodString, scanFieldLine, scanRequestLine } from "./line_syntax.ts";

export { HttpParseError } from "./errors.ts";
export { DEFAULT_HTTP1_LIMITS, type Http1Limits } from "./limits.ts";
export type { RequestHead } from "./message.ts";

/**
 * One output of {@linkcode RequestParser.next}.
 */
export type ParserEvent =
  | { type: "head"; head: RequestHead }
  | { type: "data"; data: Uint8Array }
  | { type: "end"; trailers: Array<[string, string]> | null };

const CR = 0x0d;
const LF = 0x0a;

// Parser states.
const S_IDLE = 0; // between messages: empty lines are skipped
const S_IDLE_CR = 1; // saw the CR of an empty line before a request-line
const S_REQUEST_LINE = 2;
const S_HEADERS = 3;
const S_BODY_LENGTH = 4;
const S_CHUNK_SIZE = 5;
const S_CHUNK_DATA = 6;
const S_CHUNK_CR = 7;
const S_CHUNK_LF = 8;
const S_TRAILERS = 9;
const S_END = 10;
const S_DEAD = 11;

/** Slots in the per-parser string cache (a power of two), and the longest string cached. */
const STRING_CACHE_SLOTS = 128;
const STRING_CACHE_MAX_LEN = 256;

function bad(message: string): HttpParseError {
  return new HttpParseError(400, message);
}

/**
 * Streaming, strict HTTP/1.1 request parser. See the module documentation for the contract;
 * in short: `push()` bytes, call `next()` until it returns null, repeat.
 *
 * ```ts
 * const p = new RequestParser();
 * p.push(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
 * p.next(); // { type: "head", head: { method: "GET", target: "/", ... } }
 * p.next(); // { type: "end", trailers: null }
 * p.next(); // null: more input needed
 * ```
 */
export class RequestParser {
  readonly #limits: Http1Limits;

  readonly #in = new ByteQueue();
  #state = S_IDLE;
  #error: HttpParseError | null = null;
  #inMessage = false;
  #eof = false;
  /** The previous message did not keep the connection alive: only empty lines may follow. */
  #closed = false;
  /** The request being read. */
  readonly #m = new MessageState();

  /**
   * Recently decoded field names and values, direct-mapped by a cheap hash. Clients on a
   * keep-alive connection repeat the same fields, so a byte comparison replaces decoding. It is
   * per parser (per connection) so that one client cannot time another client's values.
   */
  readonly #strings: (string | undefined)[] = new Array(STRING_CACHE_SLOTS);

  /**
   * @param limits Overrides for {@linkcode DEFAULT_HTTP1_LIMITS}.
   */
  constructor(limits?: Partial<Http1Limits>) {
    this.#limits = { ...DEFAULT_HTTP1_LIMITS, ...limits };
  }

  /**
   * Append received bytes. The parser keeps a reference to `chunk` (body `data` events are
   * subarrays of it), so the caller must not reuse or modify it afterwards.
   */
  push(chunk: Uint8Array): void {
    this.#in.push(chunk);
  }

  /** Bytes pushed but not yet consumed by returned events. */
  get buffered(): number {
    return this.#in.buffered;
  }

  /** True from the first byte of a request-line until that message's `end` event. */
  get inMessage(): boolean {
    return this.#inMessage;
  }

  /**
   * The peer closed its sending side. Throws HttpParseError(400) when the current message is
   * incomplete and no buffered bytes remain to complete it. When bytes are still buffered, keep
   * calling `next()`: it throws the same 400 once it runs out of input mid-message.
   */
  finish(): void {
    if (this.#error !== null) throw this.#error;
    this.#eof = true;
    if (this.#inMessage && this.buffered === 0) this.#fail(bad("connection closed mid-message"));
  }

  /**
   * Remove and return every buffered, unconsumed byte (copied into one array). For hand-off
   * after the `end` of an Upgrade or CONNECT request, when the bytes that follow belong to
   * another protocol. The parser is left with an empty buffer.
   */
  takeRemaining(): Uint8Array {
    return this.#in.takeAll();
  }

  /**
   * The next event, or null when more input is needed. Throws HttpParseError on invalid input;
   * the parser is dead afterwards and every later call throws the same error. After an `end`,
   * the next call starts on the following pipelined request.
   */
  next(): ParserEvent | null {
    if (this.#error !== null) throw this.#error;
    try {
      const ev = this.#step();
      if (ev === null && this.#eof && this.#inMessage) {
        throw bad("connection closed mid-message");
      }
      return ev;
    } catch (e) {
      if (e instanceof HttpParseError) this.#fail(e);
      throw e;
    }
  }

  #fail(e: HttpParseError): never {
    this.#error = e;
    this.#state = S_DEAD;
    throw e;
  }

  // ---------------------------------------------------------------------------------------------
  // State machine

  #step(): ParserEvent | null {
    const q = this.#in;
    for (;;) {
      switch (this.#state) {
        case S_IDLE: {
          if (q.pos === q.buf.length && !q.advance()) return null;
          const b = q.buf[q.pos]!;
          if (b === CR) {
            q.pos++;
            this.#state = S_IDLE_CR;
            continue;
          }
          if (b === LF) throw bad("bare LF before request-line");
          if (this.#closed) throw bad("data after a message that closes the connection");
          this.#inMessage = true;
          this.#state = S_REQUEST_LINE;
          continue;
        }
        case S_IDLE_CR: {
          if (q.pos === q.buf.length && !q.advance()) return null;
          if (q.buf[q.pos] !== LF) throw bad("bare CR before request-line");
          q.pos++;
          this.#state = S_IDLE;
          continue;
        }
        case S_REQUEST_LINE: {
          const lf = q.findLF(this.#limits.maxRequestLineBytes + 1);
          const s = q.pos;
          if (lf < 0) {
            this.#requestLine(s, q.partialEnd(), false);
            return null;
          }
          if (lf === s || q.buf[lf - 1] !== CR) {
            this.#requestLine(s, lf, false);
            throw bad("request-line not terminated by CRLF");
          }
          this.#requestLine(s, lf - 1, true);
          q.pos = lf + 1;
          this.#state = S_HEADERS;
          continue;
        }
        case S_HEADERS:
        case S_TRAILERS: {
          const budget = this.#limits.maxHeaderBytes - this.#m.headerBytes;
          const lf = q.findLF(budget - 1);
          const s = q.pos;
          const trailer = this.#state === S_TRAILERS;
          if (lf < 0) {
            this.#fieldLine(s, q.partialEnd(), false, trailer);
            return null;
          }
          if (lf === s || q.buf[lf - 1] !== CR) {
            this.#fieldLine(s, lf, false, trailer);
            throw bad("field line not terminated by CRLF");
          }
          q.pos = lf + 1;
          if (lf - 1 === s) {
            // The empty line ending the section.
            if (budget < 2) {
              throw new HttpParseError(431, "header section larger than maxHeaderBytes");
            }
            this.#m.headerBytes += 2;
            if (trailer) {
              this.#state = S_END;
              continue;
            }
            return { type: "head", head: this.#completeHead() };
          }
          this.#fieldLine(s, lf - 1, true, trailer);
          continue;
        }
        case S_BODY_LENGTH:
        case S_CHUNK_DATA: {
          if (q.pos === q.buf.length && !q.advance()) return null;
          const avail = q.buf.length - q.pos;
          const n = avail < this.#m.remaining ? avail : this.#m.remaining;
          const start = q.pos;
          q.pos += n;
          this.#m.remaining -= n;
          if (this.#m.remaining === 0) {
            this.#state = this.#state === S_BODY_LENGTH ? S_END : S_CHUNK_CR;
          }
          const data = q.inStash ? q.buf.slice(start, start + n) : q.buf.subarray(start, start + n);
          // A region read to its end is let go: the consumer may take over its buffer.
          if (q.pos === q.buf.length) q.release();
          return { type: "data", data };
        }
        case S_CHUNK_CR: {
          if (q.pos === q.buf.length && !q.advance()) return null;
          if (q.buf[q.pos] !== CR) throw bad("chunk data not followed by CRLF");
          q.pos++;
          this.#state = S_CHUNK_LF;
          continue;
        }
        case S_CHUNK_LF: {
          if (q.pos === q.buf.length && !q.advance()) return null;
          if (q.buf[q.pos] !== LF) throw bad("chunk data not followed by CRLF");
          q.pos++;
          this.#state = S_CHUNK_SIZE;
          continue;
        }
        case S_CHUNK_SIZE: {
          const lf = q.findLF(
            MAX_CHUNK_SIZE_DIGITS + this.#limits.maxChunkExtensionBytes + 1,
          );
          const s = q.pos;
          if (lf < 0) {
            this.#chunkLine(s, q.partialEnd(), false);
            return null;
          }
          if (lf === s || q.buf[lf - 1] !== CR) {
            this.#chunkLine(s, lf, false);
            throw bad("chunk-size line not terminated by CRLF");
          }
          const size = this.#chunkLine(s, lf - 1, true);
          q.pos = lf + 1;
          if (size === 0) {
            this.#state = S_TRAILERS;
          } else {
            this.#m.bodyBytes += size;
            if (this.#m.bodyBytes > this.#limits.maxBodyBytes) {
              throw new HttpParseError(413, "chunked body larger than maxBodyBytes");
            }
            this.#m.remaining = size;
            this.#state = S_CHUNK_DATA;
          }
          continue;
        }
        case S_END: {
          const trailers = this.#m.trailers;
          this.#closed = !this.#m.keepAlive();
          this.#resetMessage();
          return { type: "end", trailers };
        }
        default:
          // S_DEAD is unreachable: next() throws the stored error first.
          throw bad("parser is dead");
      }
    }
  }

  #resetMessage(): void {
    this.#state = S_IDLE;
    this.#inMessage = false;
    this.#m.reset();
  }

  // ---------------------------------------------------------------------------------------------
  // Request-line: method SP request-target SP HTTP-version (RFC 9112 §3)

  /**
   * Validate `#buf[s, e)` as a request-line (without CRLF). With `complete` false the bytes are
   * a prefix of the line and only definite errors are thrown; errors are always reported for
   * the first offending byte, so the outcome does not depend on how input was split.
   */
  #requestLine(s: number, e: number, complete: boolean): void {
    const max = this.#limits.maxRequestLineBytes;
    if (e - s > max) {
      scanRequestLine(this.#in.buf, s, s + max, false);
      throw new HttpParseError(414, "request-line longer than maxRequestLineBytes");
    }
    const buf = this.#in.buf;
    const m1 = scanRequestLine(buf, s, e, complete);
    if (!complete) return;
    this.#m.versionMinor = buf[e - 1] === 0x31 ? 1 : 0;
    const method = methodString(buf, s, m1);
    // A complete line ends in SP "HTTP/1.x": the target ends 9 bytes before it.
    const target = this.#string(buf, m1 + 1, e - 9);
    checkTarget(method, target);
    this.#m.method = method;
    this.#m.target = target;
  }

  // ---------------------------------------------------------------------------------------------
  // Field lines: field-name ":" OWS field-value OWS (RFC 9112 §5)

  /** Validate `#buf[s, e)` as a field line (without CRLF); when complete, record it. */
  #fieldLine(s: number, e: number, complete: boolean, trailer: boolean): void {
    const m = this.#m;
    const budget = this.#limits.maxHeaderBytes - m.headerBytes;
    if (e - s + 2 > budget) {
      if (budget > 2) this.#fieldLine(s, s + budget - 2, false, trailer);
      throw new HttpParseError(431, "header section larger than maxHeaderBytes");
    }
    const buf = this.#in.buf;
    const colon = scanFieldLine(buf, s, e, complete);
    if (!complete) return;

    if (m.headerCount >= this.#limits.maxHeaderCount) {
      throw new HttpParseError(431, "more than maxHeaderCount fields");
    }
    m.headerCount++;
    m.headerBytes += e - s + 2;
    let vs = colon + 1;
    let ve = e;
    while (vs < ve && isOws(buf[vs]!)) vs++;
    while (ve > vs && isOws(buf[ve - 1]!)) ve--;
    const name = this.#string(buf, s, colon);
    const value = this.#string(buf, vs, ve);
    if (trailer) {
      (m.trailers ??= []).push([name, value]);
      return;
    }
    m.headers.push([name, value]);
    m.specialField(buf, s, colon, vs, ve, value);
  }

  /** Decode `buf[s, e)` as latin1, reusing an identical string decoded before. */
  #string(buf: Uint8Array, s: number, e: number): string {
    const n = e - s;
    if (n === 0) return "";
    if (n > STRING_CACHE_MAX_LEN) return decodeLatin1(buf, s, e);
    const slot = (n * 7 + buf[s]! * 31 + buf[e - 1]! * 13 + buf[s + (n >> 1)]!) &
      (STRING_CACHE_SLOTS - 1);
    const c = this.#strings[slot];
    if (c !== undefined && c.length === n) {
      let i = 0;
      while (i < n && c.charCodeAt(i) === buf[s + i]) i++;
      if (i === n) return c;
    }
    return (this.#strings[slot] = decodeLatin1(buf, s, e));
  }

  /** Validates a chunk-size line in the input (see chunkSizeLine). */
  #chunkLine(s: number, e: number, complete: boolean): number {
    return chunkSizeLine(this.#in.buf, s, e, complete, this.#limits.maxChunkExtensionBytes);
  }

  /** The header section is complete: decide framing and hand out the head. */
  #completeHead(): RequestHead {
    const head = this.#m.head(this.#limits);
    if (head.bodyKind === "chunked") {
      this.#state = S_CHUNK_SIZE;
    } else if (head.bodyKind === "length" && head.contentLength > 0) {
      this.#m.remaining = head.contentLength;
      this.#state = S_BODY_LENGTH;
    } else {
      this.#state = S_END;
    }
    return head;
  }
}
