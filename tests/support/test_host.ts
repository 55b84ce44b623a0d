/**
 * A ServerHost for driving one connection driver in a unit test: the live
 * connections it is told of, and each client error with the timeout option
 * it names. Not a test file.
 *
 * @module
 */
import { defaultOnError } from "../../src/fetch/exchange.ts";
import type { LiveConnection, ServerHost } from "../../src/fetch/host.ts";
import type { Handler } from "../../src/types.ts";

/** A client error as the host heard it. */
export interface HeardError {
  kind: string;
  timeout?: string;
}

/** A host serving `handler`, recording what the driver tells it. */
export function recordingHost(
  handler: Handler,
): { host: ServerHost; live: Set<LiveConnection>; errors: HeardError[] } {
  const live = new Set<LiveConnection>();
  const errors: HeardError[] = [];
  const host: ServerHost = {
    handler,
    onError: defaultOnError,
    shuttingDown: false,
    add: (c) => live.add(c),
    remove: (c) => live.delete(c),
    clientError: (kind, _e, _f, _code, timeout) => errors.push({ kind, timeout }),
  };
  return { host, live, errors };
}
