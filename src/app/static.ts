/**
 * Static files: `serveDir(root, options)` returns a fetch handler that serves
 * a directory with content types, validators (ETag, Last-Modified, 304),
 * single byte ranges (206, 416), HEAD, an optional index and listing, and
 * refuses any path that would leave the root.
 *
 * ```ts
 * import { serve, serveDir } from "@h2serve/h2serve";
 * serve({ port: 8080 }, serveDir("./public", { urlRoot: "/static" }));
 * ```
 *
 * @module
 */
import { statSync } from "node:fs";
import { openFile, readDir, realPath, stat } from "./fs.ts";
import type { FileInfo, OpenFile } from "./fs.ts";
import { serveAsis } from "./asis.ts";

/**
 * Options of serveDir().
 *
 * @example
 * ```ts
 * const options: ServeDirOptions = { urlRoot: "/static", listing: true };
 * ```
 */
export interface ServeDirOptions {
  /**
   * URL path prefix the directory is mounted at, e.g. "/static". Requests
   * outside it get 404. Default: "" (the whole URL space).
   */
  urlRoot?: string;
  /** File served for a directory URL; false for none. Default "index.html". */
  index?: string | false;
  /** Lists a directory that has no index file. Default false (404). */
  listing?: boolean;
  /** Serves names that start with a dot. Default false (404). */
  dotfiles?: boolean;
  /** Extra or overriding content types by extension, e.g. `{ ".wasm": "application/wasm" }`. */
  contentTypes?: Record<string, string>;
  /** Headers added to every file response (e.g. cache-control). */
  // Spelled through Headers, not HeadersInit: Node users compile without the DOM library.
  headers?: ConstructorParameters<typeof Headers>[0];
  /**
   * Serves files ending in `.asis` as raw HTTP/1.1 responses, byte for byte
   * (wptserve's convention, through `wire(req)`); the connection closes
   * after one. Over HTTP/2 such a file is answered 501. Default false.
   */
  asis?: boolean;
}

/**
 * Content types by lower-case extension: a small table of what websites and test suites serve.
 *
 * @example
 * ```ts
 * const type = CONTENT_TYPES[".html"]; // "text/html; charset=utf-8"
 * ```
 */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".wasm": "application/wasm",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
  ".ogg": "audio/ogg",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".webmanifest": "application/manifest+json",
};

/** For extensions not in the table. */
const DEFAULT_TYPE = "application/octet-stream";

function text(status: number, body: string, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("content-type", "text/plain; charset=utf-8");
  return new Response(body, { status, headers: h });
}

/**
 * Splits a URL path (below urlRoot) into decoded segments, or returns a
 * status when the path is malformed or tries to leave the root. The URL
 * parser has already resolved literal and %2e dot segments; what is left to
 * refuse is what decoding reveals: `..%2f`, `%5c`, `%00`, bad escapes.
 */
function segments(path: string): string[] | 400 {
  const out: string[] = [];
  for (const raw of path.split("/")) {
    if (raw === "") continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return 400;
    }
    if (seg === "." || seg === ".." || /[\/\\\0]/.test(seg)) return 400;
    out.push(seg);
  }
  return out;
}

/** Weak validator from size and mtime: cheap, and stable across restarts. */
function etagOf(info: FileInfo): string {
  const m = info.mtime === null ? 0 : info.mtime.getTime();
  return `W/"${info.size.toString(16)}-${Math.floor(m).toString(16)}"`;
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2). */
function noneMatch(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === opaque);
}

/** A parsed Range header: one satisfiable range, "unsatisfiable", or null (serve it all). */
type RangeResult = { start: number; end: number } | "unsatisfiable" | null;

/**
 * Parses `bytes=a-b`, `bytes=a-` and `bytes=-n`. Syntax errors, other units
 * and multiple ranges yield null: RFC 9110 §14.2 lets a server ignore Range,
 * and a full 200 is simpler and safer than multipart/byteranges.
 */
