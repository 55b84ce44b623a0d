/**
 * The Expect: 100-continue filter chain: hooks that look at a request head
 * before any body byte is read, and may answer it instead of the handler.
 *
 * @module
 */
import type { ExpectHook, Handler } from "../types.ts";

const CONTINUE = /^\s*100-continue\s*$/i;

/**
 * Wraps a handler so that, for a request that asked `Expect: 100-continue`,
 * the hooks run first, in order; the first that returns a Response answers
 * the request. The body is read only once the handler reads it, so a
 * rejected client never sends it (HTTP/1.1: no 100 Continue is written, and
 * the connection is closed after the answer; HTTP/2: the stream is answered
 * and reset with NO_ERROR if the client still sends).
 */
export function withExpect<C extends object>(
  hooks: ReadonlyArray<ExpectHook<C>>,
  handler: Handler<C>,
): Handler<C> {
  return async (req, info) => {
    const expect = req.headers.get("expect");
    if (expect !== null && CONTINUE.test(expect)) {
      for (const hook of hooks) {
        const answer = await hook(req, info);
        if (answer instanceof Response) return answer;
      }
    }
    return handler(req, info);
  };
}
