/**
 * The HTTP/2 frame codec (RFC 9113 §4, §6).
 *
 * @module
 */

export * from "./types.ts";
export * from "./decoder.ts";
export * from "./encoder.ts";
