/**
 * Test helpers for WebSocket sessions: a registered request, the session on
 * an in-memory channel, client frames and a decoder for the server's output.
 *
 * @module
 */
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { Buffer } from "node:buffer";
import { type DecoderEvent, WebSocketDecoder } from "../../src/websocket/decoder.ts";
import { encodeFrame } from "../../src/websocket/encoder.ts";
import { MemoryChannel } from "../../src/websocket/memory_channel.ts";
import {
  registerUpgradeTarget,
  resolveUpgrade,
  type UpgradeTarget,
} from "../../src/websocket/registry.ts";
import { upgradeWebSocket, type UpgradeWebSocketOptions } from "../../src/websocket/upgrade.ts";
import type { DeflateParams } from "../../src/websocket/extensions.ts";

/** permessage-deflate as negotiated with no parameters: context takeover both ways, 15-bit windows. */
export const DEFLATE_DEFAULTS: DeflateParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

/** A fixed client masking key. */
export const MASK = new Uint8Array([1, 2, 3, 4]);
const te = new TextEncoder();

/** A masked client frame. */
export function clientFrame(
  op: number,
  payload: Uint8Array | string = new Uint8Array(0),
  o: { fin?: boolean; rsv1?: boolean } = {},
): Uint8Array {
  const p = typeof payload === "string" ? te.encode(payload) : payload;
  return encodeFrame(op, p, { ...o, mask: MASK });
}

/** Handshake headers of a browser-like client. */
export function upgradeHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-version": "13",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    ...extra,
  };
}

/** A request registered as an upgrade candidate, as a driver would. */
export function upgradeRequest(
  headers: Record<string, string> = upgradeHeaders(),
  target: UpgradeTarget = { protocol: "http/1.1", secure: false },
  url = "http://127.0.0.1:8080/chat",
): Request {
  const req = new Request(url, { headers });
  registerUpgradeTarget(req, target);
  return req;
}

/** Upgrades, accepts and opens a session on a MemoryChannel; records the socket's events. */
export function openSession(
  options: UpgradeWebSocketOptions = {},
  headers: Record<string, string> = upgradeHeaders(),
  highWaterMark = Infinity,
  target?: UpgradeTarget,
) {
  const req = upgradeRequest(headers, target);
  const { socket, response } = upgradeWebSocket(req, options);
  const decision = resolveUpgrade(req, response);
  assert.equal(decision.type, "accept");
  if (decision.type !== "accept") throw new Error("unreachable");
  const events: string[] = [];
  const messages: unknown[] = [];
  socket.addEventListener("open", () => events.push("open"));
  socket.addEventListener("message", (e) => messages.push((e as MessageEvent).data));
  socket.addEventListener("error", () => events.push("error"));
  socket.addEventListener("close", (e) => {
    const c = e as CloseEvent;
    events.push(`close ${c.code} ${c.wasClean ? "clean" : "unclean"}`);
  });
  const channel = new MemoryChannel(highWaterMark);
  const readyBefore = socket.readyState;
  const session = decision.open(channel);
  const out = new WebSocketDecoder({
    maxMessageBytes: 1 << 30,
    requireMask: false,
    allowRsv1: true,
  });
  /** Server frames written since the last call. */
  const frames = (): DecoderEvent[] => out.push(channel.takeOutput());
  return {
    req,
    socket,
    response,
    decision,
    channel,
    session,
    events,
    messages,
    frames,
    readyBefore,
  };
}

/**
 * A peer that compresses as a client does (browsers and `ws` keep their
 * context by default): raw deflate, sync flush, the 00 00 ff ff tail
 * stripped; `close()` frees its zlib context.
 */
export function clientDeflater(
  windowBits = 15,
): ((data: Uint8Array) => Promise<Uint8Array>) & { close(): void } {
  const z = zlib.createDeflateRaw({ windowBits });
  const fn = (data: Uint8Array) =>
    new Promise<Uint8Array>((resolve) => {
      const chunks: Buffer[] = [];
      const on = (c: Buffer) => chunks.push(c);
      z.on("data", on);
      z.write(data);
      z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        z.off("data", on);
        const b = Buffer.concat(chunks);
        resolve(new Uint8Array(b.subarray(0, b.length - 4)));
      });
    });
  return Object.assign(fn, { close: () => z.close() });
}
