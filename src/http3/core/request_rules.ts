/**
 * A request stream's frame order as a table (RFC 9114 §4.1): HEADERS, then
 * any DATA, then at most one trailing HEADERS, then the end. Unknown frame
 * types are ignored anywhere. A pair missing from the table is a connection
 * error H3_FRAME_UNEXPECTED (§4.1: an invalid sequence of frames); the end
 * before HEADERS is a stream error H3_REQUEST_INCOMPLETE.
 *
 * @module
 */
import type { FrameClass } from "./frame_types.ts";
import { H3Code } from "./errors.ts";

/**
 * Request stream states.
 */
export enum ReqState {
  AWAIT_HEADERS = "AWAIT_HEADERS",
  BODY = "BODY",
  AFTER_TRAILERS = "AFTER_TRAILERS",
  ENDED = "ENDED",
}

/**
 * Inputs to the table: a frame's class, or the end of the stream.
 */
export type ReqInput = FrameClass | "FIN";

/**
 * What happens: `emit` names the event owed (`request`, `data`, `trailers`,
 * `end`, or `none`), or an error with its code and scope.
 */
export type ReqAction =
  | { next: ReqState; emit: "request" | "data" | "trailers" | "end" | "none" }
  | { error: number; scope: "connection" | "stream" };

type Cell = readonly [ReqState, "request" | "data" | "trailers" | "end" | "none"];
type Row = Partial<Record<ReqInput, Cell>>;

const TABLE: Record<ReqState, Row> = {
  [ReqState.AWAIT_HEADERS]: {
    HEADERS: [ReqState.BODY, "request"],
    unknown: [ReqState.AWAIT_HEADERS, "none"],
  },
  [ReqState.BODY]: {
    DATA: [ReqState.BODY, "data"],
    HEADERS: [ReqState.AFTER_TRAILERS, "trailers"],
    unknown: [ReqState.BODY, "none"],
    FIN: [ReqState.ENDED, "end"],
  },
  [ReqState.AFTER_TRAILERS]: {
    unknown: [ReqState.AFTER_TRAILERS, "none"],
    FIN: [ReqState.ENDED, "end"],
  },
  [ReqState.ENDED]: {},
};

/**
 * The table's answer for `input` in `state`.
 */
export function requestStep(state: ReqState, input: ReqInput): ReqAction {
  const hit = TABLE[state][input];
  if (hit !== undefined) return { next: hit[0], emit: hit[1] };
  // A request that ends before its HEADERS is incomplete, not malformed framing (§4.1.2).
  if (input === "FIN" && state === ReqState.AWAIT_HEADERS) {
    return { error: H3Code.REQUEST_INCOMPLETE, scope: "stream" };
  }
  return { error: H3Code.FRAME_UNEXPECTED, scope: "connection" };
}
