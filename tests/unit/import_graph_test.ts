/**
 * The layering, checked rather than claimed: the relative imports of
 * src/**\/*.ts (type-only ones included) form no cycle, and the sans-IO
 * cores import only other cores and the plain helpers below them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { posix } from "node:path";
import { readSource, tsFiles } from "../support/source_tree.ts";

/** Top-level `import ... from "./x"`, `export ... from "./x"` and `import "./x"`, at column 0. */
const STATIC = /^(?:import|export)\s+(?:type\s+)?[\w\s{},*$]*?\bfrom\s*["'](\.[^"']+)["']/gm;
const BARE = /^import\s*["'](\.[^"']+)["']/gm;
/** `import("./x")` outside comments. */
const DYNAMIC = /^(?!\s*(?:\*|\/\/)).*\bimport\(\s*["'](\.[^"']+)["']\s*\)/gm;

/** The relative imports of `src`, as resolved file paths. */
export function importsOf(file: string, text: string): string[] {
  const out = new Set<string>();
  for (const re of [STATIC, BARE, DYNAMIC]) {
    for (const m of text.matchAll(re)) out.add(posix.join(posix.dirname(file), m[1]!));
  }
  return [...out];
}

/** Every cycle's files, each cycle once (Tarjan's strongly connected components). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The sans-IO cores: protocol logic that never touches a socket, a runtime or a server. */
const CORE = [
  /^src\/http1\/core\//,
  /^src\/http2\/core\//,
  // The WebSocket codec and session (the session talks to a WebSocketChannel, not a socket).
  /^src\/websocket\/(constants|decoder|encoder|errors|utf8|deflate|extensions|handshake|session|session_closed|session_table|session_contract|shared_message|inflate_history|zlib_run|zlib_lane|idle_pings|channel)\.ts$/,
];
/** What a core may import besides other cores: the state-table helper, byte utilities, web types. */
const BELOW_CORE = [/^src\/state\//, /^src\/bytes\//, /^src\/web_types\.ts$/];

const isCore = (f: string) => CORE.some((re) => re.test(f));

function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of tsFiles("src")) g.set(f, importsOf(f, readSource(f)));
  return g;
}

describe("import graph of src/", () => {
  const g = graph();

  it("reads the imports it is meant to (the parser itself)", () => {
    const text = [
      'import { a } from "./a.ts";',
      "import type {",
      "  B,",
      '} from "../b.ts";',
      'export * from "./c.ts";',
      'import "./d.ts";',
      'const e = await import("./e.ts");',
      ' * import { f } from "./f.ts";',
      '// import("./g.ts")',
    ].join("\n");
    assert.deepEqual(importsOf("src/x/y.ts", text).sort(), [
      "src/b.ts",
      "src/x/a.ts",
      "src/x/c.ts",
      "src/x/d.ts",
      "src/x/e.ts",
    ]);
    assert.deepEqual(cycles(new Map([["a", ["b"]], ["b", ["a"]], ["c", ["a"]]])), [["a", "b"]]);
  });

  it("resolves every relative import to a file", () => {
    const missing: string[] = [];
    for (const [f, deps] of g) for (const d of deps) if (!g.has(d)) missing.push(`${f} -> ${d}`);
    assert.deepEqual(missing, []);
  });

  it("has no import cycle", () => {
    assert.deepEqual(cycles(g), []);
  });

  it("keeps the cores below the drivers: a core imports only cores, src/state, src/bytes, web types", () => {
    assert.ok([...g.keys()].filter(isCore).length > 40, "the core patterns match the tree");
    const bad: string[] = [];
    for (const [f, deps] of g) {
      if (!isCore(f)) continue;
      for (const d of deps) {
        if (!isCore(d) && !BELOW_CORE.some((re) => re.test(d))) bad.push(`${f} -> ${d}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
