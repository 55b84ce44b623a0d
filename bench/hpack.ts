/**
 * HPACK benchmark: decodes every hpack-test-case story and encodes raw-data,
 * with our codec and with hpack.js (the codec spdy-transport uses), in the
 * same process, and prints throughput and the ratio ours / hpack.js.
 *
 *     npx deno run -A bench/hpack.ts
 *     npx bun bench/hpack.ts
 *
 * Each measurement alternates the two implementations for a few rounds and
 * keeps each one's best round, so a noisy neighbour hurts both alike.
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import hpackJs from "hpack.js";
import { Decoder, Encoder } from "../src/http2/core/hpack/mod.ts";

const ROOT = fileURLToPath(new URL("../tests/fixtures/conformance/hpack/", import.meta.url));
const DECODE_DIRS = [
  "nghttp2",
  "nghttp2-change-table-size",
  "go-hpack",
  "python-hpack",
  "swift-nio-hpack-huffman",
  "haskell-http2-linear-huffman",
];
const ROUNDS = 3;
const ROUND_MS = 300;
const WARMUP_MS = 150;
const GLOBAL_WARMUP_MS = 800;

interface Case {
  wire?: string;
  header_table_size?: number | null;
  headers: Array<Record<string, string>>;
}

interface Block {
  wire: Uint8Array;
  tableSize: number | null;
  headers: Array<[string, string]>;
}

function load(dir: string): Block[][] {
  const files = readdirSync(ROOT + dir).filter((f) => f.endsWith(".json")).sort();
  return files.map((f) => {
    const story = JSON.parse(readFileSync(`${ROOT}${dir}/${f}`, "utf8")) as { cases: Case[] };
    return story.cases.map((c) => ({
      wire: c.wire
        ? Uint8Array.from(c.wire.match(/../g)!, (h) => parseInt(h, 16))
        : new Uint8Array(),
      tableSize: c.header_table_size ?? null,
      headers: c.headers.map((h) => Object.entries(h)[0]!),
    }));
  });
}

// --- the two implementations, behind the same shape -------------------------

/** The parts of hpack.js (untyped CommonJS) used here. */
interface HpackJsHeader {
  name: string;
  value: string;
}
interface HpackJs {
  decompressor: {
    create(options: { table: { maxSize: number } }): {
      write(chunk: Uint8Array): void;
      execute(): void;
      read(): HpackJsHeader | null;
    };
  };
  compressor: {
    create(options: { table: { maxSize: number } }): {
      write(headers: HpackJsHeader[]): void;
      read(): Uint8Array | null;
    };
  };
}
const hpack = hpackJs as unknown as HpackJs;

type Run = (stories: Block[][]) => number; // returns a checksum so work is not optimized away

const oursDecode: Run = (stories) => {
  let n = 0;
  for (const story of stories) {
    const decoder = new Decoder();
    for (const block of story) {
      if (block.tableSize !== null) decoder.setMaxTableSize(block.tableSize);
      n += decoder.decode(block.wire).length;
    }
  }
  return n;
};

const theirsDecode: Run = (stories) => {
  let n = 0;
  for (const story of stories) {
    const decomp = hpack.decompressor.create({ table: { maxSize: 4096 } });
    for (const block of story) {
      decomp.write(block.wire);
      decomp.execute();
      while (decomp.read() !== null) n++;
    }
  }
  return n;
};

const oursEncode: Run = (stories) => {
  let n = 0;
  for (const story of stories) {
    const encoder = new Encoder();
    for (const block of story) n += encoder.encode(block.headers).length;
  }
  return n;
};

const theirsEncode: Run = (stories) => {
  let n = 0;
  for (const story of stories) {
    const comp = hpack.compressor.create({ table: { maxSize: 4096 } });
    for (const block of story) {
      comp.write(block.headers.map(([name, value]) => ({ name, value })));
      n += comp.read()?.length ?? 0;
    }
  }
  return n;
};

// --- correctness check before timing ---------------------------------------

function checkDecoders(dir: string, stories: Block[][]): void {
  for (const story of stories) {
    const ours = new Decoder();
    const theirs = hpack.decompressor.create({ table: { maxSize: 4096 } });
    for (const block of story) {
      if (block.tableSize !== null) ours.setMaxTableSize(block.tableSize);
      const expected = JSON.stringify(block.headers);
      if (JSON.stringify(ours.decode(block.wire)) !== expected) {
        throw new Error(`ours mis-decodes ${dir}`);
      }
      theirs.write(block.wire);
      theirs.execute();
      const got: Array<[string, string]> = [];
      for (let h: HpackJsHeader | null; (h = theirs.read()) !== null;) got.push([h.name, h.value]);
      if (JSON.stringify(got) !== expected) throw new Error(`hpack.js mis-decodes ${dir}`);
    }
  }
}

