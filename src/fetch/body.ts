/**
 * Request bodies as byte ReadableStreams whose consumption drives the
 * protocol's flow control: the driver pushes bytes in and learns from the
 * return value whether to keep reading (h1: the socket; h2: the window).
 *
 * @module
 */
import { adoptable } from "../bytes/owned_bytes.ts";

/**
 * The driver's side of a request body.
 */
export interface BodyFlow {
  /** The consumer wants more: resume reading. The first call is the start of consumption. */
  pull(): void;
  /** The consumer gave up on the body: discard the rest. */
  cancel(): void;
}

/**
 * Buffered body bytes above which the driver stops reading.
 */
export const BODY_HIGH_WATER_MARK = 64 * 1024;

/**
 * A request body fed by a protocol driver.
 */
export class RequestBody {
  /** The stream handed to the Request. */
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableByteStreamController;
  #flow: BodyFlow;
  #closed = false;
  #hwm: number;
  /** Body bytes received from the client (for the access log). */
  received = 0;

  /**
   * @param lazy when true (Expect: 100-continue) nothing is pulled until the
   * application reads, so the interim response goes out only on demand.
   */
  constructor(flow: BodyFlow, lazy = false) {
    this.#flow = flow;
    this.#hwm = lazy ? 0 : BODY_HIGH_WATER_MARK;
    this.stream = new ReadableStream({
      type: "bytes",
      start: (c) => {
        this.#controller = c;
      },
      pull: () => {
        this.#flow.pull();
      },
      cancel: () => {
        this.#closed = true;
        this.#flow.cancel();
      },
    }, { highWaterMark: this.#hwm });
  }

  /** Bytes pushed but not yet read by the application. */
  get buffered(): number {
    return this.#hwm - (this.#controller.desiredSize ?? 0);
  }

  /** True after end(), error() or a cancel by the consumer. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Queues bytes for the application. Returns whether the driver may keep
   * reading (false: wait for the next pull). The chunk must own its buffer:
   * byte streams transfer it.
   */
  push(chunk: Uint8Array): boolean {
    this.received += chunk.byteLength;
    if (this.#closed) return true;
    if (chunk.byteLength > 0) this.#controller.enqueue(chunk as Uint8Array<ArrayBuffer>);
    return (this.#controller.desiredSize ?? 0) > 0;
  }

  /** The body is complete. */
  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller.close();
    // A pending BYOB request must be answered after close.
    this.#controller.byobRequest?.respond(0);
  }

  /** The body failed (client gone, stream reset, framing error). */
  error(reason: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller.error(reason);
  }
}

/**
 * A chunk for a byte stream that the caller no longer reads: as it is when it
 * covers a received buffer nobody else holds (see owned_bytes.ts), else a
 * private copy (ownBuffer).
 */
export function adoptBuffer(chunk: Uint8Array): Uint8Array {
  return adoptable(chunk) ? chunk : new Uint8Array(chunk);
}

/**
 * A private copy of a chunk for a byte stream, which transfers (detaches) the
 * buffer it is given: the protocol parsers keep views into their input, so
 * the original must stay intact.
 */
export function ownBuffer(chunk: Uint8Array): Uint8Array {
  // Not chunk.slice(): on a Buffer (a Uint8Array subclass) slice() is a view, not a copy.
  return new Uint8Array(chunk);
}
