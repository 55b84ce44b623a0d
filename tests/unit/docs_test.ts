// Claims the docs make that a test can check: docs/api.md lists every export
// of mod.ts, and every relative link in README.md and docs/ points at a file
// that exists (examples, moved docs, anchors' files).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** The repository root, from the source tree or from the compiled one (.node_test/). */
function root(): URL {
  for (const up of ["../../", "../../../"]) {
    const url = new URL(up, import.meta.url);
    if (existsSync(new URL("mod.ts", url)) && existsSync(new URL("docs/", url))) return url;
  }
  return new URL(`file://${process.cwd()}/`);
}
const ROOT = root();
const read = (path: string) => readFileSync(new URL(path, ROOT), "utf8");

/** Names exported by mod.ts (`export { a, b as c }` and `export type { ... }`). */
function modExports(): string[] {
  const names: string[] = [];
  for (const [, list] of read("mod.ts").matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const item of list!.split(",")) {
      const name = item.trim().split(/\s+as\s+/).pop()!.replace(/^type\s+/, "").trim();
      if (name !== "") names.push(name);
    }
  }
  return names;
}

describe("docs", () => {
  it("docs/api.md names every export of mod.ts", () => {
    const api = read("docs/api.md");
    const exports = modExports();
    assert.ok(exports.length > 50, `parsed only ${exports.length} exports from mod.ts`);
    const missing = exports.filter((n) => !new RegExp("`" + n + "[`(<]").test(api));
    assert.deepEqual(missing, [], "exports missing from docs/api.md");
  });

  it("every relative link in README.md and docs/*.md points at an existing file", () => {
    const files = [
      "README.md",
      ...readdirSync(new URL("docs/", ROOT)).filter((f) => f.endsWith(".md")).map((f) =>
        `docs/${f}`
      ),
    ];
    const broken: string[] = [];
    for (const file of files) {
      const text = read(file).replace(/```[\s\S]*?```/g, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!) || target!.startsWith("#")) continue;
        const path = target!.split("#")[0]!;
        if (!existsSync(new URL(path, new URL(file, ROOT)))) broken.push(`${file} -> ${target}`);
      }
    }
    assert.deepEqual(broken, []);
  });
});
