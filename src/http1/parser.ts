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
import {
  FIELD_VALUE_CHAR,
  HEX_VALUE,
  HOST_CHAR,
  QDTEXT,
  QUOTED_PAIR_CHAR,
  SCHEME_CHAR,
  TARGET_CHAR,
  TCHAR,
} from "./chars.ts";

export { HttpParseError } from "./errors.ts";
export { DEFAULT_HTTP1_LIMITS, type Http1Limits } from "./limits.ts";

/** The request-line and header section of one request, with its framing already decided. */
export interface RequestHead {
  /** Request method, any RFC 9110 token, case preserved (`GET`, `POST`, `QUERY`, ...). */
  method: string;
  /**
   * The request-target as received: origin-form (`/path?q`), absolute-form (`http://h/p`),
   * authority-form (`host:port`, only and always for CONNECT) or `*` (only for OPTIONS).
   */
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  versionMinor: 0 | 1;
  /** Field lines in order; names as received, values with surrounding OWS removed. */
  headers: Array<[string, string]>;
  /**
   * How the body is framed: `none` (no Content-Length or Transfer-Encoding, or CONNECT),
   * `length` (Content-Length, possibly 0) or `chunked`.
   */
  bodyKind: "none" | "length" | "chunked";
  /** The Content-Length for `length` bodies; 0 otherwise. */
  contentLength: number;
  /**
   * Whether the connection may carry another request: HTTP/1.1 unless `Connection: close`;
   * HTTP/1.0 only with `Connection: keep-alive` (and no `close`).
   */
  keepAlive: boolean;
  /** `Expect: 100-continue` was sent on HTTP/1.1 (HTTP/1.0 expectations are ignored). */
  expectContinue: boolean;
  /**
   * The Upgrade field value (multiple lines joined with ", ") when the request is HTTP/1.1 and
   * its Connection field lists `upgrade`; otherwise null.
   */
  upgrade: string | null;
  /** The Host field value (OWS trimmed), or null when absent (only possible on HTTP/1.0). */
  host: string | null;
}

/** One output of {@linkcode RequestParser.next}. */
export type ParserEvent =
  | { type: "head"; head: RequestHead }
  | { type: "data"; data: Uint8Array }
  | { type: "end"; trailers: Array<[string, string]> | null };

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const SEMI = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** At most this many hex digits in a chunk-size (2^64 - 1; values above 2^53 - 1 are refused). */
const MAX_CHUNK_SIZE_DIGITS = 16;

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

// Chunk-size line scanner states.
const C_SIZE = 0;
const C_SIZE_BWS = 1; // whitespace after the size: only ";" may follow
const C_SEMI_BWS = 2; // after ";": BWS then an extension name
const C_NAME = 3;
const C_NAME_BWS = 4; // whitespace after a name: "=" or ";" must follow
const C_EQ_BWS = 5; // after "=": BWS then a value
const C_VALUE = 6; // token value
const C_QUOTED = 7;
const C_QUOTED_ESC = 8;
const C_VALUE_END = 9; // after a token value or a closing quote
const C_VALUE_BWS = 10; // whitespace after a value: ";" must follow

const EMPTY = new Uint8Array(0);

/** Slots in the per-parser string cache (a power of two), and the longest string cached. */
const STRING_CACHE_SLOTS = 128;
const STRING_CACHE_MAX_LEN = 256;

function bad(message: string): HttpParseError {
  return new HttpParseError(400, message);
}

/** Decode bytes as latin1 (each byte one UTF-16 code unit), exactly preserving obs-text. */
function latin1(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return "";
  if (n <= 24) {
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
    return s;
  }
  if (n <= 4096) {
    return String.fromCharCode.apply(
      null,
      buf.subarray(start, end) as unknown as number[],
    );
  }
  let s = "";
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(
      null,
      buf.subarray(i, Math.min(end, i + 4096)) as unknown as number[],
    );
  }
  return s;
}

