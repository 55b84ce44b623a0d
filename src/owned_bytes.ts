/**
 * Received chunks whose buffer nobody else holds (a runtime that hands over a
 * fresh buffer per read). A request body byte stream transfers the buffer of
 * what it is given, so body bytes are normally copied first; a body chunk that
 * covers such a buffer whole can be handed on as it is, once.
 *
 * @module
 */

/**
 * Below this size a copy is cheaper than looking at the buffer (JSC materialises it).
 *
 * @example
 * ```ts
 * import { ADOPT_MIN, adoptable, markOwned } from "./owned_bytes.ts";
 * const small = new Uint8Array(ADOPT_MIN - 1);
 * markOwned(small);
 * console.assert(!adoptable(small)); // below ADOPT_MIN a copy is cheaper
 * ```
 */
export const ADOPT_MIN = 16 * 1024;

const owned = new WeakSet<ArrayBufferLike>();

/**
 * Marks a freshly received chunk as the only view of its buffer (call only
 * when that is true: the caller gives up the buffer to whoever adopts it).
 *
 * @example
 * ```ts
 * import { adoptable, markOwned } from "./owned_bytes.ts";
 * const chunk = new Uint8Array(64 * 1024);
 * markOwned(chunk);
 * adoptable(chunk); // true, once
 * ```
 */
export function markOwned(chunk: Uint8Array): void {
  if (chunk.byteLength >= ADOPT_MIN && chunk.byteOffset === 0) {
    const buf = chunk.buffer;
    if (chunk.byteLength === buf.byteLength) owned.add(buf);
  }
}

/**
 * Whether `view` covers a whole buffer marked by markOwned (the mark is
 * used up: the buffer can be adopted only once).
 *
 * @example
 * ```ts
 * import { adoptable } from "./owned_bytes.ts";
 * adoptable(new Uint8Array(8)); // false: never marked
 * ```
 */
export function adoptable(view: Uint8Array): boolean {
  if (view.byteLength < ADOPT_MIN || view.byteOffset !== 0) return false;
  const buf = view.buffer;
  return view.byteLength === buf.byteLength && owned.delete(buf);
}
