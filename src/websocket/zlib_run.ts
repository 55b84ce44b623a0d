/**
 * One message through a node:zlib raw context (which Deno, Bun and Node
 * ship): write, flush with Z_SYNC_FLUSH, gather the output up to a limit.
 * Inflation counts output as it arrives and stops past the limit (close
 * 1009), so a deflate bomb is never allocated. Counts the live contexts,
 * so tests and the bench can see when one is created and released.
 *
 * Two ways through a context. The direct one (`SyncZ`) calls the native
 * handle node:zlib keeps beneath its stream (`_handle.writeSync`, with the
 * `_writeState` pair: Node's internals, which Deno and Bun mirror) into one
 * process-wide scratch buffer, synchronously: no stream, promise, listener
 * or output Buffer per call, and output that is not kept (priming) is never
 * allocated. It is used when a round trip through it works at the first
 * context made (probed once); otherwise the stream's write/flush/'data'.
 * Measured on Bun (500 echoing connections, "balanced"): half the wall time
 * of the stream path, the same peak RSS (docs/performance.md, part G).
 *
 * @module
 */
import zlib from "node:zlib";
import { CloseCode } from "./constants.ts";
import { WebSocketError } from "./errors.ts";
import { joinBytes } from "../bytes/join.ts";

/** A raw deflate or inflate stream. */
export type ZStream = zlib.DeflateRaw | zlib.InflateRaw;

const live = { deflaters: 0, inflaters: 0 };
const EMPTY = new Uint8Array(0);
const created = { deflaters: 0, inflaters: 0 };

/** zlib contexts for WebSocket messages in this process: alive now, and made so far (tests). */
export function zlibContextCounts(): {
  live: { deflaters: number; inflaters: number };
  created: { deflaters: number; inflaters: number };
} {
  return { live: { ...live }, created: { ...created } };
}

/**
 * The output buffer each stream keeps (node:zlib's default is 16 KiB): 4 KiB
 * holds a typical message's output in one piece and saves about 10 KiB per
 * live context (measured on Deno and Bun, bench/ws_deflate_params.ts).
 */
const CHUNK_SIZE = 4096;

/** A raw deflater; `memLevel` sizes its hash table (not negotiated: ours to choose). */
export function newDeflater(windowBits: number, memLevel: number): zlib.DeflateRaw {
  live.deflaters++;
  created.deflaters++;
  return direct(zlib.createDeflateRaw({ windowBits, memLevel, chunkSize: CHUNK_SIZE }));
}

/** A raw inflater with the largest window, which accepts whatever window the peer used. */
export function newInflater(): zlib.InflateRaw {
  live.inflaters++;
  created.inflaters++;
  return direct(zlib.createInflateRaw({ windowBits: 15, chunkSize: CHUNK_SIZE }));
}

/** node:zlib's native handle, as Node, Deno and Bun keep it beneath a stream. */
interface Handle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): unknown;
  onerror: (message: string, errno: number) => void;
}
type Internals = { _handle?: Handle | null; _writeState?: Uint32Array };

/** Output of every direct call lands here first (calls run to their end synchronously). */
const SCRATCH = new Uint8Array(16384);
const { Z_NO_FLUSH, Z_SYNC_FLUSH } = zlib.constants;

/** Direct calls on a context's native handle (see the module doc). */
export class SyncZ {
  #z: ZStream;
  #h: Handle;
  #state: Uint32Array;
  #error: string | undefined;

