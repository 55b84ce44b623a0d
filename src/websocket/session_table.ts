/**
 * The WebSocket session's state machine as a table: (state, event) → next
 * state, or `IGNORE`. Every pair has a row; `IGNORE` is the explicit answer
 * for an event that no longer matters in that state (anything after CLOSED,
 * a second close), and the session then does nothing.
 *
 * @module
 */
import { StateTable } from "../state/table.ts";

/** Session states; the numbers are the browser `readyState` values. */
export enum SessionState {
  /** Handshake answered by the handler, the driver has not attached yet. */
  CONNECTING = 0,
  /** Messages flow both ways. */
  OPEN = 1,
  /** We sent a close frame and wait for the peer's (bounded by closeTimeout). */
  CLOSING = 2,
  /** Done: the channel was ended or aborted. */
  CLOSED = 3,
}

/** Events that move the session. */
export enum SessionEvent {
  /** The driver opened the channel. */
  ATTACH = 0,
  /** The handler did not return the upgrade response. */
  ABANDON = 1,
  /** close() or goingAway(): we send a close frame. */
  LOCAL_CLOSE = 2,
  /** A close frame arrived. */
  PEER_CLOSE = 3,
  /** Protocol error, limit, or idle timeout: close frame then end. */
  FAILURE = 4,
  /** The transport ended without a close handshake. */
  PEER_ENDED = 5,
  /** The peer did not answer our close in time. */
  CLOSE_TIMEOUT = 6,
}

/** The row value for an event the state does not act on. */
export const IGNORE = null;

const { CONNECTING, OPEN, CLOSING, CLOSED } = SessionState;
const E = SessionEvent;

/** (state, event) → next state or IGNORE, one row for every pair. */
export const SESSION_TRANSITIONS: ReadonlyArray<
  readonly [SessionState, SessionEvent, SessionState | null]
> = [
  [CONNECTING, E.ATTACH, OPEN],
  [CONNECTING, E.ABANDON, CLOSED],
  [CONNECTING, E.LOCAL_CLOSE, IGNORE], // goingAway() before attach abandons instead
  [CONNECTING, E.PEER_CLOSE, IGNORE], // no channel yet: nothing can arrive
  [CONNECTING, E.FAILURE, IGNORE],
  [CONNECTING, E.PEER_ENDED, CLOSED],
  [CONNECTING, E.CLOSE_TIMEOUT, IGNORE],
  [OPEN, E.ATTACH, IGNORE],
  [OPEN, E.ABANDON, IGNORE],
  [OPEN, E.LOCAL_CLOSE, CLOSING],
  [OPEN, E.PEER_CLOSE, CLOSED],
  [OPEN, E.FAILURE, CLOSED],
  [OPEN, E.PEER_ENDED, CLOSED],
  [OPEN, E.CLOSE_TIMEOUT, IGNORE],
  [CLOSING, E.ATTACH, IGNORE],
  [CLOSING, E.ABANDON, IGNORE],
  [CLOSING, E.LOCAL_CLOSE, IGNORE], // our close frame is already out
  [CLOSING, E.PEER_CLOSE, CLOSED],
  [CLOSING, E.FAILURE, CLOSED],
  [CLOSING, E.PEER_ENDED, CLOSED],
  [CLOSING, E.CLOSE_TIMEOUT, CLOSED],
  // A channel attached after the end is aborted by the caller; the rest is late news.
  [CLOSED, E.ATTACH, IGNORE],
  [CLOSED, E.ABANDON, IGNORE],
  [CLOSED, E.LOCAL_CLOSE, IGNORE],
  [CLOSED, E.PEER_CLOSE, IGNORE],
  [CLOSED, E.FAILURE, IGNORE],
  [CLOSED, E.PEER_ENDED, IGNORE],
  [CLOSED, E.CLOSE_TIMEOUT, IGNORE],
];

/** The session table. */
export const SESSION_TABLE: StateTable<SessionState, SessionEvent, SessionState | null> =
  new StateTable("websocket session", 4, 7, SESSION_TRANSITIONS, {
    states: SessionState,
    events: SessionEvent,
  });
