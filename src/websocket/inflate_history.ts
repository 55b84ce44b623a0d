/**
 * The last bytes a peer's messages inflated to, up to its LZ77 window: what
 * an inflater must hold for the peer's next message when the peer keeps its
 * context. Kept so the inflater itself (its state plus a window of up to
 * 32 KiB) can be freed while the connection idles and rebuilt from these
 * bytes afterwards. While messages flow it is a ring of the window's size;
 * parked, it shrinks to the bytes actually seen (a connection that
 * exchanged 200 bytes holds 200).
 *
 * @module
 */

/** A bounded history of inflated bytes. */
export class InflateHistory {
  #cap: number;
  #ring: Uint8Array | undefined;
  #at = 0;
  #len = 0;

  /** `windowBits`: the peer's LZ77 window (8-15). */
  constructor(windowBits: number) {
    this.#cap = 1 << windowBits;
  }

  /** Bytes held. */
  get length(): number {
    return this.#len;
  }

  /** Records one inflated message. */
  push(bytes: Uint8Array): void {
    const cap = this.#cap;
    if (bytes.length === 0) return;
    if (this.#ring === undefined || this.#ring.length < cap) this.#grow();
    const ring = this.#ring!;
    const src = bytes.length > cap ? bytes.subarray(bytes.length - cap) : bytes;
    const first = Math.min(src.length, cap - this.#at);
    ring.set(src.subarray(0, first), this.#at);
    ring.set(src.subarray(first), 0);
    this.#at = (this.#at + src.length) % cap;
    this.#len = Math.min(cap, this.#len + src.length);
  }

  /** The history, oldest first; afterwards only that much is held until the next push. */
  park(): Uint8Array {
    const out = this.#linear();
    this.#ring = out;
    this.#at = 0;
    return out;
  }

  // Back to a full-size ring (after park, or at first use).
  #grow(): void {
    const ring = new Uint8Array(this.#cap);
    if (this.#len > 0) ring.set(this.#linear());
    this.#ring = ring;
    this.#at = this.#len % this.#cap;
  }

  #linear(): Uint8Array {
    const ring = this.#ring;
    const n = this.#len;
    if (ring === undefined || n === 0) return new Uint8Array(0);
    if (ring.length === n && this.#at === 0) return ring;
    const out = new Uint8Array(n);
    const start = (this.#at - n + ring.length) % ring.length;
    const first = Math.min(n, ring.length - start);
    out.set(ring.subarray(start, start + first));
    out.set(ring.subarray(0, n - first), first);
    return out;
  }
}