  constructor(z: ZStream, h: Handle, state: Uint32Array) {
    this.#z = z;
    this.#h = h;
    this.#state = state;
    // The stream's own handler would destroy the stream and emit 'error' later.
    h.onerror = (message) => (this.#error ??= message);
  }

  /** Back to a clean state (zlib's reset, as the stream's). */
  reset(): void {
    this.#z.reset();
  }

  /**
   * Writes the pieces (the last flushed with Z_SYNC_FLUSH) and returns the
   * output, a fresh Uint8Array (EMPTY when `keep` is false: only counted).
   * Throws WebSocketError 1009 once the output passes `limit`, an Error on
   * bad data.
   */
  run(input: Uint8Array | Uint8Array[], limit: number, keep: boolean): Uint8Array {
    let kept: Uint8Array[] | undefined;
    let total = 0;
    const last = input instanceof Uint8Array ? 0 : input.length - 1;
    for (let i = 0; i <= last; i++) {
      const piece = input instanceof Uint8Array ? input : input[i]!;
      const flush = i === last ? Z_SYNC_FLUSH : Z_NO_FLUSH;
      let inOff = 0, inLen = piece.length;
      for (;;) {
        this.#h.writeSync(flush, piece, inOff, inLen, SCRATCH, 0, SCRATCH.length);
        if (this.#error !== undefined) throw new Error(this.#error);
        const availOut = this.#state[0]!, availIn = this.#state[1]!;
        const have = SCRATCH.length - availOut;
        total += have;
        if (total > limit) {
          throw new WebSocketError(
            CloseCode.MESSAGE_TOO_BIG,
            "inflated message over maxMessageBytes",
          );
        }
        if (keep && have > 0) (kept ??= []).push(SCRATCH.slice(0, have));
        // Room left in the output: zlib took all the input (and flushed, if asked).
        if (availOut !== 0) break;
        inOff += inLen - availIn;
        inLen = availIn;
      }
    }
    if (kept === undefined) return EMPTY;
    return kept.length === 1 ? kept[0]! : joinBytes(kept, total);
  }
}

const syncOf = new WeakMap<ZStream, SyncZ>();
/** Whether direct calls work here: probed at the first context made. */
let directWorks: boolean | undefined;

function handleOf(z: ZStream): SyncZ | undefined {
  const i = z as unknown as Internals;
  const h = i._handle, state = i._writeState;
  if (h == null || typeof h.writeSync !== "function" || !(state instanceof Uint32Array)) return;
  return new SyncZ(z, h, state);
}

function direct<T extends ZStream>(z: T): T {
  // On the stream path Deno can emit a zlib error after runZ settled and dropped its listener
  // (seen: an empty compressed payload, then a message); unheard, it would throw uncaught.
  z.on("error", ignore);
  directWorks ??= probe();
  if (!directWorks) return z;
  const s = handleOf(z);
  if (s !== undefined) syncOf.set(z, s);
  return z;
}

function ignore(): void {}

// A round trip through two small direct contexts, one message with a back reference.
function probe(): boolean {
  const d = zlib.createDeflateRaw({ windowBits: 9, memLevel: 1 });
  const f = zlib.createInflateRaw({ windowBits: 15 });
  try {
    const sd = handleOf(d), sf = handleOf(f);
    if (sd === undefined || sf === undefined) return false;
    const text = new TextEncoder().encode("probe probe probe probe");
    const back = sf.run(sd.run(text, Infinity, true), Infinity, true);
    return back.length === text.length && back.every((b, k) => b === text[k]);
  } catch {
    return false;
  } finally {
    d.close();
    f.close();
  }
}

/** The direct calls on `z`, when it was made with them. */
export function directOf(z: ZStream): SyncZ | undefined {
  return syncOf.get(z);
}

/** Forces the stream path (false) or the probe's choice (undefined) for contexts made next (tests). */
export function setDirectZlib(on: false | undefined): void {
  directWorks = on;
}

/** Frees a stream made by newDeflater/newInflater. */
export function freeZ(z: ZStream, inflater: boolean): void {
  if (inflater) live.inflaters--;
  else live.deflaters--;
  z.close();
}

/**
 * Writes `input` (one piece or several), flushes with Z_SYNC_FLUSH and
 * gathers the output up to `limit` bytes; with `keep` false the output is
 * only counted (priming a shared stream: its output is not sent).
 */
export function runZ(
  z: ZStream,
  input: Uint8Array | Uint8Array[],
  limit: number,
  keep = true,
): Promise<Uint8Array> {
  const s = syncOf.get(z);
  if (s !== undefined) {
    try {
      return Promise.resolve(s.run(input, limit, keep));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      z.off("data", onData);
      z.off("error", onError);
      if (err) return reject(err);
      resolve(keep ? join(chunks, total) : EMPTY);
    };
    const onData = (c: Uint8Array) => {
      total += c.length;
      if (total > limit) {
        z.pause();
        finish(
          new WebSocketError(CloseCode.MESSAGE_TOO_BIG, "inflated message over maxMessageBytes"),
        );
        return;
      }
      if (keep) chunks.push(c);
    };
    const onError = (e: Error) => finish(e);
    z.on("data", onData);
    z.on("error", onError);
    if (input instanceof Uint8Array) z.write(input);
    else for (const piece of input) z.write(piece);
    // Deno passes a zlib error to the flush callback before emitting it; Node and Bun only emit.
    z.flush(
      zlib.constants.Z_SYNC_FLUSH,
      (err?: unknown) => finish(err instanceof Error ? err : undefined),
    );
  });
}

function join(chunks: Uint8Array[], total: number): Uint8Array {
  // A plain Uint8Array view, not the runtime's Buffer subclass.
  if (chunks.length === 0) return new Uint8Array(0);
  if (chunks.length === 1) return new Uint8Array(chunks[0]!.buffer, chunks[0]!.byteOffset, total);
  return joinBytes(chunks, total);
}

/**
 * Stored (uncompressed, not final) deflate blocks carrying `bytes`: fed to a
 * fresh inflater they rebuild its window, so a later message may refer back
 * into them. Portable where a `dictionary` option is not (Deno ignores it).
 */
export function storedBlocks(bytes: Uint8Array): Uint8Array {
  const pieces = storedBlockPieces(bytes);
  let total = 0;
  for (const p of pieces) total += p.length;
  return join(pieces, total);
}

/**
 * The same blocks as pieces: 5-byte headers and views of `bytes` (no copy of
 * the bytes); `bytes` may itself come in pieces (a ring's two halves).
 */
export function storedBlockPieces(bytes: Uint8Array | Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const part of bytes instanceof Uint8Array ? [bytes] : bytes) {
    for (let at = 0; at < part.length; at += 0xffff) {
      const n = Math.min(0xffff, part.length - at);
      out.push(storedHeader(n), part.subarray(at, at + n));
    }
  }
  if (out.length === 0) out.push(storedHeader(0));
  return out;
}

// BFINAL 0, BTYPE 00 (the rest of the byte pads to the boundary), LEN, NLEN.
function storedHeader(n: number): Uint8Array {
  return new Uint8Array([0, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff]);
}
