// permessage-deflate's two ways through zlib (zlib_run.ts): direct calls on node:zlib's native
// handle, which every runtime here takes, and the stream path kept for a runtime without them.
// The same round trips, bombs, garbage and shared-context isolation on both.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { deflatePrimings, PerMessageDeflate } from "../../src/websocket/deflate.ts";
import { WebSocketError } from "../../src/websocket/errors.ts";
import { sharedDeflateLane, sharedInflateLane } from "../../src/websocket/zlib_lane.ts";
import {
  directOf,
  newDeflater,
  newInflater,
  setDirectZlib,
  SyncZ,
} from "../../src/websocket/zlib_run.ts";
import { clientDeflater, DEFLATE_DEFAULTS } from "../support/ws.ts";

const te = new TextEncoder();
const defaults = DEFLATE_DEFAULTS;
const code = (want: number) => (e: unknown) => {
  assert.ok(e instanceof WebSocketError, String(e));
  assert.equal(e.code, want);
  return true;
};
// The shared lanes keep their context across tests: free it so the next is made in the mode set.
const freeShared = () => {
  sharedDeflateLane(13).free();
  sharedInflateLane().free();
};

describe("ws deflate: direct zlib calls", () => {
  it("are what Deno, Bun and Node take, and round-trip with node:zlib's own streams", () => {
    const d = newDeflater(13, 8), f = newInflater();
    const sd = directOf(d), sf = directOf(f);
    assert.ok(sd instanceof SyncZ && sf instanceof SyncZ);
    const msg = crypto.getRandomValues(new Uint8Array(500)); // compresses only by reference
    const a = sd.run(msg, Infinity, true);
    const b = sd.run(msg, Infinity, true);
    assert.ok(b.length < a.length / 4, `context kept: ${b.length} < ${a.length}/4`);
    // Output past the scratch buffer (16 KiB) comes whole: incompressible 40 KiB through both.
    const big = crypto.getRandomValues(new Uint8Array(40_000));
    const c = sd.run(big, Infinity, true);
    const all = new Uint8Array([...a, ...b, ...c, 3, 0]);
    assert.deepEqual(
      new Uint8Array(zlib.inflateRawSync(all)),
      new Uint8Array([...msg, ...msg, ...big]),
    );
    assert.deepEqual(sf.run([a, b, c], Infinity, true), new Uint8Array([...msg, ...msg, ...big]));
    // Not kept: counted, nothing returned; the limit still applies.
    assert.equal(sd.run(msg, Infinity, false).length, 0);
    assert.throws(() => sf.run(sd.run(big, Infinity, true), 1000, false), code(1009));
    d.close();
    f.close();
  });

  it("bad data throws (the lane then frees the context)", () => {
    const f = newInflater();
    const sf = directOf(f)!;
    assert.throws(() => sf.run(new Uint8Array([0xff, 0xff, 0xff]), Infinity, true), /invalid/);
    f.close();
  });
});

