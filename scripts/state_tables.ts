/**
 * Prints every state machine's table as a Markdown matrix (one row per
 * state, one column per event), to paste into the docs after its
 * `<!-- table: id -->` marker; tests/unit/state_docs_test.ts fails when a doc
 * and its table differ. Usage: `deno run scripts/state_tables.ts [id]`.
 */
import { MACHINES, markdown } from "../tests/support/state_machines.ts";

const only = Deno.args[0];
for (const m of MACHINES) {
  if (only !== undefined && m.id !== only) continue;
  console.log(`${m.doc}\n\n<!-- table: ${m.id} -->\n\n${markdown(m)}\n`);
}
