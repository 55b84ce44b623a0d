/**
 * Sec-WebSocket-Extensions parsing (RFC 6455 §9.1) and permessage-deflate
 * negotiation (RFC 7692 §7.1). An offer with a duplicate, unknown or
 * invalid parameter is declined and the next offer is tried.
 *
 * @module
 */

/**
 * One extension offer: its name and parameters (a parameter without value is `true`).
 */
export interface ExtensionOffer {
  /** Extension token, lower-cased. */
  name: string;
  /** Parameters in order; duplicates kept so negotiation can refuse them. */
  params: [string, string | true][];
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses a Sec-WebSocket-Extensions value; undefined when it is malformed.
 */
export function parseExtensions(header: string): ExtensionOffer[] | undefined {
  const out: ExtensionOffer[] = [];
  if (header.trim() === "") return out;
  for (const item of header.split(",")) {
    const parts = item.split(";").map((s) => s.trim());
    const name = parts.shift()!;
    if (!TOKEN.test(name)) return undefined;
    const params: [string, string | true][] = [];
    for (const p of parts) {
      const eq = p.indexOf("=");
      if (eq < 0) {
        if (!TOKEN.test(p)) return undefined;
        params.push([p.toLowerCase(), true]);
        continue;
      }
      const k = p.slice(0, eq).trim();
      let v = p.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      if (!TOKEN.test(k) || !TOKEN.test(v)) return undefined;
      params.push([k.toLowerCase(), v]);
    }
    out.push({ name: name.toLowerCase(), params });
  }
  return out;
}

/**
 * Negotiated permessage-deflate parameters.
 */
export interface DeflateParams {
  /** We reset our compressor after every message. */
  serverNoContextTakeover: boolean;
  /** The client resets its compressor after every message (we may reset our inflater). */
  clientNoContextTakeover: boolean;
  /** LZ77 window for our compressor (9-15). */
  serverMaxWindowBits: number;
  /** LZ77 window the client uses (8-15). */
  clientMaxWindowBits: number;
}

const BITS = /^(?:8|9|1[0-5])$/;

/**
 * Accepts the first acceptable permessage-deflate offer; returns the
 * parameters and the response header value, or undefined when none fits.
 * With `noContextTakeover` the response adds server_no_context_takeover and
 * client_no_context_takeover where the offer lacks them (RFC 7692 §7.1.1.1
 * and §7.1.1.2 let the server add both): no connection then needs a zlib
 * context of its own between messages.
 * An offer asking us for `server_max_window_bits=8` is declined: zlib
 * cannot deflate with a 256-byte window (it silently uses 512, which the
 * client's inflater might not hold), the same limit `ws` works around.
 */
export function negotiateDeflate(
  offers: ExtensionOffer[],
  noContextTakeover = false,
): { params: DeflateParams; response: string } | undefined {
  next: for (const o of offers) {
    if (o.name !== "permessage-deflate") continue;
    const seen = new Set<string>();
    const p: DeflateParams = {
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    };
    const resp = ["permessage-deflate"];
    for (const [k, v] of o.params) {
      if (seen.has(k)) continue next;
      seen.add(k);
      switch (k) {
        case "server_no_context_takeover":
          if (v !== true) continue next;
          p.serverNoContextTakeover = true;
          resp.push(k);
          break;
        case "client_no_context_takeover":
          if (v !== true) continue next;
          p.clientNoContextTakeover = true;
          resp.push(k);
          break;
        case "server_max_window_bits":
          if (v === true || !BITS.test(v) || v === "8") continue next;
          p.serverMaxWindowBits = Number(v);
          resp.push(`${k}=${v}`);
          break;
        case "client_max_window_bits":
          if (v !== true && !BITS.test(v)) continue next;
          if (v !== true) p.clientMaxWindowBits = Number(v);
          break;
        default:
          continue next;
      }
    }
    if (noContextTakeover) {
      if (!p.serverNoContextTakeover) resp.push("server_no_context_takeover");
      if (!p.clientNoContextTakeover) resp.push("client_no_context_takeover");
      p.serverNoContextTakeover = p.clientNoContextTakeover = true;
    }
    return { params: p, response: resp.join("; ") };
  }
  return undefined;
}
