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

/** Whether a clone tells an ASCII string body here (readHeld's hint); checked once, at load. */
function asciiCloneProbe(): boolean {
  if (base < 0) return false;
  try {
    const cloneHolds = (body: string | Uint8Array<ArrayBuffer>) =>
      estimate!(new Response(body).clone()) - base;
    return cloneHolds("abc") === 3 && cloneHolds("ab\u00e9") === 0 &&
      cloneHolds("a\u20ac") === 0 && cloneHolds(new Uint8Array([97, 98, 99])) === 0;
  } catch {
    return false;
  }
}

/** True where {@link readHeld} may read a body as text (Bun today; else it reads bytes). */
export const HELD_TEXT_PROBE: boolean = asciiCloneProbe();

/**
 * How many body bytes the runtime holds as plain bytes in this Response
 * (a string or bytes body), or 0: no body, an empty one, a stream, a Blob, or
 * a runtime without the probe. Above 0, `response.bytes()` settles at once.
 */
export function heldBodyBytes(response: Response): number {
  return base < 0 ? 0 : estimate!(response) - base;
}

/**
 * Reads a held body (`held` = {@link heldBodyBytes} > 0) whole: as its text
 * when it is an ASCII string, else as bytes; a string result is ASCII.
 *
 * Why: `bytes()` makes a fresh array per response, and for a 100 KB body the
 * collector's share of that garbage costs Bun more than the copy, while
 * `text()` of a string body gives the string back (the bench's prepared
 * 100 KB JSON: 81–87 against 44–47 µs of server CPU per response).
 *
 * Which body is an ASCII string: Bun's clone of a string body shares the
 * string only when it is ASCII; any other body's clone holds a Blob, which
 * the estimate counts as 0. The text is then kept only when it has one char
 * per held byte and no U+FFFD, which holds for an ASCII string, and for bytes
 * only when they are ASCII (a multi-byte sequence or a BOM gives fewer chars,
 * an invalid byte a U+FFFD); else the bytes come from the clone. So the
 * result is the body's bytes whatever the hint says.
 *
 * The clone is a probe, and it costs: other bodies (UTF-8 bytes, strings of
 * two bytes per char) cost 15–30% more per response with it than with
 * `bytes()` alone. A probe that finds no ASCII string is followed by 1, 3, 7
 * … up to 63 bodies read as bytes without one, and one that finds it starts
 * over, so a server that sends such bodies pays for a probe every 64
 * responses, and one that sends prepared text pays for none.
 */
export function readHeld(response: Response, held: number): Promise<string | Uint8Array> {
  if (!HELD_TEXT_PROBE || unprobed > 0) {
    unprobed--;
    return response.bytes();
  }
  return probeText(response, held);
}

/** Reads the text when the clone says ASCII string; the bytes otherwise, with the next probe put off. */
async function probeText(response: Response, held: number): Promise<string | Uint8Array> {
  const spare = response.clone();
  if (heldBodyBytes(spare) === held) {
    const text = await response.text();
    if (text.length === held && !text.includes("\uFFFD")) {
      misses = 0;
      return text;
    }
  }
  misses = Math.min(misses + 1, MAX_MISSES);
  unprobed = (1 << misses) - 1;
  return spare.bytes();
}

/** Probes in a row that found no ASCII string, and the backoff's cap (63 bodies unprobed). */
let misses = 0;
const MAX_MISSES = 6;
/** Textual held bodies still to read as bytes before the next probe. */
let unprobed = 0;
