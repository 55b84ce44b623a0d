/**
 * Request and trailer field validation (RFC 9113 §8.2, §8.3). A malformed
 * message is a stream error PROTOCOL_ERROR (§8.1.1).
 *
 * @module
 */

import { ErrorCode, StreamError } from "./errors.ts";
import type { HeaderList } from "./events.ts";

// Lowercase token characters (RFC 9110 §5.6.2); uppercase is malformed in HTTP/2 (§8.2.1).
const NAME_CHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") {
  NAME_CHAR[c.charCodeAt(0)] = 1;
}
const TOKEN_CHAR = NAME_CHAR.slice();
for (let c = 65; c <= 90; c++) TOKEN_CHAR[c] = 1;

/**
 * Connection-specific fields that must not appear in HTTP/2 (§8.2.2).
 */
export const CONNECTION_SPECIFIC_FIELDS: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

function isToken(s: string, table: Uint8Array, from = 0): boolean {
  if (s.length <= from) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || table[c] === 0) return false;
  }
  return true;
}

/**
 * Field name check: non-empty lowercase token (§8.2.1).
 */
export function isValidFieldName(name: string): boolean {
  return isToken(name, NAME_CHAR);
}

/**
 * Field value check (§8.2.1): no NUL, CR or LF; no leading or trailing SP/HTAB.
 */
export function isValidFieldValue(value: string): boolean {
  const n = value.length;
  if (n === 0) return true;
  let c = value.charCodeAt(0);
  if (c === 0x20 || c === 0x09) return false;
  c = value.charCodeAt(n - 1);
  if (c === 0x20 || c === 0x09) return false;
  for (let i = 0; i < n; i++) {
    c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return false;
  }
  return true;
}

function malformed(streamId: number, reason: string): StreamError {
  return new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, reason);
}

function checkRegular(streamId: number, name: string, value: string): void {
  if (!isValidFieldName(name)) {
    throw malformed(streamId, `invalid field name ${JSON.stringify(name)}`);
  }
  if (!isValidFieldValue(value)) throw malformed(streamId, `invalid value for ${name}`);
  if (CONNECTION_SPECIFIC_FIELDS.has(name)) {
    throw malformed(streamId, `connection-specific field ${name}`);
  }
  if (name === "te" && value.toLowerCase() !== "trailers") {
    throw malformed(streamId, 'te other than "trailers"');
  }
}

function parseContentLength(streamId: number, value: string, prev: number): number {
  if (value.length === 0 || value.length > 15) throw malformed(streamId, "invalid content-length");
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) throw malformed(streamId, "invalid content-length");
  }
  const n = Number(value);
  if (prev !== -1 && prev !== n) throw malformed(streamId, "conflicting content-length");
  return n;
}

/**
 * Validates a request field list (§8.3.1); throws {@link StreamError}
 * PROTOCOL_ERROR if malformed. Returns the declared content-length, or -1.
 * With `extendedConnect` (we advertised SETTINGS_ENABLE_CONNECT_PROTOCOL),
 * a CONNECT may carry `:protocol` and then needs `:scheme`, `:path` and
 * `:authority` (RFC 8441 §4); `:protocol` on any other method is malformed.
 */
export function validateRequestHeaders(
  streamId: number,
  headers: HeaderList,
  extendedConnect = false,
): number {
  let method: string | undefined;
  let protocol: string | undefined;
  let scheme: string | undefined;
  let path: string | undefined;
  let authority: string | undefined;
  let regular = false;
  let contentLength = -1;
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i]!;
    if (name.charCodeAt(0) === 0x3a /* : */) {
      if (regular) throw malformed(streamId, "pseudo-header after regular field");
      if (!isValidFieldValue(value)) throw malformed(streamId, `invalid value for ${name}`);
      switch (name) {
        case ":method":
          if (method !== undefined) throw malformed(streamId, "duplicate :method");
          if (!isToken(value, TOKEN_CHAR)) throw malformed(streamId, "invalid :method");
          method = value;
          break;
        case ":scheme":
          if (scheme !== undefined) throw malformed(streamId, "duplicate :scheme");
          scheme = value;
          break;
        case ":path":
          if (path !== undefined) throw malformed(streamId, "duplicate :path");
          path = value;
          break;
        case ":authority":
          if (authority !== undefined) throw malformed(streamId, "duplicate :authority");
          authority = value;
          break;
        case ":protocol":
          if (!extendedConnect) throw malformed(streamId, ":protocol without extended CONNECT");
          if (protocol !== undefined) throw malformed(streamId, "duplicate :protocol");
          protocol = value;
          break;
        default:
          throw malformed(streamId, `invalid pseudo-header ${name}`);
      }
      continue;
    }
    regular = true;
    checkRegular(streamId, name, value);
    if (name === "content-length") {
      contentLength = parseContentLength(streamId, value, contentLength);
    }
  }
  if (method === undefined) throw malformed(streamId, "missing :method");
  if (protocol !== undefined) {
    if (method !== "CONNECT") throw malformed(streamId, ":protocol on a method other than CONNECT");
    if (authority === undefined || authority === "") {
      throw malformed(streamId, "extended CONNECT without :authority");
    }
    // §4: :scheme and :path as for any request; fall through to those checks.
  } else if (method === "CONNECT") {
    // §8.5: only :method and :authority.
    if (scheme !== undefined || path !== undefined) {
      throw malformed(streamId, "CONNECT with :scheme or :path");
    }
    if (authority === undefined || authority === "") {
      throw malformed(streamId, "CONNECT without :authority");
    }
    return contentLength;
  }
  if (scheme === undefined || scheme === "") throw malformed(streamId, "missing :scheme");
  if (path === undefined) throw malformed(streamId, "missing :path");
  if (path === "") throw malformed(streamId, "empty :path");
  if (
    (scheme === "http" || scheme === "https") && path.charCodeAt(0) !== 0x2f &&
    !(path === "*" && method === "OPTIONS")
  ) {
    throw malformed(streamId, ":path must be absolute or * for OPTIONS");
  }
  return contentLength;
}

/**
 * Validates a trailer field list (§8.1): no pseudo-headers, same field rules.
 */
export function validateTrailers(streamId: number, headers: HeaderList): void {
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i]!;
    if (name.charCodeAt(0) === 0x3a) throw malformed(streamId, "pseudo-header in trailers");
    checkRegular(streamId, name, value);
  }
}
