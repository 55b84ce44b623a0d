// wire(req) on HTTP/2 at the core: raw HEADERS/CONTINUATION/DATA/any frame
// (src/http2/core/send_raw.ts) and the frame tap behind frames()
// (src/http2/server/wire_frames.ts). The client side decodes with its own
// HPACK decoder, so a table out of step would show as wrong fields.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FrameType } from "../../src/http2/core/frame/types.ts";
import { StreamState } from "../../src/http2/core/stream_table.ts";
import {
  RawOutcome,
  sendRawContinuation,
  sendRawData,
  sendRawFrame,
  sendRawHeaders,
} from "../../src/http2/core/send_raw.ts";
import { listen, unlisten } from "../../src/http2/server/wire_frames.ts";
import type { WireFrame } from "../../src/fetch/wire_types.ts";
import { wire, WireError } from "../../src/fetch/wire.ts";
import {
  continuation,
  data,
  getRequest,
  goawayOf,
  headers,
  ofType,
  postRequest,
  priority,
  TestClient,
  windowUpdate,
} from "../support/http2_frames.ts";
import { concat } from "../support/common.ts";

function opened(): TestClient {
  const t = new TestClient();
  t.handshake();
  return t;
}

describe("raw HEADERS and CONTINUATION", () => {
  it("sends the fields in the given order and case, padded and with priority", () => {
    const t = opened();
    t.send(headers(1, getRequest(), { endStream: true }));
    const fields: Array<[string, string]> = [["X-Up", "A"], [":status", "200"], ["x", "1"], [
      "x",
      "1",
    ]];
    sendRawHeaders(t.conn.core, 1, fields, {
      padLength: 3,
      priority: { dependency: 0, exclusive: true, weight: 16 },
    });
    const [h] = ofType(t.read(), FrameType.HEADERS);
    assert.ok(h);
    assert.equal(h.flags, 0x04 | 0x08 | 0x20);
    assert.deepEqual(h.fields, fields);
    assert.deepEqual(h.priority, { dependency: 0, exclusive: true, weight: 16 });
  });

  it("keeps the client's HPACK table in step: raw blocks, then ordinary responses decode right", () => {
    const t = opened();
    t.send(
      headers(1, getRequest(), { endStream: true }),
      headers(3, getRequest(), { endStream: true }),
    );
    const fields: Array<[string, string]> = [["x-custom", "value-1"], [":status", "200"]];
    sendRawHeaders(t.conn.core, 1, fields, { endStream: true });
    t.conn.sendHeaders(3, [[":status", "204"], ["x-custom", "value-1"]], true);
    const hs = ofType(t.read(), FrameType.HEADERS);
    assert.deepEqual(hs.map((h) => h.fields), [fields, [[":status", "204"], [
      "x-custom",
      "value-1",
    ]]]);
  });

  it("CONTINUATION carries the rest of the block; the client sees the fields merged", () => {
    const t = opened();
    t.send(headers(1, getRequest(), { endStream: true }));
    sendRawHeaders(t.conn.core, 1, [[":status", "200"], ["a", "1"]], { endHeaders: false });
    sendRawContinuation(t.conn.core, 1, [["b", "2"]], false);
    sendRawContinuation(t.conn.core, 1, [["c", "3"]], true);
    const out = t.read();
    assert.deepEqual(out.map((f) => [f.type, f.flags]), [[1, 0], [9, 0], [9, 4]]);
    assert.deepEqual(out[2]!.fields, [[":status", "200"], ["a", "1"], ["b", "2"], ["c", "3"]]);
  });
});

