/**
 * A bind that failed because the address is taken, told the same way on
 * every runtime.
 *
 * @module
 */

/**
 * Binds, turning "address in use" into an error that names the port on every
 * runtime (Bun's says only "Failed to listen"); the runtime's error is the cause.
 */
export function listenOrExplain<T>(hostname: string, port: number, listen: () => T): T {
  try {
    return listen();
  } catch (e) {
    const err = e as { code?: unknown; name?: unknown } | null;
    if (err?.code === "EADDRINUSE" || err?.name === "AddrInUse") {
      const inUse = new Error(`port ${port} is already in use (hostname ${hostname})`, {
        cause: e,
      });
      (inUse as Error & { code: string }).code = "EADDRINUSE";
      throw inUse;
    }
    throw e;
  }
}
