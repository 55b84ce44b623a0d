/**
 * The repository's own TypeScript sources, read from disk (node:fs only, so
 * it runs on Deno, Bun and Node; under Node the compiled test still reads
 * the .ts files of the checkout).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout's root: the first directory above this file that holds deno.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "deno.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("no deno.json above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

/** Every .ts file under `dir` (relative to the root, with "/" separators), sorted. */
export function tsFiles(dir = "src"): string[] {
  const root = repoRoot();
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs)) {
      const p = join(abs, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts")) out.push(relative(root, p).split(sep).join("/"));
    }
  };
  walk(join(root, dir));
  return out.sort();
}

/** A source file's text. */
export function readSource(file: string): string {
  return readFileSync(join(repoRoot(), file), "utf8");
}
