/**
 * Sans-IO HTTP/1.1 response serialization (RFC 9112 §4, §6, §7.1): status
 * line, fields and chunked framing, as bytes. Framing decisions are the
 * caller's; this module only writes them down.
 *
 * @module
 */
import { slabBytes } from "../../bytes/slab.ts";
import { encodeLatin1, putLatin1 } from "../../bytes/latin1.ts";

/** Reason phrases for the status line (RFC 9110 §15). The phrase is advisory. */
const REASONS: Record<number, string> = {
  100: "Continue",
  101: "Switching Protocols",
  103: "Early Hints",
  200: "OK",
  201: "Created",
  202: "Accepted",
  203: "Non-Authoritative Information",
  204: "No Content",
  205: "Reset Content",
  206: "Partial Content",
  207: "Multi-Status",
  300: "Multiple Choices",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  418: "I'm a teapot",
  421: "Misdirected Request",
  422: "Unprocessable Content",
  425: "Too Early",
  426: "Upgrade Required",
  428: "Precondition Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  451: "Unavailable For Legal Reasons",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

/** The reason phrase for a status, or "" when none is registered. */
function reasonPhrase(status: number): string {
  return REASONS[status] ?? "";
}

const statusLines = new Map<number, string>();

function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

/**
 * How the body of a response is delimited (RFC 9112 §6.3).
 */
export type Framing = "none" | "length" | "chunked" | "close";

/**
 * Everything needed to write a response head.
 */
export interface ResponseHead {
  /** Status code. */
  status: number;
  /** Fields as lowercase name/value pairs; framing and connection fields are added here, not taken from this list. */
  headers: Array<[string, string]>;
  /** Body framing. */
  framing: Framing;
  /** Body length for "length" framing (also allowed with "none", e.g. for HEAD). */
  contentLength: number;
  /** Keep the connection open afterwards. */
  keepAlive: boolean;
  /** Request was HTTP/1.0: keep-alive must then be stated. */
  http10: boolean;
  /** The `date` value to add unless the fields carry one. */
  date: string;
}

/** The response head as a byte string (one char per byte). */
function headString(h: ResponseHead): string {
  let s = statusLine(h.status);
  let hasDate = false;
  for (let i = 0; i < h.headers.length; i++) {
    const [name, value] = h.headers[i]!;
    if (name === "date") hasDate = true;
    s += name + ": " + value + "\r\n";
  }
  if (!hasDate) s += "date: " + h.date + "\r\n";
  if (h.framing === "length" || (h.framing === "none" && h.contentLength >= 0)) {
    s += "content-length: " + h.contentLength + "\r\n";
  } else if (h.framing === "chunked") {
    s += "transfer-encoding: chunked\r\n";
  }
  if (!h.keepAlive) s += "connection: close\r\n";
  else if (h.http10) s += "connection: keep-alive\r\n";
  return s + "\r\n";
}

/** Heads repeat (same status, fields, length and date second): the last one's bytes are kept. */
let lastHead: ResponseHead | null = null;
let lastHeadBytes: Uint8Array = new Uint8Array(0);
const HEAD_CACHE_MAX = 512;

/** Same head as the last one: compared field by field, without building its text. */
function isLastHead(h: ResponseHead): boolean {
  const l = lastHead;
  if (
    l === null || l.status !== h.status || l.contentLength !== h.contentLength ||
    l.date !== h.date || l.framing !== h.framing || l.keepAlive !== h.keepAlive ||
    l.http10 !== h.http10 || l.headers.length !== h.headers.length
  ) return false;
  for (let i = 0; i < h.headers.length; i++) {
    const a = l.headers[i]!;
    const b = h.headers[i]!;
    if (a[0] !== b[0] || a[1] !== b[1]) return false;
  }
  return true;
}

/** Writes the head at 0 of a slab piece with `extra` bytes after it; returns the piece and the head's length. */
function putHead(h: ResponseHead, extra: number): [Uint8Array, number] {
  if (isLastHead(h)) {
    const n = lastHeadBytes.length;
    const out = slabBytes(n + extra);
    out.set(lastHeadBytes);
    return [out, n];
  }
  const s = headString(h);
  const out = slabBytes(s.length + extra);
  const at = putLatin1(out, 0, s);
  if (s.length <= HEAD_CACHE_MAX) {
    lastHead = h;
    lastHeadBytes = out.slice(0, at);
  }
  return [out, at];
}

/**
 * Serializes a response head to bytes (ISO-8859-1: field values are byte
 * strings). The bytes are a slab piece: hand them straight to a write queue.
 */
export function encodeHead(h: ResponseHead): Uint8Array {
  return putHead(h, 0)[0];
}

/**
 * A response head and its whole body in one slab piece. A string body must
 * be ASCII (its chars are its bytes); `h.contentLength` is its length.
 */
export function encodeHeadAndBody(h: ResponseHead, body: string | Uint8Array): Uint8Array {
  const bodyLength = typeof body === "string" ? body.length : body.byteLength;
  const [out, at] = putHead(h, bodyLength);
  if (typeof body === "string") putLatin1(out, at, body);
  else out.set(body, at);
  return out;
}

/**
 * `HTTP/1.1 100 Continue` with its empty field section.
 */
export const CONTINUE_100: Uint8Array = encodeLatin1("HTTP/1.1 100 Continue\r\n\r\n");

/**
 * The last chunk with no trailers.
 */
export const LAST_CHUNK: Uint8Array = encodeLatin1("0\r\n\r\n");

/**
 * The last chunk with a trailer section (RFC 9112 §7.1.2). The fields were
 * checked by the caller (tokens, no CR/LF/NUL), as a head's are.
 */
export function encodeLastChunk(fields: ReadonlyArray<readonly [string, string]>): Uint8Array {
  if (fields.length === 0) return LAST_CHUNK;
  let s = "0\r\n";
  for (const [name, value] of fields) s += name + ": " + value + "\r\n";
  return encodeLatin1(s + "\r\n");
}

/**
 * One chunk of a chunked body: size line, data, CRLF, in a single buffer (a slab piece when small).
 */
export function encodeChunk(data: Uint8Array): Uint8Array {
  const size = data.byteLength.toString(16);
  const out = slabBytes(size.length + 4 + data.byteLength);
  for (let i = 0; i < size.length; i++) out[i] = size.charCodeAt(i);
  out[size.length] = 13;
  out[size.length + 1] = 10;
  out.set(data, size.length + 2);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

/**
 * A complete minimal error response that closes the connection.
 */
export function encodeErrorResponse(status: number, date: string): Uint8Array {
  const body = `${status} ${reasonPhrase(status)}\n`;
  return encodeLatin1(
    statusLine(status) + "date: " + date + "\r\ncontent-type: text/plain;charset=utf-8\r\n" +
      "content-length: " + body.length + "\r\nconnection: close\r\n\r\n" + body,
  );
}