function parseRange(header: string, size: number): RangeResult {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (m === null) return null;
  const [, a = "", b = ""] = m;
  if (a === "" && b === "") return null;
  if (a === "") {
    const n = Number(b);
    if (n === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  let end = b === "" ? size - 1 : Number(b);
  if (b !== "" && end < start) return null; // invalid range-spec: ignore the header
  if (start >= size) return "unsatisfiable";
  if (end >= size) end = size - 1;
  return { start, end };
}

/** If-Range: only a date equal to Last-Modified can match; our ETags are weak (RFC 9110 §13.1.5). */
function ifRangeMatches(header: string, lastModified: string | null): boolean {
  const h = header.trim();
  if (h.startsWith('"') || h.startsWith("W/")) return false;
  return lastModified !== null && h === lastModified;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function listingPage(urlPath: string, entries: Array<{ name: string; isDirectory: boolean }>) {
  const rows = entries
    .sort((x, y) =>
      Number(y.isDirectory) - Number(x.isDirectory) ||
      (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)
    )
    .map((e) => {
      const name = e.name + (e.isDirectory ? "/" : "");
      const href = encodeURIComponent(e.name) + (e.isDirectory ? "/" : "");
      return `<li><a href="${escapeHtml(href)}">${escapeHtml(name)}</a></li>`;
    });
  const title = escapeHtml(`Index of ${decodeURIComponentSafe(urlPath)}`);
  const up = urlPath === "/" ? "" : `<li><a href="../">../</a></li>`;
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><h1>${title}</h1><ul>${up}${rows.join("")}</ul></body></html>\n`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function normalizeUrlRoot(urlRoot: string | undefined): string {
  if (urlRoot === undefined || urlRoot === "" || urlRoot === "/") return "";
  const r = urlRoot.startsWith("/") ? urlRoot : `/${urlRoot}`;
  return r.endsWith("/") ? r.slice(0, -1) : r;
}

/**
 * Returns a handler serving the files under `root`.
 *
 * - GET and HEAD only (others: 405 with `Allow: GET, HEAD`).
 * - Paths whose decoding holds `..`, `.`, a slash, a backslash or NUL, or a
 *   bad escape: 400. Symlinks are followed only when the real path stays
 *   inside the real root; otherwise 404, as for a missing file.
 * - A directory URL without its trailing slash is redirected (301) so that
 *   relative links in its index resolve.
 * - Files stream in 64 KiB chunks pulled by the server as the client drains.
 *
 * @example
 * ```ts
 * import { serve, serveDir } from "@h2serve/h2serve";
 * serve({ port: 8000 }, serveDir("./public", { urlRoot: "/static" }));
 * ```
 */
export function serveDir(
  root: string,
  options: ServeDirOptions = {},
): (request: Request) => Promise<Response> {
  // A missing root is a misconfiguration: fail at start, not with a 500 per request.
  let isDir: boolean;
  try {
    isDir = statSync(root).isDirectory();
  } catch (cause) {
    throw new Error(`serveDir: root ${JSON.stringify(root)} does not exist`, { cause });
  }
  if (!isDir) throw new Error(`serveDir: root ${JSON.stringify(root)} is not a directory`);
  const urlRoot = normalizeUrlRoot(options.urlRoot);
  const index = options.index === undefined ? "index.html" : options.index;
  const types: Record<string, string> = { ...CONTENT_TYPES };
  for (const [ext, type] of Object.entries(options.contentTypes ?? {})) {
    types[(ext.startsWith(".") ? ext : `.${ext}`).toLowerCase()] = type;
  }
  const extra = new Headers(options.headers);
  let rootReal: Promise<string> | null = null;
  const resolveRoot = async () => {
    const r = await realPath(root);
    if (r === null) throw new Error(`serveDir: root ${JSON.stringify(root)} does not exist`);
    return r;
  };

  const contentType = (name: string): string => {
    const dot = name.lastIndexOf(".");
    return (dot > 0 ? types[name.slice(dot).toLowerCase()] : undefined) ?? DEFAULT_TYPE;
  };

  /** Real path of root+segs if it exists and stays inside the root. */
  const locate = async (base: string, segs: string[]): Promise<string | null> => {
    const joined = segs.length === 0 ? base : `${base}/${segs.join("/")}`;
    const real = await realPath(joined);
    if (real === null) return null;
    if (real !== base && !real.startsWith(base.endsWith("/") ? base : `${base}/`)) return null;
    return real;
  };

  return async (request: Request): Promise<Response> => {
    const method = request.method;
    if (method !== "GET" && method !== "HEAD") {
      return text(405, "Method Not Allowed\n", { allow: "GET, HEAD" });
    }
    const url = new URL(request.url);
    let path = url.pathname;
    if (urlRoot !== "") {
      if (path !== urlRoot && !path.startsWith(`${urlRoot}/`)) return text(404, "Not Found\n");
      path = path.slice(urlRoot.length);
    }
    const segs = segments(path);
    if (segs === 400) return text(400, "Bad Request\n");
    if (!options.dotfiles && segs.some((s) => s.startsWith("."))) return text(404, "Not Found\n");

    rootReal ??= resolveRoot().catch((error) => {
      rootReal = null; // retry on the next request: the root may appear later
      throw error;
    });
    const base = await rootReal;
    const real = await locate(base, segs);
    if (real === null) return text(404, "Not Found\n");
    const info = await stat(real);
    if (info === null) return text(404, "Not Found\n");

    let filePath = real;
    if (info.isDirectory) {
      if (!url.pathname.endsWith("/")) {
        return new Response(null, {
          status: 301,
          headers: { location: `${url.pathname}/${url.search}` },
        });
      }
      const indexPath = index === false ? null : await locate(base, [...segs, index]);
      const indexInfo = indexPath === null ? null : await stat(indexPath);
      if (indexPath !== null && indexInfo?.isFile) {
        filePath = indexPath;
      } else if (options.listing) {
        const page = listingPage(
          url.pathname,
          (await readDir(real)).filter((e) => options.dotfiles || !e.name.startsWith(".")),
        );
        return new Response(method === "HEAD" ? null : page, {
          headers: {
            "content-type": "text/html; charset=utf-8",
            "content-length": String(new TextEncoder().encode(page).byteLength),
          },
        });
      } else {
        return text(404, "Not Found\n");
      }
    } else if (!info.isFile) {
      return text(404, "Not Found\n");
    }

    if (options.asis && filePath.endsWith(".asis")) return serveAsis(request, filePath);
    const file = await openFile(filePath);
    if (file === null) return text(404, "Not Found\n");
    try {
      return respond(request, file, contentType(filePath), extra);
    } catch (error) {
      await file.close();
      throw error;
    }
  };
}

/** Builds the response for an open file: 304, 416, 206 or 200. */
function respond(request: Request, file: OpenFile, type: string, extra: Headers): Response {
  const { size, mtime } = file.info;
  const etag = etagOf(file.info);
  const lastModified = mtime === null ? null : mtime.toUTCString();
  const headers = new Headers(extra);
  headers.set("etag", etag);
  if (lastModified !== null) headers.set("last-modified", lastModified);
  headers.set("accept-ranges", "bytes");

  // Conditionals (RFC 9110 §13.2.2): If-None-Match first; If-Modified-Since only without it.
  const inm = request.headers.get("if-none-match");
  const ims = request.headers.get("if-modified-since");
  let notModified = false;
  if (inm !== null) {
    notModified = noneMatch(inm, etag);
  } else if (ims !== null && mtime !== null) {
    const since = Date.parse(ims);
    // HTTP dates have whole seconds; compare at that precision.
    notModified = !Number.isNaN(since) && Math.floor(mtime.getTime() / 1000) * 1000 <= since;
  }
  if (notModified) {
    file.close();
    return new Response(null, { status: 304, headers });
  }

  headers.set("content-type", type);
  const rangeHeader = request.method === "GET" ? request.headers.get("range") : null;
  const ifRange = request.headers.get("if-range");
  const range = rangeHeader === null || (ifRange !== null && !ifRangeMatches(ifRange, lastModified))
    ? null
    : parseRange(rangeHeader, size);
  if (range === "unsatisfiable") {
    file.close();
    headers.set("content-range", `bytes */${size}`);
    headers.set("content-type", "text/plain; charset=utf-8");
    return new Response("Range Not Satisfiable\n", { status: 416, headers });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const length = end - start + 1;
  headers.set("content-length", String(length));
  if (range !== null) headers.set("content-range", `bytes ${start}-${end}/${size}`);
  const status = range === null ? 200 : 206;
  if (request.method === "HEAD" || length === 0) {
    file.close();
    return new Response(null, { status, headers });
  }
  return new Response(file.stream(start, end), { status, headers });
}
