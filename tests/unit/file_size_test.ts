/**
 * The house rule "no hand-written src/ file over 450 lines", checked for
 * every file; only generated files are exempt, by name.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readSource, tsFiles } from "../support/source_tree.ts";

const MAX_LINES = 450;
/** Generated files, exempt by name (each says so in its first line). */
const GENERATED = new Set(["src/http2/core/hpack/huffman_table.ts"]);

function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

describe("source file sizes", () => {
  const files = tsFiles("src");

  it(`no hand-written src/ file is over ${MAX_LINES} lines`, () => {
    assert.ok(files.length > 100, "the walk found the sources");
    const over: string[] = [];
    for (const f of files) {
      const text = readSource(f);
      if (GENERATED.has(f)) {
        assert.match(text, /^\/\/ Generated/, `${f} is exempt as generated, so it must say so`);
        continue;
      }
      const lines = lineCount(text);
      if (lines > MAX_LINES) over.push(`${f}: ${lines} (at most ${MAX_LINES})`);
    }
    assert.deepEqual(over, []);
  });
});
