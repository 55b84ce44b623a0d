// Claims the docs make that a test can check: docs/api.md lists every export
// of mod.ts, every relative link in README.md and docs/ points at a file that
// exists, and the import rules of docs/design.md hold (the cores import no
// server or transport code; only src/transport/ touches runtime sockets).
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

/** Names exported by the entry points (`export { a, b as c }` and `export type { ... }`). */
function modExports(): string[] {
  const names: string[] = [];
  const entries = Object.values(JSON.parse(read("deno.json")).exports as Record<string, string>);
  const text = entries.map((e) => read(e)).join("\n");
  for (const [, list] of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const item of list!.split(",")) {
      const name = item.trim().split(/\s+as\s+/).pop()!.replace(/^type\s+/, "").trim();
      if (name !== "") names.push(name);
    }
  }
  return names;
}

describe("docs", () => {
  it("docs/api.md names every export of every entry point (mod.ts, http2.ts, hpack.ts)", () => {
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

/** Every .ts file under a src/ folder, as repository paths. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(new URL(dir, ROOT), { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...tsFiles(`${dir}${e.name}/`));
    else if (e.name.endsWith(".ts")) out.push(`${dir}${e.name}`);
  }
  return out;
}

/** The code of a file without its comments (so JSDoc prose and examples do not count). */
function code(path: string): string {
  return read(path).replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** Import specifiers of a file, resolved to repository paths when relative. */
function imports(path: string): string[] {
  return [...code(path).matchAll(/\b(?:from\s+|import\s+|import\s*\(\s*)"([^"]+)"/g)].map((
    [, spec],
  ) =>
    spec!.startsWith(".")
      ? new URL(spec!, new URL(path, ROOT)).pathname.slice(ROOT.pathname.length)
      : spec!
  );
}

describe("docs/design.md: what each folder may import", () => {
  it("the sans-IO cores import only cores, src/bytes/ and src/state/", () => {
    const allowed = /^src\/(http[123]\/core|bytes|state)\//;
    const bad: string[] = [];
    for (const dir of ["src/http1/core/", "src/http2/core/", "src/http3/core/"]) {
      if (!existsSync(new URL(dir, ROOT))) continue;
      for (const file of tsFiles(dir)) {
        if (file.endsWith("hpack/gen_tables.ts")) continue; // a build script, not shipped
        for (const spec of imports(file)) if (!allowed.test(spec)) bad.push(`${file} -> ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it("src/bytes/, src/state/ and src/proxy/ import nothing outside themselves", () => {
    const bad: string[] = [];
    for (const dir of ["src/bytes/", "src/state/", "src/proxy/"]) {
      for (const file of tsFiles(dir)) {
        for (const spec of imports(file)) if (!spec.startsWith(dir)) bad.push(`${file} -> ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it("only src/transport/ touches runtime sockets", () => {
    const sockets =
      /\b(?:Deno\.(?:listen|listenTls|connect|connectTls|startTls)|Bun\.(?:listen|connect))\b|"node:(?:net|tls|dgram)"/;
    const bad = tsFiles("src/").filter((f) =>
      !f.startsWith("src/transport/") && sockets.test(code(f))
    );
    assert.deepEqual(bad, []);
  });
});
