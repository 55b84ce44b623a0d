/**
 * Bun keeps a Response body given as a string or bytes as plain bytes, and
 * builds a ReadableStream only when `response.body` is read; reading a small
 * body through that stream costs several times the rest of the response.
 * Bun's `Response` does not tell such a body from a stream, but the engine's
 * size estimate of the object counts the bytes it holds (and nothing for a
 * stream or a Blob). A probe at start-up checks that this still holds on the
 * running Bun, and the path is off otherwise (and on every other runtime).
 *
 * @module
 */
import process from "node:process";

type Estimate = (value: unknown) => number;

function findEstimate(): Estimate | null {
  if ((globalThis as { Bun?: unknown }).Bun === undefined) return null;
  try {
    const load = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    const jsc = load?.("bun:jsc") as { estimateShallowMemoryUsageOf?: Estimate } | undefined;
    return jsc?.estimateShallowMemoryUsageOf ?? null;
  } catch {
    return null;
  }
}

/** The estimate of a Response with no body, or -1 when the probe failed. */
function probe(estimate: Estimate): number {
  const base = estimate(new Response(null));
  const held = (r: Response) => estimate(r) - base;
  if (held(new Response("abc")) !== 3) return -1;
  if (held(new Response(new Uint8Array(1000))) !== 1000) return -1;
  if (held(new Response(new ReadableStream())) !== 0) return -1;
  if (held(new Response(new Blob(["abc"]))) !== 0) return -1;
  return base;
}

const estimate = findEstimate();
let base = -1;
try {
  base = estimate === null ? -1 : probe(estimate);
} catch {
  base = -1;
}

/**
 * True where {@link heldBodyBytes} can tell (Bun today).
 */
export const HELD_BODY_PROBE: boolean = base >= 0;

/**
 * How many body bytes the runtime holds as plain bytes in this Response
 * (a string or bytes body), or 0: no body, an empty one, a stream, a Blob, or
 * a runtime without the probe. Above 0, `response.bytes()` settles at once.
 */
export function heldBodyBytes(response: Response): number {
  return base < 0 ? 0 : estimate!(response) - base;
}
