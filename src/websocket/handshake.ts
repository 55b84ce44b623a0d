/**
 * Opening handshake helpers (RFC 6455 §4.2, RFC 8441 §4): validate an
 * HTTP/1.1 Upgrade request or an HTTP/2 extended CONNECT, compute
 * Sec-WebSocket-Accept, select the subprotocol. Pure functions of headers.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { WEBSOCKET_GUID } from "./constants.ts";

/**
 * A handshake the server must refuse: the status and headers to answer with.
 */
export interface HandshakeRejection {
  /** Discriminant. */
  ok: false;
  /** 400, or 426 for an unsupported version. */
  status: 400 | 426;
  /** Headers of the refusal (426 carries `Sec-WebSocket-Version: 13`). */
  headers: [string, string][];
  /** Why, for logs and the TypeError of upgradeWebSocket. */
  reason: string;
}

/**
 * A valid handshake request.
 */
export interface HandshakeRequest {
  /** Discriminant. */
  ok: true;
  /** Sec-WebSocket-Key (HTTP/1.1 only; undefined over HTTP/2). */
  key: string | undefined;
  /** Subprotocols the client offered, in its order. */
  protocols: string[];
  /** The raw Sec-WebSocket-Extensions header ("" when absent). */
  extensions: string;
}

function tokens(v: string | null): string[] {
  if (!v) return [];
  return v.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function common(headers: Headers): HandshakeRejection | undefined {
  const version = headers.get("sec-websocket-version");
  if (version?.trim() !== "13") {
    return {
      ok: false,
      status: 426,
      headers: [["sec-websocket-version", "13"]],
      reason: `unsupported Sec-WebSocket-Version ${JSON.stringify(version)}`,
    };
  }
  return undefined;
}

function reject(reason: string): HandshakeRejection {
  return { ok: false, status: 400, headers: [], reason };
}

/**
 * Validates an HTTP/1.1 Upgrade request (RFC 6455 §4.2.1).
 */
export function validateUpgradeRequest(
  method: string,
  headers: Headers,
): HandshakeRequest | HandshakeRejection {
  if (method !== "GET") return reject(`method ${method} cannot open a WebSocket (GET required)`);
  if (!tokens(headers.get("upgrade")).some((t) => t.toLowerCase() === "websocket")) {
    return reject("Upgrade header does not name websocket");
  }
  if (!tokens(headers.get("connection")).some((t) => t.toLowerCase() === "upgrade")) {
    return reject("Connection header lacks the upgrade token");
  }
  const bad = common(headers);
  if (bad) return bad;
  const key = headers.get("sec-websocket-key")?.trim();
  if (!key || !isValidKey(key)) return reject("Sec-WebSocket-Key missing or not 16 bytes");
  return {
    ok: true,
    key,
    protocols: tokens(headers.get("sec-websocket-protocol")),
    extensions: headers.get("sec-websocket-extensions") ?? "",
  };
}

/**
 * Validates an RFC 8441 extended CONNECT (`:method CONNECT`, `:protocol
 * websocket`); it carries no key and gets no accept.
 */
export function validateConnectRequest(
  method: string,
  protocol: string | undefined,
  headers: Headers,
): HandshakeRequest | HandshakeRejection {
  if (method !== "CONNECT") return reject(`method ${method} is not an extended CONNECT`);
  if (protocol?.toLowerCase() !== "websocket") {
    return reject(`:protocol ${JSON.stringify(protocol)} is not websocket`);
  }
  const bad = common(headers);
  if (bad) return bad;
  return {
    ok: true,
    key: undefined,
    protocols: tokens(headers.get("sec-websocket-protocol")),
    extensions: headers.get("sec-websocket-extensions") ?? "",
  };
}

const KEY_RE = /^[A-Za-z0-9+/]{22}==$/;

/**
 * Whether a Sec-WebSocket-Key is base64 of exactly 16 bytes.
 */
export function isValidKey(key: string): boolean {
  return KEY_RE.test(key);
}

/**
 * Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)).
 */
export function acceptKey(key: string): string {
  return createHash("sha1").update(key + WEBSOCKET_GUID).digest("base64");
}

/**
 * The subprotocol to answer with: `wanted` must be one the client offered,
 * else a TypeError naming the `protocol` option.
 */
export function selectProtocol(offered: string[], wanted: string | undefined): string {
  if (wanted === undefined || wanted === "") return "";
  if (!offered.includes(wanted)) {
    throw new TypeError(
      `upgradeWebSocket: option "protocol" is ${
        JSON.stringify(wanted)
      }, which the client did not offer (Sec-WebSocket-Protocol: ${
        JSON.stringify(offered.join(", "))
      })`,
    );
  }
  return wanted;
}
