import { describe, it } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { createRequire } from "node:module";
import { PerMessageDeflate } from "../../src/websocket/deflate.ts";
import { negotiateDeflate, parseExtensions } from "../../src/websocket/extensions.ts";
import { WebSocketError } from "../../src/websocket/errors.ts";
import { clientDeflater, DEFLATE_DEFAULTS } from "../support/ws.ts";

const te = new TextEncoder();
// ws does not export its internals; load them by path (ws is a dev dependency).
const require = createRequire(import.meta.url);
// ws's internals are not in its exports map: reach them next to its resolved entry point
// (a path relative to this file breaks when the tests run compiled from .node_test/).
const wsLib = require.resolve("ws/package.json").replace(/package\.json$/, "lib/");
const WsPerMessageDeflate = require(wsLib + "permessage-deflate.js");
const wsParseExtension: (s: string) => Record<string, unknown[]> =
  require(wsLib + "extension.js").parse;
const defaults = DEFLATE_DEFAULTS;

type WsPmd = {
  accept(c: unknown): unknown;
  compress(d: Uint8Array, fin: boolean, cb: (e: Error | null, r: Buffer) => void): void;
  decompress(d: Uint8Array, fin: boolean, cb: (e: Error | null, r: Buffer) => void): void;
  cleanup(): void;
};

function wsClient(response: string): WsPmd {
  const pmd = new WsPerMessageDeflate({}, false, 0) as WsPmd;
  pmd.accept(wsParseExtension(response)["permessage-deflate"]);
  return pmd;
}
const wsDo = (pmd: WsPmd, op: "compress" | "decompress", d: Uint8Array) =>
  new Promise<Uint8Array>((resolve, reject) =>
    pmd[op](d, true, (e, r) => e ? reject(e) : resolve(new Uint8Array(r)))
  );

