// permessage-deflate contexts that live only while needed (issue #30): created on first use,
// freed when idle, rebuilt with the peer's history; shared in "low" mode; bombs still refused.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { PerMessageDeflate } from "../../src/websocket/deflate.ts";
import { negotiateDeflate, parseExtensions } from "../../src/websocket/extensions.ts";
import { WebSocketError } from "../../src/websocket/errors.ts";
import { upgradeWebSocket } from "../../src/websocket/upgrade.ts";
import {
  setZlibSweepMs,
  sharedDeflateLane,
  sharedInflateLane,
} from "../../src/websocket/zlib_lane.ts";
import {
  storedBlockPieces,
  storedBlocks,
  zlibContextCounts,
} from "../../src/websocket/zlib_run.ts";
import { InflateHistory } from "../../src/websocket/inflate_history.ts";
import { Opcode } from "../../src/websocket/constants.ts";
import {
  clientDeflater,
  clientFrame,
  DEFLATE_DEFAULTS,
  openSession,
  upgradeHeaders,
  upgradeRequest,
} from "../support/ws.ts";
import { eventually } from "../support/common.ts";

const te = new TextEncoder();
const defaults = DEFLATE_DEFAULTS;
const created = () => zlibContextCounts().created;
const live = () => zlibContextCounts().live;
/** Whether the process's shared contexts that "balanced" uses (13-bit deflater) exist now. */
const shared = () => ({ inflater: sharedInflateLane().live, deflater: sharedDeflateLane(13).live });

// Text that compresses only through back references (a repeat of itself).
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = 97 + ((x >>> 16) % 26);
  }
  return out;
}

const deflateHeaders = (offer = "permessage-deflate; client_max_window_bits") =>
  upgradeHeaders({ "sec-websocket-extensions": offer });

