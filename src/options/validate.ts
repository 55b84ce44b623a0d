/**
 * Checks serve() options against {@link OPTION_SCHEMA} before anything is
 * bound: a misconfiguration fails at start with a message that names the
 * option as the user wrote it, never later as a 431 or a failed handshake.
 *
 * @module
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { OPTION_BY_PATH, OPTION_SCHEMA, type OptionSpec, TLS_ENTRY_KEYS } from "./schema.ts";
import { pathHint, resolveTlsInput } from "./tls_input.ts";
import { OptionError } from "./option_error.ts";
import { MIGRATION_HINTS } from "./migration.ts";
import type { ListenerProtocol } from "./protocols.ts";

export { OptionError };

/**
 * Shows a value in a message: strings quoted, objects by kind, long text cut.
 */
export function showValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "function") return "a function";
  if (Array.isArray(v)) return "an array";
  return "an object";
}

/**
 * Levenshtein distance, for "did you mean".
 */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * The closest known name, when close enough to be a typo (case is ignored).
 */
export function closest(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const k of known) {
    const d = k.toLowerCase() === lower ? 0 : editDistance(lower, k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/**
 * The phrase after "must be" for a row.
 */
export function describe(spec: OptionSpec): string {
  const { min = -Infinity, max = Infinity } = spec;
  // Ranges up to the largest safe integer read better as "positive"/"non-negative".
  const open = max >= Number.MAX_SAFE_INTEGER;
  const sign = min === 1 ? "positive" : min === 0 ? "non-negative" : "";
  const range = (unit: string) =>
    open && sign !== ""
      ? `a ${sign} ${unit}`
      : `${unit === "integer" ? "an" : "a"} ${unit} in [${min}, ${max}]`;
  const inf = spec.infinite ? " or Infinity" : "";
  switch (spec.kind) {
    case "ms":
      return `a ${min === 0 ? "non-negative" : "positive"} number of milliseconds${inf}`;
    case "integer":
      return range("integer") + inf;
    case "number":
      return range("number") + inf;
    case "boolean":
      return "true or false";
    case "string":
      return "a non-empty string";
    case "function":
      return "a function";
    case "function-list":
      return "a function or an array of functions";
    case "signal":
      return "an AbortSignal";
    case "boolean-or-object":
      return "true, false or an options object";
    case "tls":
      return "{ cert, key } with PEM text, bytes or a file, or an array of them";
    case "string-list":
      return `a non-empty array of ${listValues(spec)}`;
  }
}

function listValues(spec: OptionSpec): string {
  return (spec.values ?? []).map((v) => JSON.stringify(v)).join(", ");
}

function fail(spec: OptionSpec, v: unknown, path = spec.path): never {
  throw new OptionError(path, `${path} must be ${describe(spec)}, got ${showValue(v)}`);
}

/**
 * Checks one value against its row; throws {@link OptionError} naming `path`.
 */
export function checkValue(spec: OptionSpec, v: unknown, path = spec.path): void {
  switch (spec.kind) {
    case "ms":
    case "number":
    case "integer": {
      if (typeof v !== "number" || Number.isNaN(v)) fail(spec, v, path);
      if (v === Infinity && spec.infinite) return;
      if (!Number.isFinite(v)) fail(spec, v, path);
      if (spec.kind === "integer" && !Number.isInteger(v)) fail(spec, v, path);
      if (v < (spec.min ?? -Infinity) || v > (spec.max ?? Infinity)) fail(spec, v, path);
      return;
    }
    case "boolean":
      if (typeof v !== "boolean") fail(spec, v, path);
      return;
    case "string":
      if (typeof v !== "string" || v.length === 0) fail(spec, v, path);
      return;
    case "function":
      if (typeof v !== "function") fail(spec, v, path);
      return;
    case "function-list":
      if (typeof v === "function") return;
      if (!Array.isArray(v)) fail(spec, v, path);
      v.forEach((f, i) => {
        if (typeof f !== "function") fail(spec, f, `${path}[${i}]`);
      });
      return;
    case "signal": {
      const s = v as { aborted?: unknown; addEventListener?: unknown } | null;
      if (
        typeof s !== "object" || s === null || typeof s.aborted !== "boolean" ||
        typeof s.addEventListener !== "function"
      ) fail(spec, v, path);
      return;
    }
    case "boolean-or-object":
      if (typeof v === "boolean") return;
      if (typeof v !== "object" || v === null || Array.isArray(v)) fail(spec, v, path);
      return;
    case "tls":
      checkTls(v);
      return;
    case "string-list": {
      if (!Array.isArray(v) || v.length === 0) fail(spec, v, path);
      const values = spec.values ?? [];
      v.forEach((entry, i) => {
        if (typeof entry === "string" && values.includes(entry)) return;
        const at = `${path}[${i}]`;
        const near = typeof entry === "string" ? closest(entry, values) : null;
        const hint = near === null ? "" : `; did you mean ${JSON.stringify(near)}?`;
        throw new OptionError(
          at,
          `${at} must be one of ${listValues(spec)}, got ${showValue(entry)}${hint}`,
        );
      });
      return;
    }
  }
}

const TOP_KEYS = OPTION_SCHEMA.filter((o) => !o.path.includes(".")).map((o) => o.path)
  .concat(["http1", "http2", "http3"]);
const sectionKeys = (section: string) =>
  OPTION_SCHEMA.filter((o) => o.path.startsWith(section + ".")).map((o) =>
    o.path.slice(section.length + 1)
  );
const HTTP1_KEYS = sectionKeys("http1");
const HTTP2_KEYS = sectionKeys("http2");
const HTTP3_KEYS = sectionKeys("http3");

function unknownKey(path: string, key: string, known: readonly string[]): never {
  const full = path === "" ? key : `${path}.${key}`;
  const moved = path === "" ? MIGRATION_HINTS.get(key) : undefined;
  if (moved !== undefined) throw new OptionError(full, `unknown option ${full}; ${moved}`);
  const near = closest(key, known);
  const hint = near === null ? "" : `; did you mean ${path === "" ? near : `${path}.${near}`}?`;
  throw new OptionError(full, `unknown option ${full}${hint}`);
}

function checkSection(
  name: "http1" | "http2" | "http3",
  value: unknown,
  keys: readonly string[],
): void {
  if (value === undefined) return;
  if (name === "http2" && value === false) return;
  if (name === "http3" && typeof value === "boolean") return;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const what = name === "http2"
      ? "an options object or false"
      : name === "http3"
      ? "true, false or an options object"
      : "an options object";
    throw new OptionError(name, `${name} must be ${what}, got ${showValue(value)}`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (!keys.includes(k)) unknownKey(name, k, keys);
    if (v === undefined) continue;
    checkValue(OPTION_BY_PATH.get(`${name}.${k}`)!, v);
  }
}

/**
 * Checks `tls`: an entry or a non-empty list, each with PEM cert and key that
 * parse (node:crypto, on every runtime) and belong together.
 */
export function checkTls(input: unknown): void {
  const tls = resolveTlsInput(input);
  const list = Array.isArray(tls) ? tls : [tls];
  if (Array.isArray(tls) && tls.length === 0) {
    throw new OptionError("tls", "tls must list at least one { cert, key }, got an empty array");
  }
  list.forEach((entry, i) => {
    const at = Array.isArray(tls) ? `tls[${i}]` : "tls";
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new OptionError(
        at,
        `${at} must be { cert, key } with PEM text, bytes or a file, got ${showValue(entry)}`,
      );
    }
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (!TLS_ENTRY_KEYS.includes(k)) unknownKey(at, k, TLS_ENTRY_KEYS);
    }
    for (const k of ["cert", "key"] as const) {
      if (e[k] === undefined) {
        throw new OptionError(`${at}.${k}`, `${at}.${k} is missing: tls needs both cert and key`);
      }
      if (typeof e[k] !== "string" || e[k].length === 0) {
        throw new OptionError(
          `${at}.${k}`,
          `${at}.${k} must be PEM text, its bytes or a Bun.file(), got ${showValue(e[k])}`,
        );
      }
    }
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(e.cert as string);
    } catch (cause) {
      throw new OptionError(
        `${at}.cert`,
        `${at}.cert is not a PEM certificate (${reason(cause)})` +
          pathHint(e.cert as string, `${at}.cert`),
        { cause },
      );
    }
    let key: ReturnType<typeof createPrivateKey>;
    try {
      key = createPrivateKey(e.key as string);
    } catch (cause) {
      throw new OptionError(
        `${at}.key`,
        `${at}.key is not a PEM private key (${reason(cause)})` +
          pathHint(e.key as string, `${at}.key`),
        { cause },
      );
    }
    if (typeof cert.checkPrivateKey === "function" && !cert.checkPrivateKey(key)) {
      throw new OptionError(`${at}.key`, `${at}.key does not belong to ${at}.cert`);
    }
    if (e.serverName !== undefined && (typeof e.serverName !== "string" || e.serverName === "")) {
      throw new OptionError(
        `${at}.serverName`,
        `${at}.serverName must be a non-empty string, got ${showValue(e.serverName)}`,
      );
    }
  });
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Validates serve() options; throws {@link OptionError} on the first bad or
 * unknown one. Keys whose value is `undefined` count as absent.
 */
