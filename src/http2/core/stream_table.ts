/**
 * The RFC 9113 §5.1 stream state machine as a table of
 * (state, event) → (next state, action), one row for every pair: a frame
 * the state forbids is answered by its row (connection PROTOCOL_ERROR, stream
 * STREAM_CLOSED, ...) and a send the state forbids is a MISUSE row.
 *
 * This is the server side without push: the reserved states cannot occur
 * (we never send PUSH_PROMISE and a client may not), so they are omitted.
 * "closed" is split by cause, because §5.1 treats late frames differently
 * after END_STREAM, after our RST_STREAM and after the peer's; FORGOTTEN is a
 * stream closed so long ago that the closed-stream memory dropped it.
 *
 * @module
 */
import { StateTable } from "../../state/table.ts";

/**
 * Stream states (§5.1), with "closed" split by cause.
 */
export enum StreamState {
  IDLE = 0,
  OPEN = 1,
  HALF_CLOSED_LOCAL = 2,
  HALF_CLOSED_REMOTE = 3,
  /** Closed after END_STREAM both ways. */
  CLOSED = 4,
  /** Closed because we sent RST_STREAM: late frames are ignored (grace). */
  CLOSED_RESET_LOCAL = 5,
  /** Closed because the peer sent RST_STREAM. */
  CLOSED_RESET_REMOTE = 6,
  /** Closed and no longer remembered (id below the highest seen). */
  FORGOTTEN = 7,
}

/**
 * Inputs to the table: frames received and actions sent. END_STREAM is its own event after HEADERS/DATA.
 */
export enum StreamEvent {
  RECV_HEADERS = 0,
  RECV_DATA = 1,
  RECV_END_STREAM = 2,
  RECV_RST_STREAM = 3,
  RECV_WINDOW_UPDATE = 4,
  RECV_PRIORITY = 5,
  RECV_PUSH_PROMISE = 6,
  SEND_HEADERS = 7,
  SEND_DATA = 8,
  SEND_END_STREAM = 9,
  SEND_RST_STREAM = 10,
  /** A stream error we answer with RST_STREAM (a refused or rejected stream included). */
  STREAM_ERROR = 11,
}

/**
 * What the connection does with the event.
 */
export enum StreamAction {
  /** Process it. */
  OK = 0,
  /** Drop it silently (the state does not change). */
  IGNORE = 1,
  /** Stream error STREAM_CLOSED (we send RST_STREAM; next state CLOSED_RESET_LOCAL). */
  STREAM_CLOSED = 2,
  /** Connection error STREAM_CLOSED. */
  CONN_STREAM_CLOSED = 3,
  /** Connection error PROTOCOL_ERROR. */
  CONN_PROTOCOL_ERROR = 4,
  /** A send on a stream that is already closed (a race with the peer's RST): dropped. */
  DROP = 5,
  /** A send the state forbids (API misuse): the call throws. */
  MISUSE = 6,
}

/**
 * One table entry.
 */
export interface Transition {
  /** State after the event. */
  readonly next: StreamState;
  /** What to do. */
  readonly action: StreamAction;
}

/**
 * Number of states and events (table dimensions).
 */
export const STATE_COUNT = 8;
/**
 * Number of events.
 */
export const EVENT_COUNT = 12;

const S = StreamState;
const E = StreamEvent;
const A = StreamAction;

/**
 * The table, as rows [state, event, next, action].
 */
export const STREAM_TRANSITIONS: ReadonlyArray<
  readonly [StreamState, StreamEvent, StreamState, StreamAction]