describe("ws permessage-deflate contexts live only while needed", () => {
  it("a connection that never receives a compressed message never creates an inflater", async () => {
    const before = created();
    const s = openSession({ compress: true }, deflateHeaders());
    assert.equal(s.socket.extensions, "permessage-deflate");
    s.session.receive(clientFrame(Opcode.TEXT, "x".repeat(500)));
    s.session.receive(clientFrame(Opcode.BINARY, new Uint8Array(100)));
    s.socket.send("short"); // under the compression threshold
    await eventually(() => s.messages.length === 2);
    assert.equal(created().inflaters, before.inflaters);
    assert.equal(created().deflaters, before.deflaters);
    s.socket.close();
  });

  it("the deflater comes with the first message worth compressing, the inflater with the first compressed one", async () => {
    const before = created();
    const s = openSession({ compress: { memory: "ratio" } }, deflateHeaders());
    s.socket.send("a message long enough to be compressed, longer than 32 bytes");
    await eventually(() => s.frames().length === 1);
    assert.equal(created().deflaters, before.deflaters + 1);
    assert.equal(created().inflaters, before.inflaters);
    const client = clientDeflater();
    s.session.receive(
      clientFrame(Opcode.TEXT, await client(te.encode("hi there")), { rsv1: true }),
    );
    await eventually(() => s.messages.length === 1);
    assert.equal(s.messages[0], "hi there");
    assert.equal(created().inflaters, before.inflaters + 1);
    client.close();
    s.socket.close();
  });

  it("balanced: the shared contexts are freed when idle and come back; the peer's history survives", async () => {
    const server = new PerMessageDeflate(defaults, 1 << 20, "balanced");
    const client = clientDeflater();
    const clientInflater = new PerMessageDeflate(defaults, 1 << 20, "ratio");
    // 30 KB that only compresses against itself: the repeat refers back across the window.
    const big = noise(30_000, 7);
    assert.deepEqual(await server.decompress(await client(big)), big);
    const reply = te.encode("the reply, which the client inflates with its context. ".repeat(4));
    assert.deepEqual(await clientInflater.decompress(await server.compress(reply)), reply);
    assert.deepEqual(server.contexts, { inflater: false, deflater: false }); // none of its own
    assert.deepEqual(shared(), { inflater: true, deflater: true });

    server.releaseIdle();
    assert.deepEqual(shared(), { inflater: false, deflater: false });

    const again = await client(big);
    assert.ok(again.length < 2000, `the repeat refers back: ${again.length} bytes`);
    assert.deepEqual(await server.decompress(again), big);
    // The new deflater is primed with what we sent: its references are what the client holds.
    const second = await server.compress(reply);
    assert.ok(second.length < 30, `the reply refers back to the first one: ${second.length}`);
    assert.deepEqual(await clientInflater.decompress(second), reply);
    assert.deepEqual(await clientInflater.decompress(await server.compress(reply)), reply);
    server.close();
    clientInflater.close();
    client.close();
  });

  it("balanced: connections interleaved on the shared contexts each see only their own history", async () => {
    const before = live();
    const n = 6;
    const servers = Array.from(
      { length: n },
      () => new PerMessageDeflate(defaults, 1 << 20, "balanced"),
    );
    const clients = servers.map(() => clientDeflater());
    const inflaters = servers.map(() => new PerMessageDeflate(defaults, 1 << 20, "ratio"));
    for (let round = 0; round < 4; round++) {
      // Every connection's messages repeat its own earlier ones, so they compress by reference.
      await Promise.all(servers.map(async (server, i) => {
        const msg = te.encode(`{"conn":${i},"words":"${String.fromCharCode(97 + i).repeat(40)}"}`);
        assert.deepEqual(await server.decompress(await clients[i]!(msg)), msg);
        const back = await server.compress(msg);
        assert.deepEqual(await inflaters[i]!.decompress(back), msg);
        if (round > 0) assert.ok(back.length < 20, `conn ${i} refers back: ${back.length}`);
      }));
    }
    // One shared deflater and one shared inflater for all n (each "ratio" peer has its own inflater).
    assert.ok(live().deflaters - before.deflaters <= 1);
    assert.ok(live().inflaters - before.inflaters <= n + 1);
    for (const x of [...servers, ...inflaters]) x.close();
    for (const c of clients) c.close();
  });

  it("balanced: a connection after one that closed never refers into its window", async () => {
    const msg = te.encode("the very same message, long enough to be referred back to. ".repeat(3));
    for (let i = 0; i < 3; i++) {
      const a = new PerMessageDeflate(defaults, 1 << 20, "balanced");
      await a.compress(msg);
      a.close(); // the shared deflater still holds its window
      const b = new PerMessageDeflate(defaults, 1 << 20, "balanced");
      const freshClient = new PerMessageDeflate(defaults, 1 << 20, "ratio");
      assert.deepEqual(await freshClient.decompress(await b.compress(msg)), msg);
      b.close();
      freshClient.close();
    }
    // Inbound too: a peer cannot read another connection's bytes by referring back into them.
    const secret = te.encode("a secret only connection A sent, long enough to be referred to");
    const client = clientDeflater();
    const a = new PerMessageDeflate(defaults, 1 << 20, "balanced");
    assert.deepEqual(await a.decompress(await client(secret)), secret);
    a.close();
    const b = new PerMessageDeflate(defaults, 1 << 20, "balanced");
    await assert.rejects(b.decompress(await client(secret)), (e: unknown) => {
      assert.equal((e as WebSocketError).code, 1007);
      return true;
    });
    b.close();
    client.close();
  });

  it("the shared sweep frees idle contexts by itself", async () => {
    setZlibSweepMs(20);
    try {
      const server = new PerMessageDeflate(defaults, 1 << 20, "balanced");
      const client = clientDeflater();
      const msg = te.encode("sweep me ".repeat(10));
      assert.deepEqual(await server.decompress(await client(msg)), msg);
      await server.compress(msg);
      assert.deepEqual(shared(), { inflater: true, deflater: true });
      await eventually(() => !shared().inflater && !shared().deflater, 5000);
      assert.deepEqual(await server.decompress(await client(msg)), msg);
      server.close();
      client.close();
    } finally {
      setZlibSweepMs(5_000);
    }
  });

  it('"ratio" keeps its contexts', async () => {
    const server = new PerMessageDeflate(defaults, 1 << 20, "ratio");
    await server.compress(te.encode("x".repeat(100)));
    server.releaseIdle();
    assert.equal(server.contexts.deflater, true);
    server.close();
    assert.equal(server.contexts.deflater, false);
  });

  it('"balanced" deflates within a 13-bit window, "ratio" within the negotiated one; both round-trip', async () => {
    // 20 KiB of noise, then the same again: only a window over 16 KiB can refer back to it.
    let seed = 7;
    const noise = Uint8Array.from(
      { length: 20_000 },
      () => (seed = (seed * 75 + 74) % 65537) & 0xff,
    );
    const twice = new Uint8Array(40_000);
    twice.set(noise);
    twice.set(noise, 20_000);
    const inflate = (c: Uint8Array, windowBits: number) =>
      new Uint8Array(zlib.inflateRawSync(
        new Uint8Array([...c, 0x00, 0x00, 0xff, 0xff]),
        { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH },
      ));
    const balanced = new PerMessageDeflate(defaults, 1 << 20, "balanced");
    const lean = await balanced.compress(twice);
    assert.deepEqual(inflate(lean, 13), twice); // no distance past 8 KiB
    assert.ok(lean.length > 39_000, `noise does not compress without the window: ${lean.length}`);
    // Messages that refer to earlier ones round-trip through an inflater that keeps its context.
    const peer = new PerMessageDeflate(defaults, 1 << 20, "ratio");
    assert.deepEqual(await peer.decompress(lean), twice);
    for (let i = 0; i < 3; i++) {
      const m = te.encode(`{"n":${i},"text":"the same words again and again"}`.repeat(3));
      assert.deepEqual(await peer.decompress(await balanced.compress(m)), m);
    }
    peer.close();
    balanced.close();
    const ratio = new PerMessageDeflate(defaults, 1 << 20, "ratio");
    const full = await ratio.compress(twice);
    assert.ok(full.length < 25_000, `the 15-bit window refers back 20 KiB: ${full.length}`);
    assert.deepEqual(inflate(full, 15), twice);
    ratio.close();
  });

  it("a deflate bomb is still refused with 1009 in every mode, and the next message inflates", async () => {
    const bomb = await clientDeflater()(new Uint8Array(16 * 1024 * 1024));
    for (const memory of ["low", "balanced", "ratio"] as const) {
      for (const p of [defaults, { ...defaults, clientNoContextTakeover: true }]) {
        const s = new PerMessageDeflate(p, 1 << 20, memory);
        await assert.rejects(s.decompress(bomb), (e: unknown) => {
          assert.ok(e instanceof WebSocketError);
          assert.equal((e as WebSocketError).code, 1009);
          return true;
        });
        s.close();
      }
    }
    // The shared inflater failed above; a fresh one serves the next connection.
    const low = new PerMessageDeflate({ ...defaults, clientNoContextTakeover: true }, 1024, "low");
    const msg = te.encode("after the bomb");
    assert.deepEqual(await low.decompress(await clientDeflater()(msg)), msg);
    low.close();
  });
});

