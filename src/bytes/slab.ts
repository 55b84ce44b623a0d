/**
 * Short-lived bytes cut from shared 64 KiB slabs. Allocating an ArrayBuffer
 * costs thousands of instructions on V8 and hundreds of nanoseconds on JSC,
 * more than writing a response head; a slab makes it one allocation per many
 * responses. Pieces are never reused: a slab is dropped when full and
 * collected once its last piece is gone.
 *
 * A piece pins its whole slab, so use them only for bytes that go straight to
 * a socket write queue (response heads, small bodies), never for bytes that
 * may wait on a peer, such as HTTP/2 DATA held back by flow control. The
 * write queue keeps only its first two chunks by reference and copies small
 * ones behind them, so a client that stops reading pins at most a few slabs.
 *
 * Large socket writes (glued pieces, HTTP/2 output batches) use a small pool
 * of reusable buffers instead, given back once the socket has the bytes.
 *
 * @module
 */

const SLAB_SIZE = 64 * 1024;
/** Larger pieces get their own buffer. */
const PIECE_MAX = 8 * 1024;

let slab = new Uint8Array(SLAB_SIZE);
let at = 0;

/**
 * `n` writable bytes, cut from the current slab when small.
 */
export function slabBytes(n: number): Uint8Array {
  if (n > PIECE_MAX) return new Uint8Array(n);
  if (at + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    at = 0;
  }
  const out = slab.subarray(at, at + n);
  at += (n + 7) & ~7;
  return out;
}

/** Largest pooled buffer: a glued socket write or an HTTP/2 output batch fits in one. */
const POOL_BUFFER = 288 * 1024;
/** Pooled buffers are sized in these steps, so that one serves later pieces of about its size. */
const POOL_STEP = 32 * 1024;
/**
 * Free pooled buffers kept for reuse, by count and by bytes; more in flight at
 * once are simply garbage collected. Sized for one large response in flight
 * per connection of a busy server: with 16, 50 connections each sending 100
 * KB allocated (and zero-filled) a fresh buffer for 6 writes in 10.
 */
const POOL_MAX = 64;
const POOL_BYTES_MAX = 8 * 1024 * 1024;
const pool: ArrayBuffer[] = [];
let poolBytes = 0;
/** Pieces handed out in pooled buffers, until released. */
const lent = new WeakSet<Uint8Array>();

/**
 * `n` bytes for a large socket write, in a free pooled buffer big enough, or
 * else in a new one sized to `n` rounded up (zero-filling it costs what a
 * buffer of its own would, and it is reused once released). Give it back
 * with {@link releaseBytes} once the socket has taken the bytes; a piece never
 * given back is simply collected.
 */
export function pooledBytes(n: number): Uint8Array {
  if (n > POOL_BUFFER) return new Uint8Array(n);
  let free: ArrayBuffer | undefined;
  for (let i = pool.length - 1; i >= 0; i--) {
    if (pool[i]!.byteLength >= n) {
      free = pool[i]!;
      pool[i] = pool[pool.length - 1]!;
      pool.pop();
      poolBytes -= free.byteLength;
      break;
    }
  }
  free ??= new ArrayBuffer(Math.ceil(n / POOL_STEP) * POOL_STEP);
  const piece = new Uint8Array(free, 0, n);
  lent.add(piece);
  return piece;
}

/**
 * `n` bytes for a socket write: a slab piece when small, else from the pool.
 * Release it with {@link releaseBytes} once written.
 */
export function writeBytes(n: number): Uint8Array {
  return n <= PIECE_MAX ? slabBytes(n) : pooledBytes(n);
}

/**
 * The part `[start, end)` of a piece from {@link pooledBytes}, which takes
 * over the loan: release the part, not the piece, once written.
 */
export function narrowPooled(piece: Uint8Array, start: number, end: number): Uint8Array {
  const part = piece.subarray(start, end);
  if (lent.delete(piece)) lent.add(part);
  return part;
}

/**
 * True for a piece from {@link pooledBytes} not yet released.
 */
export function isPooled(piece: Uint8Array): boolean {
  return lent.has(piece);
}

/**
 * Gives back a piece from {@link pooledBytes}; anything else is ignored.
 * The piece must not be used afterwards.
 */
export function releaseBytes(piece: Uint8Array): void {
  if (!lent.delete(piece)) return;
  const buffer = piece.buffer as ArrayBuffer;
  if (pool.length < POOL_MAX && poolBytes + buffer.byteLength <= POOL_BYTES_MAX) {
    pool.push(buffer);
    poolBytes += buffer.byteLength;
  }
}
