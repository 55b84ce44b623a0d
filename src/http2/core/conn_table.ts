/**
 * The HTTP/2 connection state machine as a table of (state, input) → next
 * state. Every transition of the connection (handshake, GOAWAY either way,
 * connection errors) is looked up here; a missing pair is a connection
 * PROTOCOL_ERROR.
 *
 * @module
 */

/**
 * Connection states (the connection-level table below).
 */
export enum ConnState {
  /** Waiting for the 24-byte client preface (§3.4). */
  AWAIT_PREFACE = 0,
  /** Preface seen; the first frame must be SETTINGS (§3.4). */
  AWAIT_SETTINGS = 1,
  /** Normal operation. */
  OPEN = 2,
  /** A graceful GOAWAY was sent or received: open streams finish, then the connection closes. */
  DRAINING = 3,
  /** A connection error or an error GOAWAY: input is ignored, output is final. */
  CLOSED = 4,
}

/**
 * Inputs of the connection table.
 */
export enum ConnInput {
  /** The 24-byte client preface. */
  PREFACE = 0,
  /** A SETTINGS frame (not an ACK). */
  SETTINGS = 1,
  /** Any other frame. */
  OTHER_FRAME = 2,
  /** A GOAWAY NO_ERROR sent, or any GOAWAY received. */
  GOAWAY = 3,
  /** A connection error, or a GOAWAY with an error code sent. */
  ERROR = 4,
}

const INPUT_COUNT = 5;

/**
 * (state, input) → next state; a missing pair is a connection PROTOCOL_ERROR.
 */
export const CONN_TRANSITIONS: ReadonlyArray<readonly [ConnState, ConnInput, ConnState]> = [
  [ConnState.AWAIT_PREFACE, ConnInput.PREFACE, ConnState.AWAIT_SETTINGS],
  // A graceful GOAWAY before the handshake: nothing is in flight but an h2c-upgraded stream 1.
  [ConnState.AWAIT_PREFACE, ConnInput.GOAWAY, ConnState.AWAIT_PREFACE],
  [ConnState.AWAIT_PREFACE, ConnInput.ERROR, ConnState.CLOSED],
  [ConnState.AWAIT_SETTINGS, ConnInput.SETTINGS, ConnState.OPEN],
  [ConnState.AWAIT_SETTINGS, ConnInput.GOAWAY, ConnState.AWAIT_SETTINGS],
  [ConnState.AWAIT_SETTINGS, ConnInput.ERROR, ConnState.CLOSED],
  [ConnState.OPEN, ConnInput.SETTINGS, ConnState.OPEN],
  [ConnState.OPEN, ConnInput.OTHER_FRAME, ConnState.OPEN],
  [ConnState.OPEN, ConnInput.GOAWAY, ConnState.DRAINING],
  [ConnState.OPEN, ConnInput.ERROR, ConnState.CLOSED],
  [ConnState.DRAINING, ConnInput.SETTINGS, ConnState.DRAINING],
  [ConnState.DRAINING, ConnInput.OTHER_FRAME, ConnState.DRAINING],
  [ConnState.DRAINING, ConnInput.GOAWAY, ConnState.DRAINING],
  [ConnState.DRAINING, ConnInput.ERROR, ConnState.CLOSED],
  [ConnState.CLOSED, ConnInput.ERROR, ConnState.CLOSED],
];

const CONN_TABLE: Array<ConnState | undefined> = [];
for (const [s, i, n] of CONN_TRANSITIONS) CONN_TABLE[s * INPUT_COUNT + i] = n;

/**
 * The next connection state, or undefined when the pair is not in the table.
 */
export function connTransition(state: ConnState, input: ConnInput): ConnState | undefined {
  return CONN_TABLE[state * INPUT_COUNT + input];
}
