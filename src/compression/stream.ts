/**
 * A live compressed stream: every chunk the source yields is written to the
 * compressor and flushed (zlib SYNC_FLUSH, brotli FLUSH, zstd e_flush), so
 * what the client can decode keeps pace with what the handler produced;
 * Server-Sent Events still arrive one by one. The source is pulled only
 * when the output is read (highWaterMark 0), cancel reaches the source, and
 * errors on either side reach the other.
 *
 * @module
 */
import type { Encoder } from "./encoders.ts";
import type { ZlibStream } from "./zlib_stream.ts";
import { joinBytes } from "../bytes/join.ts";

type Read = ReadableStreamReadResult<Uint8Array>;

/**
 * Where the compressed stream starts: bytes already read, a read in flight, the reader.
 */
export interface StreamSource {
  /** Chunks read ahead before the decision to compress; written first. */
  readonly prefix: Uint8Array[];
  /** A read already started, or null. */
  readonly pending: Promise<Read> | null;
  /** The rest of the body. */
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
}

/**
 * Compresses `source` with `encoder` at `level`, flushing after every chunk.
 */
export function compressStream(
  encoder: Encoder,
  level: number,
  source: StreamSource,
): ReadableStream<Uint8Array> {
  const { reader } = source;
  let prefix = source.prefix;
  let pending = source.pending;
  let zs: ZlibStream | null = null;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Output of the step in flight, enqueued as one chunk when the step ends. */
  let out: Uint8Array[] = [];
  /** Chunks enqueued since the current pull began. */
  let produced = 0;
  let finished = false;
  /** Settles the step in flight (a flush or the final end) with the compressor's error. */
  let failStep: ((e: Error) => void) | null = null;

  const open = (): ZlibStream => {
    const s = encoder.stream(level);
    s.on("data", (b: Uint8Array) => {
      if (!finished) out.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    });
    s.on("error", (e: Error) => failStep?.(e));
    return s;
  };

  /** Writes chunks and flushes once; resolves when the flushed output has been enqueued. */
  const writeFlush = (s: ZlibStream, chunks: Uint8Array[]): Promise<void> =>
    new Promise((resolve, reject) => {
      failStep = reject;
      for (const c of chunks) s.write(c);
      s.flush(encoder.flushKind, () => {
        failStep = null;
        resolve();
      });
    });

  const end = (s: ZlibStream): Promise<void> =>
    new Promise((resolve, reject) => {
      failStep = reject;
      s.on("end", () => {
        failStep = null;
        resolve();
      });
      s.end();
    });

  /** One chunk per step: a gzip header and its first block go out together. */
  const emit = (): void => {
    if (out.length === 0 || finished) return;
    const parts = out;
    out = [];
    produced++;
    controller.enqueue(parts.length === 1 ? parts[0]! : joinBytes(parts));
  };

  const fail = (error: unknown): void => {
    if (finished) return;
    finished = true;
    zs?.destroy();
    reader.cancel(error).catch(() => {});
    controller.error(error);
  };

  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    async pull() {
      produced = 0;
      try {
        zs ??= open();
        // A pull that enqueues nothing would never be called again: loop until output or end.
        while (produced === 0 && !finished) {
          if (prefix.length > 0) {
            const first = prefix;
            prefix = [];
            await writeFlush(zs, first);
            emit();
            continue;
          }
          const r = pending !== null ? await pending : await reader.read();
          pending = null;
          if (finished) return;
          if (r.done) {
            await end(zs);
            emit();
            finished = true;
            controller.close();
            return;
          }
          const chunk = r.value as unknown;
          if (!(chunk instanceof Uint8Array)) {
            throw new TypeError("response body chunks must be Uint8Array");
          }
          if (chunk.byteLength > 0) {
            await writeFlush(zs, [chunk]);
            emit();
          }
        }
      } catch (error) {
        fail(error);
      }
    },
    cancel(reason) {
      finished = true;
      zs?.destroy();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
