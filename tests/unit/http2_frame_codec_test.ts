import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  buildFrame,
  ConnectionError,
  encodeFrame,
  ErrorCode,
  type Frame,
  FrameDecoder,
  FrameType,
  StreamError,
} from "../../src/http2/core/mod.ts";

function decodeAll(chunks: Uint8Array[], max = 16384): Frame[] {
  const d = new FrameDecoder(max);
  const out: Frame[] = [];
  for (const c of chunks) {
    d.push(c);
    for (let f = d.next(); f !== null; f = d.next()) out.push(f);
  }
  return out;
}

function decodeOne(bytes: Uint8Array, max = 16384): Frame {
  const fs = decodeAll([bytes], max);
  assert.equal(fs.length, 1);
  return fs[0]!;
}

function expectError(
  bytes: Uint8Array,
  cls: typeof ConnectionError | typeof StreamError,
  code: ErrorCode,
  max = 16384,
) {
  assert.throws(() => decodeAll([bytes], max), (e: unknown) => e instanceof cls && e.code === code);
}

const streamId = fc.integer({ min: 1, max: 0x7fffffff });
const bytesArb = (max = 64) => fc.uint8Array({ maxLength: max });
const pad = fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined });
const prio = fc.option(
  fc.record({
    dependency: fc.integer({ min: 0, max: 0x7fffffff }),
    exclusive: fc.boolean(),
    weight: fc.integer({ min: 1, max: 256 }),
  }),
  { nil: null },
);

const frameArb = fc.oneof(
  fc.tuple(streamId, bytesArb(), fc.boolean(), pad).map(([id, data, es, p]) => [
    {
      type: FrameType.DATA,
      streamId: id,
      flags: (es ? 1 : 0) | (p === undefined ? 0 : 8),
      data,
      flowLength: data.length + (p === undefined ? 0 : p + 1),
      endStream: es,
    } as Frame,
    p,
  ]),
  fc.tuple(streamId, bytesArb(), fc.boolean(), fc.boolean(), pad, prio).map((
    [id, block, es, eh, p, pr],
  ) => [
    {
      type: FrameType.HEADERS,
      streamId: id,
      flags: (es ? 1 : 0) | (eh ? 4 : 0) | (p === undefined ? 0 : 8) | (pr ? 0x20 : 0),
      block,
      endStream: es,
      endHeaders: eh,
      priority: pr,
    } as Frame,
    p,
  ]),
  fc.tuple(
    streamId,
    fc.integer({ min: 0, max: 0x7fffffff }),
    fc.boolean(),
    fc.integer({ min: 1, max: 256 }),
  )
    .filter(([id, dep]) => id !== dep)
    .map(([id, dependency, exclusive, weight]) => [
      { type: FrameType.PRIORITY, streamId: id, flags: 0, dependency, exclusive, weight } as Frame,
      undefined,
    ]),
  fc.tuple(streamId, fc.integer({ min: 0, max: 0xffffffff })).map(([id, code]) => [
    { type: FrameType.RST_STREAM, streamId: id, flags: 0, code } as Frame,
    undefined,
  ]),
  fc.array(
    fc.tuple(fc.integer({ min: 10, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff })),
    { maxLength: 5 },
  )
    .map((settings) => [
      { type: FrameType.SETTINGS, streamId: 0, flags: 0, ack: false, settings } as Frame,
      undefined,
    ]),
  fc.constant<[Frame, undefined]>([{
    type: FrameType.SETTINGS,
    streamId: 0,
    flags: 1,
    ack: true,
    settings: [],
  }, undefined]),
  fc.tuple(streamId, fc.integer({ min: 0, max: 0x7fffffff }), bytesArb(), fc.boolean()).map((
    [id, pid, block, eh],
  ) => [
    {
      type: FrameType.PUSH_PROMISE,
      streamId: id,
      flags: eh ? 4 : 0,
      promisedStreamId: pid,
      block,
      endHeaders: eh,
    } as Frame,
    undefined,
  ]),
  fc.tuple(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.boolean()).map(([data, ack]) => [
    { type: FrameType.PING, streamId: 0, flags: ack ? 1 : 0, ack, data } as Frame,
    undefined,
  ]),
  fc.tuple(
    fc.integer({ min: 0, max: 0x7fffffff }),
    fc.integer({ min: 0, max: 0xffffffff }),
    bytesArb(),
  ).map(
    ([last, code, debug]) => [
      { type: FrameType.GOAWAY, streamId: 0, flags: 0, lastStreamId: last, code, debug } as Frame,
      undefined,
    ],
  ),
  fc.tuple(fc.integer({ min: 0, max: 0x7fffffff }), fc.integer({ min: 0, max: 0x7fffffff })).map((
    [id, inc],
  ) => [
    { type: FrameType.WINDOW_UPDATE, streamId: id, flags: 0, increment: inc } as Frame,
    undefined,
  ]),
  fc.tuple(streamId, bytesArb(), fc.boolean()).map(([id, block, eh]) => [
    {
      type: FrameType.CONTINUATION,
      streamId: id,
      flags: eh ? 4 : 0,
      block,
      endHeaders: eh,
    } as Frame,
    undefined,
  ]),
  fc.tuple(
    fc.integer({ min: 10, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 0x7fffffff }),
    bytesArb(),
  )
    .map(([wireType, flags, id, payload]) => [
      { type: FrameType.UNKNOWN, wireType, streamId: id, flags, payload } as Frame,
      undefined,
    ]),
) as unknown as fc.Arbitrary<[Frame, number | undefined]>;