function checkEncoders(stories: Block[][]): void {
  for (const story of stories) {
    const enc = new Encoder();
    const dec = new Decoder();
    const comp = hpack.compressor.create({ table: { maxSize: 4096 } });
    const decomp = hpack.decompressor.create({ table: { maxSize: 4096 } });
    for (const block of story) {
      const expected = JSON.stringify(block.headers);
      if (JSON.stringify(dec.decode(enc.encode(block.headers))) !== expected) {
        throw new Error("ours mis-encodes raw-data");
      }
      comp.write(block.headers.map(([name, value]) => ({ name, value })));
      decomp.write(comp.read()!);
      decomp.execute();
      const got: Array<[string, string]> = [];
      for (let h: HpackJsHeader | null; (h = decomp.read()) !== null;) got.push([h.name, h.value]);
      if (JSON.stringify(got) !== expected) throw new Error("hpack.js mis-encodes raw-data");
    }
  }
}

// --- timing ------------------------------------------------------------------

/** Passes per second of `run` over `stories` during one round of about `ms`. */
function round(run: Run, stories: Block[][], ms = ROUND_MS): number {
  let passes = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    sink += run(stories);
    passes++;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  if (sink < 0) console.log(sink);
  return passes / (elapsed / 1000);
}

function measure(ours: Run, theirs: Run, stories: Block[][]): [number, number] {
  // Warm up both, long enough for the optimizing tiers (JavaScriptCore's are slow to kick in).
  round(ours, stories, WARMUP_MS);
  round(theirs, stories, WARMUP_MS);
  let bestOurs = 0;
  let bestTheirs = 0;
  for (let r = 0; r < ROUNDS; r++) {
    bestOurs = Math.max(bestOurs, round(ours, stories));
    bestTheirs = Math.max(bestTheirs, round(theirs, stories));
  }
  return [bestOurs, bestTheirs];
}

const runtime = "Bun" in globalThis
  ? `Bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
  : "Deno" in globalThis
  ? `Deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
  : "unknown runtime";

const rows: string[][] = [[
  "workload",
  "MB/s ours",
  "MB/s hpack.js",
  "headers/s ours",
  "headers/s hpack.js",
  "ours/hpack.js",
]];
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const kilo = (n: number) => `${(n / 1e6).toFixed(2)}M`;

function report(name: string, stories: Block[][], bytes: number, [ours, theirs]: [number, number]) {
  const headers = stories.reduce((n, s) => n + s.reduce((m, b) => m + b.headers.length, 0), 0);
  rows.push([
    name,
    fmt((ours * bytes) / 1e6),
    fmt((theirs * bytes) / 1e6),
    kilo(ours * headers),
    kilo(theirs * headers),
    `${fmt(ours / theirs, 2)}x`,
  ]);
}

console.log(`HPACK benchmark on ${runtime}: ours vs hpack.js (best of ${ROUNDS} rounds)`);
const corpora = DECODE_DIRS.map((dir) => {
  const stories = load(dir);
  checkDecoders(dir, stories);
  const bytes = stories.reduce((n, s) => n + s.reduce((m, b) => m + b.wire.length, 0), 0);
  return { dir, stories, bytes };
});
const allStories = corpora.flatMap((c) => c.stories);
const allBytes = corpora.reduce((n, c) => n + c.bytes, 0);
// Warm both decoders on everything first, so the first row is not penalized
// by tiers that compile late (JavaScriptCore's FTL in particular).
round(oursDecode, allStories, GLOBAL_WARMUP_MS);
round(theirsDecode, allStories, GLOBAL_WARMUP_MS);
for (const { dir, stories, bytes } of corpora) {
  report(`decode ${dir}`, stories, bytes, measure(oursDecode, theirsDecode, stories));
}
report("decode all corpora", allStories, allBytes, measure(oursDecode, theirsDecode, allStories));

const raw = load("raw-data");
checkEncoders(raw);
// Encoding throughput counts the octets of the header lists (names + values).
const rawBytes = raw.reduce(
  (n, s) =>
    n + s.reduce((m, b) => m + b.headers.reduce((k, [a, v]) => k + a.length + v.length, 0), 0),
  0,
);
report("encode raw-data", raw, rawBytes, measure(oursEncode, theirsEncode, raw));

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const row of rows) {
  console.log(
    row.map((cell, i) => i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)).join("  "),
  );
}
