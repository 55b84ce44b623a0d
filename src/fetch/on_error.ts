/**
 * What a failure becomes. Before the response head went out, onError's
 * Response is sent instead (a failing onError gives a plain 500); after it,
 * onError is only told. Both log when onError itself fails.
 *
 * @module
 */
import { materializeResponse } from "./light_response.ts";

/** Turns a failure into a response. */
export type ErrorHandler = (error: unknown, request: Request) => Response | Promise<Response>;

/** Answers with a plain 500 and logs, as Deno's serve() does. */
export const defaultOnError: ErrorHandler = (error, request) => {
  console.error(`h2serve: handler failed (${request.method} ${request.url}):`, error);
  return new Response("Internal Server Error", {
    status: 500,
    headers: { "content-type": "text/plain;charset=utf-8" },
  });
};

/** The Response to send for a failure before the head went out. */
export async function fallbackResponse(
  onError: ErrorHandler,
  error: unknown,
  request: Request,
): Promise<Response> {
  try {
    const r = await onError(error, request);
    // (A light response is built here: an invalid one fails now, not while sent.)
    if (r instanceof Response) return materializeResponse(r);
    throw new TypeError("onError did not return a Response");
  } catch (e) {
    if (onError !== defaultOnError) {
      console.error(`h2serve: handler failed (${request.method} ${request.url}):`, error);
      console.error("h2serve: onError failed too:", e);
    }
    return new Response("Internal Server Error", { status: 500 });
  }
}

/**
 * A failure after the head went out: the Response onError returns cannot be
 * sent any more, so it is only told (its Response is discarded); if it
 * throws, both errors are logged.
 */
export async function reportAfterHead(
  onError: ErrorHandler,
  error: unknown,
  request: Request,
): Promise<void> {
  try {
    const r = await onError(error, request);
    if (r instanceof Response) r.body?.cancel().catch(() => {});
  } catch (e) {
    console.error(`h2serve: handler failed (${request.method} ${request.url}):`, error);
    console.error("h2serve: onError failed too:", e);
  }
}
