/**
 * Every state machine of h2serve, with how a cell of its table is written in
 * the docs: the one list that scripts/state_tables.ts prints and the docs
 * check (tests/unit/state_docs_test.ts) compares the docs against.
 */
import type { StateTable } from "../../src/state/table.ts";
import {
  CONN_TABLE as H1_CONN,
  ConnEvent as H1Event,
  ConnState as H1State,
} from "../../src/http1/core/conn_table.ts";
import {
  CONTINUE_TABLE,
  ContinueAction,
  ContinueEvent,
  ContinueState,
} from "../../src/http1/core/continue_table.ts";
import {
  CONN_TABLE as H2_CONN,
  ConnAction,
  ConnInput,
  ConnState as H2State,
} from "../../src/http2/core/conn_table.ts";
import {
  STREAM_TABLE,
  StreamAction,
  StreamEvent,
  StreamState,
} from "../../src/http2/core/stream_table.ts";
import { LIFE_TABLE, LifeEvent, StreamLife } from "../../src/http2/server/stream_life.ts";
import { DRIVER_TABLE, DriverEvent, DriverState } from "../../src/http2/server/driver_table.ts";
import { SESSION_TABLE, SessionEvent, SessionState } from "../../src/websocket/session_table.ts";

type Names = Record<number, string>;

/** One machine: its table, its enums, its doc and how a cell reads. */
export interface Machine {
  /** The marker before its matrix in the doc: `<!-- table: id -->`. */
  readonly id: string;
  /** The doc (relative to the repository root) that lists every row. */
  readonly doc: string;
  readonly table: StateTable<number, number, unknown>;
  readonly states: Names;
  readonly events: Names;
  readonly cell: (value: unknown) => string;
}

const move = (states: Names, actions: Names, ok: number) => (v: unknown) => {
  const { next, action } = v as { next: number; action: number };
  return action === ok ? states[next]! : `${states[next]}, ${actions[action]}`;
};

const named = (states: Names, none: string) => (v: unknown) =>
  v === null ? none : states[v as number]!;

/** The machines, in the order the docs list them. */
export const MACHINES: readonly Machine[] = [
  {
    id: "http1-connection",
    doc: "docs/http1_state_machine.md",
    table: H1_CONN as StateTable<number, number, unknown>,
    states: H1State,
    events: H1Event,
    cell: named(H1State, "–"),
  },
  {
    id: "http1-continue",
    doc: "docs/http1_state_machine.md",
    table: CONTINUE_TABLE as StateTable<number, number, unknown>,
    states: ContinueState,
    events: ContinueEvent,
    cell: move(ContinueState, ContinueAction, ContinueAction.NONE),
  },
  {
    id: "http2-connection",
    doc: "docs/http2_state_machines.md",
    table: H2_CONN as StateTable<number, number, unknown>,
    states: H2State,
    events: ConnInput,
    cell: move(H2State, ConnAction, ConnAction.OK),
  },
  {
    id: "http2-stream",
    doc: "docs/http2_state_machines.md",
    table: STREAM_TABLE as StateTable<number, number, unknown>,
    states: StreamState,
    events: StreamEvent,
    cell: move(StreamState, StreamAction, StreamAction.OK),
  },
  {
    id: "http2-stream-life",
    doc: "docs/http2_state_machines.md",
    table: LIFE_TABLE as StateTable<number, number, unknown>,
    states: StreamLife,
    events: LifeEvent,
    cell: named(StreamLife, "–"),
  },
  {
    id: "http2-driver",
    doc: "docs/http2_state_machines.md",
    table: DRIVER_TABLE as StateTable<number, number, unknown>,
    states: DriverState,
    events: DriverEvent,
    cell: named(DriverState, "–"),
  },
  {
    id: "websocket-session",
    doc: "docs/design.md",
    table: SESSION_TABLE as StateTable<number, number, unknown>,
    states: SessionState,
    events: SessionEvent,
    cell: named(SessionState, "ignore"),
  },
];

/** The numeric members of an enum, in order. */
export function members(names: Names): number[] {
  return Object.keys(names).map(Number).filter((n) => !Number.isNaN(n)).sort((a, b) => a - b);
}

/** The machine's matrix as rows of cells: a header of event names, then one row per state. */
export function matrix(m: Machine): string[][] {
  const events = members(m.events);
  const rows = [["state", ...events.map((e) => m.events[e]!)]];
  for (const s of members(m.states)) {
    rows.push([m.states[s]!, ...events.map((e) => m.cell(m.table.next(s, e)))]);
  }
  return rows;
}

/** The matrix as a Markdown table (deno fmt aligns it). */
export function markdown(m: Machine): string {
  const rows = matrix(m);
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(rows[0]!), line(rows[0]!.map(() => "---")), ...rows.slice(1).map(line)].join("\n");
}

/** The matrix the doc shows after `<!-- table: id -->`, as rows of cells (backticks dropped). */
export function docMatrix(text: string, id: string): string[][] | null {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => l.trim() === `<!-- table: ${id} -->`);
  if (at < 0) return null;
  let i = at + 1;
  while (i < lines.length && lines[i]!.trim() === "") i++;
  const rows: string[][] = [];
  for (; i < lines.length && lines[i]!.trim().startsWith("|"); i++) {
    const cells = lines[i]!.trim().slice(1, -1).split("|").map((c) => c.trim().replaceAll("`", ""));
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    rows.push(cells);
  }
  return rows;
}
