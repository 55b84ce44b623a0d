/**
 * How the exchange reads a body Bun holds as plain bytes (a string or bytes
 * body; runtime/bun_body.ts): a large one with a textual Content-Type may
 * come out as its string, which the HTTP/1.1 writer encodes straight into
 * its buffer; any other as bytes.
 *
 * @module
 */
import { readHeld } from "../runtime/bun_body.ts";
import { isCompressible } from "../compression/compressible.ts";

/** Held bodies from this size on may be read as text; smaller ones cost no more as bytes. */
const HELD_TEXT_MIN = 1024;

/**
 * Reads `response`'s held body (`held` bytes: heldBodyBytes); `headers` are
 * its fields (responseFields). A string comes back only when it is ASCII,
 * so its length is its bytes'.
 */
export function readHeldBody(
  response: Response,
  held: number,
  headers: Array<[string, string]>,
): Promise<string | Uint8Array> {
  return held >= HELD_TEXT_MIN && textual(headers) ? readHeld(response, held) : response.bytes();
}

/** Whether the Content-Type is text (the types worth compressing are). */
function textual(headers: Array<[string, string]>): boolean {
  for (const [name, value] of headers) if (name === "content-type") return isCompressible(value);
  return false;
}