/** Plain-object view for deep comparison (Uint8Array subarrays compare by content). */
function view(f: Frame): unknown {
  return JSON.parse(JSON.stringify(f, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)));
}

describe("4.1 frame codec", () => {
  it("round trip: decode(encode(frame)) = frame for all ten types and unknown types", () => {
    fc.assert(
      fc.property(frameArb, ([frame, p]) => {
        const decoded = decodeOne(encodeFrame(frame, p));
        assert.deepEqual(view(decoded), view(frame));
      }),
      { numRuns: 2000 },
    );
  });

  it("4.1 decoding is identical whole, byte by byte and in random chunks", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1 }),
        (frames, cuts) => {
          const wire = frames.map(([f, p]) => encodeFrame(f, p));
          const all = new Uint8Array(wire.reduce((n, w) => n + w.length, 0));
          let o = 0;
          for (const w of wire) {
            all.set(w, o);
            o += w.length;
          }
          const whole = decodeAll([all]).map(view);
          const single = decodeAll(Array.from(all, (b) => new Uint8Array([b]))).map(view);
          const chunks: Uint8Array[] = [];
          let pos = 0;
          for (let i = 0; pos < all.length; i++) {
            const n = cuts[i % cuts.length]!;
            chunks.push(all.slice(pos, pos + n));
            pos += n;
          }
          const random = decodeAll(chunks).map(view);
          assert.deepEqual(whole, frames.map(([f]) => view(f)));
          assert.deepEqual(single, whole);
          assert.deepEqual(random, whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("fuzz: random bytes only ever raise ConnectionError or StreamError", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: 1, max: 64 }),
        (input, step) => {
          const d = new FrameDecoder(16384);
          for (let i = 0; i < input.length; i += step) {
            d.push(input.subarray(i, i + step));
            for (;;) {
              try {
                if (d.next() === null) break;
              } catch (e) {
                if (e instanceof StreamError) continue;
                if (e instanceof ConnectionError) return;
                throw e;
              }
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("fuzz: frames with random header fields and payloads only raise the two error types", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 9 }),
        bytesArb(80),
        (type, flags, id, payload) => {
          try {
            decodeAll([buildFrame(type, flags, id, payload)]);
          } catch (e) {
            assert.ok(e instanceof ConnectionError || e instanceof StreamError, String(e));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("payloads are subarrays of the input when a frame lies within one chunk", () => {
    const wire = buildFrame(FrameType.DATA, 0, 1, new Uint8Array([1, 2, 3]));
    const f = decodeOne(wire);
    assert.equal(f.type, FrameType.DATA);
    if (f.type === FrameType.DATA) assert.equal(f.data.buffer, wire.buffer);
  });
});

describe("4.2 frame size", () => {
  it("4.2 a frame larger than SETTINGS_MAX_FRAME_SIZE → FRAME_SIZE_ERROR", () => {
    expectError(
      buildFrame(FrameType.DATA, 0, 1, new Uint8Array(16385)),
      ConnectionError,
      ErrorCode.FRAME_SIZE_ERROR,
    );
  });
  it("4.2 the limit is checked from the header alone, before the payload arrives", () => {
    const d = new FrameDecoder(100);
    d.push(new Uint8Array([0, 0, 101, 0, 0, 0, 0, 0, 1]));
    assert.throws(
      () => d.next(),
      (e: unknown) => e instanceof ConnectionError && e.code === ErrorCode.FRAME_SIZE_ERROR,
    );
  });
  it("4.2 a frame of exactly MAX_FRAME_SIZE is accepted", () => {
    const f = decodeOne(buildFrame(FrameType.DATA, 0, 1, new Uint8Array(16384)));
    assert.equal(f.type, FrameType.DATA);
  });
  const BAD_LENGTHS: Array<
    [string, FrameType, number, number, number, typeof ConnectionError | typeof StreamError]
  > = [
    ["6.3 PRIORITY length != 5 (a stream error)", FrameType.PRIORITY, 0, 1, 4, StreamError],
    ["6.4 RST_STREAM length != 4", FrameType.RST_STREAM, 0, 1, 5, ConnectionError],
    ["6.5 SETTINGS length not a multiple of 6", FrameType.SETTINGS, 0, 0, 7, ConnectionError],
    ["6.5 SETTINGS ACK with a payload", FrameType.SETTINGS, 1, 0, 6, ConnectionError],
    ["6.7 PING length != 8", FrameType.PING, 0, 0, 7, ConnectionError],
    ["6.8 GOAWAY shorter than 8", FrameType.GOAWAY, 0, 0, 7, ConnectionError],
    ["6.9 WINDOW_UPDATE length != 4", FrameType.WINDOW_UPDATE, 0, 0, 3, ConnectionError],
  ];
  for (const [name, type, flags, id, length, kind] of BAD_LENGTHS) {
    it(`${name} → FRAME_SIZE_ERROR`, () => {
      expectError(
        buildFrame(type, flags, id, new Uint8Array(length)),
        kind,
        ErrorCode.FRAME_SIZE_ERROR,
      );
    });
  }
});

describe("6 padding and stream-id rules", () => {
  it("6.1 DATA pad length ≥ payload length → PROTOCOL_ERROR", () => {
    expectError(
      buildFrame(FrameType.DATA, 8, 1, new Uint8Array([3, 0, 0])),
      ConnectionError,
      ErrorCode.PROTOCOL_ERROR,
    );
    expectError(
      buildFrame(FrameType.DATA, 8, 1, new Uint8Array([1])),
      ConnectionError,
      ErrorCode.PROTOCOL_ERROR,
    );
  });
  it("6.1 DATA pad length = payload length - 1 leaves empty data", () => {
    const f = decodeOne(buildFrame(FrameType.DATA, 8, 1, new Uint8Array([2, 0, 0])));
    assert.ok(f.type === FrameType.DATA && f.data.length === 0 && f.flowLength === 3);
  });
  it("6.2 HEADERS padding exceeding the block → PROTOCOL_ERROR", () => {
    expectError(
      buildFrame(FrameType.HEADERS, 8 | 0x20, 1, new Uint8Array([1, 0, 0, 0, 0, 0])),
      ConnectionError,
      ErrorCode.PROTOCOL_ERROR,
    );
  });
  it("6.6 PUSH_PROMISE padding exceeding the block → PROTOCOL_ERROR", () => {
    expectError(
      buildFrame(FrameType.PUSH_PROMISE, 8, 1, new Uint8Array([1, 0, 0, 0, 2])),
      ConnectionError,
      ErrorCode.PROTOCOL_ERROR,
    );
  });
  for (
    const [name, type, len] of [
      ["DATA", FrameType.DATA, 0],
      ["HEADERS", FrameType.HEADERS, 0],
      ["PRIORITY", FrameType.PRIORITY, 5],
      ["RST_STREAM", FrameType.RST_STREAM, 4],
      ["PUSH_PROMISE", FrameType.PUSH_PROMISE, 4],
      ["CONTINUATION", FrameType.CONTINUATION, 0],
    ] as const
  ) {
    it(`6 ${name} on stream 0 → PROTOCOL_ERROR`, () => {
      expectError(
        buildFrame(type, 0, 0, new Uint8Array(len)),
        ConnectionError,
        ErrorCode.PROTOCOL_ERROR,
      );
    });
  }
  for (
    const [name, type, len] of [
      ["SETTINGS", FrameType.SETTINGS, 0],
      ["PING", FrameType.PING, 8],
      ["GOAWAY", FrameType.GOAWAY, 8],
    ] as const
  ) {
    it(`6 ${name} on a non-zero stream → PROTOCOL_ERROR`, () => {
      expectError(
        buildFrame(type, 0, 1, new Uint8Array(len)),
        ConnectionError,
        ErrorCode.PROTOCOL_ERROR,
      );
    });
  }
  it("5.3.1 PRIORITY depending on itself → stream PROTOCOL_ERROR", () => {
    expectError(
      buildFrame(FrameType.PRIORITY, 0, 3, new Uint8Array([0, 0, 0, 3, 15])),
      StreamError,
      ErrorCode.PROTOCOL_ERROR,
    );
  });
  it("4.1 reserved bit of the stream id is ignored", () => {
    const w = buildFrame(FrameType.DATA, 0, 1, new Uint8Array(0));
    w[5] = w[5]! | 0x80;
    assert.equal(decodeOne(w).streamId, 1);
  });
  it("4.1 unknown frame types decode as UNKNOWN (to be ignored)", () => {
    const f = decodeOne(buildFrame(0xfa, 0xff, 7, new Uint8Array([1, 2])));
    assert.ok(f.type === FrameType.UNKNOWN && f.wireType === 0xfa);
  });
});

describe("6.5.2 settings values", () => {
  const s = (id: number, v: number) =>
    buildFrame(
      FrameType.SETTINGS,
      0,
      0,
      new Uint8Array([0, id, v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]),
    );
  it("6.5.2 ENABLE_PUSH > 1 → PROTOCOL_ERROR", () =>
    expectError(s(2, 2), ConnectionError, ErrorCode.PROTOCOL_ERROR));
  it("6.5.2 INITIAL_WINDOW_SIZE > 2^31-1 → FLOW_CONTROL_ERROR", () =>
    expectError(s(4, 0x80000000), ConnectionError, ErrorCode.FLOW_CONTROL_ERROR));
  it("6.5.2 MAX_FRAME_SIZE below 2^14 → PROTOCOL_ERROR", () =>
    expectError(s(5, 16383), ConnectionError, ErrorCode.PROTOCOL_ERROR));
  it("6.5.2 MAX_FRAME_SIZE above 2^24-1 → PROTOCOL_ERROR", () =>
    expectError(s(5, 1 << 24), ConnectionError, ErrorCode.PROTOCOL_ERROR));
  it("6.5.2 unknown settings are kept by the codec and valid", () => {
    const f = decodeOne(s(0x77, 5));
    assert.ok(f.type === FrameType.SETTINGS);
    if (f.type === FrameType.SETTINGS) assert.deepEqual(f.settings, [[0x77, 5]]);
  });
});
