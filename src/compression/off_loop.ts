/**
 * Whole-body compression that does not hold the event loop for the whole
 * body. Measured with bench/zlib_ceiling.ts (2026-12-07, gzip level 6):
 *
 * - Bun and Node run node:zlib's callback API (`zlib.gzip(data, cb)`) on the
 *   runtime's thread pool: the loop pays about 20–50 µs per call whatever
 *   the size, against about 40 µs (1 KB), 100–200 µs (16 KB) and 0.5–1.7 ms
 *   (100 KB) for `gzipSync`.
 * - Deno 2.9's node:zlib runs the callback API on the calling thread, with
 *   its callbacks chained in ticks (a 1 ms interval did not fire once during
 *   thirty 1 MB compressions); so does its CompressionStream, and a
 *   node:worker_threads worker compressed ten times slower than the loop.
 *   There the body is compressed in slices of SLICE_BYTES through one zlib
 *   stream, with a turn of the event loop between slices, so the loop is
 *   blocked one slice at a time, not one body at a time. The turn must reach
 *   the loop's I/O poll, and on Deno neither setImmediate nor a
 *   MessageChannel does (a socket's data waited for all 32 slices of a 1 MB
 *   body), while setTimeout(0) costs 1–4 ms per hop (timer granularity and
 *   the nesting clamp). An async op does: the cheapest public one measured is
 *   `crypto.subtle.digest` of nothing, about 30 µs per hop, after which a
 *   waiting socket is read.
 *
 * Bodies under ASYNC_MIN_BYTES stay with the *Sync functions. On Bun and
 * Node that is 16 KiB: below it the synchronous call costs the loop no more
 * than the asynchronous one. On Deno it is 128 KiB, in slices of 64 KiB: each
 * slice is a stream write, a callback and a turn of the loop, and the bench
 * (100 KB JSON, 16–32 KiB slices) measured 26–38% more server CPU per
 * compressed response with no better hello p99 beside it on a loaded
 * machine, so slicing is kept for bodies whose one call would block the loop
 * for a millisecond or more.
 *
 * At most IN_FLIGHT bodies are compressed at once (the others wait their turn,
 * first come first served): fifty interleaved zlib states of a few hundred KiB
 * each thrash the cache, and on Deno cost up to 1.6x the CPU per body of one
 * at a time. Off the loop costs CPU on every runtime (about 25% per 100 KB
 * response at saturation on one core: the pool's hand-offs, or the slices),
 * and buys a loop that answers others meanwhile.
 *
 * @module
 */
import type { ZlibStream } from "./zlib_stream.ts";
import { joinBytes } from "../bytes/join.ts";

/** Whether node:zlib's callback API runs on a thread pool here (Bun, Node) or on the loop (Deno). */
export const ZLIB_POOL: boolean = !("Deno" in globalThis);

/** Whole bodies from this size on are compressed with {@link offLoop}. */
export const ASYNC_MIN_BYTES: number = ZLIB_POOL ? 16 * 1024 : 128 * 1024;

/** Input bytes compressed per turn of the loop where zlib runs on the loop (Deno). */
export const SLICE_BYTES = 64 * 1024;

/** node:zlib's callback form of one coding, bound to its options. */
export type CallbackCompress = (
  data: Uint8Array,
  callback: (error: Error | null, out: Uint8Array) => void,
) => void;

/**
 * Compresses `data` whole: through `pooled` (the callback API) where zlib
 * has a thread pool, else through `stream()` one slice per turn of the loop.
 */
export function offLoop(
  data: Uint8Array,
  pooled: CallbackCompress,
  stream: () => ZlibStream,
): Promise<Uint8Array<ArrayBuffer>> {
  if (ZLIB_POOL) {
    return inTurn(() =>
      new Promise((resolve, reject) =>
        pooled(data, (error, out) => (error !== null ? reject(error) : resolve(plain(out))))
      )
    );
  }
  return inTurn(() => sliced(data, stream()));
}

/** Bodies compressed at once: two on a pool (one handing back while one runs), one in slices. */
export const IN_FLIGHT: number = ZLIB_POOL ? 2 : 1;

/** The compressions waiting for their turn, in arrival order. */
const queue: (() => void)[] = [];
let running = 0;

/** Runs `job` once fewer than IN_FLIGHT run; a settling job hands its place to the next. */
async function inTurn<T>(job: () => Promise<T>): Promise<T> {
  if (running >= IN_FLIGHT) await new Promise<void>((resolve) => queue.push(resolve));
  else running++;
  try {
    return await job();
  } finally {
    const next = queue.shift();
    // The place passes straight to the next job; `running` counts places, not jobs.
    if (next !== undefined) next();
    else running--;
  }
}

/** One slice per turn: write, wait for zlib to take it, let the loop run, go on; then end. */
async function sliced(data: Uint8Array, s: ZlibStream): Promise<Uint8Array<ArrayBuffer>> {
  const out: Uint8Array[] = [];
  let size = 0;
  let failed: Error | null = null;
  s.on("data", (b: Uint8Array) => {
    out.push(b);
    size += b.byteLength;
  });
  const ended = new Promise<void>((resolve, reject) => {
    s.on("end", resolve);
    s.on("error", (e: Error) => {
      failed = e;
      reject(e);
    });
  });
  // A failure ends the loop below; this rejection is the one awaited.
  ended.catch(() => {});
  try {
    for (let o = 0; o < data.byteLength && failed === null; o += SLICE_BYTES) {
      await new Promise<void>((resolve, reject) =>
        s.write(data.subarray(o, o + SLICE_BYTES), (e) => (e ? reject(e) : resolve()))
      );
      await turn();
    }
    if (failed !== null) throw failed;
    s.end();
    await ended;
  } catch (e) {
    s.destroy();
    throw e;
  }
  return joinBytes(out, size);
}

const NOTHING = new Uint8Array(0);

/** One turn of Deno's event loop through its I/O poll: an async op that completes at once. */
function turn(): Promise<unknown> {
  return crypto.subtle.digest("SHA-1", NOTHING);
}

/** A zlib result as the web platform types it (a fresh result never sits on shared memory). */
function plain(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b.buffer instanceof ArrayBuffer ? b as Uint8Array<ArrayBuffer> : new Uint8Array(b);
}
