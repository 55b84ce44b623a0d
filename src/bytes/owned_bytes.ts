/**
 * Received chunks whose buffer nobody else holds (a runtime that hands over a
 * fresh buffer per read). A request body byte stream transfers the buffer of
 * what it is given, so body bytes are normally copied first; a body chunk that
 * is exactly a marked chunk (the start of its buffer, maybe not all of it)
 * can be handed on as it is, once.
 *
 * @module
 */

/**
 * Below this size a copy is cheaper than looking at the buffer (JSC materialises it).
 */
export const ADOPT_MIN = 16 * 1024;

/** Marked buffers, with the length of the one chunk received into each. */
const owned = new WeakMap<ArrayBufferLike, number>();

/**
 * Marks a freshly received chunk, at the start of its buffer, as the only
 * view of that buffer (call only when that is true: the caller gives up the
 * buffer to whoever adopts it). The buffer may be larger than the chunk, as
 * when a read filled only part of it.
 */
export function markOwned(chunk: Uint8Array): void {
  if (chunk.byteLength >= ADOPT_MIN && chunk.byteOffset === 0) {
    owned.set(chunk.buffer, chunk.byteLength);
  }
}

/**
 * Whether `view` is exactly a chunk marked by markOwned (the mark is used
 * up: the buffer can be adopted only once). A part of it is not: the rest may
 * still be read, as when the next pipelined request follows the body.
 */
export function adoptable(view: Uint8Array): boolean {
  if (view.byteLength < ADOPT_MIN || view.byteOffset !== 0) return false;
  const buf = view.buffer;
  return owned.get(buf) === view.byteLength && owned.delete(buf);
}
