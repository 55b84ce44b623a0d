/**
 * A zlib context that lives only while it is needed: created on first use,
 * its calls run one after another, and a sweep shared by every lane in the
 * process frees it once it has been idle for a whole sweep period (one
 * timer for all connections, not one per connection). Shared lanes (one per
 * process) serve every connection that negotiated no context takeover in
 * that direction, as uWS's shared compressor does.
 *
 * @module
 */
import { directOf, freeZ, newDeflater, newInflater, type SyncZ, type ZStream } from "./zlib_run.ts";
import { unrefTimer as unref } from "./idle_pings.ts";

/** How long an idle context is kept: freed after one to two periods without use. */
let sweepMs = 5_000;
const sweeping = new Set<ZlibLane>();
let timer: ReturnType<typeof setInterval> | undefined;

function sweep(): void {
  for (const lane of sweeping) lane.tick();
  if (sweeping.size === 0) {
    clearInterval(timer);
    timer = undefined;
  }
}

/** Sets the sweep period (tests; the bench). Applies from the next lane that starts sweeping. */
export function setZlibSweepMs(ms: number): void {
  sweepMs = ms;
  clearInterval(timer);
  timer = undefined;
  if (sweeping.size > 0) {
    timer = setInterval(sweep, sweepMs);
    unref(timer);
  }
}

/**
 * One zlib stream and the queue of calls on it.
 */
export class ZlibLane {
  #z: ZStream | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #busy = 0;
  #used = false;
  #inflate: boolean;
  #make: () => ZStream;
  #release: boolean;
  /**
   * Shared lanes: the connection whose stream state the context holds now
   * (null: a clean state). Another connection resets and primes it first.
   */
  owner: object | null = null;

  /** `release`: free the context when idle (else it lives until close()). */
  constructor(inflate: boolean, windowBits: number, memLevel: number, release: boolean) {
    this.#inflate = inflate;
    this.#make = inflate ? newInflater : () => newDeflater(windowBits, memLevel);
    this.#release = release;
  }

  /** True while the zlib context exists. */
  get live(): boolean {
    return this.#z !== undefined;
  }

  /**
   * Runs `fn` on the stream (created if needed) after the calls before it.
   * `fresh` is true when the stream was just created. A rejection frees the
   * stream (a zlib stream that failed is not reused).
   */
  run<T>(fn: (z: ZStream, fresh: boolean) => Promise<T>): Promise<T> {
    this.#busy++;
    const p = this.#chain.then(() => {
      const fresh = this.#z === undefined;
      if (fresh) {
        this.#z = this.#make();
        if (this.#release) this.#startSweep();
      }
      return fn(this.#z!, fresh).catch((e) => {
        this.free();
        throw e;
      });
    }).finally(() => {
      this.#busy--;
      this.#used = true;
    });
    this.#chain = p.catch(() => {});
    return p;
  }

  /**
   * Runs `fn` now, synchronously, on the context's direct calls (the
   * context made if needed) when no call is queued; undefined (nothing run)
   * when a call is queued or the context has no direct calls. A throw frees
   * the context, as a rejection in run() does.
   */
  runNow<T>(fn: (z: SyncZ) => T): T | undefined {
    if (this.#busy > 0) return undefined;
    if (this.#z === undefined) {
      this.#z = this.#make();
      if (this.#release) this.#startSweep();
    }
    const s = directOf(this.#z);
    if (s === undefined) return undefined;
    this.#used = true;
    try {
      return fn(s);
    } catch (e) {
      this.free();
      throw e;
    }
  }

  /** Frees the stream now (the next run() makes a new one). */
  free(): void {
    const z = this.#z;
    if (z === undefined) return;
    this.#z = undefined;
    this.owner = null;
    sweeping.delete(this);
    freeZ(z, this.#inflate);
  }

  /** The sweep: free the stream when nothing used it since the last tick. */
  tick(): void {
    if (!this.#release) return;
    if (this.#busy > 0 || this.#used) {
      this.#used = false;
      return;
    }
    this.free();
  }

  #startSweep(): void {
    this.#used = true;
    sweeping.add(this);
    if (timer === undefined) {
      timer = setInterval(sweep, sweepMs);
      unref(timer);
    }
  }
}

const sharedIn = new ZlibLane(true, 15, 8, true);
const sharedOut = new Map<number, ZlibLane>();

/** The process's inflater for messages that carry no context (client_no_context_takeover). */
export function sharedInflateLane(): ZlibLane {
  return sharedIn;
}

/** The process's deflater for a window size, for messages that carry no context. */
export function sharedDeflateLane(windowBits: number): ZlibLane {
  let lane = sharedOut.get(windowBits);
  if (lane === undefined) {
    lane = new ZlibLane(false, windowBits, 8, true);
    sharedOut.set(windowBits, lane);
  }
  return lane;
}
