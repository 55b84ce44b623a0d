/**
 * Our outstanding PINGs: the opaque data we sent, so that a PING ACK can be
 * told from an unsolicited one (which only spends the useless-frame budget).
 *
 * @module
 */

/** How many unanswered PINGs are remembered (the oldest is dropped first). */
const MAX_OUTSTANDING = 64;

/**
 * Opaque data of the PINGs sent and not yet acknowledged.
 */
export class PingTracker {
  /** Made with the first PING we send. */
  #out: Uint8Array[] | null = null;
  #counter = 0;

  /** Records a PING about to be sent; returns its 8 opaque bytes (a counter by default). */
  sent(opaque8?: Uint8Array): Uint8Array {
    let data: Uint8Array;
    if (opaque8 !== undefined) {
      if (opaque8.length !== 8) throw new RangeError("PING data must be 8 bytes");
      data = opaque8.slice();
    } else {
      data = new Uint8Array(8);
      new DataView(data.buffer).setFloat64(0, ++this.#counter);
    }
    const out = this.#out ??= [];
    if (out.length >= MAX_OUTSTANDING) out.shift();
    out.push(data);
    return data;
  }

  /** A PING ACK arrived: true (and forgotten) if it answers one of ours. */
  acked(data: Uint8Array): boolean {
    const out = this.#out;
    if (out === null) return false;
    const i = out.findIndex((p) => equal8(p, data));
    if (i < 0) return false;
    out.splice(i, 1);
    return true;
  }
}

function equal8(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 8; i++) if (a[i] !== b[i]) return false;
  return true;
}
