/**
 * A message published to many sockets, framed once. The payload is encoded
 * once; the plain frame is built on first use and the very same bytes are
 * queued on every subscriber. Under permessage-deflate, subscribers that
 * negotiated server_no_context_takeover share one compressed frame per
 * window size (their decoder needs no history, so one deflate fits all);
 * the others compress the payload with their own context, in order, since
 * their peer's inflater expects every message of the connection.
 *
 * @module
 */
import { Opcode } from "./constants.ts";
import { PerMessageDeflate } from "./deflate.ts";
import { encodeFrame } from "./encoder.ts";

/** One-shot deflaters for shared frames, by window bits (each resets per message). */
const sharedDeflaters = new Map<number, PerMessageDeflate>();

function sharedDeflater(bits: number): PerMessageDeflate {
  let d = sharedDeflaters.get(bits);
  if (d === undefined) {
    d = new PerMessageDeflate(
      {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: bits,
        clientMaxWindowBits: bits,
      },
      Infinity,
      "low",
    ); // the process's shared deflater for this window, freed when idle
    sharedDeflaters.set(bits, d);
  }
  return d;
}

/**
 * An outbound message shared by every socket it is queued on.
 */
export class SharedMessage {
  /** TEXT or BINARY. */
  readonly opcode: number;
  /** The unframed, uncompressed payload (never mutated). */
  readonly payload: Uint8Array;
  /** Whether subscribers with permessage-deflate may get it compressed. */
  readonly compress: boolean;
  #frame: Uint8Array | undefined;
  #deflated: Map<number, Promise<Uint8Array>> | undefined;

  /** `payload` must not be mutated afterwards (it is queued by reference). */
  constructor(text: boolean, payload: Uint8Array, compress: boolean) {
    this.opcode = text ? Opcode.TEXT : Opcode.BINARY;
    this.payload = payload;
    this.compress = compress;
  }

  /** The uncompressed frame, built on first call and shared. */
  frame(): Uint8Array {
    return this.#frame ??= encodeFrame(this.opcode, this.payload);
  }

  /** The compressed frame for a context-free deflate with `windowBits`, built once per size. */
  deflatedFrame(windowBits: number): Promise<Uint8Array> {
    this.#deflated ??= new Map();
    let p = this.#deflated.get(windowBits);
    if (p === undefined) {
      p = sharedDeflater(windowBits).compress(this.payload)
        .then((c) => encodeFrame(this.opcode, c, { rsv1: true }));
      p.catch(() => {});
      this.#deflated.set(windowBits, p);
    }
    return p;
  }
}
