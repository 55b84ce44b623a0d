/**
 * Claiming a Unix socket path: a socket file left behind by a server that
 * died is removed; anything else at the path (a regular file, a directory, a
 * socket someone is listening on) makes the start fail with a message naming
 * `path`. Synchronous, like serve().
 *
 * @module
 */
import { lstatSync, readFileSync, unlinkSync } from "node:fs";
import { basename, isAbsolute, resolve } from "node:path";

/** The kernel's flag on a listening Unix socket in /proc/net/unix (__SO_ACCEPTCON). */
const ACCEPTCON = 0x10000;

/**
 * Whether some process listens on `path`, from /proc/net/unix (Linux), or
 * null when that cannot be told. A listener bound by a relative name from
 * another directory is counted as live when the file names match: we would
 * rather refuse than delete a live socket.
 */
function listening(path: string): boolean | null {
  let table: string;
  try {
    table = readFileSync("/proc/net/unix", "latin1");
  } catch {
    return null;
  }
  const full = resolve(path);
  for (const line of table.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    const flags = parseInt(cols[3] ?? "0", 16);
    const p = cols[7];
    if (p === undefined || (flags & ACCEPTCON) === 0) continue;
    if (p === path || p === full) return true;
    if (!isAbsolute(p) && basename(p) === basename(full)) return true;
  }
  return false;
}

/** Whether an error is the runtime's "address in use". */
function inUse(e: unknown): boolean {
  const x = e as { code?: string; name?: string; message?: string } | null;
  return x?.code === "EADDRINUSE" || x?.name === "AddrInUse" ||
    /EADDRINUSE|in use/i.test(String(x?.message ?? e));
}

/**
 * Runs `bind` for `path`; if the path is taken by a stale socket file (a
 * socket nobody listens on), removes the file and binds again. Throws, naming
 * `path`, when the file is not a socket or a server is listening on it.
 */
export function claimUnixPath<T>(path: string, bind: () => T): T {
  try {
    return bind();
  } catch (e) {
    if (!inUse(e)) throw new Error(`path: cannot listen on ${path}: ${e}`, { cause: e });
  }
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (e) {
    throw new Error(`path: cannot listen on ${path}: ${e}`, { cause: e });
  }
  if (!isSocket) {
    throw new Error(`path: ${path} exists and is not a socket; refusing to replace it`);
  }
  const live = listening(path);
  if (live === null) {
    throw new Error(
      `path: ${path} exists and this system cannot tell whether a server uses it; remove it if none does`,
    );
  }
  if (live) throw new Error(`path: a server is already listening on ${path}`);
  unlinkSync(path);
  try {
    return bind();
  } catch (e) {
    throw new Error(`path: cannot listen on ${path}: ${e}`, { cause: e });
  }
}
