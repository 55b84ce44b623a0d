/**
 * What the server can send of a light response (see light_response.ts)
 * without ever building the runtime's Response: a string or bytes body, a
 * status and a plain headers record, all checked here as the Response
 * constructor would. Anything else takes the general path.
 *
 * @module
 */
import {
  type LightParts,
  materializeResponse,
  peekLightParts,
  takeLightParts,
} from "./light_response.ts";
import { bodyless } from "./status.ts";

const BAD_VALUE = /[\r\n\0]|^[\t ]|[\t ]$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * A response known in full: status, fields (lower-case names) and body.
 */
export interface WholeResponse {
  /** The status code. */
  status: number;
  /** The fields, names lower-case. */
  headers: Array<[string, string]>;
  /** A string body is sent as its UTF-8 bytes. */
  body: string | Uint8Array;
}

/**
 * For a light response not yet built: its parts when the server can send them
 * as they are (taken: a later read of the object sees an empty body);
 * otherwise the native Response is built now, so that an invalid status or
 * header throws here, where the caller answers it with onError. Null for
 * any other response.
 */
export function takeLightWhole(response: Response): WholeResponse | null {
  const p = peekLightParts(response);
  if (p === null) return null;
  const whole = lightWhole(p);
  if (whole !== null) takeLightParts(p);
  else materializeResponse(response);
  return whole;
}

function lightWhole(p: LightParts): WholeResponse | null {
  if (!p.plainInit) return null;
  const status = p.status;
  if (!Number.isInteger(status) || status < 200 || status > 599 || bodyless(status)) return null;
  const b = p.body;
  let body: string | Uint8Array;
  // A null body takes the general path: HEAD then states no length.
  if (typeof b === "string") body = b;
  else if (b instanceof Uint8Array) body = b;
  else if (b instanceof ArrayBuffer) body = new Uint8Array(b);
  else return null;
  let headers: Array<[string, string]>;
  let typed = false;
  const h = p.headers;
  if (h === undefined) headers = [];
  else {
    if (h === null || typeof h !== "object" || Object.getPrototypeOf(h) !== Object.prototype) {
      return null;
    }
    const rec = h as Record<string, unknown>;
    const known = sameRecord(rec);
    if (known !== null) {
      headers = known.slice();
      typed = lastTyped;
    } else {
      headers = [];
      for (const key in rec) {
        const value = rec[key];
        if (typeof value !== "string") return null;
        const name = key.toLowerCase();
        if (!TOKEN.test(name) || BAD_VALUE.test(value)) return null;
        // Joined or repeated fields, and a length to check, are the general path's.
        if (name === "content-length" || name === "set-cookie") return null;
        for (const f of headers) if (f[0] === name) return null;
        if (name === "content-type") typed = true;
        headers.push([name, value]);
      }
      remember(rec, headers, typed);
    }
  }
  if (!typed && typeof b === "string") headers.push(["content-type", "text/plain;charset=UTF-8"]);
  return { status, headers, body };
}

// Handlers often pass the same headers object every time: the last one that
// passed the checks is kept with its keys and values, and a record that still
// has exactly those (compared by identity) is not checked again.
let lastRecord: object | null = null;
let lastEntries: unknown[] = [];
let lastFields: Array<[string, string]> = [];
let lastTyped = false;

function sameRecord(rec: Record<string, unknown>): Array<[string, string]> | null {
  if (rec !== lastRecord) return null;
  let i = 0;
  const e = lastEntries;
  for (const key in rec) {
    if (i >= e.length || e[i] !== key || e[i + 1] !== rec[key]) return null;
    i += 2;
  }
  return i === e.length ? lastFields : null;
}

function remember(rec: Record<string, unknown>, fields: Array<[string, string]>, typed: boolean) {
  const entries: unknown[] = [];
  for (const key in rec) entries.push(key, rec[key]);
  lastRecord = rec;
  lastEntries = entries;
  lastFields = fields.slice();
  lastTyped = typed;
}
