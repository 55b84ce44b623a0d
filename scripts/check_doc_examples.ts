/**
 * Fails when an `@example` sits on a declaration that no entry point (deno.json `exports`) exports
 * (house rule: internal exports get no @example; public ones keep theirs, and
 * `deno check --doc mod.ts src/` type-checks those). The public set is what
 * `deno doc --json mod.ts` lists, members included. Then type-checks the
 * README's `ts` blocks, with `"h2serve"` read as this checkout's mod.ts.
 *
 * Run: deno run --allow-read --allow-write --allow-run scripts/check_doc_examples.ts
 *
 * @module
 */
const root = new URL("../", import.meta.url);

const entries = Object.values(
  JSON.parse(await Deno.readTextFile(new URL("deno.json", root))).exports as Record<string, string>,
);
const out = await new Deno.Command(Deno.execPath(), {
  args: ["doc", "--json", ...entries],
  cwd: root,
  stdout: "piped",
  stderr: "null",
}).output();
if (!out.success) throw new Error(`deno doc --json ${entries.join(" ")} failed`);

// (file path, 0-based declaration line) of every public node and member.
const publicAt = new Set<string>();
const walk = (o: unknown): void => {
  if (Array.isArray(o)) return o.forEach(walk);
  if (o === null || typeof o !== "object") return;
  const loc = (o as { location?: { filename?: string; line?: number } }).location;
  if (loc?.filename !== undefined && loc.line !== undefined) {
    publicAt.add(`${new URL(loc.filename).pathname}:${loc.line}`);
  }
  Object.values(o).forEach(walk);
};
walk(JSON.parse(new TextDecoder().decode(out.stdout)));

async function* tsFiles(dir: URL): AsyncGenerator<URL> {
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) yield* tsFiles(new URL(`${e.name}/`, dir));
    else if (e.name.endsWith(".ts")) yield new URL(e.name, dir);
  }
}

const stray: string[] = [];
for await (const file of tsFiles(new URL("src/", root))) {
  const lines = (await Deno.readTextFile(file)).split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.trimStart().startsWith("/**")) continue;
    let end = i;
    while (!lines[end]!.includes("*/")) end++;
    const block = lines.slice(i, end + 1);
    let decl = end + 1;
    while (decl < lines.length && lines[decl]!.trim() === "") decl++;
    const hasExample = block.some((l) => /^\s*\*\s*@example/.test(l));
    const isModule = block.some((l) => /^\s*\*\s*@module/.test(l));
    if (hasExample && (isModule || !publicAt.has(`${file.pathname}:${decl}`))) {
      stray.push(`${file.pathname.slice(new URL(root).pathname.length)}:${decl + 1}`);
    }
    i = end;
  }
}

if (stray.length > 0) {
  console.error(
    `@example on declarations no entry point exports (internal exports get none):\n  ${
      stray.join("\n  ")
    }`,
  );
  Deno.exit(1);
}

const readme = await Deno.readTextFile(new URL("README.md", root));
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = await Deno.makeTempDir();
// "h2serve" and its subpaths read as this checkout's entry points (deno.json `exports`).
const exportsMap = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)))
  .exports as Record<
    string,
    string
  >;
const specifiers = Object.entries(exportsMap).map(([sub, file]) =>
  [`"h2serve${sub === "." ? "" : sub.slice(1)}"`, `"${new URL(file, root).href}"`] as const
);
try {
  const files = await Promise.all(blocks.map(async (b, i) => {
    const file = `${dir}/readme_${i}.ts`;
    await Deno.writeTextFile(
      file,
      specifiers.reduce((t, [from, to]) => t.replaceAll(`from ${from}`, `from ${to}`), b) +
        "export {};\n",
    );
    return file;
  }));
  const check = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--config", new URL("deno.json", root).pathname, ...files],
  }).output();
  if (!check.success) {
    console.error(new TextDecoder().decode(check.stderr));
    console.error("README.md: a ts block does not type-check (see above)");
    Deno.exit(1);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
console.log(
  `check_doc_examples: every @example in src/ is on a public export; ` +
    `${blocks.length} README blocks type-check`,
);
