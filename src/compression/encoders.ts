/**
 * The content codings we can produce, over node:zlib (Deno, Bun and Node all
 * ship it): small whole bodies with the *Sync functions, large ones off the
 * loop (off_loop.ts), streams with zlib stream objects flushed after every
 * chunk. zstd exists only where the runtime's
 * zlib has it (Deno 2.9 and Bun 1.4 do; Node 20 does not).
 *
 * @module
 */
import zlib from "node:zlib";
import { offLoop } from "./off_loop.ts";
import type { ZlibStream } from "./zlib_stream.ts";

/**
 * A content coding the server can produce.
 *
 * @example
 * ```ts
 * import type { ContentEncoding } from "./encoders.ts";
 * const preferred: ContentEncoding[] = ["br", "gzip"];
 * ```
 */
export type ContentEncoding = "zstd" | "br" | "gzip";

/**
 * How one coding is produced.
 */
export interface Encoder {
  /** Valid levels, inclusive. */
  readonly min: number;
  readonly max: number;
  /** The default level: fast enough for dynamic content. */
  readonly level: number;
  /** Compresses a whole body on the loop (small bodies). */
  whole(data: Uint8Array, level: number): Uint8Array<ArrayBuffer>;
  /** Compresses a whole body without holding the loop for all of it (large bodies; off_loop.ts). */
  wholeAsync(data: Uint8Array, level: number): Promise<Uint8Array<ArrayBuffer>>;
  /** A stream object for a body of unknown length. */
  stream(level: number): ZlibStream;
  /** The flush kind that makes everything written so far decodable. */
  readonly flushKind: number;
}

const C = zlib.constants;

/**
 * zlib's *Sync output typed as the web platform wants it. Node's typings say
 * `Buffer<ArrayBufferLike>` (a Buffer may sit on a SharedArrayBuffer in
 * general); a fresh zlib result never does, so this is a check, not a copy.
 */
function plain(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b.buffer instanceof ArrayBuffer ? b as Uint8Array<ArrayBuffer> : new Uint8Array(b);
}

type Z = typeof zlib & {
  createZstdCompress?: (options?: object) => ZlibStream;
  zstdCompressSync?: (data: Uint8Array, options?: object) => Uint8Array;
  zstdCompress?: (
    data: Uint8Array,
    options: object,
    callback: (error: Error | null, out: Uint8Array) => void,
  ) => void;
};
const z = zlib as Z;

/**
 * True when this runtime's node:zlib can produce zstd (checked once, at load).
 */
export const ZSTD_AVAILABLE = typeof z.createZstdCompress === "function" &&
  typeof z.zstdCompressSync === "function" && typeof z.zstdCompress === "function";

const gzip: Encoder = {
  min: 1,
  max: 9,
  level: 6,
  whole: (data, level) => plain(zlib.gzipSync(data, { level })),
  wholeAsync: (data, level) =>
    offLoop(data, (d, cb) => zlib.gzip(d, { level }, cb), () => gzip.stream(level)),
  stream: (level) => zlib.createGzip({ level }) as unknown as ZlibStream,
  flushKind: C.Z_SYNC_FLUSH,
};

function brParams(level: number, size: number): zlib.BrotliOptions {
  return { params: { [C.BROTLI_PARAM_QUALITY]: level, [C.BROTLI_PARAM_SIZE_HINT]: size } };
}

const br: Encoder = {
  min: 0,
  max: 11,
  // Quality 11 (zlib's default) is far too slow for responses built per request.
  level: 4,
  whole: (data, level) => plain(zlib.brotliCompressSync(data, brParams(level, data.byteLength))),
  wholeAsync: (data, level) =>
    offLoop(
      data,
      (d, cb) => zlib.brotliCompress(d, brParams(level, d.byteLength), cb),
      () => br.stream(level),
    ),
  stream: (level) =>
    zlib.createBrotliCompress({
      params: { [C.BROTLI_PARAM_QUALITY]: level },
    }) as unknown as ZlibStream,
  flushKind: C.BROTLI_OPERATION_FLUSH,
};

/** zstd's constants, read only where zstd exists. */
const ZSTD_LEVEL = (C as Record<string, number>)["ZSTD_c_compressionLevel"] ?? 100;
const ZSTD_FLUSH = (C as Record<string, number>)["ZSTD_e_flush"] ?? 1;

const zstd: Encoder = {
  min: 1,
  max: 19,
  level: 3,
  whole: (data, level) => plain(z.zstdCompressSync!(data, { params: { [ZSTD_LEVEL]: level } })),
  wholeAsync: (data, level) =>
    offLoop(
      data,
      (d, cb) => z.zstdCompress!(d, { params: { [ZSTD_LEVEL]: level } }, cb),
      () => zstd.stream(level),
    ),
  stream: (level) => z.createZstdCompress!({ params: { [ZSTD_LEVEL]: level } }),
  flushKind: ZSTD_FLUSH,
};

/**
 * The encoders this runtime has, by coding name.
 */
export const ENCODERS: ReadonlyMap<ContentEncoding, Encoder> = new Map<ContentEncoding, Encoder>(
  ZSTD_AVAILABLE ? [["zstd", zstd], ["br", br], ["gzip", gzip]] : [["br", br], ["gzip", gzip]],
);

/**
 * Every coding name the option accepts, available here or not.
 */
export const KNOWN_ENCODINGS: readonly ContentEncoding[] = ["zstd", "br", "gzip"];
