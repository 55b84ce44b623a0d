/**
 * The TLS listener's advertisement of HTTP/3 (RFC 7838): every response
 * sent over HTTP/1.1 or HTTP/2 carries `alt-svc: h3=":PORT"; ma=SECONDS`,
 * so browsers try QUIC next time. Responses sent over h3 do not need it.
 *
 * @module
 */
import type { Handler } from "../../types.ts";

/**
 * The header value for `port` and `maxAge` (seconds).
 */
export function altSvcValue(port: number, maxAge: number): string {
  return `h3=":${port}"; ma=${maxAge}`;
}

/**
 * Wraps a handler so that its non-h3 responses carry `alt-svc` (`value()`
 * is read per response: the port is known only once bound). A handler's
 * own alt-svc is kept.
 */
export function withAltSvc(handler: Handler, value: () => string): Handler {
  const add = (res: Response): Response => {
    if (!(res instanceof Response) || res.headers.has("alt-svc")) return res;
    try {
      res.headers.set("alt-svc", value());
    } catch {
      // Immutable headers (Response.error(), a fetch() result): left as they are.
    }
    return res;
  };
  return (req, info) => {
    const r = handler(req, info);
    if (info.protocol === "h3") return r;
    return r instanceof Response ? add(r) : Promise.resolve(r).then(add);
  };
}
