/**
 * The write side of a transport whose socket write is a synchronous call
 * (Bun, Node): chunks written in one turn are queued and go out together a
 * microtask later, and a socket that pushes back stops the flush until its
 * drain event. How a piece is handed to the socket stays with the transport.
 *
 * @module
 */
import { HIGH_WATER_MARK, WriteQueue } from "./write_queue.ts";

/**
 * How queued pieces reach the socket: the transport itself, so that a
 * connection holds no closures for it.
 */
export interface SocketPort {
  /**
   * Hands one piece to the socket: true to go on, false when the socket
   * pushed back (the flush resumes on drained()) or failed.
   */
  putPiece(piece: Uint8Array): boolean;
  /** The queue has emptied into the socket. */
  allFlushed(): void;
}

/**
 * Queued writes for one socket, flushed once per turn.
 */
export class SocketWrites {
  /** What waits to be written; the transport puts back a partly written piece. */
  readonly queue: WriteQueue = new WriteQueue();
  readonly #port: SocketPort;
  #scheduled = false;
  #blocked = false;
  #stopped = false;

  constructor(port: SocketPort) {
    this.#port = port;
  }

  /** Nothing is queued or waiting for the socket. */
  get idle(): boolean {
    return !this.#blocked && !this.#scheduled;
  }

  /** Idle with nothing queued: no waiter can be pending (a flush wakes them below the mark). */
  get empty(): boolean {
    return this.idle && this.queue.size === 0;
  }

  /** Queues a chunk; false when the caller should wait for drain. */
  write(chunk: Uint8Array): boolean {
    this.queue.push(chunk);
    if (!this.#scheduled && !this.#blocked) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#flush();
      });
    }
    return this.queue.size < HIGH_WATER_MARK;
  }

  /** The socket's drain event: writable again. */
  drained(): void {
    if (this.#blocked) this.#flush();
  }

  /** The socket is gone: drop what is queued and wake every waiter. */
  stop(): void {
    this.#stopped = true;
    this.queue.clear();
    this.queue.wake(true);
  }

  #flush(): void {
    if (this.#stopped) return;
    this.#blocked = false;
    for (;;) {
      const piece = this.queue.take();
      if (piece === null) break;
      if (!this.#port.putPiece(piece)) {
        this.#blocked = true;
        break;
      }
    }
    if (this.#stopped) return;
    this.queue.wake();
    if (!this.#blocked) this.#port.allFlushed();
  }
}