describe('ws permessage-deflate compress: { memory: "low" }', () => {
  it("the answer adds both no_context_takeover parameters", () => {
    const offers = parseExtensions("permessage-deflate; client_max_window_bits")!;
    assert.equal(
      negotiateDeflate(offers, true)?.response,
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
    );
    assert.equal(negotiateDeflate(offers)?.response, "permessage-deflate");
    const s = openSession({ compress: { memory: "low" } }, deflateHeaders());
    assert.equal(
      s.socket.extensions,
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
    );
    s.socket.close();
  });

  it("connections share the process's contexts, and none sees another's history", async () => {
    const p = { ...defaults, serverNoContextTakeover: true, clientNoContextTakeover: true };
    const a = new PerMessageDeflate(p, 1 << 20, "low");
    const b = new PerMessageDeflate(p, 1 << 20, "low");
    const secret = te.encode("a secret only connection A sent, long enough to be referred to");
    // One client compressor with context: its second message refers back into the first.
    const client = clientDeflater();
    assert.deepEqual(await a.decompress(await client(secret)), secret);
    const ref = await client(secret);
    await assert.rejects(b.decompress(ref), (e: unknown) => {
      assert.equal((e as WebSocketError).code, 1007);
      return true;
    });
    // Each message alone round-trips through the shared contexts, in order.
    const msgs = [1, 2, 3, 4, 5].map((i) => te.encode(`message ${i} `.repeat(i * 10)));
    const out = await Promise.all(msgs.map((m) => a.compress(m)));
    const fresh = new PerMessageDeflate(p, 1 << 20, "ratio");
    for (let i = 0; i < msgs.length; i++) {
      assert.deepEqual(await fresh.decompress(out[i]!), msgs[i]);
    }
    assert.deepEqual(a.contexts, { inflater: false, deflater: false });
    a.close();
    b.close();
    fresh.close();
    client.close();
  });

  it("invalid compress options name the option", () => {
    const bad = (compress: unknown) =>
      // deno-lint-ignore no-explicit-any
      assert.throws(() => upgradeWebSocket(upgradeRequest(), { compress: compress as any }));
    bad({ memory: "tiny" });
    assert.throws(
      // deno-lint-ignore no-explicit-any
      () => upgradeWebSocket(upgradeRequest(), { compress: { memory: "tiny" } as any }),
      /option "compress.memory" must be "low", "balanced" or "ratio", got tiny/,
    );
    assert.throws(
      // deno-lint-ignore no-explicit-any
      () => upgradeWebSocket(upgradeRequest(), { compress: { level: 9 } as any }),
      /option "compress" has an unknown key "level"/,
    );
    bad(1);
    bad([]);
    assert.doesNotThrow(() => upgradeWebSocket(upgradeRequest(), { compress: {} }));
  });
});

