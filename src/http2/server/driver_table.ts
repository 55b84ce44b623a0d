/**
 * The HTTP/2 driver's own life, as a table: the connection as the socket
 * side sees it (our SETTINGS acknowledged or not, closing, closed), apart
 * from the core's protocol state (`ConnState`). Scheduling facts (a flush is
 * queued, the socket is backed up) are not part of it: see the driver.
 *
 * @module
 */
import { StateTable } from "../../state/table.ts";

/** Where the driver is. */
export enum DriverState {
  /** Our SETTINGS are not acknowledged yet (the SETTINGS timeout runs). */
  HANDSHAKE = 0,
  /** The peer acknowledged our SETTINGS: serving. */
  READY = 1,
  /** Closing: the final flush is under way (or the socket was cut); nothing more is read. */
  CLOSING = 2,
  /** The socket is gone: nothing more is written either. */
  CLOSED = 3,
}

/** What moves the driver. */
export enum DriverEvent {
  /** The peer acknowledged our SETTINGS. */
  SETTINGS_ACKED = 0,
  /** We close: flush then close, or cut the socket off. */
  CLOSE = 1,
  /** The socket closed. */
  SOCKET_CLOSED = 2,
}

const S = DriverState;
const E = DriverEvent;

/** (state, event) → next state, one row for every pair. */
export const DRIVER_TRANSITIONS: ReadonlyArray<readonly [DriverState, DriverEvent, DriverState]> = [
  [S.HANDSHAKE, E.SETTINGS_ACKED, S.READY],
  [S.HANDSHAKE, E.CLOSE, S.CLOSING],
  [S.HANDSHAKE, E.SOCKET_CLOSED, S.CLOSED],
  // A later SETTINGS of ours (a cut that waits for its ACK) is acknowledged too.
  [S.READY, E.SETTINGS_ACKED, S.READY],
  [S.READY, E.CLOSE, S.CLOSING],
  [S.READY, E.SOCKET_CLOSED, S.CLOSED],
  [S.CLOSING, E.SETTINGS_ACKED, S.CLOSING],
  [S.CLOSING, E.CLOSE, S.CLOSING],
  [S.CLOSING, E.SOCKET_CLOSED, S.CLOSED],
  [S.CLOSED, E.SETTINGS_ACKED, S.CLOSED],
  [S.CLOSED, E.CLOSE, S.CLOSED],
  [S.CLOSED, E.SOCKET_CLOSED, S.CLOSED],
];

/** The driver table. */
export const DRIVER_TABLE: StateTable<DriverState, DriverEvent, DriverState> = new StateTable(
  "http2 driver",
  4,
  3,
  DRIVER_TRANSITIONS,
  { states: DriverState, events: DriverEvent },
);
