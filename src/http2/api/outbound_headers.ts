/**
 * Checks of the headers the caller sends (`validateHeaders`, on by default):
 * the same rules the core applies to what it receives (RFC 9113 §8.2, §8.3),
 * turned into {@link H2ProtocolError}s thrown before anything is encoded.
 *
 * @module
 */
import { StreamError } from "../core/errors.ts";
import type { HeaderList as CoreHeaderList } from "../core/events.ts";
import { validateRequestHeaders, validateTrailers } from "../core/headers.ts";
import { H2ProtocolError } from "../core/misuse.ts";
import { validateResponseHeaders } from "../core/response_fields.ts";

/** What the caller is sending. */
export type OutboundKind = "request" | "response" | "trailers" | "push";

function check(id: number, rule: string, run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (e instanceof StreamError) throw new H2ProtocolError(e.reason, rule, id);
    throw e;
  }
}

/** Throws {@link H2ProtocolError} when `headers` break the rules for `kind`. */
export function validateOutbound(id: number, kind: OutboundKind, headers: CoreHeaderList): void {
  switch (kind) {
    case "request":
      return check(id, "RFC 9113 §8.3.1", () => validateRequestHeaders(id, headers, true));
    case "response":
      return check(id, "RFC 9113 §8.3.2", () => validateResponseHeaders(id, headers));
    case "trailers":
      return check(id, "RFC 9113 §8.1", () => validateTrailers(id, headers));
    case "push":
      check(id, "RFC 9113 §8.3.1", () => validateRequestHeaders(id, headers));
      for (const [name, value] of headers) {
        if (name === ":method" && value !== "GET" && value !== "HEAD") {
          throw new H2ProtocolError(`cannot push a ${value} request`, "RFC 9113 §8.4", id);
        }
      }
  }
}

/** The `:status` of a response head (NaN when absent), to tell 1xx from final. */
export function statusOf(headers: CoreHeaderList): number {
  const first = headers[0];
  return first !== undefined && first[0] === ":status" ? Number(first[1]) : NaN;
}
