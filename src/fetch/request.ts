/**
 * Building the Fetch Request for an incoming request, the same way for
 * HTTP/1.1 and HTTP/2.
 *
 * @module
 */

/** Methods the Fetch standard normalizes to upper case (case-insensitively). */
const NORMALIZED = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

/** Why a request could not become a Request: answered with `status`. */
export class UnrepresentableRequest extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Creates the Request. Throws UnrepresentableRequest when the runtime
 * refuses the method or URL (400/501), or silently changes the method (Bun
 * turns unknown extension methods into GET): a handler must never see a
 * request other than the one the client sent.
 */
export function createRequest(
  url: string,
  method: string,
  headers: Headers,
  body: ReadableStream<Uint8Array> | null,
  signal: AbortSignal,
): Request {
  let request: Request;
  try {
    request = new Request(url, {
      method,
      headers,
      body,
      signal,
      // @ts-ignore: duplex is required by some runtimes for streaming bodies.
      duplex: "half",
    });
  } catch {
    throw new UnrepresentableRequest(400, "request not representable as a Fetch Request");
  }
  if (request.method !== method) {
    const upper = method.toUpperCase();
    if (!(NORMALIZED.has(upper) && request.method === upper)) {
      throw new UnrepresentableRequest(501, `method ${method} not supported by this runtime`);
    }
  }
  return request;
}
