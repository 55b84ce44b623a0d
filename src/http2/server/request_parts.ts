/**
 * HTTP/2 messages as Fetch objects: a request field list becomes the parts of
 * a `Request` (absolute URL from the pseudo-headers, cookie crumbs joined per
 * RFC 9113 §8.2.3), and a Response's fields become a response field list
 * (`:status` first, connection-specific fields dropped, §8.2.2).
 *
 * @module
 */
import type { HeaderList } from "../core/events.ts";
import { CONNECTION_SPECIFIC_FIELDS } from "../core/headers.ts";
import { AUTHORITY_RE } from "../../fetch/authority.ts";
import { bodyless } from "../../fetch/status.ts";

/**
 * What a Request is built from.
 */
export interface RequestParts {
  /** `:method`. */
  method: string;
  /** Absolute URL: `:scheme://:authority:path` (Host, then `fallbackAuthority`, when `:authority` is absent). */
  url: string;
  /**
   * Regular fields by name, in first-seen order; repeated fields joined with
   * ", " (what Headers would show anyway), cookie crumbs with "; ". A record
   * because it is the cheapest Headers init on Deno (measured).
   */
  headers: Record<string, string>;
  /** `:protocol` of an extended CONNECT (RFC 8441), else null. */
  protocol?: string | null;
}

/**
 * Splits a validated request field list (pseudo-headers first, as the core
 * guarantees) into method, absolute URL and regular fields. Returns null
 * when the authority cannot be part of a URL (answer 400).
 */
export function requestParts(
  list: HeaderList,
  defaultScheme: string,
  fallbackAuthority: string,
): RequestParts | null {
  let method = "GET";
  let scheme = defaultScheme;
  let authority: string | null = null;
  let path = "/";
  let host: string | null = null;
  let cookie: string | null = null;
  let protocol: string | null = null;
  const headers: Record<string, string> = Object.create(null);
  let i = 0;
  for (; i < list.length; i++) {
    const f = list[i]!;
    const name = f[0];
    if (name.charCodeAt(0) !== 0x3a) break;
    if (name === ":method") method = f[1];
    else if (name === ":path") path = f[1];
    else if (name === ":authority") authority = f[1];
    else if (name === ":scheme") scheme = f[1];
    else if (name === ":protocol") protocol = f[1];
  }
  for (; i < list.length; i++) {
    const f = list[i]!;
    const name = f[0];
    if (name === "cookie") {
      // §8.2.3: crumbs may arrive as separate fields; the application sees one.
      cookie = cookie === null ? f[1] : cookie + "; " + f[1];
      continue;
    }
    if (name === "host") host = f[1];
    const prev = headers[name];
    headers[name] = prev === undefined ? f[1] : prev + ", " + f[1];
  }
  if (cookie !== null) headers.cookie = cookie;
  const auth = authority ?? host ?? fallbackAuthority;
  if (!AUTHORITY_RE.test(auth)) return null;
  // OPTIONS * has no path to put into a URL; it is represented as "/*" as on HTTP/1.1.
  const url = scheme + "://" + auth + (path === "*" ? "/*" : path);
  return { method, url, headers, protocol };
}

/** `:status` values as strings, made once per status code. */
const STATUS_DIGITS: string[] = [];

/**
 * The response field list: `:status`, the Response's fields without the
 * connection-specific ones, `content-length` when the size is known (and the
 * status may have content), and `date` unless the application set one.
 */
export function responseHeaders(
  status: number,
  fields: Array<[string, string]>,
  length: number,
  date: string,
): HeaderList {
  const out: HeaderList = [[":status", STATUS_DIGITS[status] ??= String(status)]];
  let hasDate = false;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const name = f[0];
    if (CONNECTION_SPECIFIC_FIELDS.has(name)) continue;
    if (name === "date") hasDate = true;
    out.push(f);
  }
  if (length >= 0 && !bodyless(status)) out.push(["content-length", String(length)]);
  if (!hasDate) out.push(["date", date]);
  return out;
}

/**
 * The request's declared content-length (validated by the core), or -1.
 */
export function contentLengthOf(headers: HeaderList): number {
  for (const [name, value] of headers) if (name === "content-length") return Number(value);
  return -1;
}

/**
 * The value of the request's `expect` field, or "".
 */
export function expectOf(headers: HeaderList): string {
  for (const [name, value] of headers) if (name === "expect") return value;
  return "";
}
