/**
 * Header-block assembly (RFC 9113 §4.3, §6.10): a HEADERS frame and the
 * CONTINUATION frames that follow it on the same stream form one field
 * block, which is decoded only once complete. The CONTINUATION-flood and
 * block-size limits are enforced here, before anything is buffered.
 *
 * @module
 */
import { ConnectionError, ErrorCode } from "./errors.ts";
import { FrameType } from "./frame/types.ts";
import type { ContinuationFrame, HeadersFrame, PushPromiseFrame } from "./frame/types.ts";

/**
 * Joins HEADERS + CONTINUATION fragments into one block.
 */
export class HeaderBlockAssembler {
  /** Stream of the block being (or last) assembled. */
  streamId = 0;
  /** The HEADERS frame carried END_STREAM. */
  endStream = false;
  /** The HEADERS frame's priority made the stream depend on itself (a stream error). */
  selfDependent = false;
  /** The block is a PUSH_PROMISE's, promising this stream; 0 for a HEADERS block. */
  promisedStreamId = 0;
  readonly #maxSize: number;
  readonly #maxContinuations: number;
  #open = false;
  #parts: Uint8Array[] = [];
  #size = 0;
  #continuations = 0;

  /**
   * @param maxSize compressed bytes one block may reach (ENHANCE_YOUR_CALM past it).
   * @param maxContinuations CONTINUATION frames one block may have (ENHANCE_YOUR_CALM past it).
   */
  constructor(maxSize: number, maxContinuations: number) {
    this.#maxSize = maxSize;
    this.#maxContinuations = maxContinuations;
  }

  /** True between a HEADERS without END_HEADERS and the CONTINUATION that ends it. */
  get open(): boolean {
    return this.#open;
  }

  /** Starts a block (HEADERS, or a PUSH_PROMISE's on a client); returns it whole when END_HEADERS is set, else null. */
  start(f: HeadersFrame | PushPromiseFrame): Uint8Array | null {
    const size = f.block.length;
    if (size > this.#maxSize) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "header block too large");
    }
    this.streamId = f.streamId;
    const headers = f.type === FrameType.HEADERS;
    this.endStream = headers && f.endStream;
    this.selfDependent = headers && f.priority !== null && f.priority.dependency === f.streamId;
    this.promisedStreamId = headers ? 0 : f.promisedStreamId;
    this.#size = size;
    this.#continuations = 0;
    if (f.endHeaders) return f.block;
    this.#open = true;
    // Copied: the block may complete in a later receive() whose caller reused the buffer.
    this.#parts.push(f.block.slice());
    return null;
  }

  /** Adds a CONTINUATION; returns the whole block on END_HEADERS, else null. */
  continue(f: ContinuationFrame): Uint8Array | null {
    if (!this.#open || f.streamId !== this.streamId) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "unexpected CONTINUATION");
    }
    if (++this.#continuations > this.#maxContinuations) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many CONTINUATION frames");
    }
    this.#size += f.block.length;
    if (this.#size > this.#maxSize) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "header block too large");
    }
    const parts = this.#parts;
    if (!f.endHeaders) {
      parts.push(f.block.slice());
      return null;
    }
    parts.push(f.block);
    const block = new Uint8Array(this.#size);
    let off = 0;
    for (const p of parts) {
      block.set(p, off);
      off += p.length;
    }
    this.reset();
    return block;
  }

  /** Drops a block in progress (after a connection error). */
  reset(): void {
    this.#open = false;
    this.#parts.length = 0;
  }
}
