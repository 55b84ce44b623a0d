/**
 * The chunk-size line of chunked framing: `chunk-size [ chunk-ext ] CRLF`
 * (RFC 9112 §7.1), validated byte by byte so that a prefix is judged the same
 * as the whole line.
 *
 * @module
 */
import { HttpParseError } from "./errors.ts";
import { HEX_VALUE, isOws, QDTEXT, QUOTED_PAIR_CHAR, TCHAR } from "./chars.ts";

/**
 * At most this many hex digits in a chunk-size (2^64 - 1; values above 2^53 - 1 are refused).
 */
export const MAX_CHUNK_SIZE_DIGITS = 16;

const SEMI = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

// Scanner states.
const C_SIZE = 0;
const C_SIZE_BWS = 1; // whitespace after the size: only ";" may follow
const C_SEMI_BWS = 2; // after ";": BWS then an extension name
const C_NAME = 3;
const C_NAME_BWS = 4; // whitespace after a name: "=" or ";" must follow
const C_EQ_BWS = 5; // after "=": BWS then a value
const C_VALUE = 6; // token value
const C_QUOTED = 7;
const C_QUOTED_ESC = 8;
const C_VALUE_END = 9; // after a token value or a closing quote
const C_VALUE_BWS = 10; // whitespace after a value: ";" must follow

function bad(message: string): HttpParseError {
  return new HttpParseError(400, message);
}

/**
 * Validates `buf[s, e)` as a chunk-size line (without CRLF); returns the size when `complete`
 * (with `complete` false the bytes are a prefix and only definite errors throw).
 * chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val = token / quoted-string.
 */
export function chunkSizeLine(
  buf: Uint8Array,
  s: number,
  e: number,
  complete: boolean,
  maxExt: number,
): number {
  let size = 0;
  let i = s;
  for (; i < e; i++) {
    const h = HEX_VALUE[buf[i]!]!;
    if (h === 255) break;
    if (i - s === MAX_CHUNK_SIZE_DIGITS) throw bad("chunk-size has too many digits");
    size = size * 16 + h;
    if (size > Number.MAX_SAFE_INTEGER) throw bad("chunk-size overflow");
  }
  if (i === s) {
    if (i < e || complete) throw bad("invalid chunk-size");
    return 0;
  }
  const extStart = i;
  let st = C_SIZE;
  for (; i < e; i++) {
    if (i - extStart === maxExt) throw bad("chunk extensions longer than maxChunkExtensionBytes");
    const b = buf[i]!;
    switch (st) {
      case C_SIZE:
      case C_SIZE_BWS:
      case C_VALUE_END:
      case C_VALUE_BWS:
        if (b === SEMI) st = C_SEMI_BWS;
        else if (isOws(b)) st = st === C_SIZE ? C_SIZE_BWS : C_VALUE_BWS;
        else throw bad(st === C_SIZE ? "invalid chunk-size" : "invalid chunk extension");
        break;
      case C_SEMI_BWS:
        if (TCHAR[b] === 1) st = C_NAME;
        else if (!isOws(b)) throw bad("invalid chunk extension");
        break;
      case C_NAME:
      case C_NAME_BWS:
        if (b === EQUALS) st = C_EQ_BWS;
        else if (b === SEMI) st = C_SEMI_BWS;
        else if (isOws(b)) st = C_NAME_BWS;
        else if (st === C_NAME && TCHAR[b] === 1) st = C_NAME;
        else throw bad("invalid chunk extension");
        break;
      case C_EQ_BWS:
        if (b === DQUOTE) st = C_QUOTED;
        else if (TCHAR[b] === 1) st = C_VALUE;
        else if (!isOws(b)) throw bad("invalid chunk extension");
        break;
      case C_VALUE:
        if (TCHAR[b] === 1) break;
        if (b === SEMI) st = C_SEMI_BWS;
        else if (isOws(b)) st = C_VALUE_BWS;
        else throw bad("invalid chunk extension");
        break;
      case C_QUOTED:
        if (b === DQUOTE) st = C_VALUE_END;
        else if (b === BACKSLASH) st = C_QUOTED_ESC;
        else if (QDTEXT[b] !== 1) throw bad("invalid character in chunk extension");
        break;
      case C_QUOTED_ESC:
        if (QUOTED_PAIR_CHAR[b] !== 1) throw bad("invalid character in chunk extension");
        st = C_QUOTED;
        break;
    }
  }
  if (!complete) return 0;
  if (st !== C_SIZE && st !== C_NAME && st !== C_VALUE && st !== C_VALUE_END) {
    throw bad(st === C_SIZE_BWS ? "invalid chunk-size" : "invalid chunk extension");
  }
  return size;
}
