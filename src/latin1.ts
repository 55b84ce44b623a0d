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

/**
 * Decodes `buf[start, end)` as a byte string (each byte one char).
 *
 * @example
 * ```ts
 * decodeLatin1(new Uint8Array([0x68, 0xe9]), 0, 2); // "h\u00e9"
 * ```
 */
export function decodeLatin1(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return "";
  if (n <= 24) {
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
    return s;
  }
  if (n <= APPLY_MAX) {
    return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  let s = "";
  for (let i = start; i < end; i += APPLY_MAX) {
    s += String.fromCharCode.apply(
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
 *
 * @example
 * ```ts
 * const out = new Uint8Array(2);
 * putLatin1(out, 0, "ok"); // 2
 * ```
 */
export function putLatin1(out: Uint8Array, offset: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) out[offset + i] = s.charCodeAt(i);
  return offset + n;
}

/**
 * Encodes a byte string into a buffer of its own, for long-lived constants.
 *
 * @example
 * ```ts
 * encodeLatin1("0\r\n\r\n"); // Uint8Array(5)
 * ```
 */
export function encodeLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  putLatin1(out, 0, s);
  return out;
}
