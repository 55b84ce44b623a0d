/**
 * Socket addresses as the transports report them.
 *
 * @module
 */
import type { Addr, NetAddr } from "./types.ts";

/**
 * A NetAddr from a socket's host and port; an IPv4-mapped IPv6 address
 * (`::ffff:127.0.0.1`, as dual-stack sockets report) is given as plain IPv4.
 */
export function netAddr(host: string | undefined, port: number | undefined): NetAddr {
  const h = host ?? "";
  return {
    hostname: h.startsWith("::ffff:") && h.includes(".") ? h.slice(7) : h,
    port: port ?? 0,
    transport: "tcp",
  };
}

/** What Bun's and Node's sockets report about their two ends. */
interface SocketEnds {
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
}

/**
 * Both ends of an accepted socket: on a Unix socket listening at `path` the
 * peer has no name (Bun and Node report none, and unnamed clients have none
 * anyway); otherwise the TCP addresses.
 */
export function socketAddrs(s: SocketEnds, path: string | undefined): [Addr, Addr] {
  if (path !== undefined) return [{ transport: "unix", path: "" }, { transport: "unix", path }];
  return [netAddr(s.remoteAddress, s.remotePort), netAddr(s.localAddress, s.localPort)];
}
