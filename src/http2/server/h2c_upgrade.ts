/**
 * h2c Upgrade (RFC 7540 §3.2; deprecated by RFC 9113 but still used by curl
 * and others): an HTTP/1.1 request with `Upgrade: h2c` and exactly one
 * `HTTP2-Settings` field gets `101 Switching Protocols`, and is answered on
 * stream 1 of the new HTTP/2 connection.
 *
 * The HTTP/1.1 driver offers the switch only once the request body is fully
 * read (RFC 7540 §3.2) and buffered in the request's body stream; a body too
 * large for that buffer is served on HTTP/1.1, which the RFC allows. The
 * buffered body becomes the body of the request on stream 1.
 *
 * @module
 */
import type { Transport } from "../../transport/types.ts";
import type { ConnectionFacts } from "../../fetch/info.ts";
import type { ServerHost } from "../../fetch/host.ts";
import type { H2cUpgrade } from "../../upgrade_types.ts";
import { encodeLatin1 } from "../../bytes/latin1.ts";
import { H2Connection } from "../core/connection.ts";
import { CONNECTION_SPECIFIC_FIELDS } from "../core/headers.ts";
import { Http2Driver } from "./driver.ts";
import type { Http2Options } from "./options.ts";

const SWITCHING = encodeLatin1(
  "HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: h2c\r\n\r\n",
);
const BAD_REQUEST = encodeLatin1(
  "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
);

/** Fields of the HTTP/1.1 request that do not carry over to stream 1. */
const DROPPED = new Set([...CONNECTION_SPECIFIC_FIELDS, "http2-settings", "host"]);

/**
 * Decodes base64url without padding (RFC 7540 §3.2.1); null when malformed.
 */
export function decodeBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  try {
    return encodeLatin1(atob(b64));
  } catch {
    return null;
  }
}

/**
 * Builds the Upgrade hook the HTTP/1.1 driver calls for `Upgrade: h2c` on a
 * cleartext connection. It declines (serve on HTTP/1.1) without exactly one
 * HTTP2-Settings field; answers 400 when that field is not a valid SETTINGS
 * payload; otherwise writes 101 and hands the transport to an HTTP/2 driver.
 */
export function h2cUpgrade(
  host: ServerHost,
  facts: ConnectionFacts,
  options: Http2Options,
): H2cUpgrade {
  return (transport: Transport, head, request, leftover) => {
    let value: string | null = null;
    let count = 0;
    for (const [name, v] of head.headers) {
      if (name.length === 14 && name.toLowerCase() === "http2-settings") {
        value = v;
        count++;
      }
    }
    if (count !== 1 || value === null) return false;
    const payload = decodeBase64Url(value);
    const conn = new H2Connection(options);
    try {
      if (payload === null) throw new Error("HTTP2-Settings is not base64url");
      conn.initiateUpgrade(payload);
    } catch {
      transport.write(BAD_REQUEST);
      transport.close();
      return true;
    }
    transport.write(SWITCHING);
    const headers: Record<string, string> = Object.create(null);
    for (const [name, v] of request.headers) {
      if (!DROPPED.has(name)) headers[name] = v;
    }
    const driver = new Http2Driver(
      transport,
      host,
      { ...facts, protocol: "h2c" },
      options,
      conn,
    );
    driver.startUpgraded(
      { method: head.method, url: request.url, headers },
      request.body,
      leftover,
      head.headers,
    );
    return true;
  };
}
