/**
 * The last bytes of one direction's messages (uncompressed), up to its LZ77
 * window: what the other side may refer back to when it keeps its context.
 * With it a "balanced" connection needs no zlib context of its own: the
 * shared stream is primed with these bytes when the connection's turn comes
 * (deflate.ts). The ring grows with what was seen, up to the window (a
 * connection that exchanged 200 bytes holds 256, 10,000 bytes 12 KiB).
 *
 * A ring that is outgrown or dropped (release()) gives its memory back at
 * once where ArrayBuffer.prototype.transfer exists (Deno, Bun; not Node 20):
 * JSC counts these buffers as extra memory and collected them late, so 500
 * echoing connections' outgrown and closed rings were most of Bun's peak
 * RSS under "balanced" deflate (docs/performance.md, part G).
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
    const src = bytes.length > cap ? bytes.subarray(bytes.length - cap) : bytes;
    const need = Math.min(cap, this.#len + src.length);
    if (this.#ring === undefined || this.#ring.length < need) this.#grow(need);
    const ring = this.#ring!;
    const size = ring.length; // below cap, the bytes held and these fit without wrapping
    const first = Math.min(src.length, size - this.#at);
    ring.set(src.subarray(0, first), this.#at);
    ring.set(src.subarray(first), 0);
    this.#at = (this.#at + src.length) % size;
    this.#len = Math.min(size, this.#len + src.length);
  }

  /** The history, oldest first, as one or two views of the ring (no copy), valid until the next push. */
  pieces(): Uint8Array[] {
    const ring = this.#ring, n = this.#len;
    if (ring === undefined || n === 0) return [];
    const start = (this.#at - n + ring.length) % ring.length;
    if (start + n <= ring.length) return [ring.subarray(start, start + n)];
    return [ring.subarray(start), ring.subarray(0, n - (ring.length - start))];
  }

  /**
   * Forgets the bytes and frees the ring now. No view of it (pieces()) may
   * be in use: it is detached.
   */
  release(): void {
    const ring = this.#ring;
    this.#ring = undefined;
    this.#at = this.#len = 0;
    if (ring !== undefined) free(ring);
  }

  // A ring for `need` bytes: 256 at first, then a quarter more at least, in whole KiB, up to the
  // window (powers of two left up to half the ring unused: 3 MiB over 500 echoing connections).
  #grow(need: number): void {
    const now = this.#ring?.length ?? 0;
    const size = now === 0 && need <= 256
      ? 256
      : Math.ceil(Math.max(need, now * 1.25) / 1024) * 1024;
    const ring = new Uint8Array(Math.min(size, this.#cap));
    const old = this.#ring;
    let at = 0;
    for (const piece of this.pieces()) {
      ring.set(piece, at);
      at += piece.length;
    }
    this.#ring = ring;
    this.#at = this.#len % ring.length;
    if (old !== undefined) free(old);
  }
}

type Transferable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };

// Detaching an ArrayBuffer frees its memory now rather than at the next collection.
function free(ring: Uint8Array): void {
  (ring.buffer as Transferable).transfer?.(0);
}