describe("raw DATA and any frame", () => {
  it("sends a frame over the client's max frame size and outside the windows, spending them", () => {
    const t = opened();
    t.send(headers(1, getRequest(), { endStream: true }));
    sendRawHeaders(t.conn.core, 1, [[":status", "200"]], {});
    const before = t.conn.sendWindow(0);
    assert.equal(
      sendRawData(t.conn.core, 1, new Uint8Array(20_000), false, 4),
      RawOutcome.FOLLOWED,
    );
    const [d] = ofType(t.read(), FrameType.DATA);
    assert.equal(d!.data.length, 20_000);
    assert.equal(d!.flowLength, 20_005);
    assert.equal(t.conn.sendWindow(0), before - 20_005);
  });

  it("a frame on stream 0 and an unknown type go out as given", () => {
    const t = opened();
    sendRawFrame(t.conn.core, 0xfa, 0x3, 0, new Uint8Array([1, 2, 3]));
    const out = t.read();
    assert.equal(out.length, 1);
    assert.equal(out[0]!.type, FrameType.UNKNOWN);
    assert.equal(out[0]!.flags, 3);
    assert.equal(out[0]!.streamId, 0);
  });

  it("DATA after our END_STREAM breaks the stream: closed on our side, other streams go on", () => {
    const t = opened();
    t.send(headers(1, postRequest()));
    const c = t.conn.core;
    assert.equal(
      sendRawHeaders(c, 1, [[":status", "200"]], { endStream: true }),
      RawOutcome.FOLLOWED,
    );
    assert.equal(t.conn.streamState(1), StreamState.HALF_CLOSED_LOCAL);
    assert.equal(sendRawData(c, 1, new Uint8Array([1]), false, undefined), RawOutcome.BROKE);
    assert.equal(t.conn.streamState(1), StreamState.CLOSED_RESET_LOCAL);
    assert.equal(t.conn.openStreams, 0);
    // The client's late DATA on it is not a connection error; a new stream is served.
    t.send(data(1, "late", { endStream: true }), headers(3, getRequest(), { endStream: true }));
    assert.ok(t.events.some((e) => e.type === "request" && e.streamId === 3));
    t.conn.sendHeaders(3, [[":status", "200"]], true);
    const out = t.read();
    assert.equal(goawayOf(out), undefined);
    assert.equal(ofType(out, FrameType.DATA).length, 1);
  });

  it("raw RST_STREAM through frame() closes the stream in the table", () => {
    const t = opened();
    t.send(headers(1, postRequest()));
    sendRawFrame(t.conn.core, FrameType.RST_STREAM, 0, 1, new Uint8Array([0, 0, 0, 8]));
    assert.equal(t.conn.streamState(1), StreamState.CLOSED_RESET_LOCAL);
  });
});

/** What the tap reports for `input`, fed as the given pieces. */
async function tapped(pieces: Uint8Array[]): Promise<WireFrame[]> {
  const t = opened();
  t.send(headers(1, postRequest()));
  const feed = listen(t.conn.core, 1);
  for (const p of pieces) t.send(p);
  unlisten(t.conn.core, 1);
  assert.equal(t.conn.core.tap, null);
  const got: WireFrame[] = [];
  for await (const f of feed) got.push(f);
  return got;
}

describe("frames(): the client's frames on the stream", () => {
  const input = concat(
    data(1, "abc", { padLength: 5 }),
    priority(1, 0, 32),
    windowUpdate(1, 1000),
    headers(1, [["x-t", "1"]], { endHeaders: false, endStream: true, padLength: 2 }),
    continuation(
      1,
      concat(new Uint8Array([0x40, 3]), new TextEncoder().encode("x-u"), new Uint8Array([1, 0x32])),
    ),
  );
  const expected = [
    { type: 0, name: "DATA", flags: 8, length: 9, streamId: 1, padLength: 5, data: [97, 98, 99] },
    { type: 2, name: "PRIORITY", flags: 0, length: 5, streamId: 1 },
    { type: 8, name: "WINDOW_UPDATE", flags: 0, length: 4, streamId: 1, increment: 1000 },
    { type: 1, name: "HEADERS", flags: 9, length: 10, streamId: 1, padLength: 2 },
    {
      type: 9,
      name: "CONTINUATION",
      flags: 4,
      length: 7,
      streamId: 1,
      fields: [["x-t", "1"], ["x-u", "2"]],
    },
  ];
  const plain = (fs: WireFrame[]) =>
    fs.map((f) => ({ ...f, ...(f.data ? { data: [...f.data] } : {}) }));

  it("whole", async () => {
    assert.deepEqual(plain(await tapped([input])), expected);
  });

  it("byte by byte", async () => {
    assert.deepEqual(plain(await tapped([...input].map((b) => new Uint8Array([b])))), expected);
  });

  it("split at every offset", async () => {
    for (let i = 1; i < input.length; i++) {
      assert.deepEqual(
        plain(await tapped([input.slice(0, i), input.slice(i)])),
        expected,
        `split at ${i}`,
      );
    }
  });
});

describe("wire(req) misuse", () => {
  it("a Request no server is handling: WireError foreign", () => {
    assert.throws(() => wire(new Request("http://localhost/")), (e: unknown) => {
      return e instanceof WireError && e.code === "foreign" && /not being handled/.test(e.message);
    });
  });
});
