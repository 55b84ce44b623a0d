/**
 * Response compression as a transform that runs after the handler:
 * `withCompression(options, handler)` wraps the handler the way the Expect
 * filter does, so servers without the option pay nothing.
 *
 * A response is compressed only when all hold:
 * - the status may carry content and is not a range: not 1xx, 204, 206, 304;
 * - it has a body, no Content-Encoding, no `Cache-Control: no-transform`;
 * - its Content-Type is compressible and the `filter` hook agrees;
 * - it is not known to be smaller than `minSize` (a Content-Length, or a body
 *   complete at once; a body still streaming counts as large);
 * - the request has no Range header (its 200 stays the identity
 *   representation the client is assembling ranges of);
 * - Accept-Encoding picks one of our codings.
 *
 * Every response that passes the first three checks gets
 * `Vary: Accept-Encoding`, whether compressed for this client or not, so
 * caches key on it. A compressed whole body (known in full) is sent with the
 * Content-Length of its compressed bytes; from ASYNC_MIN_BYTES on it is
 * compressed off the loop (off_loop.ts), smaller ones in one synchronous call; a streamed one loses the
 * handler's Content-Length (it no longer holds). Accept-Ranges goes (ranges
 * of a coding that is redone per request cannot be honoured), and a strong
 * ETag becomes weak (as nginx does): the bytes differ from the identity
 * representation's, the meaning does not.
 *
 * HEAD gets GET's Content-Encoding, Vary and weak ETag without running a
 * compressor, and so no Content-Length (the compressed size is not known).
 *
 * Trailers attached with withTrailers move to the compressed Response.
 *
 * @module
 */
import type { Handler } from "../types.ts";
import { moveTrailers } from "../fetch/trailers.ts";
import { isCompressible } from "./compressible.ts";
import { chooseEncoding } from "./negotiate.ts";
import type { ResolvedCompression } from "./options.ts";
import { compressStream } from "./stream.ts";
import type { Encoder } from "./encoders.ts";
import { ASYNC_MIN_BYTES } from "./off_loop.ts";
import { joinBytes } from "../bytes/join.ts";
import { peekStaticBody } from "../fetch/static_body.ts";
import { heldBodyBytes } from "../runtime/bun_body.ts";
import { readEager } from "../fetch/eager_read.ts";

/** A streamed body complete within this many bytes is compressed whole; larger ones stream. */
const WHOLE_LIMIT = 256 * 1024;
/**
 * A plain body (a string or bytes, already in memory) up to this size is compressed whole, so it
 * keeps a Content-Length; larger ones stream, for an earlier first byte.
 */
const PLAIN_WHOLE_LIMIT = 8 * 1024 * 1024;

const textEncoder = new TextEncoder();

const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i;

/**
 * Wraps a handler so that its responses are compressed as `options` say.
 */
export function withCompression<C extends object>(
  options: ResolvedCompression,
  handler: Handler<C>,
): Handler<C> {
  return async (req, info) => {
    const res = await handler(req, info);
    if (!(res instanceof Response)) return res;
    return compressResponse(req, res, options);
  };
}

function bodyless(status: number): boolean {
  return status < 200 || status === 204 || status === 206 || status === 304;
}

/**
 * Compresses one response for one request, or returns it as it was (with
 * `Vary: Accept-Encoding` added when the outcome depends on that header).
 * Never rejects for the body's sake: a failing body fails the returned
 * stream instead.
 */
