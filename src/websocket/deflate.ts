/**
 * permessage-deflate (RFC 7692) on node:zlib, which Deno, Bun and Node ship.
 * Raw deflate and inflate flushed with Z_SYNC_FLUSH per message; the
 * 00 00 ff ff tail is stripped after deflate and appended before inflate.
 * Messages keep their order in each direction (zlib_lane.ts).
 *
 * Memory (`DeflateMemory`): no context exists until a message needs it.
 * - "ratio": each connection keeps its own contexts for its life.
 * - "balanced": no context per connection. The process's shared lanes serve
 *   every connection; a direction that keeps its context (no
 *   *_no_context_takeover) keeps instead the bytes its peer's side may refer
 *   back to (inflate_history.ts: up to the client's window inbound, up to our
 *   13-bit window outbound, only what was sent), and the shared stream is
 *   reset and primed with them whenever another connection used it last:
 *   inbound as stored blocks, outbound by deflating them and dropping that
 *   output (the client's inflater holds those bytes already, so references
 *   into them are valid). The ratio is that of a 13-bit context; the cost is
 *   CPU (re-reading the history when connections interleave).
 * - "low": no context takeover in either direction (upgrade.ts asks for it):
 *   every message on the shared lanes, reset each time, nothing per connection.
 * Inflation stops at maxMessageBytes (close 1009): a bomb is never allocated.
 *
 * @module
 */
import type { DeflateParams } from "./extensions.ts";
import { InflateHistory } from "./inflate_history.ts";
import { sharedDeflateLane, sharedInflateLane, ZlibLane } from "./zlib_lane.ts";
import { runZ, storedBlockPieces, type ZStream } from "./zlib_run.ts";
import { CloseCode } from "./constants.ts";
import { WebSocketError } from "./errors.ts";

/** How permessage-deflate trades memory for compression ratio (see the module doc). */
export type DeflateMemory = "low" | "balanced" | "ratio";

const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
/** Shared contexts primed with a connection's history, so far (tests). */
let primings = 0;

/** How many times a shared context was primed with a connection's history in this process (tests). */
export function deflatePrimings(): number {
  return primings;
}

/** The owner of a shared stream whose connection closed (its state is not clean). */
const GONE = {};

/**
 * Our deflater's window outside "ratio": RFC 7692 §7.1.2.1 lets the server
 * compress with a smaller window than negotiated (memLevel is not negotiated;
 * the runtimes' zlib keeps a fixed hash table whatever it is). Measured
 * (bench/ws_deflate_params.ts, Deno and Bun): small JSON and text messages
 * lose 1 to 1.5 points of ratio at 13 bits against 15 (chat JSON 20.0% ->
 * 21.6% of plain), and the history a "balanced" connection keeps is 8 KiB at
 * most instead of 32.
 */
const LEAN_WINDOW_BITS = 13;

/**
 * Compresses and decompresses messages for one connection.
 */
export class PerMessageDeflate {
  #params: DeflateParams;
  #max: number;
  #out: ZlibLane;
  #in: ZlibLane;
  /** "ratio": the lanes are this connection's own. Else the process's shared ones. */
  #own: boolean;
  /** Shared lanes, directions that keep context: what the peer may refer back to. */
  #outHistory: InflateHistory | undefined;
  #inHistory: InflateHistory | undefined;
  #closed = false;
  /** Calls on the stream path in flight: they may still read the histories. */
  #pending = 0;

  /** `params` from negotiation; `maxMessageBytes` bounds every inflated message. */
  constructor(params: DeflateParams, maxMessageBytes: number, memory: DeflateMemory = "ratio") {
    this.#params = params;
    this.#max = maxMessageBytes;
    const bits = params.serverMaxWindowBits;
    this.#own = memory === "ratio";
    if (this.#own) {
      this.#out = new ZlibLane(false, bits, 8, false);
      this.#in = new ZlibLane(true, 15, 8, false);
      return;
    }
    const outBits = Math.min(bits, LEAN_WINDOW_BITS);
    this.#out = sharedDeflateLane(outBits);
    this.#in = sharedInflateLane();
    if (!params.serverNoContextTakeover) this.#outHistory = new InflateHistory(outBits);
    if (!params.clientNoContextTakeover) {
      this.#inHistory = new InflateHistory(params.clientMaxWindowBits);
    }
  }

