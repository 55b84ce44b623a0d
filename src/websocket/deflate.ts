/**
 * permessage-deflate (RFC 7692) on node:zlib, which Deno, Bun and Node ship.
 * Raw deflate and inflate flushed with Z_SYNC_FLUSH per message; the
 * 00 00 ff ff tail is stripped after deflate and appended before inflate.
 * Messages keep their order in each direction (zlib_lane.ts).
 *
 * Memory (`DeflateMemory`): no context exists until it is needed: the
 * inflater comes with the first compressed message, the deflater with the
 * first message worth compressing.
 * - "ratio": each connection keeps its contexts for its life.
 * - "balanced": each connection's contexts are freed after an idle period.
 *   Our deflater may forget its history at any time (the peer's inflater
 *   just finds no reference to it); when the peer keeps its context, the
 *   bytes it may refer back to (up to its window, only what it sent) are
 *   kept and fed to the next inflater as stored blocks (inflate_history.ts).
 * - "low": no context takeover in either direction (upgrade.ts asks for it),
 *   so every connection shares the process's one inflater and one deflater
 *   per window size, reset per message.
 * Inflation stops at maxMessageBytes (close 1009): a bomb is never allocated.
 *
 * @module
 */
import type { DeflateParams } from "./extensions.ts";
import { InflateHistory } from "./inflate_history.ts";
import { sharedDeflateLane, sharedInflateLane, ZlibLane } from "./zlib_lane.ts";
import { runZ, storedBlocks, type ZStream } from "./zlib_run.ts";
import { CloseCode } from "./constants.ts";
import { WebSocketError } from "./errors.ts";

/** How permessage-deflate trades memory for compression ratio (see the module doc). */
export type DeflateMemory = "low" | "balanced" | "ratio";

const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/**
 * Our own deflater's window and memLevel outside "ratio": RFC 7692 §7.1.2.1
 * lets the server compress with a smaller window than negotiated, and
 * memLevel is never negotiated. Measured (bench/ws_deflate_params.ts, Deno and
 * Bun): 13/6 costs about 190 KiB per live deflater against 245 KiB at 15/8,
 * for 1 to 1.5 points of ratio on small JSON and text messages (chat JSON
 * 20.0% -> 21.6% of plain). Below 13 bits the ratio falls faster than the
 * memory (the runtimes' zlib keeps a fixed hash table of about 128 KiB).
 */
const LEAN_WINDOW_BITS = 13;
const LEAN_MEM_LEVEL = 6;

/**
 * Compresses and decompresses messages for one connection.
 */
export class PerMessageDeflate {
  #params: DeflateParams;
  #max: number;
  #out: ZlibLane;
  #in: ZlibLane;
  #history: InflateHistory | undefined;
  #ownOut: boolean;
  #ownIn: boolean;
  #closed = false;

  /** `params` from negotiation; `maxMessageBytes` bounds every inflated message. */
  constructor(params: DeflateParams, maxMessageBytes: number, memory: DeflateMemory = "ratio") {
    this.#params = params;
    this.#max = maxMessageBytes;
    const release = memory !== "ratio";
    const bits = params.serverMaxWindowBits;
    this.#ownOut = memory === "ratio" || !params.serverNoContextTakeover;
    this.#ownIn = memory === "ratio" || !params.clientNoContextTakeover;
    this.#out = !this.#ownOut
      ? sharedDeflateLane(bits)
      : memory === "ratio"
      ? new ZlibLane(false, bits, 8, release)
      : new ZlibLane(false, Math.min(bits, LEAN_WINDOW_BITS), LEAN_MEM_LEVEL, release);
    this.#in = this.#ownIn ? new ZlibLane(true, 15, 8, release) : sharedInflateLane();
    if (release && !params.clientNoContextTakeover) {
      const h = this.#history = new InflateHistory(params.clientMaxWindowBits);
      this.#in.onRelease = () => h.park();
    }
  }

  /** Whether this connection's own inflater / deflater exist now (shared ones: false). */
  get contexts(): { inflater: boolean; deflater: boolean } {
    return { inflater: this.#ownIn && this.#in.live, deflater: this.#ownOut && this.#out.live };
  }

  /** Frees this connection's idle contexts now, as the sweep would (tests). */
  releaseIdle(): void {
    for (const [own, lane] of [[this.#ownIn, this.#in], [this.#ownOut, this.#out]] as const) {
      if (!own) continue;
      lane.tick();
      lane.tick();
    }
  }

  /** Deflates one whole message (tail stripped). Calls run in order. */
  compress(data: Uint8Array): Promise<Uint8Array> {
    const reset = this.#params.serverNoContextTakeover;
    return this.#out.run(async (z) => {
      if (this.#closed) throw new WebSocketError(CloseCode.INTERNAL_ERROR, "deflate closed");
      const out = await runZ(z, data, Infinity);
      if (reset) z.reset();
      let end = out.length;
      if (end >= 4 && endsWithTail(out)) end -= 4;
      // An empty message deflates to the tail alone; RFC 7692 §7.2.3.6 sends one 00 byte.
      return end === 0 ? new Uint8Array(1) : out.subarray(0, end);
    });
  }

  /** Inflates one whole message; rejects with WebSocketError 1009 past maxMessageBytes. */
  decompress(data: Uint8Array): Promise<Uint8Array> {
    const reset = this.#params.clientNoContextTakeover;
    return this.#in.run(async (z, fresh) => {
      if (this.#closed) throw new WebSocketError(CloseCode.INTERNAL_ERROR, "inflate closed");
      const h = this.#history;
      if (fresh && h !== undefined && h.length > 0) await this.#prime(z, h);
      const input = new Uint8Array(data.length + 4);
      input.set(data);
      input.set(TAIL, data.length);
      let out: Uint8Array;
      try {
        out = await runZ(z, input, this.#max);
      } catch (e) {
        if (e instanceof WebSocketError) throw e;
        throw new WebSocketError(CloseCode.INVALID_PAYLOAD, "invalid deflate data");
      }
      if (reset) z.reset();
      h?.push(out);
      return out;
    });
  }

  // A new inflater gets back the window the peer may refer to.
  async #prime(z: ZStream, h: InflateHistory): Promise<void> {
    const past = h.park();
    await runZ(z, storedBlocks(past), past.length);
  }

  /** Frees this connection's own zlib streams; later calls reject. */
  close(): void {
    this.#closed = true;
    if (this.#ownOut) this.#out.free();
    if (this.#ownIn) this.#in.free();
  }
}

function endsWithTail(b: Uint8Array): boolean {
  const n = b.length;
  return b[n - 4] === 0 && b[n - 3] === 0 && b[n - 2] === 0xff && b[n - 1] === 0xff;
}
