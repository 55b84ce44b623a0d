/**
 * The WebSocket session's state machine as a table: (state, event) → next
 * state. A pair missing from the table means the event is ignored in that
 * state (for example anything after CLOSED).
 *
 * @module
 */

/**
 * Session states; the numbers are the browser `readyState` values.
 */
export const SessionState = {
  /** Handshake answered by the handler, the driver has not attached yet. */
  CONNECTING: 0,
  /** Messages flow both ways. */
  OPEN: 1,
  /** We sent a close frame and wait for the peer's (bounded by closeTimeout). */
  CLOSING: 2,
  /** Done: the channel was ended or aborted. */
  CLOSED: 3,
} as const;
/**
 * One of `SessionState`.
 */
export type SessionState = typeof SessionState[keyof typeof SessionState];

/**
 * Events that move the session.
 */
export type SessionEvent =
  | "attach" // the driver opened the channel
  | "abandon" // the handler did not return the upgrade response
  | "localClose" // close() or goingAway(): we send a close frame
  | "peerClose" // a close frame arrived
  | "failure" // protocol error, limit, or idle timeout: close frame then end
  | "peerEnded" // the transport ended without a close handshake
  | "closeTimeout"; // the peer did not answer our close in time

const { CONNECTING, OPEN, CLOSING, CLOSED } = SessionState;

/**
 * The transition table.
 */
export const TRANSITIONS: Record<SessionState, Partial<Record<SessionEvent, SessionState>>> = {
  [CONNECTING]: { attach: OPEN, abandon: CLOSED, peerEnded: CLOSED },
  [OPEN]: {
    localClose: CLOSING,
    peerClose: CLOSED,
    failure: CLOSED,
    peerEnded: CLOSED,
  },
  [CLOSING]: { peerClose: CLOSED, failure: CLOSED, peerEnded: CLOSED, closeTimeout: CLOSED },
  [CLOSED]: {},
};
