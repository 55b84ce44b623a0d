// RFC 9113 conformance over a live h2c server, frame by frame: answers that
// once depended on a race between the handler and the client's frames, or
// on which protocol the first bytes were taken for.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { serve } from "../../mod.ts";
import type { Handler } from "../../mod.ts";
import { LiveH2 } from "../support/http2_client.ts";
import {
  data,
  getRequest,
  headers,
  ping,
  postRequest,
  rst,
  windowUpdate,
} from "../support/http2_frames.ts";
import { ErrorCode, FrameDecoder, FrameType } from "../../src/http2/core/mod.ts";
import { concat } from "../support/common.ts";

function listen(handler: Handler) {
  return serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
}

/** Sends `frames` then a PING, and waits for its ACK: the server has processed the frames. */
async function sendAndSync(c: LiveH2, ...frames: Uint8Array[]): Promise<void> {
  const opaque = [9, 8, 7, 6, 5, 4, 3, 2];
  const acks = () =>
    c.frames.filter((f) => f.type === FrameType.PING && f.ack && f.data[0] === 9).length;
  const before = acks();
  c.write(...frames, ping(opaque));
  await c.until(() => acks() > before);
}

/** A gate the handler awaits: "before" answers at once, "after" once released. */
function gated(order: "before" | "after") {
  let open!: () => void;
  const gate = order === "before" ? Promise.resolve() : new Promise<void>((r) => (open = r));
  const handler: Handler = async () => {
    await gate;
    return new Response("ok");
  };
  return { handler, release: () => open?.() };
}

describe("h2 server: RFC 9113 §5.1.1 and §3.4", () => {
  it("5.1.1 HEADERS on 5 (END_STREAM), then on 3 → GOAWAY PROTOCOL_ERROR", async () => {
    await using server = listen(() => new Response("ok"));
    using c = await LiveH2.connect(server.addr.port);
    c.write(headers(5, getRequest(), { endStream: true }));
    c.write(headers(3, getRequest(), { endStream: true }));
    await c.waitClosed();
    assert.equal(c.goaway?.code, ErrorCode.PROTOCOL_ERROR, c.describe());
    assert.equal(c.head(3), undefined);
  });

  it("3.4 PRI * HTTP/2.0 followed by wrong bytes → whole frames ending in GOAWAY PROTOCOL_ERROR", async () => {
    await using server = listen(() => new Response("ok"));
    const got: Uint8Array[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(server.addr.port, "127.0.0.1", () => {
        s.write(Buffer.from("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", "latin1"));
      });
      s.on("data", (d: Uint8Array) => got.push(new Uint8Array(d)));
      s.on("close", () => resolve());
      s.on("error", reject);
      setTimeout(() => s.destroy(), 5000);
    });
    const dec = new FrameDecoder(1 << 24);
    dec.push(concat(...got));
    const types: number[] = [];
    let goaway: number | undefined;
    for (let f = dec.next(); f !== null; f = dec.next()) {
      types.push(f.type);
      if (f.type === FrameType.GOAWAY) goaway = f.code;
    }
    assert.equal(dec.next(), null);
    const total = concat(...got).length;
    assert.ok(total === 0 || goaway === ErrorCode.PROTOCOL_ERROR, `frames: ${types.join(",")}`);
    assert.equal(types.at(-1), FrameType.GOAWAY);
  });
});

describe("h2 server: late frames are judged by the stream's history (both orders)", () => {
  for (const order of ["before", "after"] as const) {
    it(`5.1 DATA after the client's own RST_STREAM → RST_STREAM STREAM_CLOSED (response ${order})`, async () => {
      const g = gated(order);
      await using server = listen(g.handler);
      using c = await LiveH2.connect(server.addr.port);
      c.write(headers(1, postRequest("/")));
      if (order === "before") await c.until(() => c.ended(1));
      await sendAndSync(c, rst(1, ErrorCode.CANCEL));
      g.release();
      const n = c.frames.length;
      c.write(data(1, "late"));
      await c.until(() =>
        c.frames.slice(n).some((f) => f.type === FrameType.RST_STREAM && f.streamId === 1)
      );
      const r = c.frames.slice(n).find((f) => f.type === FrameType.RST_STREAM);
      assert.equal(r?.type === FrameType.RST_STREAM && r.code, ErrorCode.STREAM_CLOSED);
    });

    it(`6.9 WINDOW_UPDATE of 0 on a stream → RST_STREAM PROTOCOL_ERROR (response ${order})`, async () => {
      const g = gated(order);
      await using server = listen(g.handler);
      using c = await LiveH2.connect(server.addr.port);
      c.write(headers(1, getRequest("/"), { endStream: true }));
      if (order === "before") await c.until(() => c.ended(1));
      await sendAndSync(c, windowUpdate(1, 0));
      g.release();
      await c.until(() => c.resetCode(1) !== undefined);
      assert.equal(c.resetCode(1), ErrorCode.PROTOCOL_ERROR);
    });

    it(`6.9.1 a stream window past 2^31-1 → RST_STREAM FLOW_CONTROL_ERROR (response ${order})`, async () => {
      const g = gated(order);
      await using server = listen(g.handler);
      using c = await LiveH2.connect(server.addr.port);
      c.write(headers(1, getRequest("/"), { endStream: true }));
      if (order === "before") await c.until(() => c.ended(1));
      await sendAndSync(c, windowUpdate(1, 0x7fffffff), windowUpdate(1, 0x7fffffff));
      g.release();
      await c.until(() => c.resetCode(1) !== undefined);
      assert.equal(c.resetCode(1), ErrorCode.FLOW_CONTROL_ERROR);
    });
  }
});
