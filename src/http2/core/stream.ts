/**
 * One stream as the sans-IO connection tracks it: its §5.1 state, its
 * receive window and send queue, and what the request and response have
 * done so far.
 *
 * @module
 */
import { RecvWindow } from "./flow.ts";
import { SendQueue } from "./scheduler.ts";
import { StreamState } from "./stream_table.ts";

/**
 * A live stream of the connection (closed streams move to the closed-stream memory).
 */
export class H2Stream {
  readonly id: number;
  state: StreamState = StreamState.IDLE;
  readonly recv: RecvWindow;
  readonly send: SendQueue;
  /** Declared request content-length, or -1. */
  contentLength = -1;
  /** DATA bytes received (without padding). */
  received = 0;
  /** The peer's request (or final response) HEADERS were processed: a later HEADERS is trailers. */
  requestSeen = false;
  /** We sent (queued) HEADERS. */
  headersSent = false;
  /** Our final (non-1xx) HEADERS were sent: the next HEADERS we send are trailers. */
  finalSent = false;
  /** A client's HEAD request: the response has no body whatever its content-length (§8.1.1). */
  headRequest = false;
  /** We queued END_STREAM (data/trailers/headers): no more sends. */
  endQueued = false;

  constructor(id: number, recvWindow: number, sendWindow: number) {
    this.id = id;
    this.recv = new RecvWindow(recvWindow);
    this.send = new SendQueue(id, sendWindow);
  }
}
