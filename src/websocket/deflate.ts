/**
 * permessage-deflate (RFC 7692) on node:zlib, which Deno, Bun and Node ship.
 * One raw deflate and one raw inflate stream per connection, flushed with
 * Z_SYNC_FLUSH per message; the 00 00 ff ff tail is stripped after deflate
 * and appended before inflate. Contexts persist across messages unless
 * no_context_takeover was negotiated. Work is serialized per direction so
 * messages keep their order. Inflation counts output as it arrives and
 * stops (close 1009) past the limit, so a bomb never gets allocated.
 *
 * @module
 */
import zlib from "node:zlib";
import { CloseCode } from "./constants.ts";
import type { DeflateParams } from "./extensions.ts";
import { WebSocketError } from "./errors.ts";

const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

type ZStream = zlib.DeflateRaw | zlib.InflateRaw;

/**
 * Compresses and decompresses messages for one connection.
 */
export class PerMessageDeflate {
  #params: DeflateParams;
  #max: number;
  #deflate: zlib.DeflateRaw | undefined;
  #inflate: zlib.InflateRaw | undefined;
  #outChain: Promise<unknown> = Promise.resolve();
  #inChain: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** `params` from negotiation; `maxMessageBytes` bounds every inflated message. */
  constructor(params: DeflateParams, maxMessageBytes: number) {
    this.#params = params;
    this.#max = maxMessageBytes;
  }

  /** Deflates one whole message (tail stripped). Calls run in order. */
  compress(data: Uint8Array): Promise<Uint8Array> {
    const p = this.#outChain.then(() => this.#compress(data));
    this.#outChain = p.catch(() => {});
    return p;
  }

  /** Inflates one whole message; rejects with WebSocketError 1009 past maxMessageBytes. */
  decompress(data: Uint8Array): Promise<Uint8Array> {
    const p = this.#inChain.then(() => this.#decompress(data));
    this.#inChain = p.catch(() => {});
    return p;
  }

  /** Frees the zlib streams; later calls reject. */
  close(): void {
    this.#closed = true;
    this.#deflate?.close();
    this.#inflate?.close();
    this.#deflate = this.#inflate = undefined;
  }

  async #compress(data: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) throw new WebSocketError(CloseCode.INTERNAL_ERROR, "deflate closed");
    this.#deflate ??= zlib.createDeflateRaw({
      windowBits: this.#params.serverMaxWindowBits,
      memLevel: 8,
    });
    const z = this.#deflate;
    const out = await run(z, data, Infinity);
    if (this.#params.serverNoContextTakeover) {
      z.close();
      this.#deflate = undefined;
    }
    let end = out.length;
    if (end >= 4 && endsWithTail(out)) end -= 4;
    // An empty message deflates to the tail alone; RFC 7692 §7.2.3.6 sends one 00 byte.
    return end === 0 ? new Uint8Array(1) : out.subarray(0, end);
  }

  async #decompress(data: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) throw new WebSocketError(CloseCode.INTERNAL_ERROR, "inflate closed");
    // Inflating with the largest window accepts whatever window the client used.
    this.#inflate ??= zlib.createInflateRaw({ windowBits: 15 });
    const z = this.#inflate;
    let out: Uint8Array;
    try {
      const input = new Uint8Array(data.length + 4);
      input.set(data);
      input.set(TAIL, data.length);
      out = await run(z, input, this.#max);
    } catch (e) {
      z.close();
      this.#inflate = undefined;
      if (e instanceof WebSocketError) throw e;
      throw new WebSocketError(CloseCode.INVALID_PAYLOAD, "invalid deflate data");
    }
    if (this.#params.clientNoContextTakeover) {
      z.close();
      this.#inflate = undefined;
    }
    return out;
  }
}

function endsWithTail(b: Uint8Array): boolean {
  const n = b.length;
  return b[n - 4] === 0 && b[n - 3] === 0 && b[n - 2] === 0xff && b[n - 1] === 0xff;
}

/** Writes `input`, flushes with Z_SYNC_FLUSH and gathers the output up to `limit` bytes. */
function run(z: ZStream, input: Uint8Array, limit: number): Promise<Uint8Array> {
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
      resolve(join(chunks, total));
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
      chunks.push(c);
    };
    const onError = (e: Error) => finish(e);
    z.on("data", onData);
    z.on("error", onError);
    z.write(input);
    // Deno passes a zlib error to the flush callback before emitting it; Node and Bun only emit.
    z.flush(
      zlib.constants.Z_SYNC_FLUSH,
      (err?: unknown) => finish(err instanceof Error ? err : undefined),
    );
  });
}

function join(chunks: Uint8Array[], total: number): Uint8Array {
  // A plain Uint8Array view, not the runtime's Buffer subclass.
  if (chunks.length === 1) return new Uint8Array(chunks[0]!.buffer, chunks[0]!.byteOffset, total);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
