// src/options/schema.ts is the one place where option defaults and ranges are
// written. Everything else that states them is checked against it here: the
// DEFAULT_* objects the code runs with, the "Default ..." of each option's
// JSDoc, the generated options table and the hand-written limits table in
// docs/limits.md, and every `http1.*` / `http2.*` / `tls.*` name the docs use.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { OPTION_BY_PATH, OPTION_SCHEMA, type OptionSpec } from "../../src/options/schema.ts";
import { checkValue } from "../../src/options/validate.ts";
import { optionsTable } from "../../src/options/table.ts";
import { DEFAULT_HTTP1_OPTIONS } from "../../src/http1/server/options.ts";
import { DEFAULT_HTTP1_LIMITS } from "../../src/http1/core/limits.ts";
import { DEFAULT_HTTP2_OPTIONS } from "../../src/http2/server/options.ts";
import { DEFAULT_H2_OPTIONS } from "../../src/http2/core/conn_options.ts";
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from "../../src/server.ts";

/** A repository file, from the source tree or from the compiled one (.node_test/). */
function repoFile(path: string): string {
  for (const up of ["../../", "../../../"]) {
    const url = new URL(up + path, import.meta.url);
    if (existsSync(url)) return readFileSync(url, "utf8");
  }
  return readFileSync(path, "utf8"); // the working directory is the repository root
}

const UNITS: Record<string, number> = { KiB: 1024, MiB: 1024 * 1024, s: 1000, ms: 1, "B/s": 1 };
const QUANTITY = /(no limit|Infinity|\+?\d[\d,_]*(?:\.\d+)?)(?:\s*(KiB|MiB|B\/s|ms|s)\b)?/g;

/** Every quantity in a text, in order: "1000, +33/s" -> [1000, 33]; "30 s" -> [30000]. */
function quantities(text: string): number[] {
  return [...text.matchAll(QUANTITY)].map(([, n, unit]) => {
    if (n === "no limit" || n === "Infinity") return Infinity;
    return Number(n!.replace(/[+,_]/g, "")) * (unit === undefined ? 1 : UNITS[unit]!);
  });
}

/** A schema row's default as the value the code uses; undefined when it has none. */
function schemaValue(spec: OptionSpec): number | boolean | string | undefined {
  const d = spec.default;
  if (d === "none") return undefined;
  if (d === "true" || d === "false") return d === "true";
  if (d.startsWith('"')) return JSON.parse(d) as string;
  const ref = OPTION_BY_PATH.get(d); // "http1.headersTimeout": the default is that option's
  if (ref !== undefined) return schemaValue(ref);
  if (!["integer", "number", "ms"].includes(spec.kind)) return d; // described in words
  const q = quantities(d);
  assert.equal(q.length, 1, `${spec.path}: default ${JSON.stringify(d)} is not one quantity`);
  return q[0];
}

const section = (prefix: string) =>
  OPTION_SCHEMA.filter((o) => o.path.startsWith(prefix + ".")).map((o) =>
    o.path.slice(prefix.length + 1)
  );

describe("option schema: the defaults the code runs with", () => {
  it("DEFAULT_HTTP1_OPTIONS has exactly the http1.* rows, with their defaults", () => {
    assert.deepEqual(Object.keys(DEFAULT_HTTP1_OPTIONS).sort(), section("http1").sort());
    for (const [k, v] of Object.entries(DEFAULT_HTTP1_OPTIONS)) {
      assert.equal(v, schemaValue(OPTION_BY_PATH.get(`http1.${k}`)!), `http1.${k}`);
    }
  });

  it("DEFAULT_HTTP2_OPTIONS has exactly the http2.* rows, with their defaults", () => {
    assert.deepEqual(Object.keys(DEFAULT_HTTP2_OPTIONS).sort(), section("http2").sort());
    for (const [k, v] of Object.entries(DEFAULT_HTTP2_OPTIONS)) {
      assert.equal(v, schemaValue(OPTION_BY_PATH.get(`http2.${k}`)!), `http2.${k}`);
    }
  });

  it("the sans-IO cores' defaults are the server's", () => {
    for (const [k, v] of Object.entries(DEFAULT_HTTP1_LIMITS)) {
      assert.equal(v, schemaValue(OPTION_BY_PATH.get(`http1.${k}`)!), `http1.${k}`);
    }
    for (const [k, v] of Object.entries(DEFAULT_H2_OPTIONS)) {
      assert.equal(v, schemaValue(OPTION_BY_PATH.get(`http2.${k}`)!), `http2.${k}`);
    }
  });

  it("the top-level defaults", () => {
    assert.equal(DEFAULT_SHUTDOWN_TIMEOUT_MS, schemaValue(OPTION_BY_PATH.get("shutdownTimeout")!));
  });

  it("every default passes its own row's range check", () => {
    for (const spec of OPTION_SCHEMA) {
      const v = schemaValue(spec);
      if (typeof v === "number") checkValue(spec, v);
      if (spec.min !== undefined && spec.max !== undefined) {
        assert.ok(spec.min <= spec.max, `${spec.path}: min ${spec.min} > max ${spec.max}`);
      }
    }
  });

  it("each range is checked once, by the schema: out of range fails there, not later", () => {
    // RFC 9113 bounds and our own floors (a server that refuses every stream or
    // every header list is a misconfiguration: `http2: false` turns HTTP/2 off).
    const expect: Array<[string, number, number]> = [
      ["http2.maxConcurrentStreams", 1, 0xffffffff],
      ["http2.maxHeaderListSize", 64, 0xffffffff],
      ["http2.initialWindowSize", 1, 0x7fffffff],
      ["http2.maxFrameSize", 16384, 16777215],
      ["http2.connectionWindowSize", 65535, 0x7fffffff],
    ];
    for (const [path, min, max] of expect) {
      const spec = OPTION_BY_PATH.get(path)!;
      assert.deepEqual([spec.min, spec.max], [min, max], path);
      assert.throws(() => checkValue(spec, min - 1), path);
      assert.throws(() => checkValue(spec, max + 1), path);
    }
  });
});

