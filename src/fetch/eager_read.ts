/**
 * Reads what a body stream has ready without waiting for it: a body made
 * from a string, bytes or a Blob is complete within a few microtasks, so its
 * size can be known before anything is sent. The exchange uses it to choose
 * between Content-Length and streaming; compression, to choose between one
 * compress call and a compressing stream. Anything slower is left as the
 * pending read, for the caller to await next.
 *
 * @module
 */

/** One read's result. */
export type Read = ReadableStreamReadResult<Uint8Array>;

/** How many microtask turns a body read may take and still count as "already there". */
const EAGER_TICKS = 8;
/** The first read gets more turns: a Blob's first chunk takes a few more. */
const FIRST_READ_TICKS = 32;
/** Turns we give a drained body's `closed` promise to settle. */
const CLOSED_TICKS = 3;

/** How far to read. */
export interface EagerOptions {
  /** Stop once this many bytes are in. */
  limit: number;
  /**
   * Past the limit, read once more (when the limit was passed by the first
   * chunk), so that a body made whole at once is still known complete.
   */
  confirmEnd: boolean;
  /**
   * After each chunk, give the reader's `closed` a few turns: a body made
   * whole at once is known complete without another read.
   */
  watchClosed: boolean;
}

/** What was ready. */
export interface EagerRead {
  /** The chunks read, in order. */
  chunks: Uint8Array[];
  /** Their total size. */
  bytes: number;
  /** The body ended within them. */
  ended: boolean;
  /** A read that was not ready in time, or that rejected: await it next. */
  pending: Promise<Read> | null;
  /** A read rejected within the turns (`pending` is that read; `error` its reason). */
  readFailed: boolean;
  /** Why reading failed: the rejected read's reason, or a chunk that is not a Uint8Array. */
  error: unknown;
  /** A chunk was not a Uint8Array (`error` says so); nothing more was read. */
  badChunk: boolean;
}

/** Reads the chunks `reader` has ready, up to `options.limit` bytes. */
export async function readEager(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  options: EagerOptions,
): Promise<EagerRead> {
  const out: EagerRead = {
    chunks: [],
    bytes: 0,
    ended: false,
    pending: null,
    readFailed: false,
    error: undefined,
    badChunk: false,
  };
  const chunks = out.chunks;
  // Cheaper than a second read: a body made whole at once is already closed.
  let closed = false;
  if (options.watchClosed) reader.closed.then(() => (closed = true), () => {});
  for (;;) {
    const p = reader.read();
    let result: Read | undefined;
    let failed = false;
    p.then((r) => (result = r), (e) => {
      failed = true;
      out.error = e;
    });
    // A stream that has nothing yet (SSE, long poll) gets its head at once.
    const ticks = chunks.length === 0 ? FIRST_READ_TICKS : EAGER_TICKS;
    for (let i = 0; i < ticks && result === undefined && !failed; i++) await null;
    if (result === undefined) {
      out.pending = p;
      out.readFailed = failed;
      return out;
    }
    if (result.done) {
      out.ended = true;
      return out;
    }
    const chunk = result.value as unknown;
    if (!(chunk instanceof Uint8Array)) {
      out.badChunk = true;
      out.error = new TypeError("response body chunks must be Uint8Array");
      return out;
    }
    chunks.push(chunk);
    out.bytes += chunk.byteLength;
    if (options.watchClosed) {
      // Deno settles `closed` one microtask after the last read, Bun two.
      for (let i = 0; i < CLOSED_TICKS && !closed; i++) await null;
      if (closed) {
        out.ended = true;
        return out;
      }
    }
    if (out.bytes >= options.limit && (!options.confirmEnd || chunks.length > 1)) return out;
  }
}
