/**
 * One request as the parser reads it: the head it hands out
 * ({@linkcode RequestHead}) and the per-message state behind it, including
 * the fields that decide framing (Content-Length, Transfer-Encoding), routing
 * (Host) and the connection (Connection, Upgrade, Expect).
 *
 * @module
 */
import { HttpParseError } from "./errors.ts";
import type { Http1Limits } from "./limits.ts";
import { HOST_CHAR, isName, isOws, isToken, listElements } from "./chars.ts";

function bad(message: string): HttpParseError {
  return new HttpParseError(400, message);
}

/**
 * The request-line and header section of one request, with its framing already decided.
 */
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

/**
 * What the parser has learned about the request it is reading: the
 * request-line, the fields and the facts the framing and connection
 * decisions need. The parser holds one and resets it after each request.
 */
export class MessageState {
  method = "";
  target = "";
  versionMinor: 0 | 1 = 1;
  headers: Array<[string, string]> = [];
  trailers: Array<[string, string]> | null = null;
  /** Bytes of the header (or trailer) section so far, CRLFs included. */
  headerBytes = 0;
  headerCount = 0;
  host: string | null = null;
  hostCount = 0;
  /** -1 until a Content-Length field is seen. */
  contentLength = -1;
  /** Transfer codings in order, lowercased; null without Transfer-Encoding. */
  te: string[] | null = null;
  connClose = false;
  connKeepAlive = false;
  connUpgrade = false;
  upgrade: string | null = null;
  /** null: no Expect; true: only 100-continue; false: another expectation. */
  expect: boolean | null = null;
  /** Body bytes left in the current Content-Length body or chunk. */
  remaining = 0;
  /** Chunked body bytes announced so far. */
  bodyBytes = 0;

  /** Forgets this request, for the next one (cheaper than a fresh object on the hot path). */
  reset(): void {
    this.method = "";
    this.target = "";
    this.versionMinor = 1;
    this.headers = [];
    this.trailers = null;
    this.headerBytes = 0;
    this.headerCount = 0;
    this.host = null;
    this.hostCount = 0;
    this.contentLength = -1;
    this.te = null;
    this.connClose = false;
    this.connKeepAlive = false;
    this.connUpgrade = false;
    this.upgrade = null;
    this.expect = null;
    this.remaining = 0;
    this.bodyBytes = 0;
  }

  /** Whether the connection may carry another request after this one. */
  keepAlive(): boolean {
    return this.versionMinor === 1 ? !this.connClose : this.connKeepAlive && !this.connClose;
  }

  /**
   * Interprets the fields that affect framing, routing and connection handling; the name is
   * `buf[ns, ne)`, the value `buf[vs, ve)` (also given decoded).
   */
  specialField(
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
          if (++this.hostCount > 1) throw bad("more than one Host field");
          for (let i = vs; i < ve; i++) {
            if (HOST_CHAR[buf[i]!] !== 1) throw bad("invalid Host field value");
          }
          this.host = value;
        }
        return;
      case 6:
        if (isName(buf, ns, ne, "expect")) {
          let ok = this.expect !== false;
          for (const el of listElements(value)) if (el !== "100-continue") ok = false;
          this.expect = ok;
        }
        return;
      case 7:
        if (isName(buf, ns, ne, "upgrade")) {
          this.upgrade = this.upgrade === null ? value : `${this.upgrade}, ${value}`;
        }
        return;
      case 10:
        if (isName(buf, ns, ne, "connection")) {
          for (const el of listElements(value)) {
            if (el === "close") this.connClose = true;
            else if (el === "keep-alive") this.connKeepAlive = true;
            else if (el === "upgrade") this.connUpgrade = true;
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
    if (this.te !== null) throw bad("both Transfer-Encoding and Content-Length");
    if (this.contentLength >= 0) throw bad("duplicate Content-Length");
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
    this.contentLength = v;
  }

  /** Records the transfer codings; their order is checked when the header section ends. */
  #transferEncodingField(value: string): void {
    if (this.versionMinor === 0) throw bad("Transfer-Encoding in an HTTP/1.0 request");
    if (this.contentLength >= 0) throw bad("both Transfer-Encoding and Content-Length");
    const te = (this.te ??= []);
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

  /** The header section is complete: decides framing and builds the head. */
  head(limits: Http1Limits): RequestHead {
    const v = this.versionMinor;
    if (v === 1 && this.hostCount === 0 && limits.requireHost) {
      throw bad("HTTP/1.1 request without Host");
    }
    let bodyKind: RequestHead["bodyKind"] = "none";
    let contentLength = 0;
    const te = this.te;
    if (te !== null) {
      // RFC 9112 §6.3: chunked must be the final coding, and applied only once (§7).
      if (te[te.length - 1] !== "chunked") throw bad("Transfer-Encoding does not end in chunked");
      for (let i = 0; i < te.length - 1; i++) {
        if (te[i] === "chunked") throw bad("chunked applied more than once");
      }
      if (te.length > 1) throw new HttpParseError(501, "unsupported transfer coding");
      bodyKind = "chunked";
    } else if (this.contentLength >= 0) {
      bodyKind = "length";
      contentLength = this.contentLength;
      if (contentLength > limits.maxBodyBytes) {
        throw new HttpParseError(413, "Content-Length larger than maxBodyBytes");
      }
    }
    // RFC 9110 §9.3.6: a CONNECT request has no content; what follows is tunnel data.
    if (this.method === "CONNECT") {
      bodyKind = "none";
      contentLength = 0;
    }
    let expectContinue = false;
    if (v === 1 && this.expect !== null) {
      if (!this.expect) throw new HttpParseError(417, "unsupported expectation");
      expectContinue = true;
    }
    return {
      method: this.method,
      target: this.target,
      versionMinor: v,
      headers: this.headers,
      bodyKind,
      contentLength,
      keepAlive: this.keepAlive(),
      expectContinue,
      upgrade: v === 1 && this.connUpgrade ? this.upgrade : null,
      host: this.host,
    };
  }
}
