/**
 * What bytes a request-line and a field line may hold (RFC 9112 §3, §5) and
 * which request-target forms a method may use (§3.2): pure checks over a
 * span of the parser's buffer, so parser.ts keeps only state. Each check
 * throws at the first offending byte, also on an incomplete line, so the
 * outcome does not depend on how the input was split.
 *
 * @module
 */
import { HttpParseError } from "./errors.ts";
import { FIELD_VALUE_CHAR, HOST_CHAR, isOws, SCHEME_CHAR, TARGET_CHAR, TCHAR } from "./chars.ts";
import { decodeLatin1 } from "../../bytes/latin1.ts";

const SP = 0x20;
const COLON = 0x3a;

function bad(message: string): HttpParseError {
  return new HttpParseError(400, message);
}

/** The method of `buf[start, end)`, without decoding the two common ones. */
export function methodString(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  const b0 = buf[start]!;
  if (n === 3 && b0 === 0x47 && buf[start + 1] === 0x45 && buf[start + 2] === 0x54) return "GET";
  if (n === 4 && b0 === 0x50 && buf[start + 1] === 0x4f && buf[start + 2] === 0x53) {
    if (buf[start + 3] === 0x54) return "POST";
  }
  return decodeLatin1(buf, start, end);
}

/**
 * Validates `buf[s, e)` as a request-line without its CRLF (method SP
 * request-target SP HTTP-version). With `complete` false the bytes are a
 * prefix of the line and only definite errors throw; returns -1 then. A
 * complete line returns where the method ends (its SP); the target runs
 * from there to the SP 9 bytes before `e`.
 */
export function scanRequestLine(buf: Uint8Array, s: number, e: number, complete: boolean): number {
  let i = s;
  while (i < e && TCHAR[buf[i]!] === 1) i++;
  if (i === e) {
    if (complete) throw bad("malformed request-line");
    return -1;
  }
  if (buf[i] !== SP) throw bad("invalid character in method");
  if (i === s) throw bad("empty method");
  const m1 = i++;
  const t0 = i;
  while (i < e && TARGET_CHAR[buf[i]!] === 1) i++;
  if (i === e) {
    if (complete) throw bad("malformed request-line");
    return -1;
  }
  if (buf[i] !== SP) throw bad("invalid character in request-target");
  if (i === t0) throw bad("empty request-target");
  i++;
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
  if (!complete) return -1;
  if (k < 8) throw bad("malformed HTTP-version");
  return m1;
}

/**
 * Validates `buf[s, e)` as a field line without its CRLF (field-name ":"
 * OWS field-value OWS). Returns the colon's index when `complete`, else -1
 * (only definite errors throw on a prefix).
 */
export function scanFieldLine(buf: Uint8Array, s: number, e: number, complete: boolean): number {
  let i = s;
  if (i < e && isOws(buf[i]!)) {
    throw bad("field line starts with whitespace (obs-fold is not allowed)");
  }
  while (i < e && TCHAR[buf[i]!] === 1) i++;
  if (i === e) {
    if (complete) throw bad("field line without colon");
    return -1;
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
  return complete ? colon : -1;
}

/** Which request-target forms `method` may use (RFC 9112 §3.2). */
export function checkTarget(method: string, target: string): void {
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
