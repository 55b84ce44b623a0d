/**
 * Small helpers every test file shares: hex literals, polling, byte
 * concatenation and endless bodies. One home each, so tests stop growing
 * their own copies.
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { joinBytes } from "../../src/bytes/join.ts";

/** Bytes from a hex string; whitespace is ignored (`hex("82 86")`). */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Concatenates byte arrays (`concat(a, b, c)`). */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return joinBytes(parts);
}

/**
 * Polls until `f` returns something other than undefined or false, and
 * resolves with it; rejects after `ms` naming `what`.
 */
export async function eventually<T>(
  f: () => T | undefined | false,
  ms = 5000,
  what = "condition",
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`${what} not met in time`);
    await sleep(10);
  }
}

/** Counts what an endless body produced and whether it was cancelled. */
export interface EndlessState {
  /** Bytes handed to the consumer so far. */
  pulled: number;
  /** True once the consumer cancelled the stream. */
  cancelled: boolean;
}

/**
 * An endless body of `size`-byte chunks, one per `delayMs` (async pull, so
 * it streams); `state` records what was pulled and the cancellation.
 */
export function endless(
  state: EndlessState = { pulled: 0, cancelled: false },
  size = 16 * 1024,
  delayMs = 1,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      await sleep(delayMs);
      state.pulled += size;
      c.enqueue(new Uint8Array(size).fill(120));
    },
    cancel() {
      state.cancelled = true;
    },
  });
}
