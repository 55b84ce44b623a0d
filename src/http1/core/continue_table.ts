/**
 * `Expect: 100-continue` on one HTTP/1.1 request (RFC 9110 §10.1.1), as a
 * table: whether the interim `100 Continue` is owed, went out, or was
 * forfeited by a final response sent first. It is the request's own machine,
 * beside the connection's (a 100 can be owed in `SEND_BODY` and in
 * `MUST_CLOSE` alike). The driver writes the 100 when the handler first reads
 * the body (`SEND_100`), reads the body only once no 100 is pending, and
 * closes after a final answer that forfeited it, since the body may or may
 * not follow and the stream cannot be resynchronised.
 *
 * @module
 */
import { StateTable } from "../../state/table.ts";

/** Where a request's 100 Continue is. */
export enum ContinueState {
  /** Nothing owed: no `Expect: 100-continue`, or no body to ask for. */
  NONE,
  /** The client waits for a 100 before sending the body. */
  OWED,
  /** The 100 went out: the body is on its way. */
  SENT,
  /** A final response went out first: no 100 will follow; the connection closes after it. */
  FORFEITED,
}

/** What happens to the request. */
export enum ContinueEvent {
  /** The handler reads the body. */
  BODY_WANTED,
  /** The final response head goes out. */
  HEAD_SENT,
}

/** What the driver does on the move. */
export enum ContinueAction {
  /** Nothing to write. */
  NONE,
  /** Write `100 Continue` now. */
  SEND_100,
}

/** A row's value: the next state and what to write. */
export interface ContinueMove {
  /** State after the event. */
  readonly next: ContinueState;
  /** What to write. */
  readonly action: ContinueAction;
}

const S = ContinueState;
const E = ContinueEvent;
const move = (next: ContinueState, action = ContinueAction.NONE): ContinueMove =>
  Object.freeze({ next, action });

/** (state, event) → move; every pair has a row. */
export const CONTINUE_TABLE: StateTable<ContinueState, ContinueEvent, ContinueMove> =
  new StateTable("http1 100-continue", 4, 2, [
    [S.NONE, E.BODY_WANTED, move(S.NONE)],
    [S.NONE, E.HEAD_SENT, move(S.NONE)],
    [S.OWED, E.BODY_WANTED, move(S.SENT, ContinueAction.SEND_100)],
    [S.OWED, E.HEAD_SENT, move(S.FORFEITED)],
    [S.SENT, E.BODY_WANTED, move(S.SENT)],
    [S.SENT, E.HEAD_SENT, move(S.SENT)],
    // No 100 after a final response (RFC 9110 §15.2): reading on is the client's choice.
    [S.FORFEITED, E.BODY_WANTED, move(S.FORFEITED)],
    [S.FORFEITED, E.HEAD_SENT, move(S.FORFEITED)],
  ], { states: ContinueState, events: ContinueEvent });

/** Whether the body may be read from the client now: no 100 is owed or forfeited. */
export function bodyFlows(state: ContinueState): boolean {
  return state === ContinueState.NONE || state === ContinueState.SENT;
}
