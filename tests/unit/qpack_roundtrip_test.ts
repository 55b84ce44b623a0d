// Encoder → decoder round trips over a simulated connection: random header
// lists, table sizes and blocked-stream settings, with the encoder stream fed
// whole, split at every offset, or delayed so that sections block and are
// released later, and the decoder stream fed back late and in pieces.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeLatin1 } from "../../src/bytes/latin1.ts";
import {
  BLOCKED,
  type Field,
  QpackDecoder,
  QpackEncoder,
  STATIC_TABLE,
} from "../../src/http3/core/qpack/mod.ts";
import {
  decodeRequiredInsertCount,
  encodeRequiredInsertCount,
} from "../../src/http3/core/qpack/field_lines.ts";

const octets = (maxLength: number) =>
  fc.uint8Array({ maxLength }).map((b) => decodeLatin1(b, 0, b.length));
const staticNames = [...new Set(STATIC_TABLE.map(([n]) => n))];
const name = fc.oneof(
  { arbitrary: fc.constantFrom(...staticNames), weight: 3 },
  { arbitrary: fc.constantFrom("x-a", "x-b", "x-trace", "authorization", "cookie"), weight: 4 },
  { arbitrary: octets(20), weight: 1 },
);
const value = fc.oneof(
  { arbitrary: fc.constantFrom("", "GET", "200", "/", "gzip", "text/html", "v1", "v2"), weight: 4 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 2 },
  { arbitrary: octets(60), weight: 1 },
  { arbitrary: octets(600), weight: 1 },
);
const field: fc.Arbitrary<Field> = fc.tuple(name, value).map(([n, v]): Field => [n, v]);
const capacity = fc.oneof(
  fc.constantFrom(0, 32, 64, 100, 220, 256, 1024, 4096),
  fc.integer({ min: 0, max: 8192 }),
);

/** One end-to-end connection, with pipes the test can hold back. */
class Link {
  readonly encoder: QpackEncoder;
  readonly decoder: QpackDecoder;
  encoderPipe: Uint8Array[] = []; // encoder stream bytes not yet delivered
  decoderPipe: Uint8Array[] = []; // decoder stream bytes not yet delivered
  readonly sent = new Map<number, Field[][]>();
  readonly got = new Map<number, Field[][]>();
  maxBlockedSeen = 0;

  constructor(
    readonly settings: {
      capacity: number;
      ownCapacity?: number;
      blocked: number;
      huffman: boolean;
    },
  ) {
    this.encoder = new QpackEncoder({
      maxTableCapacity: settings.ownCapacity,
      huffman: settings.huffman,
    });
    this.decoder = new QpackDecoder({
      maxTableCapacity: settings.capacity,
      maxBlockedStreams: settings.blocked,
      maxFieldSectionSize: 1 << 20,
    });
    this.encoder.setPeerSettings({
      maxTableCapacity: settings.capacity,
      blockedStreams: settings.blocked,
    });
  }

  /** Encodes on `streamId`; the section is decoded at once, the encoder stream waits in its pipe. */
  send(streamId: number, fields: Field[], neverIndex?: (n: string) => boolean): void {
    const section = this.encoder.encodeSection(streamId, fields, { neverIndex });
    assert.ok(
      this.encoder.blockedStreams <= this.settings.blocked,
      "encoder over its blocked budget",
    );
    this.push(this.sent, streamId, fields);
    const ins = this.encoder.encoderStream();
    if (ins.length > 0) this.encoderPipe.push(ins);
    const result = this.decoder.decodeSection(streamId, section);
    if (result !== BLOCKED) this.push(this.got, streamId, result);
    this.maxBlockedSeen = Math.max(this.maxBlockedSeen, this.decoder.blockedStreams);
    this.collectDecoderStream();
  }

  /** Delivers `n` bytes of the encoder pipe (all by default), in one call. */
  deliverEncoder(n = Infinity): void {
    const all = join(this.encoderPipe);
    const k = Math.min(n, all.length);
    this.encoderPipe = k < all.length ? [all.slice(k)] : [];
    for (const s of this.decoder.encoderStream(all.subarray(0, k))) {
      assert.equal(s.error, undefined);
      this.push(this.got, s.streamId, s.fields);
    }
    this.collectDecoderStream();
  }

  /** Delivers `n` bytes of the decoder pipe (all by default). */
  deliverDecoder(n = Infinity): void {
    const all = join(this.decoderPipe);
    const k = Math.min(n, all.length);
    this.decoderPipe = k < all.length ? [all.slice(k)] : [];
    this.encoder.decoderStream(all.subarray(0, k));
  }

  collectDecoderStream(): void {
    const out = this.decoder.decoderStream();
    if (out.length > 0) this.decoderPipe.push(out);
  }

