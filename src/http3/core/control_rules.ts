/**
 * The peer's control stream as a table (RFC 9114 §6.2.1, §7.2): SETTINGS
 * first and once; GOAWAY, MAX_PUSH_ID and CANCEL_PUSH after it; request
 * frames never. A pair missing from the table is H3_FRAME_UNEXPECTED, except
 * that anything but SETTINGS first is H3_MISSING_SETTINGS, and the stream's
 * end is H3_CLOSED_CRITICAL_STREAM in every state.
 *
 * @module
 */
import type { FrameClass } from "./frame_types.ts";
import { H3Code } from "./errors.ts";

/**
 * Control stream states.
 */
export enum ControlState {
  AWAIT_SETTINGS = "AWAIT_SETTINGS",
  OPEN = "OPEN",
}

/**
 * What a frame does: `apply` (handle it), `ignore` (unknown type; counts
 * toward the useless-frame budget), or a connection error code.
 */
export type ControlAction =
  | { next: ControlState; act: "apply" | "ignore" }
  | { error: number };

type Row = Partial<Record<FrameClass, ControlState | "ignore">>;

const TABLE: Record<ControlState, Row> = {
  [ControlState.AWAIT_SETTINGS]: {
    SETTINGS: ControlState.OPEN,
  },
  [ControlState.OPEN]: {
    GOAWAY: ControlState.OPEN,
    MAX_PUSH_ID: ControlState.OPEN,
    CANCEL_PUSH: ControlState.OPEN,
    unknown: "ignore",
  },
};

/**
 * The table's answer for a frame of class `cls` in `state`.
 */
export function controlStep(state: ControlState, cls: FrameClass): ControlAction {
  const hit = TABLE[state][cls];
  if (hit === "ignore") return { next: state, act: "ignore" };
  if (hit !== undefined) return { next: hit, act: "apply" };
  // One policy for a missing pair, with the RFC's more specific code first.
  if (state === ControlState.AWAIT_SETTINGS) return { error: H3Code.MISSING_SETTINGS };
  return { error: H3Code.FRAME_UNEXPECTED };
}

/**
 * The control stream ended (FIN or reset): always a connection error (§6.2.1).
 */
export const CONTROL_END_ERROR: number = H3Code.CLOSED_CRITICAL_STREAM;
