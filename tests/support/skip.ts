/**
 * Visible skips: a test that needs a runtime feature passes `{ skip: reason }`
 * from here. node:test prints the reason itself; Deno and Bun print only the
 * test's name, so the reason is also logged once when the file loads.
 *
 * @module
 */

/**
 * `false` when `available`, else `reason` (logged once).
 *
 * @example
 * ```ts
 * it("uses Deno's client", { skip: skipUnless("Deno" in globalThis, "needs Deno") }, () => {});
 * ```
 */
export function skipUnless(available: boolean, reason: string): false | string {
  if (available) return false;
  if (!logged.has(reason)) {
    logged.add(reason);
    console.log(`skip: ${reason}`);
  }
  return reason;
}

const logged = new Set<string>();
