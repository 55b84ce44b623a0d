/**
 * The `compression` option of serve(): its shape, defaults and validation
 * (a bad value fails at start, naming the option as the user wrote it).
 *
 * @module
 */
import { type ContentEncoding, type Encoder, ENCODERS, KNOWN_ENCODINGS } from "./encoders.ts";

export type { ContentEncoding };

/**
 * Response compression settings: `serve({ compression: true })` takes the
 * defaults.
 *
 * @example
 * ```ts
 * import type { CompressionOptions } from "@h2serve/h2serve";
 * const compression: CompressionOptions = {
 *   encodings: ["br", "gzip"],
 *   minSize: 512,
 *   level: { gzip: 5, br: 5 },
 *   filter: (req) => !new URL(req.url).pathname.startsWith("/raw/"),
 * };
 * ```
 */
export interface CompressionOptions {
  /**
   * The codings to offer, most preferred first; a client's q-values win, ties
   * go to this order. Default: `["zstd", "br", "gzip"]`, without zstd where
   * the runtime's node:zlib lacks it (asking for it there fails at start).
   */
  encodings?: ContentEncoding[];
  /**
   * Bodies smaller than this many bytes go uncompressed. Known from
   * Content-Length, or from a body that is complete at once; a body still
   * streaming counts as large. Default 1024.
   */
  minSize?: number;
  /**
   * Levels per coding: gzip 1–9 (default 6), br 0–11 (default 4), zstd 1–19
   * (default 3).
   */
  level?: { gzip?: number; br?: number; zstd?: number };
  /**
   * Called for a response that passed every built-in check (compressible type,
   * status, no Content-Encoding, no `no-transform`); returning false sends it
   * uncompressed. It must not read the body.
   */
  filter?: (request: Request, response: Response) => boolean;
}

/**
 * The option resolved at start.
 */
export interface ResolvedCompression {
  /** Offered codings in preference order. */
  readonly encodings: readonly ContentEncoding[];
  /** Encoder and level per offered coding. */
  readonly encoders: ReadonlyMap<ContentEncoding, { encoder: Encoder; level: number }>;
  /** Minimum body size in bytes. */
  readonly minSize: number;
  /** The user's veto, or null. */
  readonly filter: ((request: Request, response: Response) => boolean) | null;
}

/**
 * Default minimum size: below about a kilobyte, headers and framing cost more than is saved.
 */
export const DEFAULT_MIN_SIZE = 1024;

const KEYS = new Set(["encodings", "minSize", "level", "filter"]);

/**
 * Validates `serve({ compression })`; returns null when it is off.
 * Throws a TypeError naming the faulty option (`compression.level.gzip`...).
 */
export function resolveCompression(
  option: boolean | CompressionOptions | undefined,
): ResolvedCompression | null {
  if (option === undefined || option === false) return null;
  const o: CompressionOptions = option === true ? {} : option;
  if (o === null || typeof o !== "object" || Array.isArray(o)) {
    throw new TypeError("compression must be true, false or an options object");
  }
  for (const key of Object.keys(o)) {
    if (!KEYS.has(key)) {
      throw new TypeError(
        `compression.${key} is not an option (encodings, minSize, level, filter)`,
      );
    }
  }
  let encodings: ContentEncoding[];
  if (o.encodings === undefined) encodings = [...ENCODERS.keys()];
  else {
    if (!Array.isArray(o.encodings) || o.encodings.length === 0) {
      throw new TypeError('compression.encodings must be a non-empty array such as ["br", "gzip"]');
    }
    encodings = [];
    o.encodings.forEach((e, i) => {
      if (!KNOWN_ENCODINGS.includes(e)) {
        throw new TypeError(
          `compression.encodings[${i}]: ${JSON.stringify(e)} is not one of zstd, br, gzip`,
        );
      }
      if (!ENCODERS.has(e)) {
        throw new TypeError(
          `compression.encodings[${i}]: "${e}" is not available in this runtime's node:zlib`,
        );
      }
      if (encodings.includes(e)) {
        throw new TypeError(`compression.encodings[${i}]: "${e}" is listed twice`);
      }
      encodings.push(e);
    });
  }
  const minSize = o.minSize ?? DEFAULT_MIN_SIZE;
  if (!Number.isSafeInteger(minSize) || minSize < 0) {
    throw new TypeError(`compression.minSize must be a non-negative integer, got ${minSize}`);
  }
  const levels = o.level ?? {};
  if (levels === null || typeof levels !== "object") {
    throw new TypeError("compression.level must be an object such as { gzip: 6, br: 4 }");
  }
  for (const key of Object.keys(levels)) {
    if (!(KNOWN_ENCODINGS as readonly string[]).includes(key)) {
      throw new TypeError(`compression.level.${key} is not a coding (zstd, br, gzip)`);
    }
  }
  const encoders = new Map<ContentEncoding, { encoder: Encoder; level: number }>();
  for (const name of encodings) {
    const encoder = ENCODERS.get(name)!;
    const level = levels[name] ?? encoder.level;
    if (!Number.isInteger(level) || level < encoder.min || level > encoder.max) {
      throw new TypeError(
        `compression.level.${name} must be an integer from ${encoder.min} to ${encoder.max}, got ${level}`,
      );
    }
    encoders.set(name, { encoder, level });
  }
  if (o.filter !== undefined && typeof o.filter !== "function") {
    throw new TypeError("compression.filter must be a function (request, response) => boolean");
  }
  return { encodings, encoders, minSize, filter: o.filter ?? null };
}
