/**
 * The options table of docs/limits.md, rendered from {@link OPTION_SCHEMA} so the
 * documented defaults and ranges are the validator's.
 *
 * @module
 */
import { OPTION_SCHEMA, type OptionSpec } from "./schema.ts";
import { describe } from "./validate.ts";

/**
 * Markdown table of every option: path, accepted values, default, meaning.
 */
export function optionsTable(filter: (o: OptionSpec) => boolean = () => true): string {
  const rows = OPTION_SCHEMA.filter(filter).map((o) =>
    `| \`${o.path}\` | ${describe(o)} | ${o.default} | ${o.doc} |`
  );
  return ["| Option | Accepts | Default | What it does |", "|---|---|---|---|", ...rows].join("\n");
}
