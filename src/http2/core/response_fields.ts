/**
 * Response field validation on the client side (RFC 9113 §8.3.2): exactly
 * one `:status` of three digits, first; no request pseudo-headers; the
 * regular fields follow the same rules as a request's. A malformed response
 * is a stream error PROTOCOL_ERROR (§8.1.1).
 *
 * @module
 */
import { ErrorCode, StreamError } from "./errors.ts";
import type { HeaderList } from "./events.ts";
import { validateTrailers } from "./headers.ts";

/** What the client needs from a valid response head. */
export interface ResponseHead {
  /** The `:status` code. */
  status: number;
  /** The declared content-length, or -1. */
  contentLength: number;
}

/**
 * Validates a response field list; throws {@link StreamError} PROTOCOL_ERROR if malformed.
 */
export function validateResponseHeaders(streamId: number, headers: HeaderList): ResponseHead {
  const first = headers[0];
  if (first === undefined || first[0] !== ":status") {
    throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "response without :status first");
  }
  const v = first[1];
  if (!/^[1-9][0-9][0-9]$/.test(v)) {
    throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "invalid :status");
  }
  const rest = headers.slice(1);
  // The same field rules as trailers: no (further) pseudo-headers, valid names and values.
  validateTrailers(streamId, rest);
  let contentLength = -1;
  for (const [name, value] of rest) {
    if (name !== "content-length") continue;
    if (!/^[0-9]{1,15}$/.test(value) || (contentLength !== -1 && contentLength !== +value)) {
      throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "invalid content-length");
    }
    contentLength = +value;
  }
  return { status: +v, contentLength };
}