  /** Whether this connection's own inflater / deflater exist now (shared ones: false). */
  get contexts(): { inflater: boolean; deflater: boolean } {
    return { inflater: this.#own && this.#in.live, deflater: this.#own && this.#out.live };
  }

  /** Frees the idle contexts this connection uses now, as the sweep would (tests). */
  releaseIdle(): void {
    for (const lane of [this.#in, this.#out]) {
      lane.tick();
      lane.tick();
    }
  }

  /** Deflates one whole message (tail stripped). Calls run in order. */
  compress(data: Uint8Array): Promise<Uint8Array> {
    const lane = this.#out;
    try {
      // Direct zlib calls and nothing queued: the whole message now, no promise chain.
      const now = lane.runNow((z) => {
        const prime = this.#enter(lane, z, this.#outHistory, this.#params.serverNoContextTakeover);
        if (prime !== undefined) z.run(prime, Infinity, false);
        return this.#deflated(z, z.run(data, Infinity, true), data);
      });
      if (now !== undefined) return Promise.resolve(now);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#queue(lane, async (z) => {
      const prime = this.#enter(lane, z, this.#outHistory, this.#params.serverNoContextTakeover);
      if (prime !== undefined) await runZ(z, prime, Infinity, false);
      return this.#deflated(z, await runZ(z, data, Infinity), data);
    });
  }

  /** Inflates one whole message; rejects with WebSocketError 1009 past maxMessageBytes. */
  decompress(data: Uint8Array): Promise<Uint8Array> {
    // No bytes at all is no DEFLATE data (an empty message is sent as one 00 byte, RFC 7692
    // §7.2.3.6): with the tail appended, zlib would wait inside a stored block and read the next
    // message as its lengths. Taken as the empty message it can only mean; zlib is not touched.
    if (data.length === 0) return Promise.resolve(data);
    const lane = this.#in;
    const h = this.#inHistory;
    try {
      const now = lane.runNow((z) => {
        const prime = this.#enter(lane, z, h, this.#params.clientNoContextTakeover);
        if (prime !== undefined) z.run(storedBlockPieces(prime), h!.length, false);
        return this.#inflated(z, inflateError(() => z.run([data, TAIL], this.#max, true)));
      });
      if (now !== undefined) return Promise.resolve(now);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#queue(lane, async (z) => {
      const prime = this.#enter(lane, z, h, this.#params.clientNoContextTakeover);
      if (prime !== undefined) await runZ(z, storedBlockPieces(prime), h!.length, false);
      let out: Uint8Array;
      try {
        out = await runZ(z, [data, TAIL], this.#max);
      } catch (e) {
        throw asInflateError(e);
      }
      return this.#inflated(z, out);
    });
  }

  // The stream path: in the lane's order; the histories are freed after the last call.
  #queue<T>(lane: ZlibLane, fn: (z: ZStream) => Promise<T>): Promise<T> {
    this.#pending++;
    return lane.run(fn).finally(() => {
      if (--this.#pending === 0 && this.#closed) this.#release();
    });
  }

  #release(): void {
    this.#outHistory?.release();
    this.#inHistory?.release();
  }

  /**
   * Takes a lane's context for this connection: a shared one that another
   * connection used last is reset, and the history to prime it with is
   * returned (the peer's side holds those bytes, so references into them are
   * valid). Afterwards the context is this connection's (none: `reset`).
   */
  #enter(
    lane: ZlibLane,
    z: { reset(): void },
    h: InflateHistory | undefined,
    reset: boolean,
  ): Uint8Array[] | undefined {
    if (this.#closed) {
      throw new WebSocketError(CloseCode.INTERNAL_ERROR, "permessage-deflate closed");
    }
    const other = lane.owner !== this;
    if (!this.#own && lane.owner !== null && other) z.reset();
    lane.owner = reset ? null : this;
    if (h === undefined || !other || h.length === 0) return undefined;
    primings++;
    return h.pieces();
  }

  #deflated(z: { reset(): void }, out: Uint8Array, data: Uint8Array): Uint8Array {
    if (this.#params.serverNoContextTakeover) z.reset();
    this.#outHistory?.push(data);
    let end = out.length;
    if (end >= 4 && endsWithTail(out)) end -= 4;
    // An empty message deflates to the tail alone; RFC 7692 §7.2.3.6 sends one 00 byte.
    return end === 0 ? new Uint8Array(1) : out.subarray(0, end);
  }

  #inflated(z: { reset(): void }, out: Uint8Array): Uint8Array {
    if (this.#params.clientNoContextTakeover) z.reset();
    this.#inHistory?.push(out);
    return out;
  }

  /** Frees this connection's own zlib streams; later calls reject. */
  close(): void {
    this.#closed = true;
    if (this.#own) {
      this.#out.free();
      this.#in.free();
    }
    // The shared stream still holds this connection's window: whoever comes next resets it.
    if (this.#out.owner === this) this.#out.owner = GONE;
    if (this.#in.owner === this) this.#in.owner = GONE;
    if (this.#pending === 0) this.#release();
  }
}

function inflateError(run: () => Uint8Array): Uint8Array {
  try {
    return run();
  } catch (e) {
    throw asInflateError(e);
  }
}

// Past the limit: 1009 as thrown; anything zlib refused: 1007.
function asInflateError(e: unknown): WebSocketError {
  if (e instanceof WebSocketError) return e;
  return new WebSocketError(CloseCode.INVALID_PAYLOAD, "invalid deflate data");
}

function endsWithTail(b: Uint8Array): boolean {
  const n = b.length;
  return b[n - 4] === 0 && b[n - 3] === 0 && b[n - 2] === 0xff && b[n - 1] === 0xff;
}