describe("ws permessage-deflate", () => {
  it("runtime zlib: deflateRaw/inflateRaw with sync flush ends in 00 00 ff ff", async () => {
    const z = zlib.createDeflateRaw();
    const out: Buffer[] = [];
    z.on("data", (c: Buffer) => out.push(c));
    z.write(te.encode("hello hello hello"));
    await new Promise<void>((r) => z.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
    const b = Buffer.concat(out);
    assert.deepEqual([...b.subarray(-4)], [0, 0, 0xff, 0xff]);
    z.close();
    assert.equal(typeof zlib.createInflateRaw({ windowBits: 9 }).reset, "function");
  });

  it("RFC 7692 §7.2.3 vectors: same bytes on every runtime", async () => {
    const s = new PerMessageDeflate(defaults, 1024);
    const hello = te.encode("Hello");
    assert.deepEqual([...await s.compress(hello)], [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    // The second "Hello" refers back into the shared window (§7.2.3.2).
    assert.deepEqual([...await s.compress(hello)], [0xf2, 0x00, 0x11, 0x00, 0x00]);
    const peer = new PerMessageDeflate(defaults, 1024);
    assert.deepEqual(
      await peer.decompress(new Uint8Array([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00])),
      hello,
    );
    assert.deepEqual(await peer.decompress(new Uint8Array([0xf2, 0x00, 0x11, 0x00, 0x00])), hello);
    // A stored (uncompressed) block (§7.2.3.3).
    const stored = new Uint8Array([
      0x00,
      0x05,
      0x00,
      0xfa,
      0xff,
      0x48,
      0x65,
      0x6c,
      0x6c,
      0x6f,
      0x00,
    ]);
    assert.deepEqual(await new PerMessageDeflate(defaults, 1024).decompress(stored), hello);
    s.close();
    peer.close();
  });

  it("round trips through itself, keeping the context across messages", async () => {
    const server = new PerMessageDeflate(defaults, 1 << 20);
    const peer = new PerMessageDeflate(defaults, 1 << 20);
    const msg = te.encode("the same sentence, again and again. ".repeat(20));
    const a = await server.compress(msg);
    const b = await server.compress(msg);
    assert.ok(b.length < a.length / 2, `context kept: ${b.length} < ${a.length}/2`);
    assert.deepEqual(await peer.decompress(a), msg);
    assert.deepEqual(await peer.decompress(b), msg);
    server.close();
    peer.close();
  });

  it("server_no_context_takeover: each message compresses alone", async () => {
    const p = { ...defaults, serverNoContextTakeover: true };
    const server = new PerMessageDeflate(p, 1 << 20);
    const msg = te.encode("the same sentence, again and again. ".repeat(20));
    const a = await server.compress(msg);
    const b = await server.compress(msg);
    assert.deepEqual(a, b);
    server.close();
  });

  it("an empty message is one 00 byte and inflates to nothing", async () => {
    const s = new PerMessageDeflate(defaults, 100);
    const c = await s.compress(new Uint8Array(0));
    assert.deepEqual([...c], [0]);
    assert.equal((await s.decompress(c)).length, 0);
    s.close();
  });

  it("keeps message order with many concurrent calls", async () => {
    const s = new PerMessageDeflate(defaults, 1 << 20);
    const peer = new PerMessageDeflate(defaults, 1 << 20);
    const msgs = Array.from({ length: 50 }, (_, i) => te.encode(`message ${i} `.repeat(i + 1)));
    const wire = await Promise.all(msgs.map((m) => s.compress(m)));
    const back = await Promise.all(wire.map((w) => peer.decompress(w)));
    assert.deepEqual(back, msgs);
    s.close();
    peer.close();
  });

  it("a decompression bomb fails with 1009, counted as the output arrives", async () => {
    const bomb = await clientDeflater()(new Uint8Array(64 * 1024 * 1024));
    assert.ok(bomb.length < 100_000, `bomb is ${bomb.length} bytes`);
    const s = new PerMessageDeflate(defaults, 1024 * 1024);
    await assert.rejects(s.decompress(bomb), (e: unknown) => {
      assert.ok(e instanceof WebSocketError);
      assert.equal((e as WebSocketError).code, 1009);
      return true;
    });
    s.close();
  });

  it("garbage fails with 1007", async () => {
    const s = new PerMessageDeflate(defaults, 1024);
    await assert.rejects(s.decompress(new Uint8Array([0xff, 0xff, 0xff])), (e: unknown) => {
      assert.equal((e as WebSocketError).code, 1007);
      return true;
    });
    s.close();
  });

  it("inflates a client that uses a small window (client_max_window_bits=9)", async () => {
    const deflate = clientDeflater(9);
    const s = new PerMessageDeflate({ ...defaults, clientMaxWindowBits: 9 }, 1 << 20);
    for (let i = 0; i < 3; i++) {
      const m = te.encode(`window nine ${i} `.repeat(200));
      assert.deepEqual(await s.decompress(await deflate(m)), m);
    }
    s.close();
  });

  const offers = [
    "permessage-deflate",
    "permessage-deflate; client_max_window_bits",
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
    "permessage-deflate; server_max_window_bits=10",
    "permessage-deflate; server_max_window_bits=9; client_max_window_bits=9",
  ];
  for (const offer of offers) {
    it(`interoperates with ws's PerMessageDeflate: ${offer}`, async () => {
      const n = negotiateDeflate(parseExtensions(offer)!)!;
      const client = wsClient(n.response);
      const server = new PerMessageDeflate(n.params, 1 << 20);
      for (let i = 0; i < 5; i++) {
        const m = te.encode(`message number ${i}: ${"abcdefgh".repeat(100 * (i + 1))}`);
        assert.deepEqual(await wsDo(client, "decompress", await server.compress(m)), m);
        assert.deepEqual(await server.decompress(await wsDo(client, "compress", m)), m);
      }
      client.cleanup();
      server.close();
    });
  }
});
