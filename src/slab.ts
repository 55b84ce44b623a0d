/**
 * Short-lived bytes cut from shared 64 KiB slabs. Allocating an ArrayBuffer
 * costs thousands of instructions on V8 and hundreds of nanoseconds on JSC,
 * more than writing a response head; a slab makes it one allocation per many
 * responses. Pieces are never reused: a slab is dropped when full and
 * collected once its last piece is gone.
 *
 * A piece pins its whole slab, so use them only for bytes that go straight to
 * a socket write queue (response heads, small bodies), never for bytes that
 * may wait on a peer, such as HTTP/2 DATA held back by flow control. The
 * write queue keeps only its first two chunks by reference and copies small
 * ones behind them, so a client that stops reading pins at most a few slabs.
 *
 * @module
 */

const SLAB_SIZE = 64 * 1024;
/** Larger pieces get their own buffer. */
const PIECE_MAX = 8 * 1024;

let slab = new Uint8Array(SLAB_SIZE);
let at = 0;

/** `n` writable bytes, cut from the current slab when small. */
export function slabBytes(n: number): Uint8Array {
  if (n > PIECE_MAX) return new Uint8Array(n);
  if (at + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    at = 0;
  }
  const out = slab.subarray(at, at + n);
  at += (n + 7) & ~7;
  return out;
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

// deno-lint-ignore no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;
/** Longer strings are not scanned: encoding them costs about the same. */
const ASCII_SCAN_MAX = 16 * 1024;

/** True when a short string is all ASCII, so that its UTF-8 bytes are its chars. */
export function isShortAscii(s: string): boolean {
  return s.length <= ASCII_SCAN_MAX && !NON_ASCII.test(s);
}
