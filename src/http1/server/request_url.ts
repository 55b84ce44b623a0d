/**
 * The absolute URL of an HTTP/1.1 request: origin-form and `*` targets are
 * joined to the Host (or, without one, to our own address: never to a name
 * taken from the path); an absolute-form target wins over Host (RFC 9112
 * §3.2.2).
 *
 * @module
 */
import type { Addr } from "../../transport/types.ts";
import { isAuthority } from "../../fetch/authority.ts";
import { HttpParseError } from "../core/errors.ts";
import type { RequestHead } from "../core/message.ts";

/**
 * The request's URL; `scheme` is `"http://"` or `"https://"`. Throws an
 * HttpParseError (400) for an invalid Host or an unsupported target form.
 * `checkedHost` is a Host already found valid on this connection (clients
 * repeat theirs), which is not checked again.
 */
export function requestUrl(
  head: Pick<RequestHead, "target" | "host">,
  scheme: string,
  localAddr: Addr,
  checkedHost: string | null = null,
): string {
  const target = head.target;
  const isOrigin = target.charCodeAt(0) === 47; /* / */
  if (isOrigin || target === "*") {
    // No Host (1.0) or an empty one: our own address, never a name taken from the path.
    const host = head.host || localAuthority(localAddr);
    if (host !== checkedHost && !isAuthority(host)) throw new HttpParseError(400, "invalid Host");
    return scheme + host + (isOrigin ? target : "/*");
  }
  // absolute-form (RFC 9112 §3.2.2): the target wins over Host.
  if (/^https?:\/\//i.test(target)) return target;
  throw new HttpParseError(400, "unsupported request-target form");
}

function localAuthority(addr: Addr): string {
  if (addr.transport === "unix") return "localhost";
  const { hostname, port } = addr;
  return (hostname.includes(":") ? `[${hostname}]` : hostname) + ":" + port;
}