export async function compressResponse(
  req: Request,
  res: Response,
  options: ResolvedCompression,
): Promise<Response> {
  if (bodyless(res.status)) return res;
  // On Deno a plain string or bytes body is kept without a stream and goes out on a fast path
  // that reading `res.headers` or `res.body` would switch off. Its type and size are known
  // without either: a small or incompressible one is left as it is, untouched.
  const plain = peekStaticBody(res);
  if (
    plain !== null &&
    (!isCompressible(plain.contentType) || smallerThan(plain.body, options.minSize))
  ) return res;
  // On Bun the size of a plain body is known without reading it.
  const held = heldBodyBytes(res);
  if (held > 0 && held < options.minSize) return res;
  // Then the headers, before the body, for the same reason.
  const h = res.headers;
  if (h.has("content-encoding")) return res;
  const cc = h.get("cache-control");
  if (cc !== null && NO_TRANSFORM.test(cc)) return res;
  if (!isCompressible(h.get("content-type"))) return res;
  const declared = contentLength(h.get("content-length"));
  if (declared >= 0 && declared < options.minSize) return res;
  if (options.filter !== null && !options.filter(req, res)) return res;

  const encoding = req.headers.has("range")
    ? null
    : chooseEncoding(req.headers.get("accept-encoding"), options.encodings);
  if (encoding === null) {
    // Sent as it is: add Vary in place when the headers allow it, sparing a new Response.
    try {
      addVary(h);
      return res;
    } catch {
      // Immutable headers (a fetch() response, Response.redirect()).
      const copy = new Headers(h);
      addVary(copy);
      return rebuild(res, res.body, copy);
    }
  }
  const head = req.method === "HEAD";
  // A plain body (Deno) is known without its stream, and was never made one (peekStaticBody):
  // `res.body` would make one, with a string encoded into its chunk, only to drop it.
  const body = plain !== null ? null : res.body;
  // HEAD answers often have no body; they still get the headers GET would.
  if (plain === null && ((body === null && !head) || body?.locked)) return res;
  const headers = new Headers(h);
  addVary(headers);
  // No body to read here is a HEAD (the other bodiless answers returned above).
  if (body === null && head) return rebuild(res, null, encoded(headers, encoding));

  const { encoder, level } = options.encoders.get(encoding as never)!;
  if (plain !== null) {
    // Known in full already: no stream to read.
    const bytes = typeof plain.body === "string" ? textEncoder.encode(plain.body) : plain.body;
    if (bytes.byteLength <= PLAIN_WHOLE_LIMIT) {
      const out = await compressWhole(encoder, bytes, level);
      return rebuild(res, out, encoded(headers, encoding));
    }
  }
  if (held > 0 && held <= PLAIN_WHOLE_LIMIT && !head) {
    // Bun holds it as bytes: bytes() settles at once, with no stream to read.
    const bytes = new Uint8Array(await res.bytes());
    return rebuild(res, await compressWhole(encoder, bytes, level), encoded(headers, encoding));
  }
  // Learn the size of a body that is complete at once; stop at the first read not ready
  // (a first chunk past the limit is read once more: a large body made at once ends there).
  const reader = (body ?? res.body!).getReader();
  const whole = Math.max(options.minSize, WHOLE_LIMIT);
  const ready = await readEager(reader, {
    limit: whole + 1,
    confirmEnd: true,
    watchClosed: false,
  });
  const { chunks: prefix, bytes, ended, pending } = ready;
  if (ready.badChunk || ready.readFailed) {
    reader.cancel(ready.error).catch(() => {});
    return rebuild(res, erroring(ready.error), headers);
  }
  if (ended && bytes < options.minSize) {
    // Too small to be worth it; the size is the response's own, so this does not vary.
    return rebuild(res, ended && bytes === 0 ? null : joinBytes(prefix, bytes), new Headers(h));
  }
  encoded(headers, encoding);
  if (head) {
    reader.cancel().catch(() => {});
    return rebuild(res, null, headers);
  }
  if (ended) {
    return rebuild(res, await compressWhole(encoder, joinBytes(prefix, bytes), level), headers);
  }
  return rebuild(res, compressStream(encoder, level, { prefix, pending, reader }), headers);
}

/** The headers of a compressed representation. */
function encoded(headers: Headers, encoding: string): Headers {
  headers.set("content-encoding", encoding);
  headers.delete("content-length");
  headers.delete("accept-ranges");
  const etag = headers.get("etag");
  if (etag !== null && !etag.startsWith("W/")) headers.set("etag", `W/${etag}`);
  return headers;
}

/** A new Response with the same status and text, carrying the old one's trailers. */
function rebuild(res: Response, body: BodyInit | null, headers: Headers): Response {
  const out = new Response(body, { status: res.status, statusText: res.statusText, headers });
  moveTrailers(res, out);
  return out;
}

/**
 * The compressed bytes, or a body that fails with the compressor's error: small bodies in one
 * synchronous call, large ones off the loop.
 */
async function compressWhole(encoder: Encoder, data: Uint8Array, level: number): Promise<BodyInit> {
  try {
    return data.byteLength < ASYNC_MIN_BYTES
      ? encoder.whole(data, level)
      : await encoder.wholeAsync(data, level);
  } catch (e) {
    return erroring(e);
  }
}

function erroring(error: unknown): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(c) {
      c.error(error);
    },
  });
}

/** Whether a plain body has fewer than `n` bytes; a string is encoded only when its length cannot tell. */
function smallerThan(body: string | Uint8Array, n: number): boolean {
  if (typeof body !== "string") return body.byteLength < n;
  // A UTF-16 unit is 1 to 3 UTF-8 bytes.
  if (body.length >= n) return false;
  if (body.length * 3 < n) return true;
  return textEncoder.encode(body).byteLength < n;
}

function contentLength(value: string | null): number {
  return value !== null && /^\d{1,15}$/.test(value) ? Number(value) : -1;
}

/** Appends accept-encoding to Vary unless it is already there or Vary is `*`. */
function addVary(headers: Headers): void {
  const vary = headers.get("vary");
  if (vary === null) {
    headers.set("vary", "Accept-Encoding");
    return;
  }
  for (const part of vary.split(",")) {
    const p = part.trim().toLowerCase();
    if (p === "*" || p === "accept-encoding") return;
  }
  headers.append("vary", "Accept-Encoding");
}