> = [
  // idle: only HEADERS opens; PRIORITY is allowed and changes nothing. Any other frame on an
  // idle stream is a connection PROTOCOL_ERROR (§5.1), and no state admits a client's
  // PUSH_PROMISE (§8.4). Sends on a stream the client has not opened are API misuse.
  [S.IDLE, E.RECV_HEADERS, S.OPEN, A.OK],
  [S.IDLE, E.RECV_DATA, S.IDLE, A.CONN_PROTOCOL_ERROR],
  [S.IDLE, E.RECV_END_STREAM, S.IDLE, A.CONN_PROTOCOL_ERROR],
  [S.IDLE, E.RECV_RST_STREAM, S.IDLE, A.CONN_PROTOCOL_ERROR],
  [S.IDLE, E.RECV_WINDOW_UPDATE, S.IDLE, A.CONN_PROTOCOL_ERROR],
  [S.IDLE, E.RECV_PRIORITY, S.IDLE, A.OK],
  [S.IDLE, E.RECV_PUSH_PROMISE, S.IDLE, A.CONN_PROTOCOL_ERROR],
  [S.IDLE, E.SEND_HEADERS, S.IDLE, A.MISUSE],
  [S.IDLE, E.SEND_DATA, S.IDLE, A.MISUSE],
  [S.IDLE, E.SEND_END_STREAM, S.IDLE, A.MISUSE],
  [S.IDLE, E.SEND_RST_STREAM, S.IDLE, A.MISUSE],
  // A stream we refuse or reject at its HEADERS is closed by our RST_STREAM.
  [S.IDLE, E.STREAM_ERROR, S.CLOSED_RESET_LOCAL, A.OK],
  // open
  [S.OPEN, E.RECV_HEADERS, S.OPEN, A.OK],
  [S.OPEN, E.RECV_DATA, S.OPEN, A.OK],
  [S.OPEN, E.RECV_END_STREAM, S.HALF_CLOSED_REMOTE, A.OK],
  [S.OPEN, E.RECV_RST_STREAM, S.CLOSED_RESET_REMOTE, A.OK],
  [S.OPEN, E.RECV_WINDOW_UPDATE, S.OPEN, A.OK],
  [S.OPEN, E.RECV_PRIORITY, S.OPEN, A.OK],
  [S.OPEN, E.RECV_PUSH_PROMISE, S.OPEN, A.CONN_PROTOCOL_ERROR],
  [S.OPEN, E.SEND_HEADERS, S.OPEN, A.OK],
  [S.OPEN, E.SEND_DATA, S.OPEN, A.OK],
  [S.OPEN, E.SEND_END_STREAM, S.HALF_CLOSED_LOCAL, A.OK],
  [S.OPEN, E.SEND_RST_STREAM, S.CLOSED_RESET_LOCAL, A.OK],
  [S.OPEN, E.STREAM_ERROR, S.CLOSED_RESET_LOCAL, A.OK],
  // half-closed (local): we finished; the peer may still send.
  [S.HALF_CLOSED_LOCAL, E.RECV_HEADERS, S.HALF_CLOSED_LOCAL, A.OK],
  [S.HALF_CLOSED_LOCAL, E.RECV_DATA, S.HALF_CLOSED_LOCAL, A.OK],
  [S.HALF_CLOSED_LOCAL, E.RECV_END_STREAM, S.CLOSED, A.OK],
  [S.HALF_CLOSED_LOCAL, E.RECV_RST_STREAM, S.CLOSED_RESET_REMOTE, A.OK],
  [S.HALF_CLOSED_LOCAL, E.RECV_WINDOW_UPDATE, S.HALF_CLOSED_LOCAL, A.OK],
  [S.HALF_CLOSED_LOCAL, E.RECV_PRIORITY, S.HALF_CLOSED_LOCAL, A.OK],
  [S.HALF_CLOSED_LOCAL, E.RECV_PUSH_PROMISE, S.HALF_CLOSED_LOCAL, A.CONN_PROTOCOL_ERROR],
  [S.HALF_CLOSED_LOCAL, E.SEND_HEADERS, S.HALF_CLOSED_LOCAL, A.MISUSE],
  [S.HALF_CLOSED_LOCAL, E.SEND_DATA, S.HALF_CLOSED_LOCAL, A.MISUSE],
  [S.HALF_CLOSED_LOCAL, E.SEND_END_STREAM, S.HALF_CLOSED_LOCAL, A.MISUSE],
  [S.HALF_CLOSED_LOCAL, E.SEND_RST_STREAM, S.CLOSED_RESET_LOCAL, A.OK],
  [S.HALF_CLOSED_LOCAL, E.STREAM_ERROR, S.CLOSED_RESET_LOCAL, A.OK],
  // half-closed (remote): the peer finished; more HEADERS/DATA is STREAM_CLOSED (§5.1).
  [S.HALF_CLOSED_REMOTE, E.RECV_HEADERS, S.CLOSED_RESET_LOCAL, A.STREAM_CLOSED],
  [S.HALF_CLOSED_REMOTE, E.RECV_DATA, S.CLOSED_RESET_LOCAL, A.STREAM_CLOSED],
  [S.HALF_CLOSED_REMOTE, E.RECV_END_STREAM, S.CLOSED_RESET_LOCAL, A.STREAM_CLOSED],
  [S.HALF_CLOSED_REMOTE, E.RECV_RST_STREAM, S.CLOSED_RESET_REMOTE, A.OK],
  [S.HALF_CLOSED_REMOTE, E.RECV_WINDOW_UPDATE, S.HALF_CLOSED_REMOTE, A.OK],
  [S.HALF_CLOSED_REMOTE, E.RECV_PRIORITY, S.HALF_CLOSED_REMOTE, A.OK],
  [S.HALF_CLOSED_REMOTE, E.RECV_PUSH_PROMISE, S.HALF_CLOSED_REMOTE, A.CONN_PROTOCOL_ERROR],
  [S.HALF_CLOSED_REMOTE, E.SEND_HEADERS, S.HALF_CLOSED_REMOTE, A.OK],
  [S.HALF_CLOSED_REMOTE, E.SEND_DATA, S.HALF_CLOSED_REMOTE, A.OK],
  [S.HALF_CLOSED_REMOTE, E.SEND_END_STREAM, S.CLOSED, A.OK],
  [S.HALF_CLOSED_REMOTE, E.SEND_RST_STREAM, S.CLOSED_RESET_LOCAL, A.OK],
  [S.HALF_CLOSED_REMOTE, E.STREAM_ERROR, S.CLOSED_RESET_LOCAL, A.OK],
  // closed after END_STREAM from the peer: more frames are a connection error (§5.1),
  // except WINDOW_UPDATE/RST_STREAM (ignored) and PRIORITY. A later RST_STREAM from the
  // peer is remembered: after it, the peer may send nothing more (CLOSED_RESET_REMOTE).
  [S.CLOSED, E.RECV_HEADERS, S.CLOSED, A.CONN_STREAM_CLOSED],
  [S.CLOSED, E.RECV_DATA, S.CLOSED, A.CONN_STREAM_CLOSED],
  [S.CLOSED, E.RECV_END_STREAM, S.CLOSED, A.CONN_STREAM_CLOSED],
  [S.CLOSED, E.RECV_RST_STREAM, S.CLOSED_RESET_REMOTE, A.IGNORE],
  [S.CLOSED, E.RECV_WINDOW_UPDATE, S.CLOSED, A.IGNORE],
  [S.CLOSED, E.RECV_PRIORITY, S.CLOSED, A.OK],
  [S.CLOSED, E.RECV_PUSH_PROMISE, S.CLOSED, A.CONN_PROTOCOL_ERROR],
  [S.CLOSED, E.SEND_HEADERS, S.CLOSED, A.DROP],
  [S.CLOSED, E.SEND_DATA, S.CLOSED, A.DROP],
  [S.CLOSED, E.SEND_END_STREAM, S.CLOSED, A.DROP],
  [S.CLOSED, E.SEND_RST_STREAM, S.CLOSED, A.DROP],
  [S.CLOSED, E.STREAM_ERROR, S.CLOSED_RESET_LOCAL, A.OK],
  // closed by our RST_STREAM: frames in flight are ignored (§5.1 "closed"), until the peer's
  // own RST_STREAM says it has stopped sending.
  [S.CLOSED_RESET_LOCAL, E.RECV_HEADERS, S.CLOSED_RESET_LOCAL, A.IGNORE],
  [S.CLOSED_RESET_LOCAL, E.RECV_DATA, S.CLOSED_RESET_LOCAL, A.IGNORE],
  [S.CLOSED_RESET_LOCAL, E.RECV_END_STREAM, S.CLOSED_RESET_LOCAL, A.IGNORE],
  [S.CLOSED_RESET_LOCAL, E.RECV_RST_STREAM, S.CLOSED_RESET_REMOTE, A.IGNORE],
  [S.CLOSED_RESET_LOCAL, E.RECV_WINDOW_UPDATE, S.CLOSED_RESET_LOCAL, A.IGNORE],
  [S.CLOSED_RESET_LOCAL, E.RECV_PRIORITY, S.CLOSED_RESET_LOCAL, A.OK],
  [S.CLOSED_RESET_LOCAL, E.RECV_PUSH_PROMISE, S.CLOSED_RESET_LOCAL, A.CONN_PROTOCOL_ERROR],
  [S.CLOSED_RESET_LOCAL, E.SEND_HEADERS, S.CLOSED_RESET_LOCAL, A.DROP],
  [S.CLOSED_RESET_LOCAL, E.SEND_DATA, S.CLOSED_RESET_LOCAL, A.DROP],
  [S.CLOSED_RESET_LOCAL, E.SEND_END_STREAM, S.CLOSED_RESET_LOCAL, A.DROP],
  [S.CLOSED_RESET_LOCAL, E.SEND_RST_STREAM, S.CLOSED_RESET_LOCAL, A.DROP],
  [S.CLOSED_RESET_LOCAL, E.STREAM_ERROR, S.CLOSED_RESET_LOCAL, A.OK],
  // closed by the peer's RST_STREAM: anything but PRIORITY is STREAM_CLOSED (§5.1);
  // WINDOW_UPDATE/RST_STREAM are ignored as §5.1 allows for frames in flight.
  [S.CLOSED_RESET_REMOTE, E.RECV_HEADERS, S.CLOSED_RESET_LOCAL, A.STREAM_CLOSED],
  [S.CLOSED_RESET_REMOTE, E.RECV_DATA, S.CLOSED_RESET_LOCAL, A.STREAM_CLOSED],
  [S.CLOSED_RESET_REMOTE, E.RECV_END_STREAM, S.CLOSED_RESET_LOCAL, A.STREAM_CLOSED],
  [S.CLOSED_RESET_REMOTE, E.RECV_RST_STREAM, S.CLOSED_RESET_REMOTE, A.IGNORE],
  [S.CLOSED_RESET_REMOTE, E.RECV_WINDOW_UPDATE, S.CLOSED_RESET_REMOTE, A.IGNORE],
  [S.CLOSED_RESET_REMOTE, E.RECV_PRIORITY, S.CLOSED_RESET_REMOTE, A.OK],
  [S.CLOSED_RESET_REMOTE, E.RECV_PUSH_PROMISE, S.CLOSED_RESET_REMOTE, A.CONN_PROTOCOL_ERROR],
  [S.CLOSED_RESET_REMOTE, E.SEND_HEADERS, S.CLOSED_RESET_REMOTE, A.DROP],
  [S.CLOSED_RESET_REMOTE, E.SEND_DATA, S.CLOSED_RESET_REMOTE, A.DROP],
  [S.CLOSED_RESET_REMOTE, E.SEND_END_STREAM, S.CLOSED_RESET_REMOTE, A.DROP],
  [S.CLOSED_RESET_REMOTE, E.SEND_RST_STREAM, S.CLOSED_RESET_REMOTE, A.DROP],
  [S.CLOSED_RESET_REMOTE, E.STREAM_ERROR, S.CLOSED_RESET_LOCAL, A.OK],
  // forgotten, or never opened below the highest id (implicitly closed, §5.1.1): a HEADERS
  // there is an unexpected stream id (connection PROTOCOL_ERROR); DATA gets STREAM_CLOSED (§6.1).
  [S.FORGOTTEN, E.RECV_HEADERS, S.FORGOTTEN, A.CONN_PROTOCOL_ERROR],
  [S.FORGOTTEN, E.RECV_DATA, S.FORGOTTEN, A.STREAM_CLOSED],
  [S.FORGOTTEN, E.RECV_END_STREAM, S.FORGOTTEN, A.STREAM_CLOSED],
  [S.FORGOTTEN, E.RECV_RST_STREAM, S.FORGOTTEN, A.IGNORE],
  [S.FORGOTTEN, E.RECV_WINDOW_UPDATE, S.FORGOTTEN, A.IGNORE],
  [S.FORGOTTEN, E.RECV_PRIORITY, S.FORGOTTEN, A.OK],
  [S.FORGOTTEN, E.RECV_PUSH_PROMISE, S.FORGOTTEN, A.CONN_PROTOCOL_ERROR],
  [S.FORGOTTEN, E.SEND_HEADERS, S.FORGOTTEN, A.DROP],
  [S.FORGOTTEN, E.SEND_DATA, S.FORGOTTEN, A.DROP],
  [S.FORGOTTEN, E.SEND_END_STREAM, S.FORGOTTEN, A.DROP],
  [S.FORGOTTEN, E.SEND_RST_STREAM, S.FORGOTTEN, A.DROP],
  [S.FORGOTTEN, E.STREAM_ERROR, S.CLOSED_RESET_LOCAL, A.OK],
];

