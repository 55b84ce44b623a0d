/**
 * The hand-off between the HTTP/1.1 driver and HTTP/2 for `Upgrade: h2c`,
 * in a module of its own so that neither protocol imports the other.
 *
 * @module
 */
import type { Transport } from "./transport/types.ts";
import type { RequestHead } from "./http1/core/parser.ts";

/**
 * Takes over a connection after an `Upgrade: h2c` request whose body has
 * been read; returns false to decline (the request is then served on
 * HTTP/1.1). `leftover` holds the bytes read after that request; a taker
 * empties it.
 */
export type H2cUpgrade = (
  transport: Transport,
  head: RequestHead,
  request: Request,
  leftover: Uint8Array[],
) => boolean;
