/**
 * The forms `tls.cert` and `tls.key` may take, turned into PEM text before
 * anything is bound: a string, bytes (`readFileSync(path)`, a Buffer), or a
 * `Bun.file(path)`-like object. serve() stays synchronous, so a file object
 * is read through its path (`name`) with node:fs; one without a path (a
 * Blob) is refused with the line to write instead.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { OptionError } from "./option_error.ts";

/**
 * A PEM source: text, its bytes, or a file object with a path (`Bun.file(p)`).
 *
 * @example
 * ```ts
 * import type { PemSource } from "@h2serve/h2serve";
 * import { readFileSync } from "node:fs";
 * const fromBytes = (path: string): PemSource => readFileSync(path);
 * ```
 */
export type PemSource = string | Uint8Array | { readonly name?: string; text(): Promise<string> };

/**
 * A certificate as serve() accepts it: see {@link PemSource}.
 *
 * @example
 * ```ts
 * import type { TlsCertificateInput } from "@h2serve/h2serve";
 * const tls: TlsCertificateInput = { cert: new Uint8Array(), key: "-----BEGIN PRIVATE KEY-----…" };
 * ```
 */
export interface TlsCertificateInput {
  /** Certificate chain: PEM text, its bytes, or a file object. */
  cert: PemSource;
  /** Private key: PEM text, its bytes, or a file object. */
  key: PemSource;
  /** The name this certificate serves (see TlsCertificate.serverName). */
  serverName?: string;
}

const decoder = new TextDecoder();

function pemText(v: unknown, at: string): unknown {
  if (typeof v === "string" || v === undefined || v === null) return v;
  if (v instanceof Uint8Array) return decoder.decode(v);
  if (ArrayBuffer.isView(v)) return decoder.decode(v);
  const file = v as { name?: unknown; text?: unknown };
  if (typeof v === "object" && typeof file.text === "function") {
    if (typeof file.name === "string" && file.name !== "") {
      try {
        return readFileSync(file.name, "utf8");
      } catch (cause) {
        throw new OptionError(at, `${at}: cannot read ${file.name} (${(cause as Error).message})`, {
          cause,
        });
      }
    }
    throw new OptionError(
      at,
      `${at} is a Blob without a file path; serve() starts synchronously, so pass its text: ` +
        `${at.split(".").pop()}: await blob.text()`,
    );
  }
  return v;
}

/**
 * The `tls` option with every cert and key as text (entries and lists
 * keep their shape; what is not a known form is left for the validator).
 */
export function resolveTlsInput(tls: unknown): unknown {
  const one = (entry: unknown, at: string): unknown => {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return entry;
    const e = entry as Record<string, unknown>;
    return { ...e, cert: pemText(e.cert, `${at}.cert`), key: pemText(e.key, `${at}.key`) };
  };
  return Array.isArray(tls) ? tls.map((e, i) => one(e, `tls[${i}]`)) : one(tls, "tls");
}

/**
 * A hint when a string given as PEM looks like a file path instead.
 */
export function pathHint(v: string, at: string): string {
  if (v.includes("-----BEGIN") || v.includes("\n") || v.length > 4096) return "";
  if (!/[\\/]|\.(pem|crt|cer|key)$/i.test(v)) return "";
  const short = v.length > 60 ? v.slice(0, 60) + "…" : v;
  return `; ${at} looks like a file path, not PEM text: pass ` +
    `readFileSync(${JSON.stringify(short)}) (Node, Deno, Bun) or Bun.file(${
      JSON.stringify(short)
    })`;
}
