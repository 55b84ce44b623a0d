/**
 * `.asis` files for `serveDir(root, { asis: true })`: raw HTTP/1.1
 * responses (wptserve's convention), written byte for byte through
 * `wire(req)`. Over HTTP/2 and HTTP/3 a raw HTTP/1.1 response has no
 * meaning: 501 with a message.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { wire, wireProtocol } from "../fetch/wire.ts";

/** The file at `path` as the raw response to `request` (the connection closes after it). */
export async function serveAsis(request: Request, path: string): Promise<Response> {
  const protocol = wireProtocol(request);
  if (protocol !== "http/1.1") {
    return new Response(
      `${path.slice(path.lastIndexOf("/") + 1)} is a raw HTTP/1.1 response (.asis): ` +
        `it cannot be served over ${protocol ?? "this server"}\n`,
      { status: 501, headers: { "content-type": "text/plain; charset=utf-8" } },
    );
  }
  const bytes = await readFile(path);
  const w = wire(request);
  const h1 = w.h1;
  if (h1 !== null) {
    const end = () => h1.end();
    h1.write(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)).then(end, end);
  }
  return w.response;
}
