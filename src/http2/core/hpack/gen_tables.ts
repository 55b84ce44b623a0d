/**
 * Generates `static_table.ts` (RFC 7541 Appendix A) and `huffman_table.ts`
 * (RFC 7541 Appendix B plus the decoder's state machine) beside this file.
 *
 * A development-time script, never imported by the library:
 *
 *     deno run -A src/http2/core/hpack/gen_tables.ts && deno fmt src/http2/hpack
 *
 * The Huffman code of Appendix B is canonical, so it is fully determined by
 * the code length of each symbol; the codes are rebuilt from the lengths and
 * checked against the properties the RFC states (complete code, EOS is thirty
 * one-bits).
 *
 * @module
 */

import { writeFileSync } from "node:fs";

/** RFC 7541 Appendix A, indices 1..61 in order. */
const STATIC: ReadonlyArray<readonly [string, string]> = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/** RFC 7541 Appendix B: code length in bits of symbols 0..255 and EOS (256). */
// deno-fmt-ignore
const LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0x00
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 0x10
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, //         0x20 ' '..'/'
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, //              0x30 '0'..'?'
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, //                0x40 '@'..'O'
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, //             0x50 'P'..'_'
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, //                0x60 '`'..'o'
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, //            0x70 'p'..DEL
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 0x80
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 0x90
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 0xa0
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 0xb0
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 0xc0
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 0xd0
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 0xe0
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 0xf0
  30, //                                                             EOS
];

const EOS = 256;

/** Assigns canonical codes: shorter first, then by symbol value. */
function canonicalCodes(lengths: readonly number[]): number[] {
  const order = lengths.map((_, sym) => sym).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const codes = new Array<number>(lengths.length).fill(0);
  let code = 0;
  let len = lengths[order[0]!]!;
  for (const sym of order) {
    const l = lengths[sym]!;
    code *= 2 ** (l - len); // multiply, not shift: codes reach 2^30
    len = l;
    codes[sym] = code;
    code++;
  }
  if (code !== 2 ** len) throw new Error("Huffman code lengths are not a complete code");
  if (codes[EOS] !== 0x3fffffff || lengths[EOS] !== 30) throw new Error("EOS must be 30 ones");
  return codes;
}

/**
 * Builds the 4-bit decoding automaton. States are the internal nodes of the
 * code tree (256 of them for 257 leaves; state 0 is the root). Feeding one
 * nibble from a state walks four edges; reaching a leaf emits its symbol and
 * restarts at the root (at most one symbol per nibble, as codes are ≥5 bits).
 * Reaching the EOS leaf is a failure (RFC 7541 §5.2). A state "accepts" when
 * the bits since the last symbol are at most seven one-bits, i.e. valid padding.
 */
function buildDecoder(codes: number[], lengths: readonly number[]) {
  // Tree as child arrays; leaves are encoded as -(sym + 1).
  const zero: number[] = [0];
  const one: number[] = [0];
  const depth: number[] = [0];
  const allOnes: boolean[] = [true];
  let nodes = 1;
  for (let sym = 0; sym < codes.length; sym++) {
    const len = lengths[sym]!;
    const code = codes[sym]!;
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) % 2;
      const child = bit ? one : zero;
      if (i === 0) {
        child[node] = -(sym + 1);
      } else {
        if (!child[node]) {
          child[node] = nodes;
          zero.push(0);
          one.push(0);
          depth.push(depth[node]! + 1);
          allOnes.push(allOnes[node]! && bit === 1);
          nodes++;
        }
        node = child[node]!;
      }
    }
  }
  if (nodes !== 256) throw new Error(`expected 256 internal nodes, got ${nodes}`);

  const accepting = allOnes.map((ones, s) => ones && depth[s]! <= 7);
  const table: number[] = [];
  for (let state = 0; state < nodes; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let emit = -1;
      let fail = false;
      for (let i = 3; i >= 0; i--) {
        const next = ((nibble >> i) & 1 ? one : zero)[node]!;
        if (next < 0) {
          const sym = -next - 1;
          if (sym === EOS) {
            fail = true;
            break;
          }
          emit = sym;
          node = 0;
        } else {
          node = next;
        }
      }
      table.push(
        fail ? FAIL : node | (emit >= 0 ? EMIT | (emit << 8) : 0) | (accepting[node] ? ACCEPT : 0),
      );
    }
  }
  return { table, accepting };
}

const EMIT = 1 << 16;
const FAIL = 1 << 17;
const ACCEPT = 1 << 18;

function rows(values: readonly number[], perRow: number, fmt: (n: number) => string): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; i += perRow) {
    out.push("  " + values.slice(i, i + perRow).map(fmt).join(", ") + ",");
  }
  return out.join("\n");
}

const hex = (n: number) => "0x" + n.toString(16);
const HEADER = "// Generated by gen_tables.ts — do not edit.\n";

function staticTableSource(): string {
  const entries = STATIC.map(([n, v]) => `  [${JSON.stringify(n)}, ${JSON.stringify(v)}],`);
  return `${HEADER}/**
 * The HPACK static table (RFC 7541 Appendix A).
 *
 * @module
 */

/**
 * Number of entries in the static table; dynamic indices start after it.
 */
export const STATIC_TABLE_LENGTH = ${STATIC.length};

/**
 * Static table entries; position i holds HPACK index i + 1.
 */
export const STATIC_TABLE: ReadonlyArray<readonly [name: string, value: string]> = [
${entries.join("\n")}
];
`;
}

function huffmanTableSource(): string {
  const codes = canonicalCodes(LENGTHS);
  const { table } = buildDecoder(codes, LENGTHS);
  return `${HEADER}/**
 * The HPACK Huffman code (RFC 7541 Appendix B) and a 4-bit decoding automaton
 * derived from it.
 *
 * @module
 */

/**
 * Code of each symbol 0..255 and EOS (256), right-aligned.
 */
// deno-fmt-ignore
export const HUFFMAN_CODES: Uint32Array = new Uint32Array([
${rows(codes, 8, hex)}
]);

/**
 * Code length in bits of each symbol 0..255 and EOS (256).
 */
// deno-fmt-ignore
export const HUFFMAN_LENGTHS: Uint8Array = new Uint8Array([
${rows(LENGTHS, 16, String)}
]);

/**
 * Decoder entry flag: the transition completed a symbol, held in bits 8..15.
 */
export const HUFFMAN_EMIT = ${hex(EMIT)};
/**
 * Decoder entry flag: the transition decoded EOS, which is an error.
 */
export const HUFFMAN_FAIL = ${hex(FAIL)};
/**
 * Decoder entry flag: ending the string in the next state is valid padding.
 */
export const HUFFMAN_ACCEPT = ${hex(ACCEPT)};

/**
 * Decoding automaton: entry \`state * 16 + nibble\` holds the next state in
 * bits 0..7 plus the flags above. States are the code tree's 256 internal
 * nodes; state 0 is the root.
 */
// deno-fmt-ignore
export const HUFFMAN_DECODE: Uint32Array = new Uint32Array([
${rows(table, 8, hex)}
]);
`;
}

const here = new URL(".", import.meta.url);
writeFileSync(new URL("static_table.ts", here), staticTableSource());
writeFileSync(new URL("huffman_table.ts", here), huffmanTableSource());
console.log("wrote static_table.ts and huffman_table.ts");
