// What an idle HTTP/2 connection no longer holds, and the behaviour kept: every HPACK encoder and
// decoder of the process shares one scratch buffer (and the decoder one integer cursor), the
// scheduler shares its batch plan and trailer writer, the control outbox starts empty, the
// encoder table is scanned while small, and the frame decoder lets go of a consumed chunk and
// makes its split-header buffer on first need. Connections interleaved block by block must
// decode and encode exactly as if each had its own; a buffer grown for one huge field goes
// back to its small size; a block handed out by encode() is the caller's.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Decoder, Encoder, type HeaderField } from "../../src/http2/core/hpack/mod.ts";
import { ByteWriter } from "../../src/http2/core/frame/encoder.ts";
import { FrameDecoder } from "../../src/http2/core/frame/decoder.ts";
import { FrameType } from "../../src/http2/core/frame/types.ts";
import { TestClient } from "../support/http2_frames.ts";
import { getRequest, headers } from "../support/http2_frames.ts";

const lists: HeaderField[][] = [
  [[":status", "200"], ["content-type", "text/html; charset=utf-8"], ["x-a", "one"]],
  [[":status", "404"], ["x-long", "v".repeat(3000)], ["set-cookie", "a=b"]],
  [[":status", "200"], ["content-type", "text/html; charset=utf-8"], ["x-a", "two"]],
  [[":status", "204"], ["x-huge", "h".repeat(100_000)]],
  [[":status", "200"], ["x-a", "one"], ["x-b", "ü€".slice(0, 1)]],
];

describe("HPACK: shared scratch buffers", () => {
  it("two connections interleaved block by block round-trip as if alone", () => {
    const pairs = [0, 1].map(() => ({
      enc: new Encoder(),
      dec: new Decoder({ maxHeaderListSize: 1 << 20 }),
    }));
    const alone = { enc: new Encoder(), dec: new Decoder({ maxHeaderListSize: 1 << 20 }) };
    for (let round = 0; round < 3; round++) {
      for (const list of lists) {
        // Both connections encode before either decodes: encode() blocks are the caller's copy.
        const blocks = pairs.map((p) => p.enc.encode(list));
        const expected = alone.enc.encode(list);
        for (let i = 0; i < pairs.length; i++) {
          assert.deepEqual(blocks[i], expected, "same bytes as an encoder alone");
          const fields = list.map(([n, v]) => [n, v]);
          assert.deepEqual(pairs[i]!.dec.decode(blocks[i]!), fields);
        }
        alone.dec.decode(expected);
      }
    }
  });

  it("encodeShared is a view valid until the next encode on any encoder", () => {
    const a = new Encoder();
    const b = new Encoder();
    const va = a.encodeShared([["x-a", "first"]]).slice();
    const vb = b.encodeShared([["x-b", "second"]]).slice();
    const d1 = new Decoder();
    const d2 = new Decoder();
    assert.deepEqual(d1.decode(va), [["x-a", "first"]]);
    assert.deepEqual(d2.decode(vb), [["x-b", "second"]]);
  });

  it("a Huffman literal split between name and value still decodes after a huge one elsewhere", () => {
    const big = new Encoder();
    const small = new Encoder();
    const dBig = new Decoder({ maxHeaderListSize: 1 << 22 });
    const dSmall = new Decoder();
    const huge: HeaderField[] = [["x-huffman-name", "a".repeat(200_000)]];
    const tiny: HeaderField[] = [["x-huffman-name", "abcabc"]];
    assert.deepEqual(dBig.decode(big.encode(huge)), huge);
    assert.deepEqual(dSmall.decode(small.encode(tiny)), tiny);
    assert.deepEqual(dBig.decode(big.encode(huge)), huge);
  });
});

describe("HTTP/2 outbox: starts empty, grows on use", () => {
  it("a ByteWriter of capacity 0 grows for frames of any size", () => {
    const w = new ByteWriter(0);
    assert.equal(w.buf.length, 0);
    w.frameWith(FrameType.DATA, 0, 1, new Uint8Array(5).fill(7));
    w.frameWith(FrameType.DATA, 1, 3, new Uint8Array(300).fill(9));
    const d = new FrameDecoder(1 << 16);
    d.push(w.take());
    const a = d.next() as { streamId: number; data: Uint8Array };
    const b = d.next() as { streamId: number; data: Uint8Array };
    assert.equal(a.streamId, 1);
    assert.deepEqual([...a.data], [7, 7, 7, 7, 7]);
    assert.equal(b.streamId, 3);
    assert.equal(b.data.length, 300);
  });

  it("trailers of two connections taken in turn go each to its own stream", () => {
    const clients = [new TestClient(), new TestClient()];
    for (const c of clients) c.handshake();
    for (const [i, c] of clients.entries()) {
      c.send(headers(1, getRequest("/"), { endStream: true }));
      c.conn.sendHeaders(1, [[":status", "200"]], false);
      c.conn.sendData(1, new Uint8Array(10), false);
      c.conn.sendTrailers(1, [["x-trailer", `conn-${i}`]]);
    }
    for (const [i, c] of clients.entries()) {
      const hs = c.read().filter((f) => f.type === FrameType.HEADERS);
      assert.deepEqual(hs.map((f) => f.fields), [[[":status", "200"]], [[
        "x-trailer",
        `conn-${i}`,
      ]]]);
    }
  });
});

describe("HPACK encoder table: scanned while small, mapped past 16 entries", () => {
  for (const tableSize of [4096, 600, 65536]) {
    it(`round-trips fields with duplicates and evictions across the switch (table ${tableSize})`, () => {
      let seed = 7;
      const rand = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
      const enc = new Encoder({ maxTableSize: tableSize, tableSizeLimit: tableSize });
      const dec = new Decoder({ maxTableSize: tableSize });
      let indexed = 0;
      for (let block = 0; block < 200; block++) {
        const list: HeaderField[] = [];
        for (let f = 0; f < 1 + rand(8); f++) list.push([`x-n${rand(40)}`, `v${rand(6)}`]);
        const bytes = enc.encode(list);
        for (const b of bytes) if (b & 0x80) indexed++;
        assert.deepEqual(dec.decode(bytes), list, `block ${block}`);
      }
      assert.ok(indexed > 0, "repeated fields were sent as indexes");
    });
  }
});

describe("frame decoder: no chunk held while idle", () => {
  it("frames split anywhere after a fully consumed chunk still decode", () => {
    const w = new ByteWriter(0);
    w.frameWith(FrameType.DATA, 0, 1, new Uint8Array([1, 2, 3]));
    w.frameWith(FrameType.DATA, 1, 3, new Uint8Array([4, 5]));
    const wire = w.take();
    const first = wire.subarray(0, 12); // the first frame, whole
    const second = wire.subarray(12);
    for (let cut = 0; cut < second.length; cut++) {
      const d = new FrameDecoder(1 << 14);
      d.push(first.slice());
      assert.equal((d.next() as { streamId: number }).streamId, 1);
      assert.equal(d.next(), null);
      assert.equal(d.buffered, 0, "nothing held once all is consumed");
      d.push(second.slice(0, cut));
      assert.equal(d.next(), null);
      d.push(second.slice(cut));
      const f = d.next() as { streamId: number; data: Uint8Array; endStream: boolean };
      assert.equal(f.streamId, 3, `cut ${cut}`);
      assert.deepEqual([...f.data], [4, 5]);
      assert.equal(f.endStream, true);
      assert.equal(d.next(), null);
    }
  });
});
