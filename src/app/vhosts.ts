/**
 * Virtual hosts by domain: `vhosts(map, fallback?)` returns a fetch handler
 * that dispatches on the request's host name (from :authority in HTTP/2 and
 * Host in HTTP/1.1, as the server put it into `req.url`).
 *
 * ```ts
 * import { serve, vhosts } from "@h2serve/h2serve";
 * serve({ port: 8080 }, vhosts({
 *   "localhost": () => new Response("local"),
 *   "*.example.com": () => new Response("a subdomain"),
 * }));
 * ```
 *
 * @module
 */
import type { ServeInfo } from "../types.ts";

/**
 * A fetch handler whose second argument is of type `I`.
 *
 * @example
 * ```ts
 * const site: HostHandler = (_req, info) => new Response(info.protocol);
 * ```
 */
export type HostHandler<I = ServeInfo> = (
  request: Request,
  info: I,
) => Response | Promise<Response>;

/**
 * Lower-cases a host name and drops a trailing dot, so `Example.COM.` and
 * `example.com` are one name; unicode names become punycode as in URLs.
 */
function normalizeName(name: string): string {
  let n = name.trim().toLowerCase();
  if (n.endsWith(".")) n = n.slice(0, -1);
  if (n === "" || /[:\/\s]/.test(n.replace(/^\[[0-9a-f:.]+\]$/, ""))) {
    throw new TypeError(
      `vhosts: ${JSON.stringify(name)} is not a host name (ports are never matched; omit them)`,
    );
  }
  try {
    const h = new URL(`http://${n}/`).hostname;
    return h.endsWith(".") ? h.slice(0, -1) : h;
  } catch {
    throw new TypeError(`vhosts: ${JSON.stringify(name)} is not a valid host name`);
  }
}

/**
 * Returns a handler that picks one of `hosts` by the request's host name.
 *
 * Matching rules:
 * - On the host name only: a port in Host/:authority is ignored, never
 *   matched. Case-insensitive; a trailing dot is ignored.
 * - `*.example.com` matches any name with one or more labels before
 *   `.example.com` (`a.example.com`, `a.b.example.com`), not `example.com`
 *   itself; list that separately.
 * - An exact name wins over any wildcard; among wildcards, the longest
 *   suffix wins (`*.api.example.com` before `*.example.com`).
 * - No match: `fallback`, or else 421 Misdirected Request (RFC 9110
 *   §15.5.20: this server is not authoritative for that host; an HTTP/2
 *   client that coalesced connections retries on a fresh one).
 *
 * Keys are checked up front: a key with a port or a `*` anywhere but a
 * leading `*.` label throws a TypeError.
 *
 * @example
 * ```ts
 * import { serve, vhosts } from "@h2serve/h2serve";
 * serve({ port: 8000 }, vhosts({
 *   "docs.example.com": () => new Response("docs"),
 *   "*.example.com": () => new Response("some other site"),
 * }, () => new Response("default")));
 * ```
 */
export function vhosts<I = ServeInfo>(
  hosts: Record<string, HostHandler<I>>,
  fallback?: HostHandler<I>,
): (request: Request, info: I) => Response | Promise<Response> {
  const exact = new Map<string, HostHandler<I>>();
  const wildcards: Array<{ suffix: string; handler: HostHandler<I> }> = [];
  for (const [key, handler] of Object.entries(hosts)) {
    if (typeof handler !== "function") {
      throw new TypeError(`vhosts: the handler for ${JSON.stringify(key)} is not a function`);
    }
    if (key.startsWith("*.")) {
      const rest = key.slice(2);
      if (rest.includes("*")) throw new TypeError(`vhosts: bad wildcard ${JSON.stringify(key)}`);
      wildcards.push({ suffix: `.${normalizeName(rest)}`, handler });
    } else {
      if (key.includes("*")) {
        throw new TypeError(
          `vhosts: ${JSON.stringify(key)}: only a leading "*." label may be a wildcard`,
        );
      }
      exact.set(normalizeName(key), handler);
    }
  }
  wildcards.sort((a, b) => b.suffix.length - a.suffix.length);

  return (request: Request, info: I) => {
    let host = new URL(request.url).hostname.toLowerCase();
    if (host.endsWith(".")) host = host.slice(0, -1);
    const direct = exact.get(host);
    if (direct !== undefined) return direct(request, info);
    for (const w of wildcards) {
      if (host.length > w.suffix.length && host.endsWith(w.suffix)) return w.handler(request, info);
    }
    if (fallback !== undefined) return fallback(request, info);
    return new Response(`Misdirected Request: no virtual host for ${host}\n`, {
      status: 421,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  };
}