/** Case-insensitive comparison of `buf[start, end)` with a lowercase ASCII name. */
function isName(buf: Uint8Array, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const b = buf[start + i]!;
    if ((b >= 0x41 && b <= 0x5a ? b | 0x20 : b) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function methodString(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  const b0 = buf[start]!;
  if (n === 3 && b0 === 0x47 && buf[start + 1] === 0x45 && buf[start + 2] === 0x54) return "GET";
  if (n === 4 && b0 === 0x50 && buf[start + 1] === 0x4f && buf[start + 2] === 0x53) {
    if (buf[start + 3] === 0x54) return "POST";
  }
  return latin1(buf, start, end);
}

function isOws(b: number): boolean {
  return b === SP || b === HTAB;
}

/**
 * Split a comma-separated list (RFC 9110 §5.6.1) into trimmed, lowercased elements. Empty
 * elements are kept (as "") so that callers can decide how strict to be.
 */
function listElements(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const comma = value.indexOf(",", start);
    const stop = comma < 0 ? value.length : comma;
    let a = start;
    let b = stop;
    while (a < b && isOws(value.charCodeAt(a))) a++;
    while (b > a && isOws(value.charCodeAt(b - 1))) b--;
    out.push(value.slice(a, b).toLowerCase());
    if (comma < 0) return out;
    start = comma + 1;
  }
}

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TCHAR[c] === 0) return false;
  }
  return true;
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

  // Input: `#buf[#pos..]` is the current contiguous region, `#queue[#qHead..]` the chunks after it.
  #buf: Uint8Array = EMPTY;
  #pos = 0;
  #queue: (Uint8Array | undefined)[] = [];
  #qHead = 0;
  #queuedBytes = 0;
  /** Owned buffer where a line that spans chunks is merged; `#buf` may be a view of it. */
  #stash: Uint8Array | null = null;
  #inStash = false;
  /** Bytes after `#pos` already known to contain no LF. */
  #scanned = 0;

  #state = S_IDLE;
  #error: HttpParseError | null = null;
  #inMessage = false;
  #eof = false;
  /** The previous message did not keep the connection alive: only empty lines may follow. */
  #closed = false;

  // Current message.
  #method = "";
  #target = "";
  #versionMinor: 0 | 1 = 1;
  #headers: Array<[string, string]> = [];
  #trailers: Array<[string, string]> | null = null;
  #headerBytes = 0;
  #headerCount = 0;
  #host: string | null = null;
  #hostCount = 0;
  #contentLength = -1;
  #te: string[] | null = null;
  #connClose = false;
  #connKeepAlive = false;
  #connUpgrade = false;
  #upgrade: string | null = null;
  #expect: boolean | null = null; // null: no Expect; true: only 100-continue; false: other
  #remaining = 0;
  #bodyBytes = 0;

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
    if (chunk.length === 0) return;
    if (this.#pos === this.#buf.length && this.#qHead === this.#queue.length) {
      this.#buf = chunk;
      this.#pos = 0;
      this.#inStash = false;
      this.#scanned = 0;
    } else {
      this.#queue.push(chunk);
      this.#queuedBytes += chunk.length;
    }
  }

  /** Bytes pushed but not yet consumed by returned events. */
  get buffered(): number {
    return this.#buf.length - this.#pos + this.#queuedBytes;
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
    const n = this.buffered;
    const out = new Uint8Array(n);
    let o = 0;
    out.set(this.#buf.subarray(this.#pos), 0);
    o += this.#buf.length - this.#pos;
    for (let i = this.#qHead; i < this.#queue.length; i++) {
      const c = this.#queue[i]!;
      out.set(c, o);
      o += c.length;
    }
    this.#buf = EMPTY;
    this.#pos = 0;
    this.#inStash = false;
    this.#scanned = 0;
    this.#queue = [];
    this.#qHead = 0;
    this.#queuedBytes = 0;
    return out;
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
  // Input management

  /** Move to the next queued chunk once the current one is exhausted. */
  #advance(): boolean {
    if (this.#qHead === this.#queue.length) return false;
    const c = this.#queue[this.#qHead]!;
    this.#dequeue();
    this.#queuedBytes -= c.length;
    this.#buf = c;
    this.#pos = 0;
    this.#inStash = false;
    this.#scanned = 0;
    return true;
  }

  #dequeue(): void {
    this.#queue[this.#qHead++] = undefined;
    if (this.#qHead === this.#queue.length) {
      this.#queue.length = 0;
      this.#qHead = 0;
    }
  }

  /**
   * Index in `#buf` of the LF ending the line that starts at `#pos`, or -1 when it has not
   * arrived. `cap` is the most bytes before the LF that the line may have; a longer line is
   * merged only up to `cap + 1` bytes, enough for the validator to reject it.
   */
  #findLF(cap: number): number {
    for (;;) {
      const buf = this.#buf;
      const i = buf.indexOf(LF, this.#pos + this.#scanned);
      if (i >= 0) {
        this.#scanned = 0;
        return i;
      }
      const partial = buf.length - this.#pos;
      this.#scanned = partial;
      if (this.#qHead === this.#queue.length || partial > cap) return -1;
      this.#merge(cap, partial);
    }
  }

  /** Append (part of) the next queued chunk to the partial line, in the stash. */
  #merge(cap: number, partial: number): void {
    const next = this.#queue[this.#qHead]!;
    const lf = next.indexOf(LF);
    let take = lf >= 0 ? lf + 1 : next.length;
    const room = cap + 1 - partial;
    if (take > room) take = room;
    const need = partial + take;
    let stash = this.#stash;
    if (stash === null || stash.length < need) {
      const fresh = new Uint8Array(Math.max(need, Math.min(Math.max(need * 2, 256), cap + 2)));
      fresh.set(this.#buf.subarray(this.#pos), 0);
      this.#stash = stash = fresh;
    } else if (this.#inStash) {
      if (this.#pos > 0) stash.copyWithin(0, this.#pos, this.#buf.length);
    } else {
      stash.set(this.#buf.subarray(this.#pos), 0);
    }
    stash.set(take === next.length ? next : next.subarray(0, take), partial);
    this.#buf = stash.subarray(0, need);
    this.#pos = 0;
    this.#inStash = true;
    this.#queuedBytes -= take;
    if (take === next.length) this.#dequeue();
    else this.#queue[this.#qHead] = next.subarray(take);
  }

  /** End of the content of a partial line: its length, minus a trailing CR that may end it. */
  #partialEnd(): number {
    const buf = this.#buf;
    const n = buf.length;
    return n > this.#pos && buf[n - 1] === CR ? n - 1 : n;
  }

  // ---------------------------------------------------------------------------------------------
  // State machine

  #step(): ParserEvent | null {
    for (;;) {
      switch (this.#state) {
        case S_IDLE: {
          if (this.#pos === this.#buf.length && !this.#advance()) return null;
          const b = this.#buf[this.#pos]!;
          if (b === CR) {
            this.#pos++;
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
          if (this.#pos === this.#buf.length && !this.#advance()) return null;
          if (this.#buf[this.#pos] !== LF) throw bad("bare CR before request-line");
          this.#pos++;
          this.#state = S_IDLE;
          continue;
        }
        case S_REQUEST_LINE: {
          const lf = this.#findLF(this.#limits.maxRequestLineBytes + 1);
          const s = this.#pos;
          if (lf < 0) {
            this.#requestLine(s, this.#partialEnd(), false);
            return null;
          }
          if (lf === s || this.#buf[lf - 1] !== CR) {
            this.#requestLine(s, lf, false);
            throw bad("request-line not terminated by CRLF");
          }
          this.#requestLine(s, lf - 1, true);
          this.#pos = lf + 1;
          this.#state = S_HEADERS;
          continue;
        }
        case S_HEADERS:
        case S_TRAILERS: {
          const budget = this.#limits.maxHeaderBytes - this.#headerBytes;
          const lf = this.#findLF(budget - 1);
          const s = this.#pos;
          const trailer = this.#state === S_TRAILERS;
          if (lf < 0) {
            this.#fieldLine(s, this.#partialEnd(), false, trailer);
            return null;
          }
          if (lf === s || this.#buf[lf - 1] !== CR) {
            this.#fieldLine(s, lf, false, trailer);
            throw bad("field line not terminated by CRLF");
          }
          this.#pos = lf + 1;
          if (lf - 1 === s) {
            // The empty line ending the section.
            if (budget < 2) {
              throw new HttpParseError(431, "header section larger than maxHeaderBytes");
            }
            this.#headerBytes += 2;
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
          if (this.#pos === this.#buf.length && !this.#advance()) return null;
          const avail = this.#buf.length - this.#pos;
          const n = avail < this.#remaining ? avail : this.#remaining;
          const start = this.#pos;
          this.#pos += n;
          this.#remaining -= n;
          if (this.#remaining === 0) {
            this.#state = this.#state === S_BODY_LENGTH ? S_END : S_CHUNK_CR;
          }
          const data = this.#inStash
            ? this.#buf.slice(start, start + n)
            : this.#buf.subarray(start, start + n);
          return { type: "data", data };
        }
        case S_CHUNK_CR: {
          if (this.#pos === this.#buf.length && !this.#advance()) return null;
          if (this.#buf[this.#pos] !== CR) throw bad("chunk data not followed by CRLF");
          this.#pos++;
          this.#state = S_CHUNK_LF;
          continue;
        }
        case S_CHUNK_LF: {
          if (this.#pos === this.#buf.length && !this.#advance()) return null;
          if (this.#buf[this.#pos] !== LF) throw bad("chunk data not followed by CRLF");
          this.#pos++;
          this.#state = S_CHUNK_SIZE;
          continue;
        }
        case S_CHUNK_SIZE: {
          const lf = this.#findLF(MAX_CHUNK_SIZE_DIGITS + this.#limits.maxChunkExtensionBytes + 1);
          const s = this.#pos;
          if (lf < 0) {
            this.#chunkSizeLine(s, this.#partialEnd(), false);
            return null;
          }
          if (lf === s || this.#buf[lf - 1] !== CR) {
            this.#chunkSizeLine(s, lf, false);
            throw bad("chunk-size line not terminated by CRLF");
          }
          const size = this.#chunkSizeLine(s, lf - 1, true);
          this.#pos = lf + 1;
          if (size === 0) {
            this.#state = S_TRAILERS;
          } else {
            this.#bodyBytes += size;
            if (this.#bodyBytes > this.#limits.maxBodyBytes) {
              throw new HttpParseError(413, "chunked body larger than maxBodyBytes");
            }
            this.#remaining = size;
            this.#state = S_CHUNK_DATA;
          }
          continue;
        }
        case S_END: {
          const trailers = this.#trailers;
          this.#closed = !this.#keepAlive();
          this.#resetMessage();
          return { type: "end", trailers };
        }
        default:
          // S_DEAD is unreachable: next() throws the stored error first.
          throw bad("parser is dead");
      }
    }
  }

  #keepAlive(): boolean {
    return this.#versionMinor === 1 ? !this.#connClose : this.#connKeepAlive && !this.#connClose;
  }

  #resetMessage(): void {
    this.#state = S_IDLE;
    this.#inMessage = false;
    this.#method = "";
    this.#target = "";
    this.#versionMinor = 1;
    this.#headers = [];
    this.#trailers = null;
    this.#headerBytes = 0;
    this.#headerCount = 0;
    this.#host = null;
    this.#hostCount = 0;
    this.#contentLength = -1;
    this.#te = null;
    this.#connClose = false;
    this.#connKeepAlive = false;
    this.#connUpgrade = false;
    this.#upgrade = null;
    this.#expect = null;
    this.#remaining = 0;
    this.#bodyBytes = 0;
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
      this.#requestLine(s, s + max, false);
      throw new HttpParseError(414, "request-line longer than maxRequestLineBytes");
    }
    const buf = this.#buf;
    let i = s;
    while (i < e && TCHAR[buf[i]!] === 1) i++;
    if (i === e) {
      if (complete) throw bad("malformed request-line");
      return;
    }
    if (buf[i] !== SP) throw bad("invalid character in method");
    if (i === s) throw bad("empty method");
    const m1 = i++;
    const t0 = i;
    while (i < e && TARGET_CHAR[buf[i]!] === 1) i++;
    if (i === e) {
      if (complete) throw bad("malformed request-line");
      return;
    }
    if (buf[i] !== SP) throw bad("invalid character in request-target");
    if (i === t0) throw bad("empty request-target");
    const t1 = i++;
    // HTTP-version = "HTTP/" DIGIT "." DIGIT, classified at the first byte that decides it.
    let k = 0;
    for (; k < 8 && i < e; k++, i++) {
      const b = buf[i]!;
      switch (k) {
        case 0:
          if (b !== 0x48) throw bad("malformed HTTP-version");
          break;
        case 1:
        case 2:
          if (b !== 0x54) throw bad("malformed HTTP-version");
          break;
        case 3:
          if (b !== 0x50) throw bad("malformed HTTP-version");
          break;
        case 4:
          if (b !== 0x2f) throw bad("malformed HTTP-version");
          break;
        case 5:
          if (b < 0x30 || b > 0x39) throw bad("malformed HTTP-version");
          if (b !== 0x31) throw new HttpParseError(505, "HTTP version not supported");
          break;
        case 6:
          if (b !== 0x2e) throw bad("malformed HTTP-version");
          break;
        default:
          if (b < 0x30 || b > 0x39) throw bad("malformed HTTP-version");
          if (b > 0x31) throw new HttpParseError(505, "HTTP version not supported");
      }
    }
    if (i < e) throw bad("unexpected bytes after HTTP-version");
    if (!complete) return;
    if (k < 8) throw bad("malformed HTTP-version");
    this.#versionMinor = buf[e - 1] === 0x31 ? 1 : 0;
    const method = methodString(buf, s, m1);
    const target = this.#string(buf, t0, t1);
    this.#checkTarget(method, target);
    this.#method = method;
    this.#target = target;
  }

  /** Which request-target forms are allowed (RFC 9112 §3.2). */
  #checkTarget(method: string, target: string): void {
    const c0 = target.charCodeAt(0);
    if (method === "CONNECT") {
      // authority-form = uri-host ":" port
      const colon = target.lastIndexOf(":");
      if (colon <= 0 || colon === target.length - 1) {
        throw bad("CONNECT requires authority-form host:port");
      }
      for (let i = 0; i < target.length; i++) {
        if (HOST_CHAR[target.charCodeAt(i)] !== 1) {
          throw bad("CONNECT requires authority-form host:port");
        }
      }
      for (let i = colon + 1; i < target.length; i++) {
        const c = target.charCodeAt(i);
        if (c < 0x30 || c > 0x39) throw bad("CONNECT requires authority-form host:port");
      }
      return;
    }
    if (method === "PRI") throw bad("PRI is the HTTP/2 connection preface, not an HTTP/1 method");
    if (c0 === 0x2f) return; // origin-form
    if (target.length === 1 && c0 === 0x2a) {
      if (method !== "OPTIONS") throw bad("asterisk-form is only allowed for OPTIONS");
      return;
    }
    // absolute-form: scheme ":" ...
    const colon = target.indexOf(":");
    let ok = colon > 0 && ((c0 | 0x20) >= 0x61 && (c0 | 0x20) <= 0x7a);
    for (let i = 1; ok && i < colon; i++) ok = SCHEME_CHAR[target.charCodeAt(i)] === 1;
    if (!ok) throw bad("request-target is not origin-, absolute-, authority- or asterisk-form");
  }

  // ---------------------------------------------------------------------------------------------
  // Field lines: field-name ":" OWS field-value OWS (RFC 9112 §5)

  /** Validate `#buf[s, e)` as a field line (without CRLF); when complete, record it. */
  #fieldLine(s: number, e: number, complete: boolean, trailer: boolean): void {
    const budget = this.#limits.maxHeaderBytes - this.#headerBytes;
    if (e - s + 2 > budget) {
      if (budget > 2) this.#fieldLine(s, s + budget - 2, false, trailer);
      throw new HttpParseError(431, "header section larger than maxHeaderBytes");
    }
    const buf = this.#buf;
    let i = s;
    if (i < e && isOws(buf[i]!)) {
      throw bad("field line starts with whitespace (obs-fold is not allowed)");
    }
    while (i < e && TCHAR[buf[i]!] === 1) i++;
    if (i === e) {
      if (complete) throw bad("field line without colon");
      return;
    }
    const c = buf[i]!;
    if (c !== COLON) {
      if (isOws(c)) throw bad("whitespace between field name and colon");
      throw bad("invalid character in field name");
    }
    if (i === s) throw bad("empty field name");
    const colon = i++;
    while (i < e && FIELD_VALUE_CHAR[buf[i]!] === 1) i++;
    if (i < e) throw bad("invalid character in field value");
    if (!complete) return;

    if (this.#headerCount >= this.#limits.maxHeaderCount) {
      throw new HttpParseError(431, "more than maxHeaderCount fields");
    }
    this.#headerCount++;
    this.#headerBytes += e - s + 2;
    let vs = colon + 1;
    let ve = e;
    while (vs < ve && isOws(buf[vs]!)) vs++;
    while (ve > vs && isOws(buf[ve - 1]!)) ve--;
    const name = this.#string(buf, s, colon);
    const value = this.#string(buf, vs, ve);
    if (trailer) {
      (this.#trailers ??= []).push([name, value]);
      return;
    }
    this.#headers.push([name, value]);
    this.#specialField(buf, s, colon, vs, ve, value);
  }

  /** Decode `buf[s, e)` as latin1, reusing an identical string decoded before. */
  #string(buf: Uint8Array, s: number, e: number): string {
    const n = e - s;
    if (n === 0) return "";
    if (n > STRING_CACHE_MAX_LEN) return latin1(buf, s, e);
    const slot = (n * 7 + buf[s]! * 31 + buf[e - 1]! * 13 + buf[s + (n >> 1)]!) &
      (STRING_CACHE_SLOTS - 1);
    const c = this.#strings[slot];
    if (c !== undefined && c.length === n) {
      let i = 0;
      while (i < n && c.charCodeAt(i) === buf[s + i]) i++;
      if (i === n) return c;
    }
    return (this.#strings[slot] = latin1(buf, s, e));
  }

  /** Interpret the fields that affect framing, routing and connection handling. */
  #specialField(
    buf: Uint8Array,
    ns: number,
    ne: number,
    vs: number,
    ve: number,
    value: string,
  ): void {
    switch (ne - ns) {
      case 4:
        if (isName(buf, ns, ne, "host")) {
          if (++this.#hostCount > 1) throw bad("more than one Host field");
          for (let i = vs; i < ve; i++) {
            if (HOST_CHAR[buf[i]!] !== 1) throw bad("invalid Host field value");
          }
          this.#host = value;
        }
        return;
      case 6:
        if (isName(buf, ns, ne, "expect")) {
          let ok = this.#expect !== false;
          for (const el of listElements(value)) if (el !== "100-continue") ok = false;
          this.#expect = ok;
        }
        return;
      case 7:
        if (isName(buf, ns, ne, "upgrade")) {
          this.#upgrade = this.#upgrade === null ? value : `${this.#upgrade}, ${value}`;
        }
        return;
      case 10:
        if (isName(buf, ns, ne, "connection")) {
          for (const el of listElements(value)) {
            if (el === "close") this.#connClose = true;
            else if (el === "keep-alive") this.#connKeepAlive = true;
            else if (el === "upgrade") this.#connUpgrade = true;
          }
        }
        return;
      case 14:
        if (isName(buf, ns, ne, "content-length")) this.#contentLengthField(buf, vs, ve);
        return;
      case 17:
        if (isName(buf, ns, ne, "transfer-encoding")) this.#transferEncodingField(value);
        return;
    }
  }

  /**
   * Content-Length = 1*DIGIT, exactly once. RFC 9110 §8.6 lets a recipient accept a repeated
   * identical value ("5, 5"), but also reject it; we reject every duplicate, as llhttp does, so no
   * front end that reads the field differently can disagree with us about framing (RFC 9112 §6.3).
   */
  #contentLengthField(buf: Uint8Array, vs: number, ve: number): void {
    if (this.#te !== null) throw bad("both Transfer-Encoding and Content-Length");
    if (this.#contentLength >= 0) throw bad("duplicate Content-Length");
    let v = 0;
    let i = vs;
    while (i < ve) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) throw bad("invalid Content-Length");
      v = v * 10 + d;
      if (v > Number.MAX_SAFE_INTEGER) throw bad("Content-Length overflow");
      i++;
    }
    if (i === vs) throw bad("invalid Content-Length");
    this.#contentLength = v;
  }

  /** Record the transfer codings; their order is checked when the header section ends. */
  #transferEncodingField(value: string): void {
    if (this.#versionMinor === 0) throw bad("Transfer-Encoding in an HTTP/1.0 request");
    if (this.#contentLength >= 0) throw bad("both Transfer-Encoding and Content-Length");
    const te = (this.#te ??= []);
    for (const el of listElements(value)) {
      // transfer-coding = token *( OWS ";" OWS transfer-parameter ); only the name matters.
      const semi = el.indexOf(";");
      let name = semi < 0 ? el : el.slice(0, semi);
      if (semi >= 0) {
        let n = name.length;
        while (n > 0 && isOws(name.charCodeAt(n - 1))) n--;
        name = name.slice(0, n);
        if (name === "chunked") throw bad("chunked transfer coding takes no parameters");
      }
      if (!isToken(name)) throw bad("invalid Transfer-Encoding");
      te.push(name);
    }
  }

  /** The header section is complete: decide framing and build the head. */
  #completeHead(): RequestHead {
    const v = this.#versionMinor;
    if (v === 1 && this.#hostCount === 0 && this.#limits.requireHost) {
      throw bad("HTTP/1.1 request without Host");
    }
    let bodyKind: RequestHead["bodyKind"] = "none";
    let contentLength = 0;
    const te = this.#te;
    if (te !== null) {
      // RFC 9112 §6.3: chunked must be the final coding, and applied only once (§7).
      if (te[te.length - 1] !== "chunked") throw bad("Transfer-Encoding does not end in chunked");
      for (let i = 0; i < te.length - 1; i++) {
        if (te[i] === "chunked") throw bad("chunked applied more than once");
      }
      if (te.length > 1) throw new HttpParseError(501, "unsupported transfer coding");
      bodyKind = "chunked";
    } else if (this.#contentLength >= 0) {
      bodyKind = "length";
      contentLength = this.#contentLength;
      if (contentLength > this.#limits.maxBodyBytes) {
        throw new HttpParseError(413, "Content-Length larger than maxBodyBytes");
      }
    }
    // RFC 9110 §9.3.6: a CONNECT request has no content; what follows is tunnel data.
    if (this.#method === "CONNECT") {
      bodyKind = "none";
      contentLength = 0;
    }
    let expectContinue = false;
    if (v === 1 && this.#expect !== null) {
      if (!this.#expect) throw new HttpParseError(417, "unsupported expectation");
      expectContinue = true;
    }
    const head: RequestHead = {
      method: this.#method,
      target: this.#target,
      versionMinor: v,
      headers: this.#headers,
      bodyKind,
      contentLength,
      keepAlive: this.#keepAlive(),
      expectContinue,
      upgrade: v === 1 && this.#connUpgrade ? this.#upgrade : null,
      host: this.#host,
    };
    if (bodyKind === "chunked") {
      this.#state = S_CHUNK_SIZE;
    } else if (bodyKind === "length" && contentLength > 0) {
      this.#remaining = contentLength;
      this.#state = S_BODY_LENGTH;
    } else {
      this.#state = S_END;
    }
    return head;
  }

  // ---------------------------------------------------------------------------------------------
  // Chunked framing: chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1)

  /**
   * Validate `#buf[s, e)` as a chunk-size line (without CRLF). Returns the size when complete.
   * chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val = token / quoted-string.
   */
  #chunkSizeLine(s: number, e: number, complete: boolean): number {
    const buf = this.#buf;
    const maxExt = this.#limits.maxChunkExtensionBytes;
    let size = 0;
    let i = s;
    for (; i < e; i++) {
      const h = HEX_VALUE[buf[i]!]!;
      if (h === 255) break;
      if (i - s === MAX_CHUNK_SIZE_DIGITS) throw bad("chunk-size has too many digits");
      size = size * 16 + h;
      if (size > Number.MAX_SAFE_INTEGER) throw bad("chunk-size overflow");
    }
    if (i === s) {
      if (i < e || complete) throw bad("invalid chunk-size");
      return 0;
    }
    const extStart = i;
    let st = C_SIZE;
    for (; i < e; i++) {
      if (i - extStart === maxExt) throw bad("chunk extensions longer than maxChunkExtensionBytes");
      const b = buf[i]!;
      switch (st) {
        case C_SIZE:
        case C_SIZE_BWS:
        case C_VALUE_END:
        case C_VALUE_BWS:
          if (b === SEMI) st = C_SEMI_BWS;
          else if (isOws(b)) st = st === C_SIZE ? C_SIZE_BWS : C_VALUE_BWS;
          else throw bad(st === C_SIZE ? "invalid chunk-size" : "invalid chunk extension");
          break;
        case C_SEMI_BWS:
          if (TCHAR[b] === 1) st = C_NAME;
          else if (!isOws(b)) throw bad("invalid chunk extension");
          break;
        case C_NAME:
        case C_NAME_BWS:
          if (b === EQUALS) st = C_EQ_BWS;
          else if (b === SEMI) st = C_SEMI_BWS;
          else if (isOws(b)) st = C_NAME_BWS;
          else if (st === C_NAME && TCHAR[b] === 1) st = C_NAME;
          else throw bad("invalid chunk extension");
          break;
        case C_EQ_BWS:
          if (b === DQUOTE) st = C_QUOTED;
          else if (TCHAR[b] === 1) st = C_VALUE;
          else if (!isOws(b)) throw bad("invalid chunk extension");
          break;
        case C_VALUE:
          if (TCHAR[b] === 1) break;
          if (b === SEMI) st = C_SEMI_BWS;
          else if (isOws(b)) st = C_VALUE_BWS;
          else throw bad("invalid chunk extension");
          break;
        case C_QUOTED:
          if (b === DQUOTE) st = C_VALUE_END;
          else if (b === BACKSLASH) st = C_QUOTED_ESC;
          else if (QDTEXT[b] !== 1) throw bad("invalid character in chunk extension");
          break;
        case C_QUOTED_ESC:
          if (QUOTED_PAIR_CHAR[b] !== 1) throw bad("invalid character in chunk extension");
          st = C_QUOTED;
          break;
      }
    }
    if (!complete) return 0;
    if (st !== C_SIZE && st !== C_NAME && st !== C_VALUE && st !== C_VALUE_END) {
      throw bad(st === C_SIZE_BWS ? "invalid chunk-size" : "invalid chunk extension");
    }
    return size;
  }
}