export function validateOptions(options: unknown): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new OptionError(
      "options",
      `serve() options must be an object, got ${showValue(options)}`,
    );
  }
  for (const [k, v] of Object.entries(options)) {
    if (!TOP_KEYS.includes(k)) unknownKey("", k, TOP_KEYS);
    if (v === undefined) continue;
    if (k === "http1") checkSection("http1", v, HTTP1_KEYS);
    else if (k === "http2") checkSection("http2", v, HTTP2_KEYS);
    else if (k === "http3") checkSection("http3", v, HTTP3_KEYS);
    else checkValue(OPTION_BY_PATH.get(k)!, v);
  }
  const o = options as { protocols?: ListenerProtocol[]; tls?: unknown; http2?: unknown };
  if (o.protocols !== undefined) checkProtocolsFit(o.protocols, o.tls !== undefined, o.http2);
}

/**
 * Checks that valid `protocols` entries fit the listener: TLS needs something
 * to offer by ALPN and takes no cleartext HTTP/2; cleartext takes no `h2`;
 * `h2c-upgrade` needs `http/1.1`; `http2: false` takes no HTTP/2 at all.
 */
function checkProtocolsFit(list: readonly ListenerProtocol[], tls: boolean, http2: unknown): void {
  const shown = `protocols ${JSON.stringify(list)}`;
  const fault = (msg: string): never => {
    throw new OptionError("protocols", `${shown} ${msg}`);
  };
  const has = (p: ListenerProtocol) => list.includes(p);
  if (http2 === false) {
    const h2 = list.find((p) => p !== "http/1.1");
    if (h2 !== undefined) fault(`lists ${JSON.stringify(h2)}, but http2 is false`);
  }
  if (tls) {
    if (!has("h2") && !has("http/1.1")) {
      fault(
        'leave nothing to offer by ALPN on a TLS listener: list "h2" and/or "http/1.1" ' +
          '("h2c" and "h2c-upgrade" are cleartext only)',
      );
    }
    const clear = list.find((p) => p === "h2c" || p === "h2c-upgrade");
    if (clear !== undefined) {
      fault(`lists ${JSON.stringify(clear)}, which is cleartext only, but tls is set`);
    }
  } else if (has("h2")) {
    fault('lists "h2" (HTTP/2 over TLS), but tls is not set; cleartext HTTP/2 is "h2c"');
  }
  if (has("h2c-upgrade") && !has("http/1.1")) {
    fault('lists "h2c-upgrade" without "http/1.1": the upgrade starts as an HTTP/1.1 request');
  }
}