/** The table; every (state, event) pair has a row. */
export const STREAM_TABLE: StateTable<StreamState, StreamEvent, Transition> = new StateTable(
  "http2 stream",
  STATE_COUNT,
  EVENT_COUNT,
  STREAM_TRANSITIONS.map(([s, e, next, action]) =>
    [s, e, Object.freeze({ next, action })] as const
  ),
  { states: StreamState, events: StreamEvent },
);

/**
 * Whether an event is a received frame (as opposed to one of our sends).
 */
export function isRecvEvent(event: StreamEvent): boolean {
  return event <= StreamEvent.RECV_PUSH_PROMISE;
}

/**
 * Looks up (state, event). The table is total: bad peer input gets its row's
 * answer (a connection PROTOCOL_ERROR for DATA on an idle stream or a client's
 * PUSH_PROMISE); a pair without a row would throw MissingTransitionError.
 */
export function transition(state: StreamState, event: StreamEvent): Transition {
  return STREAM_TABLE.next(state, event);
}

/**
 * Whether a state counts toward MAX_CONCURRENT_STREAMS (§5.1.2: open and half-closed).
 */
export function isActiveState(state: StreamState): boolean {
  return state === StreamState.OPEN || state === StreamState.HALF_CLOSED_LOCAL ||
    state === StreamState.HALF_CLOSED_REMOTE;
}
