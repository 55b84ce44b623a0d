/**
 * Byte strings: HTTP/1 heads and field values are sequences of octets, which
 * we hold as JavaScript strings of one char per byte (U+0000..U+00FF), so
 * obs-text survives unchanged in both directions. The one home for turning
 * bytes into such strings and back.
 *
 * @module
 */

/** Longest run handed to one String.fromCharCode.apply call. */
const APPLY_MAX = 4096;

const ascii = new TextDecoder();
const fromCharCode = String.fromCharCode;

/**
 * Up to eight bytes as one flat string, passed as arguments: measured faster
 * than concatenation, `apply` or `TextDecoder` for the short names and values
 * that dominate header blocks.
 */
function short(b: Uint8Array, s: number, n: number): string {
  switch (n) {
    case 0:
      return "";
    case 1:
      return fromCharCode(b[s]!);
    case 2:
      return fromCharCode(b[s]!, b[s + 1]!);
    case 3:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    default:
      return fromCharCode(
        b[s]!,
        b[s + 1]!,
        b[s + 2]!,
        b[s + 3]!,
        b[s + 4]!,
        b[s + 5]!,
        b[s + 6]!,
        b[s + 7]!,
      );
  }
}

/**
 * Decodes `buf[start, end)` as a byte string (each byte one char).
 */
export function decodeLatin1(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return "";
  if (n <= 8) return short(buf, start, n);
  if (n <= 16) return short(buf, start, 8) + short(buf, start + 8, n - 8);
  // Longer ASCII (nearly every field) goes through the native UTF-8 decoder, which agrees with
  // latin1 on ASCII: as fast as fromCharCode on V8 and faster on JavaScriptCore. (TextDecoder
  // rejects views of a SharedArrayBuffer, and its "latin1" label means windows-1252.)
  let high = 0;
  for (let i = start; i < end; i++) high |= buf[i]!;
  if (high < 0x80 && buf.buffer instanceof ArrayBuffer) {
    return ascii.decode(buf.subarray(start, end));
  }
  let s = "";
  for (let i = start; i < end; i += APPLY_MAX) {
    s += fromCharCode.apply(
      null,
      buf.subarray(i, Math.min(end, i + APPLY_MAX)) as unknown as number[],
    );
  }
  return s;
}

/**
 * Writes a byte string (one byte per char: the Fetch ByteString rule, so
 * chars above 0x7f are not UTF-8 encoded) at `offset`; returns the offset
 * after it. A plain loop beats TextEncoder for head-sized strings.
 */
export function putLatin1(out: Uint8Array, offset: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) out[offset + i] = s.charCodeAt(i);
  return offset + n;
}

/**
 * As {@link putLatin1}, for strings not yet known to be byte strings (the
 * HPACK encoder's input): a char above U+00FF throws instead of being cut.
 *
 * @throws {TypeError} if `s` has a character above U+00FF.
 */
export function putLatin1Strict(out: Uint8Array, offset: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) {
      throw new TypeError(`header string has a character above U+00FF: ${JSON.stringify(s)}`);
    }
    out[offset + i] = c;
  }
  return offset + n;
}

/**
 * Encodes a byte string into a buffer of its own, for long-lived constants.
 */
export function encodeLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  putLatin1(out, 0, s);
  return out;
}
