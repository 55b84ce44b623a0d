/**
 * Which media types are worth compressing: text and structured text. Images,
 * audio, video, archives, fonts in woff/woff2 and wasm are left alone
 * (already compressed, or too little to gain for the CPU).
 *
 * @module
 */

const EXACT = new Set([
  "application/json",
  "application/javascript",
  "application/ecmascript",
  "application/x-javascript",
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/xml",
  "application/xhtml+xml",
  "application/rss+xml",
  "application/atom+xml",
  "application/x-www-form-urlencoded",
  "application/graphql",
  "application/yaml",
  "application/x-yaml",
  "application/toml",
  "image/svg+xml",
  "image/x-icon",
  "image/bmp",
  "font/ttf",
  "font/otf",
]);

/**
 * True for a Content-Type worth compressing: `text/*` (event-stream
 * included), JSON and `+json`, JavaScript, XML and `+xml`, SVG, ndjson and a
 * few more. Parameters are ignored; an absent type is not compressed.
 */
export function isCompressible(contentType: string | null): boolean {
  if (contentType === null) return false;
  const semi = contentType.indexOf(";");
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type.startsWith("text/")) return true;
  if (EXACT.has(type)) return true;
  return type.endsWith("+json") || type.endsWith("+xml");
}
