/**
 * One message through a node:zlib raw stream (which Deno, Bun and Node
 * ship): write, flush with Z_SYNC_FLUSH, gather the output up to a limit.
 * Inflation counts output as it arrives and stops past the limit (close
 * 1009), so a deflate bomb is never allocated. Counts the live contexts,
 * so tests and the bench can see when one is created and released.
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
  return zlib.createDeflateRaw({ windowBits, memLevel, chunkSize: CHUNK_SIZE });
}

/** A raw inflater with the largest window, which accepts whatever window the peer used. */
export function newInflater(): zlib.InflateRaw {
  live.inflaters++;
  created.inflaters++;
  return zlib.createInflateRaw({ windowBits: 15, chunkSize: CHUNK_SIZE });
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

/** The same blocks as pieces: 5-byte headers and views of `bytes` (no copy of the bytes). */
export function storedBlockPieces(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at === 0 || at < bytes.length; at += 0xffff) {
    const n = Math.min(0xffff, bytes.length - at);
    // BFINAL 0, BTYPE 00 (the rest of the byte pads to the boundary), LEN, NLEN.
    out.push(new Uint8Array([0, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff]));
    if (n === 0) break;
    out.push(bytes.subarray(at, at + n));
  }
  return out;
}
