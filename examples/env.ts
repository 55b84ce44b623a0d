/**
 * Environment variables for the examples, read only where access is already
 * granted: under `deno run` without `--allow-env` the defaults apply, with
 * no prompt and no error.
 *
 * @module
 */

/**
 * The variable's value, or undefined when it is unset or unreadable.
 *
 * @example
 * ```ts
 * const port = Number(envVar("PORT") ?? 8000);
 * ```
 */
export function envVar(name: string): string | undefined {
  const g = globalThis as unknown as {
    Deno?: {
      permissions: { querySync?(d: { name: "env"; variable: string }): { state: string } };
      env: { get(name: string): string | undefined };
    };
    process?: { env: Record<string, string | undefined> };
  };
  if (g.Deno !== undefined) {
    const state = g.Deno.permissions.querySync?.({ name: "env", variable: name }).state;
    return state === "granted" ? g.Deno.env.get(name) : undefined;
  }
  return g.process?.env[name];
}
