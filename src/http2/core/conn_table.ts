/**
 * The HTTP/2 connection state machine as a table of (state, input) → (next
 * state, action). Every transition of the connection (handshake, GOAWAY
 * either way, connection errors) is looked up here. The table is total: an
 * input the state does not admit (a frame before SETTINGS, say) has its own
 * row, whose action is a connection PROTOCOL_ERROR.
 *
 * @module
 */
import { StateTable } from "../../state/table.ts";

/** Connection states (the connection-level table below). */
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
  /** AWAIT_PREFACE after our graceful GOAWAY (a shutdown right after an h2c Upgrade). */
  AWAIT_PREFACE_GOAWAY = 5,
  /** AWAIT_SETTINGS after our graceful GOAWAY: the handshake ends in DRAINING. */
  AWAIT_SETTINGS_GOAWAY = 6,
}

/** Inputs of the connection table. */
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

/** What the connection does with an input. */
export enum ConnAction {
  /** Move to the next state. */
  OK = 0,
  /** Connection error PROTOCOL_ERROR (then ERROR moves the connection to CLOSED). */
  PROTOCOL_ERROR = 1,
}

/** A row's value. */
export interface ConnMove {
  /** State after the input. */
  readonly next: ConnState;
  /** What to do. */
  readonly action: ConnAction;
}

const S = ConnState;
const I = ConnInput;
const OK = ConnAction.OK;
const PE = ConnAction.PROTOCOL_ERROR;

/** (state, input) → next state and action, one row for every pair. */
export const CONN_TRANSITIONS: ReadonlyArray<
  readonly [ConnState, ConnInput, ConnState, ConnAction]
> = [
  // The preface is read before any frame is parsed; frames cannot come first.
  [S.AWAIT_PREFACE, I.PREFACE, S.AWAIT_SETTINGS, OK],
  [S.AWAIT_PREFACE, I.SETTINGS, S.AWAIT_PREFACE, PE],
  [S.AWAIT_PREFACE, I.OTHER_FRAME, S.AWAIT_PREFACE, PE],
  // Only ours: a graceful GOAWAY before the handshake (nothing in flight but an h2c stream 1).
  [S.AWAIT_PREFACE, I.GOAWAY, S.AWAIT_PREFACE_GOAWAY, OK],
  [S.AWAIT_PREFACE, I.ERROR, S.CLOSED, OK],
  // The first frame must be SETTINGS (§3.4); a received GOAWAY is OTHER_FRAME first.
  [S.AWAIT_SETTINGS, I.PREFACE, S.AWAIT_SETTINGS, PE],
  [S.AWAIT_SETTINGS, I.SETTINGS, S.OPEN, OK],
  [S.AWAIT_SETTINGS, I.OTHER_FRAME, S.AWAIT_SETTINGS, PE],
  [S.AWAIT_SETTINGS, I.GOAWAY, S.AWAIT_SETTINGS_GOAWAY, OK],
  [S.AWAIT_SETTINGS, I.ERROR, S.CLOSED, OK],
  [S.OPEN, I.PREFACE, S.OPEN, PE],
  [S.OPEN, I.SETTINGS, S.OPEN, OK],
  [S.OPEN, I.OTHER_FRAME, S.OPEN, OK],
  [S.OPEN, I.GOAWAY, S.DRAINING, OK],
  [S.OPEN, I.ERROR, S.CLOSED, OK],
  [S.DRAINING, I.PREFACE, S.DRAINING, PE],
  [S.DRAINING, I.SETTINGS, S.DRAINING, OK],
  [S.DRAINING, I.OTHER_FRAME, S.DRAINING, OK],
  [S.DRAINING, I.GOAWAY, S.DRAINING, OK],
  [S.DRAINING, I.ERROR, S.CLOSED, OK],
  // Closed: input is no longer read (receive() returns at once), nothing moves.
  [S.CLOSED, I.PREFACE, S.CLOSED, OK],
  [S.CLOSED, I.SETTINGS, S.CLOSED, OK],
  [S.CLOSED, I.OTHER_FRAME, S.CLOSED, OK],
  [S.CLOSED, I.GOAWAY, S.CLOSED, OK],
  [S.CLOSED, I.ERROR, S.CLOSED, OK],
  [S.AWAIT_PREFACE_GOAWAY, I.PREFACE, S.AWAIT_SETTINGS_GOAWAY, OK],
  [S.AWAIT_PREFACE_GOAWAY, I.SETTINGS, S.AWAIT_PREFACE_GOAWAY, PE],
  [S.AWAIT_PREFACE_GOAWAY, I.OTHER_FRAME, S.AWAIT_PREFACE_GOAWAY, PE],
  [S.AWAIT_PREFACE_GOAWAY, I.GOAWAY, S.AWAIT_PREFACE_GOAWAY, OK],
  [S.AWAIT_PREFACE_GOAWAY, I.ERROR, S.CLOSED, OK],
  [S.AWAIT_SETTINGS_GOAWAY, I.PREFACE, S.AWAIT_SETTINGS_GOAWAY, PE],
  // The handshake ends straight in DRAINING: the GOAWAY already went out.
  [S.AWAIT_SETTINGS_GOAWAY, I.SETTINGS, S.DRAINING, OK],
  [S.AWAIT_SETTINGS_GOAWAY, I.OTHER_FRAME, S.AWAIT_SETTINGS_GOAWAY, PE],
  [S.AWAIT_SETTINGS_GOAWAY, I.GOAWAY, S.AWAIT_SETTINGS_GOAWAY, OK],
  [S.AWAIT_SETTINGS_GOAWAY, I.ERROR, S.CLOSED, OK],
];

/** The connection table. */
export const CONN_TABLE: StateTable<ConnState, ConnInput, ConnMove> = new StateTable(
  "http2 connection",
  7,
  5,
  CONN_TRANSITIONS.map(([s, i, next, action]) => [s, i, Object.freeze({ next, action })] as const),
  { states: ConnState, events: ConnInput },
);

/** The next connection state and action; throws MissingTransitionError for a pair without a row. */
export function connTransition(state: ConnState, input: ConnInput): ConnMove {
  return CONN_TABLE.next(state, input);
}

/** Whether the connection is draining: a graceful GOAWAY went out or came in. */
export function isDraining(state: ConnState): boolean {
  return state === ConnState.DRAINING || state === ConnState.AWAIT_PREFACE_GOAWAY ||
    state === ConnState.AWAIT_SETTINGS_GOAWAY;
}
