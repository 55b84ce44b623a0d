/**
 * Socket addresses as the transports report them.
 *
 * @module
 */
import type { NetAddr } from "./types.ts";

/**
 * A NetAddr from a socket's host and port; an IPv4-mapped IPv6 address
 * (`::ffff:127.0.0.1`, as dual-stack sockets report) is given as plain IPv4.
 *
 * @example
 * ```ts
 * netAddr("::ffff:127.0.0.1", 8080); // { hostname: "127.0.0.1", port: 8080, transport: "tcp" }
 * ```
 */
export function netAddr(host: string | undefined, port: number | undefined): NetAddr {
  const h = host ?? "";
  return {
    hostname: h.startsWith("::ffff:") && h.includes(".") ? h.slice(7) : h,
    port: port ?? 0,
    transport: "tcp",
  };
}