  finish(): void {
    this.deliverEncoder();
    this.deliverDecoder();
    assert.equal(this.decoder.blockedStreams, 0);
    assert.deepEqual(this.got, this.sent);
    // Everything acknowledged: nothing can stay blocked at the encoder either.
    this.collectDecoderStream();
    this.deliverDecoder();
    assert.equal(this.encoder.blockedStreams, 0);
    assert.equal(this.encoder.knownReceivedCount, this.encoder.insertCount);
  }

  push(map: Map<number, Field[][]>, id: number, fields: Field[]): void {
    const list = map.get(id);
    if (list === undefined) map.set(id, [fields]);
    else list.push(fields);
  }
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const step = fc.record({
  fields: fc.array(field, { maxLength: 10 }),
  repeat: fc.boolean(), // the same list again, to hit entries just inserted
  sameStream: fc.boolean(), // trailers-like second section on the previous stream
  encoderBytes: fc.oneof(fc.constant(Infinity), fc.nat(300)), // how much encoder stream to deliver first
  decoderBytes: fc.oneof(fc.constant(Infinity), fc.nat(20)),
});

describe("qpack round trips", () => {
  it("Required Insert Count survives the wrap for every decoder position the RFC allows", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.nat(),
        (maxEntries, ric, k) => {
          // §4.5.1.1: the decoder's insert count is within MaxEntries of a valid RIC.
          const lo = Math.max(0, ric - maxEntries);
          const total = lo + (k % (ric + maxEntries - lo));
          const wire = encodeRequiredInsertCount(ric, maxEntries);
          assert.equal(decodeRequiredInsertCount(wire, maxEntries, total), ric);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("random header lists, settings and delivery orders", () => {
    let runsThatBlocked = 0;
    let runsThatInserted = 0;
    fc.assert(
      fc.property(
        capacity,
        fc.option(capacity, { nil: undefined }),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        fc.array(step, { minLength: 1, maxLength: 12 }),
        (cap, own, blocked, huffman, steps) => {
          const link = new Link({ capacity: cap, ownCapacity: own, blocked, huffman });
          const never = (n: string) => n === "authorization";
          let stream = 0;
          for (const s of steps) {
            if (!s.sameStream) stream += 4;
            link.send(stream, s.fields, never);
            if (s.repeat) link.send(stream += 4, s.fields, never);
            link.deliverEncoder(s.encoderBytes);
            link.deliverDecoder(s.decoderBytes);
          }
          assert.ok(link.maxBlockedSeen <= blocked);
          if (link.maxBlockedSeen > 0) runsThatBlocked++;
          if (link.encoder.insertCount > 0) runsThatInserted++;
          link.finish();
        },
      ),
      { numRuns: 300 },
    );
    // The generators must reach the interesting paths, not just static-only runs.
    assert.ok(runsThatBlocked > 30, `only ${runsThatBlocked} runs blocked`);
    assert.ok(runsThatInserted > 100, `only ${runsThatInserted} runs inserted`);
  });

  it("never evicts an entry the decoder has not acknowledged (the wrapped count stays decodable)", () => {
    // Found by the property above (seed 727387609): with a 256-byte table (MaxEntries 8) the
    // encoder evicted entries whose inserts were still on their way, so its Required Insert Count
    // ran more than MaxEntries ahead of the decoder's insert count and decoded out of range.
    const link = new Link({ capacity: 256, blocked: 1, huffman: false });
    const never = (n: string) => n === "authorization";
    const steps: Array<[Field[], number, number]> = [
      [[["", ""]], 0, 0],
      [[["x-a", ""], [":authority", "v2"], ["", "\u0000"]], 5, 1],
      [
        [["", "\u0001"], ["x-a", "gzip"], ["x-a", "200"], ["", ""], [":authority", "200"], [
          "x-a",
          "",
        ]],
        Infinity,
        Infinity,
      ],
      [[], 0, Infinity],
    ];
    let stream = 0;
    for (const [fields, encoderBytes, decoderBytes] of steps) {
      link.send(stream += 4, fields, never);
      link.deliverEncoder(encoderBytes);
      link.deliverDecoder(decoderBytes);
    }
    link.finish();
  });

  it("encoder stream split at every offset", () => {
    const lists: Field[][] = [
      [[":method", "GET"], [":path", "/a"], [":authority", "example.com"], ["x-trace", "abc"]],
      [[":method", "GET"], [":path", "/b"], [":authority", "example.com"], ["x-trace", "abc"]],
      [["x-long", "z".repeat(300)], ["cookie", "a=1"], ["x-trace", "def"]],
      [[":authority", "example.com"], ["x-long", "z".repeat(300)], ["cookie", "a=1"]],
    ];
    // Sections on streams 0, 4, 8, 12, all encoded before any instruction arrives.
    const encoder = new QpackEncoder();
    encoder.setPeerSettings({ maxTableCapacity: 1024, blockedStreams: 4 });
    const sections = lists.map((l, i) => encoder.encodeSection(4 * i, l));
    const stream = encoder.encoderStream();
    assert.ok(stream.length > 300);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new QpackDecoder({
        maxTableCapacity: 1024,
        maxBlockedStreams: 4,
        maxFieldSectionSize: 8192,
      });
      const got = new Map<number, Field[]>();
      sections.forEach((s, i) => {
        const r = d.decodeSection(4 * i, s);
        if (r !== BLOCKED) got.set(4 * i, r);
      });
      for (const part of [stream.subarray(0, cut), stream.subarray(cut)]) {
        for (const u of d.encoderStream(part)) got.set(u.streamId, u.fields);
      }
      assert.deepEqual([...got.keys()].sort((a, b) => a - b), [0, 4, 8, 12], `cut ${cut}`);
      lists.forEach((l, i) => assert.deepEqual(got.get(4 * i), l));
    }
  });

  it("decoder stream split at every offset", () => {
    const e = new QpackEncoder();
    e.setPeerSettings({ maxTableCapacity: 4096, blockedStreams: 100 });
    const d = new QpackDecoder({
      maxTableCapacity: 4096,
      maxBlockedStreams: 100,
      maxFieldSectionSize: 8192,
    });
    const ids = [0, 4, 200, 1_000_000];
    for (const id of ids) d.decodeSection(id, e.encodeSection(id, [["x-id", String(id)]]));
    d.encoderStream(e.encoderStream());
    d.cancelStream(1 << 30);
    const wire = d.decoderStream();
    for (let cut = 0; cut <= wire.length; cut++) {
      const e2 = new QpackEncoder();
      e2.setPeerSettings({ maxTableCapacity: 4096, blockedStreams: 100 });
      for (const id of ids) e2.encodeSection(id, [["x-id", String(id)]]);
      e2.decoderStream(wire.subarray(0, cut));
      e2.decoderStream(wire.subarray(cut));
      assert.equal(e2.knownReceivedCount, 4);
      assert.equal(e2.blockedStreams, 0);
    }
  });

  it("many inserts through a tiny table wrap the Required Insert Count", () => {
    const link = new Link({ capacity: 100, blocked: 2, huffman: true }); // MaxEntries 3
    for (let i = 0; i < 200; i++) {
      link.send(4 * i, [["x-n", String(i % 7)], [":status", "200"]]);
      if (i % 3 === 0) link.deliverEncoder();
      if (i % 5 === 0) link.deliverDecoder();
    }
    assert.ok(link.encoder.insertCount > 20);
    link.finish();
  });

  it("an entry about to be evicted is refreshed with a Duplicate", () => {
    const link = new Link({ capacity: 192, blocked: 4, huffman: true });
    link.deliverEncoder(); // Set Dynamic Table Capacity
    for (const n of ["x-a", "x-b", "x-c", "x-d", "x-e"]) {
      link.send(link.sent.size * 4, [[n, "1"]]); // 36 octets each: 180 of 192
      link.deliverEncoder();
      link.deliverDecoder();
    }
    link.send(100, [["x-a", "1"]]);
    assert.deepEqual(link.encoderPipe.map((b) => [...b]), [[0x04]]); // Duplicate, relative index 4
    link.send(104, [["x-f", "1"]]); // evicts the original x-a, not the copy the last section uses
    link.finish();
  });

  it("with no blocked streams allowed, the encoder never blocks", () => {
    const link = new Link({ capacity: 4096, blocked: 0, huffman: true });
    for (let i = 0; i < 20; i++) {
      link.send(4 * i, [["x-a", "same"], ["x-b", String(i)]]);
      assert.equal(link.decoder.blockedStreams, 0);
      if (i % 4 === 3) {
        link.deliverEncoder();
        link.deliverDecoder();
      }
    }
    link.finish();
  });

  it("a neverIndex field is not inserted and is sent with the N bit", () => {
    const e = new QpackEncoder({ huffman: false });
    e.setPeerSettings({ maxTableCapacity: 4096, blockedStreams: 10 });
    e.encoderStream(); // Set Dynamic Table Capacity
    const out = e.encodeSection(0, [["x-secret", "s"]], { neverIndex: (n) => n === "x-secret" });
    assert.equal(e.encoderStream().length, 0);
    assert.equal(e.insertCount, 0);
    // Literal with literal name, N bit (0x10) set: 0x20 | 0x10 | length 8 (overflows 3 bits: 7 + 1).
    assert.deepEqual([...out.subarray(0, 4)], [0x00, 0x00, 0x37, 0x01]);
  });
});