describe("ws inflate history", () => {
  it("keeps the last window of bytes across wraps", () => {
    const h = new InflateHistory(9); // 512 bytes
    h.push(te.encode("abc"));
    assert.deepEqual(h.pieces(), [te.encode("abc")]);
    const all: number[] = [];
    for (let i = 0; i < 40; i++) {
      const chunk = noise(37 + i, i);
      h.push(chunk);
      all.push(...chunk);
    }
    const want = new Uint8Array(all.slice(-512));
    const views = h.pieces();
    assert.equal(views.length, 2); // wrapped: both halves of the ring, no copy
    assert.deepEqual(new Uint8Array(Buffer.concat(views)), want);
    h.push(noise(1000, 3));
    assert.deepEqual(
      new Uint8Array(Buffer.concat(h.pieces())),
      noise(1000, 3).subarray(488),
    );
  });

  it("matches the last window of everything pushed as it grows, wraps and is released", () => {
    for (const bits of [8, 13, 15]) {
      const h = new InflateHistory(bits);
      let all = new Uint8Array(0);
      for (let i = 0; i < 120; i++) {
        const chunk = noise((i * 97) % 1500, i);
        h.push(chunk);
        all = new Uint8Array([...all, ...chunk]).slice(-(1 << bits));
        assert.equal(h.length, all.length);
        assert.deepEqual(new Uint8Array(Buffer.concat(h.pieces())), all);
      }
      h.release();
      assert.equal(h.length, 0);
      assert.deepEqual(h.pieces(), []);
      h.push(noise(10, 1));
      assert.deepEqual(h.pieces(), [noise(10, 1)]);
    }
  });

  it("stored blocks rebuild an inflater's window (empty, small and over 64 KiB)", () => {
    for (const n of [0, 10, 70_000]) {
      const bytes = noise(n, n);
      const z = zlib.inflateRawSync(Buffer.concat([storedBlocks(bytes), Buffer.from([3, 0])]));
      assert.deepEqual(new Uint8Array(z), bytes);
      // From a ring's two halves, split anywhere.
      const cut = n >> 1;
      const blocks = storedBlockPieces([bytes.subarray(0, cut), bytes.subarray(cut)]);
      const z2 = zlib.inflateRawSync(Buffer.concat([...blocks, Buffer.from([3, 0])]));
      assert.deepEqual(new Uint8Array(z2), bytes);
    }
  });
});
