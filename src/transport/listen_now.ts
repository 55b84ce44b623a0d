/**
 * Binds a node:net server before listen() returns. With a host name,
 * `server.listen()` binds only after a DNS lookup (one tick on Node, up to
 * tens of milliseconds on Deno under load), so a client that connects right
 * after serve() returned was refused. An IP literal needs no lookup: the
 * server's `_listen2` (the step listen() takes after its lookup, present in
 * Node's and Deno's node:net) binds it at once. Elsewhere, listen() is used.
 *
 * @module
 */
import net from "node:net";

/** The bind step net.Server.listen() runs once an address is resolved. */
type Listen2 = (address: string, port: number, family: number, backlog: number) => void;

/** Backlog listen() uses when none is given. */
const BACKLOG = 511;

/**
 * Starts `server` listening on `host:port`, bound on return where possible.
 */
export function listenNow(
  server: net.Server,
  host: string,
  port: number,
  reusePort: boolean,
): void {
  const family = net.isIP(host);
  const listen2 = (server as unknown as { _listen2?: Listen2 })._listen2;
  if (family !== 0 && !reusePort && typeof listen2 === "function") {
    // A failure (address in use) is emitted as 'error', as listen() would.
    listen2.call(server, host, port, family, BACKLOG);
    return;
  }
  server.listen({ port, host, reusePort } as net.ListenOptions);
}
