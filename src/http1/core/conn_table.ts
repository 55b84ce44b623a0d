/**
 * The HTTP/1.1 connection state machine, as a table the driver goes through
 * for every change of state (in the manner of h11's `_state.py`).
 *
 * One state covers the connection and our (the responding) side. The
 * request side needs less: whether the current request's body has been read
 * to its end is kept on the message (`BodyState`), and whether the client
 * closed its sending side is one fact of the connection (`peerEnded`); the
 * parser itself tracks where it is inside a message.
 *
 * @module
 */

/**
 * Where an HTTP/1.1 connection is.
 */
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
  /** Between requests: the client is not reading our responses; nothing is read until it does. */
  PAUSED,
  /** Closing (flushing, or cut off): nothing more is read or answered. */
  CLOSING,
  /** The socket is gone. */
  CLOSED,
}

/**
 * What moves a connection from one state to another.
 */
export enum ConnEvent {
  /** A request head arrived that allows the connection to go on. */
  REQUEST,
  /** A request head arrived after which the connection must close. */
  REQUEST_CLOSE,
  /** A request head asking for `Upgrade: h2c` arrived. */
  UPGRADE_ASKED,
  /** HTTP/2 took the connection. */
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

const S = ConnState;
const E = ConnEvent;

/**
 * (state, event) → next state. A missing pair is a bug in the driver, never a client's doing.
 */
export const TRANSITIONS: ReadonlyArray<Partial<Record<ConnEvent, ConnState>>> = (() => {
  const t: Array<Partial<Record<ConnEvent, ConnState>>> = [];
  t[S.IDLE] = {
    [E.REQUEST]: S.SEND_BODY,
    [E.REQUEST_CLOSE]: S.MUST_CLOSE,
    [E.UPGRADE_ASKED]: S.MIGHT_SWITCH_PROTOCOL,
    [E.CLOSE]: S.CLOSING,
    [E.SOCKET_CLOSED]: S.CLOSED,
  };
  t[S.SEND_BODY] = {
    [E.CLOSE_AFTER]: S.MUST_CLOSE,
    [E.RESPONSE_DONE]: S.DONE,
    [E.CYCLE_DONE]: S.IDLE,
    [E.CYCLE_DONE_BACKED_UP]: S.PAUSED,
    [E.CLOSE]: S.CLOSING,
    [E.SOCKET_CLOSED]: S.CLOSED,
  };
  t[S.DONE] = {
    [E.CLOSE_AFTER]: S.MUST_CLOSE,
    [E.CYCLE_DONE]: S.IDLE,
    [E.CYCLE_DONE_BACKED_UP]: S.PAUSED,
    [E.CLOSE]: S.CLOSING,
    [E.SOCKET_CLOSED]: S.CLOSED,
  };
  t[S.MUST_CLOSE] = {
    [E.CLOSE_AFTER]: S.MUST_CLOSE,
    [E.CLOSE]: S.CLOSING,
    [E.SOCKET_CLOSED]: S.CLOSED,
  };
  t[S.MIGHT_SWITCH_PROTOCOL] = {
    [E.UPGRADE_TAKEN]: S.SWITCHED_PROTOCOL,
    [E.UPGRADE_DECLINED]: S.SEND_BODY,
    [E.UPGRADE_DECLINED_CLOSE]: S.MUST_CLOSE,
    [E.CLOSE]: S.CLOSING,
    [E.SOCKET_CLOSED]: S.CLOSED,
  };
  t[S.SWITCHED_PROTOCOL] = {
    // The socket now belongs to HTTP/2; its closing is no longer ours to handle.
    [E.SOCKET_CLOSED]: S.SWITCHED_PROTOCOL,
  };
  t[S.PAUSED] = {
    [E.DRAINED]: S.IDLE,
    [E.CLOSE]: S.CLOSING,
    [E.SOCKET_CLOSED]: S.CLOSED,
  };
  t[S.CLOSING] = {
    [E.CLOSE_AFTER]: S.CLOSING,
    [E.CLOSE]: S.CLOSING,
    [E.SOCKET_CLOSED]: S.CLOSED,
  };
  t[S.CLOSED] = {
    [E.CLOSE_AFTER]: S.CLOSED,
    [E.CLOSE]: S.CLOSED,
    [E.SOCKET_CLOSED]: S.CLOSED,
  };
  return t;
})();

/** Number of events: the width of a row in {@linkcode FLAT}. */
const EVENTS = Object.keys(ConnEvent).length / 2;

/** TRANSITIONS as one flat array (state * EVENTS + event → next state, -1 for none). */
const FLAT: Int8Array = (() => {
  const flat = new Int8Array(TRANSITIONS.length * EVENTS).fill(-1);
  TRANSITIONS.forEach((row, state) => {
    for (const [event, next] of Object.entries(row)) flat[state * EVENTS + Number(event)] = next;
  });
  return flat;
})();

/**
 * The state after `event` in `state`; throws on a pair the table does not
 * have (a driver bug).
 */
export function nextState(state: ConnState, event: ConnEvent): ConnState {
  const next = FLAT[state * EVENTS + event]!;
  if (next < 0) {
    throw new Error(`http1: no transition from ${ConnState[state]} on ${ConnEvent[event]}`);
  }
  return next;
}