for (const path of ["direct", "stream"] as const) {
  describe(`ws deflate on the ${path} path`, () => {
    const set = () => {
      setDirectZlib(path === "stream" ? false : undefined);
      freeShared();
    };
    after(() => {
      setDirectZlib(undefined);
      freeShared();
    });

    it("round trips with context, in order under concurrent calls, in every mode", async () => {
      set();
      for (const memory of ["ratio", "balanced", "low"] as const) {
        const p = memory === "low"
          ? { ...defaults, serverNoContextTakeover: true, clientNoContextTakeover: true }
          : defaults;
        const server = new PerMessageDeflate(p, 1 << 20, memory);
        const peer = new PerMessageDeflate(p, 1 << 20, "ratio");
        const msgs = Array.from(
          { length: 40 },
          (_, i) => te.encode(`message ${i % 7} `.repeat(i + 1)),
        );
        const wire = await Promise.all(msgs.map((m) => server.compress(m)));
        assert.deepEqual(await Promise.all(wire.map((w) => peer.decompress(w))), msgs);
        const back = await Promise.all(
          msgs.map(async (m) => server.decompress(await peer.compress(m))),
        );
        assert.deepEqual(back, msgs);
        server.close();
        peer.close();
      }
    });

    it("a bomb is refused with 1009 and garbage with 1007; the next message inflates", async () => {
      set();
      const bomber = clientDeflater();
      const bomb = await bomber(new Uint8Array(16 * 1024 * 1024));
      bomber.close();
      for (const memory of ["ratio", "balanced"] as const) {
        const s = new PerMessageDeflate(defaults, 1 << 20, memory);
        await assert.rejects(s.decompress(bomb), code(1009));
        s.close();
        const g = new PerMessageDeflate(defaults, 1024, memory);
        await assert.rejects(g.decompress(new Uint8Array([0xff, 0xff, 0xff])), code(1007));
        g.close();
        const client = clientDeflater();
        const ok = new PerMessageDeflate(defaults, 1 << 20, memory);
        const m = te.encode(`after the bomb, ${memory}`);
        assert.deepEqual(await ok.decompress(await client(m)), m);
        ok.close();
        client.close();
      }
    });

    it("an empty compressed payload is an empty message, and the next one still inflates", async () => {
      for (const memory of ["ratio", "balanced", "low"] as const) {
        set();
        // 00 00 ff ff alone is no block (RFC 7692 sends one 00 byte for an empty message): fed to
        // zlib, it would wait inside a stored block and read the next message as its lengths.
        const s = new PerMessageDeflate(defaults, 1 << 20, memory);
        const client = clientDeflater();
        const first = te.encode(`before, ${memory}`);
        assert.deepEqual(await s.decompress(await client(first)), first);
        assert.equal((await s.decompress(new Uint8Array(0))).length, 0);
        const next = te.encode(`after the empty payload, ${memory}`);
        assert.deepEqual(await s.decompress(await client(next)), next);
        s.close();
        client.close();
      }
    });

    it("balanced: a connection that used a shared context last continues on it unprimed", async () => {
      set();
      const a = new PerMessageDeflate(defaults, 1 << 20, "balanced");
      const b = new PerMessageDeflate(defaults, 1 << 20, "balanced");
      const ca = clientDeflater(), cb = clientDeflater();
      const peerA = new PerMessageDeflate(defaults, 1 << 20, "ratio");
      const msg = (i: number) => te.encode(`{"seq":${i},"text":"the same words each time"}`);
      const echo = async (s: PerMessageDeflate, c: typeof ca, i: number) => {
        assert.deepEqual(await s.decompress(await c(msg(i))), msg(i));
        return await s.compress(msg(i));
      };
      const p0 = deflatePrimings();
      for (let i = 0; i < 5; i++) {
        assert.deepEqual(await peerA.decompress(await echo(a, ca, i)), msg(i));
      }
      assert.equal(deflatePrimings(), p0, "alone: no priming");
      await echo(b, cb, 0);
      assert.equal(deflatePrimings(), p0, "b has no history yet");
      assert.deepEqual(await peerA.decompress(await echo(a, ca, 5)), msg(5));
      assert.equal(deflatePrimings(), p0 + 2, "a after b: inflater and deflater primed");
      assert.deepEqual(await peerA.decompress(await echo(a, ca, 6)), msg(6));
      assert.equal(deflatePrimings(), p0 + 2, "a again: none");
      for (const x of [a, b, peerA, ca, cb]) x.close();
    });

    it("balanced: histories that wrap (past the window) still prime correctly", async () => {
      set();
      // Our outbound window is 8 KiB and the client's 512 bytes: 60 messages of 200 wrap both.
      const p = { ...defaults, clientMaxWindowBits: 9 };
      const servers = [0, 1].map(() => new PerMessageDeflate(p, 1 << 20, "balanced"));
      const clients = servers.map(() => clientDeflater(9));
      const peers = servers.map(() => new PerMessageDeflate(p, 1 << 20, "ratio"));
      for (let k = 0; k < 60; k++) {
        for (let i = 0; i < 2; i++) {
          const msg = te.encode(
            `{"conn":${i},"k":${k},"w":"${"xyz".repeat(k % 9)}"}`.padEnd(200, "~"),
          );
          assert.deepEqual(await servers[i]!.decompress(await clients[i]!(msg)), msg);
          assert.deepEqual(await peers[i]!.decompress(await servers[i]!.compress(msg)), msg);
        }
      }
      for (const x of [...servers, ...peers, ...clients]) x.close();
    });

    it("balanced: interleaved connections keep their own history; a closed one leaks nothing", async () => {
      set();
      const n = 5;
      const servers = Array.from(
        { length: n },
        () => new PerMessageDeflate(defaults, 1 << 20, "balanced"),
      );
      const clients = servers.map(() => clientDeflater());
      const peers = servers.map(() => new PerMessageDeflate(defaults, 1 << 20, "ratio"));
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < n; i++) {
          const msg = te.encode(
            `{"conn":${i},"words":"${String.fromCharCode(97 + i).repeat(40)}"}`,
          );
          assert.deepEqual(await servers[i]!.decompress(await clients[i]!(msg)), msg);
          const out = await servers[i]!.compress(msg);
          assert.deepEqual(await peers[i]!.decompress(out), msg);
          if (round > 0) assert.ok(out.length < 20, `conn ${i} refers back: ${out.length}`);
        }
      }
      const secret = te.encode("a secret only this connection sent, long enough to refer to");
      const c = clientDeflater();
      const a = new PerMessageDeflate(defaults, 1 << 20, "balanced");
      assert.deepEqual(await a.decompress(await c(secret)), secret);
      a.close();
      const b = new PerMessageDeflate(defaults, 1 << 20, "balanced");
      await assert.rejects(b.decompress(await c(secret)), code(1007));
      b.close();
      c.close();
      for (const x of [...servers, ...peers]) x.close();
      for (const x of clients) x.close();
    });
  });
}
