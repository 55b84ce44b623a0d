/**
 * The error a bad serve() option throws (its own file: the validator and
 * the cert/key readers both throw it).
 *
 * @module
 */

/**
 * A bad option: `option` is its path (`http1.headersTimeout`, `tls[1].key`).
 *
 * @example
 * ```ts
 * import { OptionError } from "@h2serve/h2serve";
 * const e = new OptionError("port", "port must be an integer in [0, 65535], got -1");
 * console.log(e.option); // "port"
 * ```
 */
export class OptionError extends TypeError {
  /** The option's path as the user wrote it. */
  readonly option: string;
  /** `option` is the path as the user wrote it; `message` names it too. */
  constructor(option: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OptionError";
    this.option = option;
  }
}
