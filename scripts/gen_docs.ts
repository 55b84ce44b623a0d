/**
 * Regenerates the options table of docs/limits.md from src/options/schema.ts
 * (between the options-table markers). tests/unit/options_schema_test.ts fails
 * when the two differ.
 *
 * Run: deno run -A scripts/gen_docs.ts
 *
 * @module
 */
import { optionsTable } from "../src/options/table.ts";

const file = new URL("../docs/limits.md", import.meta.url);
const text = await Deno.readTextFile(file);
const re = /(<!-- options-table:begin[^>]*-->\n)[\s\S]*?(<!-- options-table:end -->)/;
if (!re.test(text)) throw new Error("docs/limits.md has no options-table markers");
await Deno.writeTextFile(file, text.replace(re, (_, a, b) => `${a}${optionsTable()}\n${b}`));
const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", file.pathname] }).output();
if (!fmt.success) throw new Error("deno fmt docs/limits.md failed");
console.log("docs/limits.md: options table regenerated");
