/**
 * Byte-class lookup tables for the HTTP/1.1 parser (RFC 9110 §5.6, RFC 9112, RFC 3986).
 * Each table has 256 entries, non-zero when the byte belongs to the class.
 *
 * @module
 */

function table(pred: (b: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = pred(b) ? 1 : 0;
  return t;
}

function isAlpha(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

function inSet(set: string): (b: number) => boolean {
  return (b) => set.indexOf(String.fromCharCode(b)) >= 0;
}

/**
 * `tchar` (RFC 9110 §5.6.2): the bytes of a token (methods, field names, codings).
 */
export const TCHAR: Uint8Array = table((b) =>
  isAlpha(b) || isDigit(b) || inSet("!#$%&'*+-.^_`|~")(b)
);

/**
 * Bytes allowed in a request-target: visible ASCII (0x21–0x7E). Stricter grammar checks (which
 * of the four forms) happen on the whole target.
 */
export const TARGET_CHAR: Uint8Array = table((b) => b >= 0x21 && b <= 0x7e);

/**
 * `field-vchar / SP / HTAB` (RFC 9110 §5.5): bytes allowed inside a field value.
 */
export const FIELD_VALUE_CHAR: Uint8Array = table((b) =>
  b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80
);

/**
 * `qdtext` (RFC 9110 §5.6.4): bytes allowed unescaped inside a quoted-string.
 */
export const QDTEXT: Uint8Array = table((b) =>
  b === 0x09 || b === 0x20 || b === 0x21 || (b >= 0x23 && b <= 0x5b) ||
  (b >= 0x5d && b <= 0x7e) || b >= 0x80
);

/**
 * Bytes allowed after a backslash in a `quoted-pair`: HTAB, SP, VCHAR, obs-text.
 */
export const QUOTED_PAIR_CHAR: Uint8Array = table((b) =>
  b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80
);

/**
 * Bytes allowed in a Host field value (`uri-host [ ":" port ]`, RFC 3986 §3.2.2): unreserved,
 * pct-encoded, sub-delims, ":" and the brackets of an IP-literal.
 */
export const HOST_CHAR: Uint8Array = table((b) =>
  isAlpha(b) || isDigit(b) || inSet("-._~%!$&'()*+,;=:[]")(b)
);

/**
 * `scheme` continuation bytes (RFC 3986 §3.1): ALPHA / DIGIT / "+" / "-" / "."
 */
export const SCHEME_CHAR: Uint8Array = table((b) => isAlpha(b) || isDigit(b) || inSet("+-.")(b));

/**
 * Hex digit values: 0–15 for HEXDIG bytes, 255 for every other byte.
 */
export const HEX_VALUE: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(255);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

/**
 * True for optional whitespace (`OWS`: SP or HTAB).
 */
export function isOws(b: number): boolean {
  return b === 0x20 || b === 0x09;
}

/**
 * Case-insensitive comparison of `buf[start, end)` with a lowercase ASCII name.
 */
export function isName(buf: Uint8Array, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const b = buf[start + i]!;
    if ((b >= 0x41 && b <= 0x5a ? b | 0x20 : b) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Splits a comma-separated list (RFC 9110 §5.6.1) into trimmed, lowercased elements. Empty
 * elements are kept (as "") so that callers can decide how strict to be.
 */
export function listElements(value: string): string[] {
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

/**
 * True when `s` is a non-empty `token` (RFC 9110 §5.6.2).
 */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TCHAR[c] === 0) return false;
  }
  return true;
}
