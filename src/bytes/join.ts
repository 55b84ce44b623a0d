/**
 * Joining byte chunks into one fresh array: the one copy loop that the
 * compressors and the WebSocket zlib runs share.
 *
 * @module
 */

/** The chunks copied, in order, into one new array; `total` when the caller already counted. */
export function joinBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array<ArrayBuffer> {
  if (total === undefined) {
    total = 0;
    for (const c of chunks) total += c.byteLength;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