/** Each property's JSDoc "Default X" in an options interface, as [name, X]. */
function jsdocDefaults(source: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const re = /\/\*\*((?:(?!\*\/)[\s\S])*?)\*\/\s*(\w+)\??:/g;
  for (const [, doc, name] of source.matchAll(re)) {
    const m = /Default:?\s+([^.(]+?)\s*(?:\.|\(|$)/.exec(doc!.replace(/\s*\n\s*\*\s*/g, " "));
    if (m) out.push([name!, m[1]!.replace(/`/g, "")]);
  }
  return out;
}

describe("option schema: JSDoc defaults", () => {
  const files: Array<[string, string]> = [
    ["src/http1/core/limits.ts", "http1"],
    ["src/http1/server/options.ts", "http1"],
    ["src/http2/core/conn_options.ts", "http2"],
    ["src/http2/server/options.ts", "http2"],
  ];
  for (const [file, prefix] of files) {
    it(`${file}: every "Default ..." is the schema's`, () => {
      const claims = jsdocDefaults(repoFile(file));
      assert.ok(claims.length >= 6, `${file}: expected the options' JSDoc, found ${claims.length}`);
      for (const [name, text] of claims) {
        const spec = OPTION_BY_PATH.get(`${prefix}.${name}`);
        assert.ok(spec, `${file}: ${name} has no schema row`);
        const want = schemaValue(spec);
        if (typeof want === "boolean") assert.equal(text, String(want), `${prefix}.${name}`);
        else if (want === undefined) assert.equal(text, "undefined", `${prefix}.${name}`);
        else assert.equal(quantities(text)[0], want, `${prefix}.${name}: "Default ${text}"`);
      }
    });
  }
});

describe("option schema: docs", () => {
  const limits = repoFile("docs/limits.md");

  it("docs/limits.md holds the generated options table, unedited", () => {
    const m = /<!-- options-table:begin[^>]*-->\n([\s\S]*?)\n<!-- options-table:end -->/.exec(
      limits,
    );
    assert.ok(m, "docs/limits.md lost its options-table markers");
    const norm = (t: string) =>
      t.trim().split("\n").map((l) =>
        l.split("|").map((c) => c.trim()).join("|").replace(/\|-+(?=\|)/g, "|-")
      ).join("\n");
    assert.equal(
      norm(m[1]!),
      norm(optionsTable()),
      "regenerate it: deno run -A scripts/gen_docs.ts",
    );
  });

  it("the limits table's defaults are the schema's", () => {
    const start = limits.indexOf("| limit (option)");
    assert.ok(start >= 0, "docs/limits.md lost its limits table");
    const rows = limits.slice(start).split("\n\n")[0]!.split("\n").slice(2);
    let prefix: string | null = null;
    let checked = 0;
    for (const row of rows) {
      const [first = "", def = ""] = row.split("|").slice(1).map((c) => c.trim());
      if (first.startsWith("**")) {
        prefix = /\(`(http[12])`\)/.exec(first)?.[1] ?? (first.includes("WebSocket") ? "ws" : "");
        continue;
      }
      const names = [...first.matchAll(/`([\w.]+)`/g)].map((x) => x[1]!);
      const paths = names.map((n) =>
        n.includes(".") || OPTION_BY_PATH.has(n) ? n : prefix === "ws" ? null : `${prefix}.${n}`
      ).filter((p): p is string => p !== null);
      if (paths.length === 0) continue;
      const got = quantities(def);
      if (got.length === 0) continue; // "always", "the client's setting", another option's name
      paths.forEach((path, i) => {
        const spec = OPTION_BY_PATH.get(path);
        assert.ok(spec, `limits table row "${first}" names ${path}, which is not an option`);
        assert.equal(got[got.length === 1 ? 0 : i], schemaValue(spec), `${path}: "${def}"`);
        checked++;
      });
    }
    assert.ok(checked >= 30, `only ${checked} limits table defaults found`);
  });

  it("every http1.* / http2.* / tls.* name in README.md and docs/ is an option", () => {
    const docs = ["README.md", ...readdirSync(docsDir()).map((f) => `docs/${f}`)]
      .filter((f) => f.endsWith(".md"));
    for (const file of docs) {
      for (const [, name] of repoFile(file).matchAll(/`((?:http1|http2|tls)\.[a-zA-Z]+)`/g)) {
        const ok = OPTION_BY_PATH.has(name!) ||
          /^tls\.(cert|key|serverName|createServer|connect|createSecureContext)$/.test(name!);
        assert.ok(ok, `${file} names ${name}, which is not an option`);
      }
    }
  });
});

function docsDir(): URL | string {
  for (const up of ["../../docs/", "../../../docs/"]) {
    const url = new URL(up, import.meta.url);
    if (existsSync(url)) return url;
  }
  return "docs";
}
