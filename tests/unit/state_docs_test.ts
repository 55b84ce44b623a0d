// The docs list every row of every state machine: each doc's matrix after its
// `<!-- table: id -->` marker must be the table, cell for cell
// (scripts/state_tables.ts prints them).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { docMatrix, MACHINES, matrix } from "../support/state_machines.ts";

describe("state machine docs", () => {
  for (const m of MACHINES) {
    it(`${m.doc} lists every row of ${m.id}`, () => {
      assert.deepEqual(m.table.missing(), [], "the table itself has a row for every pair");
      const text = readFileSync(new URL(`../../${m.doc}`, import.meta.url), "utf8");
      const shown = docMatrix(text, m.id);
      assert.ok(shown !== null, `${m.doc} has no <!-- table: ${m.id} --> marker`);
      assert.deepEqual(shown, matrix(m), `${m.doc}: run scripts/state_tables.ts ${m.id}`);
    });
  }
});
