/**
 * Sans-IO HTTP/1.1 response serialization (RFC 9112 §4, §6, §7.1): status
 * line, fields and chunked framing, as bytes. Framing decisions are the
 * caller's; this module only writes them down.
 *
 * @module
 */

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
export function reasonPhrase(status: number): string {
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

/** How the body of a response is delimited (RFC 9112 §6.3). */
export type Framing = "none" | "length" | "chunked" | "close";

/** Everything needed to write a response head. */
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

/** Serializes a response head to bytes (ISO-8859-1: field values are byte strings). */
export function encodeHead(h: ResponseHead): Uint8Array {
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
  s += "\r\n";
  return latin1(s);
}

/**
 * Encodes a byte string: every char is one byte (the Fetch ByteString rule),
 * so chars above 0x7f are not UTF-8 encoded. A plain loop beats TextEncoder
 * for head-sized strings (no call into the runtime).
 */
export function latin1(s: string): Uint8Array {
  const n = s.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** `HTTP/1.1 100 Continue` with its empty field section. */
export const CONTINUE_100: Uint8Array = latin1("HTTP/1.1 100 Continue\r\n\r\n");

/** The last chunk with no trailers. */
export const LAST_CHUNK: Uint8Array = latin1("0\r\n\r\n");

/** One chunk of a chunked body: size line, data, CRLF, in a single buffer. */
export function encodeChunk(data: Uint8Array): Uint8Array {
  const size = data.byteLength.toString(16);
  const out = new Uint8Array(size.length + 4 + data.byteLength);
  for (let i = 0; i < size.length; i++) out[i] = size.charCodeAt(i);
  out[size.length] = 13;
  out[size.length + 1] = 10;
  out.set(data, size.length + 2);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

/** The last chunk followed by trailer fields. */
export function encodeLastChunk(trailers: Array<[string, string]>): Uint8Array {
  if (trailers.length === 0) return LAST_CHUNK;
  let s = "0\r\n";
  for (const [n, v] of trailers) s += n + ": " + v + "\r\n";
  return latin1(s + "\r\n");
}

/** A complete minimal error response that closes the connection. */
export function encodeErrorResponse(status: number, date: string): Uint8Array {
  const body = `${status} ${reasonPhrase(status)}\n`;
  return latin1(
    statusLine(status) + "date: " + date + "\r\ncontent-type: text/plain;charset=utf-8\r\n" +
      "content-length: " + body.length + "\r\nconnection: close\r\n\r\n" + body,
  );
}
