/**
 * The HTTP/1.1 connection state machine, as a table the driver goes through
 * for every change of state (in the manner of h11's `_state.py`).
 *
 * One state covers the connection and our (the responding) side. The
 * request side needs less: whether the current request's body has been read
 * to its end is kept on the message (`BodyState`), whether a 100 Continue is
 * owed is the request's own small table (`continue_table.ts`), and whether
 * the client closed its sending side is one fact of the connection
 * (`peerEnded`); the parser itself tracks where it is inside a message.
 *
 * Every event here is the driver's decision (client input only ever leads to
 * `CLOSE`), so the table is written as a full matrix and a pair the driver
 * never produces is an explicit `NEVER` cell: {@linkcode nextState} throws on
 * it, as on any driver bug.
 *
 * @module
 */
import { StateTable } from "../../state/table.ts";

/** Where an HTTP/1.1 connection is. */
export enum ConnState {
  /** No request in flight: waiting for (or reading) the next request head. */
  IDLE,
  /** A request is being answered; the connection stays open after it. */
  SEND_BODY,
  /** Our response is complete; the rest of the request body is being read and thrown away. */
  DONE,
  /** A request is being answered; the connection closes once its response is out. */
  MUST_CLOSE,
  /** `Upgrade: h2c` was asked; the choice waits for the end of the request body. */
  MIGHT_SWITCH_PROTOCOL,
  /** The connection was handed to HTTP/2. */
  SWITCHED_PROTOCOL,
  /** A WebSocket handshake (`GET` with `Upgrade: websocket`): the handler's answer decides. */
  WEBSOCKET_ASKED,
  /** The handler accepted the handshake: 101 sent, the WebSocket session owns the socket. */
  WEBSOCKET,
  /** Between requests: the client is not reading our responses; nothing is read until it does. */
  PAUSED,
  /** Closing (flushing, or cut off): nothing more is read or answered. */
  CLOSING,
  /** The socket is gone. */
  CLOSED,
}

/** What moves a connection from one state to another. */
export enum ConnEvent {
  /** A request head arrived that allows the connection to go on. */
  REQUEST,
  /** A request head arrived after which the connection must close. */
  REQUEST_CLOSE,
  /** A request head asking for `Upgrade: h2c` arrived. */
  UPGRADE_ASKED,
  /** A WebSocket handshake request arrived. */
  WEBSOCKET_ASKED,
  /** HTTP/2 took the connection, or the handler accepted the WebSocket handshake. */
  UPGRADE_TAKEN,
  /** The upgrade was declined; the request is served here and the connection goes on. */
  UPGRADE_DECLINED,
  /** The upgrade was declined; the request is served here, then the connection closes. */
  UPGRADE_DECLINED_CLOSE,
  /** Something decided the connection closes after the current response. */
  CLOSE_AFTER,
  /** The response is complete, the request body is not: read it to its end. */
  RESPONSE_DONE,
  /** Response and request body are both complete: ready for the next request. */
  CYCLE_DONE,
  /** Both are complete, but the client has not read our responses. */
  CYCLE_DONE_BACKED_UP,
  /** The client read enough: go on. */
  DRAINED,
  /** We close (flush then close, or cut off). */
  CLOSE,
  /** The socket closed. */
  SOCKET_CLOSED,
}

/** A cell for a pair the driver never produces: looking it up throws (a driver bug). */
export const NEVER = null;

const S = ConnState;
const N = NEVER;

/**
 * One row per state, one cell per event in {@linkcode ConnEvent} order; the
 * every-pair test and the docs check read the table built from it.
 */
// deno-fmt-ignore
const MATRIX: ReadonlyArray<readonly [ConnState, ReadonlyArray<ConnState | null>]> = [
  //                           REQUEST      REQUEST_CLOSE UPGRADE_ASKED            WEBSOCKET_ASKED    UPGRADE_TAKEN          UPGRADE_DECLINED UPGRADE_DECLINED_CLOSE CLOSE_AFTER   RESPONSE_DONE CYCLE_DONE CYCLE_DONE_BACKED_UP DRAINED CLOSE      SOCKET_CLOSED
  [S.IDLE,                  [S.SEND_BODY, S.MUST_CLOSE, S.MIGHT_SWITCH_PROTOCOL, S.WEBSOCKET_ASKED, N,                     N,               N,                     N,            N,            N,         N,                   N,      S.CLOSING, S.CLOSED]],
  [S.SEND_BODY,             [N,           N,            N,                       N,                 N,                     N,               N,                     S.MUST_CLOSE, S.DONE,       S.IDLE,    S.PAUSED,            N,      S.CLOSING, S.CLOSED]],
  [S.DONE,                  [N,           N,            N,                       N,                 N,                     N,               N,                     S.MUST_CLOSE, N,            S.IDLE,    S.PAUSED,            N,      S.CLOSING, S.CLOSED]],
  [S.MUST_CLOSE,            [N,           N,            N,                       N,                 N,                     N,               N,                     S.MUST_CLOSE, N,            N,         N,                   N,      S.CLOSING, S.CLOSED]],
  [S.MIGHT_SWITCH_PROTOCOL, [N,           N,            N,                       N,                 S.SWITCHED_PROTOCOL,   S.SEND_BODY,     S.MUST_CLOSE,          N,            N,            N,         N,                   N,      S.CLOSING, S.CLOSED]],
  // The socket now belongs to HTTP/2; its closing is no longer ours to handle.
  [S.SWITCHED_PROTOCOL,     [N,           N,            N,                       N,                 N,                     N,               N,                     N,            N,            N,         N,                   N,      N,         S.SWITCHED_PROTOCOL]],
  [S.WEBSOCKET_ASKED,       [N,           N,            N,                       N,                 S.WEBSOCKET,           S.SEND_BODY,     S.MUST_CLOSE,          N,            N,            N,         N,                   N,      S.CLOSING, S.CLOSED]],
  // The session owns the socket and its closing; only the socket's end is ours to note.
  [S.WEBSOCKET,             [N,           N,            N,                       N,                 N,                     N,               N,                     N,            N,            N,         N,                   N,      N,         S.CLOSED]],
  [S.PAUSED,                [N,           N,            N,                       N,                 N,                     N,               N,                     N,            N,            N,         N,                   S.IDLE, S.CLOSING, S.CLOSED]],
  [S.CLOSING,               [N,           N,            N,                       N,                 N,                     N,               N,                     S.CLOSING,    N,            N,         N,                   N,      S.CLOSING, S.CLOSED]],
  [S.CLOSED,                [N,           N,            N,                       N,                 N,                     N,               N,                     S.CLOSED,     N,            N,         N,                   N,      S.CLOSED,  S.CLOSED]],
];

/** The connection table: (state, event) → next state, or {@linkcode NEVER}. */
export const CONN_TABLE: StateTable<ConnState, ConnEvent, ConnState | null> = new StateTable(
  "http1 connection",
  Object.keys(ConnState).length / 2,
  Object.keys(ConnEvent).length / 2,
  MATRIX.flatMap(([s, cells]) =>
    cells.map((next, e) =>
      [s, e as ConnEvent, next] as readonly [ConnState, ConnEvent, ConnState | null]
    )
  ),
  { states: ConnState, events: ConnEvent },
);

/** The state after `event` in `state`; throws on a `NEVER` pair (a driver bug). */
export function nextState(state: ConnState, event: ConnEvent): ConnState {
  const next = CONN_TABLE.next(state, event);
  if (next === NEVER) {
    throw new Error(`http1: no transition from ${ConnState[state]} on ${ConnEvent[event]}`);
  }
  return next;
}
