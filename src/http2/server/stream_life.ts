/**
 * A stream's life as the HTTP/2 driver sees it: whether the request is
 * still arriving, whether the response is still being produced, and whether
 * the stream still exists on the wire. One state, moved by a table, in
 * place of a set of flags; {@link StreamLife.FINISHED} is the only state in
 * which the driver may forget the stream.
 *
 * @module
 */
import { StateTable } from "../../state/table.ts";

/**
 * Where a stream is in its life (driver side).
 */
export enum StreamLife {
  /** The request body may still arrive; the response is being produced. */
  OPEN = 0,
  /** The peer sent END_STREAM; the response is being produced. */
  REMOTE_DONE = 1,
  /** The response went out or failed; the rest of the request body is drained. */
  ANSWERED = 2,
  /** Closed or reset on the wire while the exchange is still finishing: nothing more is sent. */
  GONE = 3,
  /** Nothing is owed either way: the stream can be forgotten. */
  FINISHED = 4,
}

/**
 * What happens to a stream.
 */
export enum LifeEvent {
  /** The peer's END_STREAM arrived. */
  REMOTE_END = 0,
  /** The exchange finished (response sent or failed). */
  ANSWER = 1,
  /** The stream closed on the wire (both END_STREAMs out, or our RST_STREAM after an answer). */
  WIRE_CLOSED = 2,
  /** The stream died (reset by either side, connection lost): exchange and body are aborted. */
  LOST = 3,
}

const L = StreamLife;
const EVENTS = 4;

/**
 * (life, event) → next life, as rows; every pair is listed.
 */
export const LIFE_TRANSITIONS: ReadonlyArray<readonly [StreamLife, LifeEvent, StreamLife]> = [
  [L.OPEN, LifeEvent.REMOTE_END, L.REMOTE_DONE],
  [L.OPEN, LifeEvent.ANSWER, L.ANSWERED],
  [L.OPEN, LifeEvent.WIRE_CLOSED, L.GONE],
  [L.OPEN, LifeEvent.LOST, L.FINISHED],
  [L.REMOTE_DONE, LifeEvent.REMOTE_END, L.REMOTE_DONE],
  [L.REMOTE_DONE, LifeEvent.ANSWER, L.FINISHED],
  [L.REMOTE_DONE, LifeEvent.WIRE_CLOSED, L.GONE],
  [L.REMOTE_DONE, LifeEvent.LOST, L.FINISHED],
  [L.ANSWERED, LifeEvent.REMOTE_END, L.FINISHED],
  [L.ANSWERED, LifeEvent.ANSWER, L.ANSWERED],
  [L.ANSWERED, LifeEvent.WIRE_CLOSED, L.FINISHED],
  [L.ANSWERED, LifeEvent.LOST, L.FINISHED],
  [L.GONE, LifeEvent.REMOTE_END, L.GONE],
  [L.GONE, LifeEvent.ANSWER, L.FINISHED],
  [L.GONE, LifeEvent.WIRE_CLOSED, L.GONE],
  [L.GONE, LifeEvent.LOST, L.FINISHED],
  [L.FINISHED, LifeEvent.REMOTE_END, L.FINISHED],
  [L.FINISHED, LifeEvent.ANSWER, L.FINISHED],
  [L.FINISHED, LifeEvent.WIRE_CLOSED, L.FINISHED],
  [L.FINISHED, LifeEvent.LOST, L.FINISHED],
];

/** The life table; every pair has a row. */
export const LIFE_TABLE: StateTable<StreamLife, LifeEvent, StreamLife> = new StateTable(
  "http2 stream life",
  5,
  EVENTS,
  LIFE_TRANSITIONS,
  { states: StreamLife, events: LifeEvent },
);

/** The next life of a stream. */
export function nextLife(life: StreamLife, event: LifeEvent): StreamLife {
  return LIFE_TABLE.next(life, event);
}
