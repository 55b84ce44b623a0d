// http2.maxBodyBytes over a live h2c server: a declared content-length over
// the limit is answered 413 before the handler runs; a streamed body that
// crosses it errors the handler's body stream and gets 413, or RST_STREAM
// CANCEL once the response has started.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { serve } from "../../mod.ts";
import type { Handler } from "../../mod.ts";
import { LiveH2 } from "../support/http2_client.ts";
import { data, headers, postRequest } from "../support/http2_frames.ts";
import { ErrorCode } from "../../src/http2/core/mod.ts";
import { eventually } from "../support/common.ts";

function listen(handler: Handler) {
  return serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, http2: { maxBodyBytes: 1000 } },
    handler,
  );
}

const chunk = (n: number) => new Uint8Array(n).fill(97);

describe("h2 server: http2.maxBodyBytes", () => {
  it("a content-length over the limit gets 413 before the handler runs or any DATA is read", async () => {
    let calls = 0;
    await using server = listen(() => {
      calls++;
      return new Response("ok");
    });
    using c = await LiveH2.connect(server.addr.port);
    c.write(headers(1, postRequest("/", [["content-length", "100000"]])));
    await c.until(() => c.ended(1));
    assert.equal(c.head(1)?.get(":status"), "413");
    assert.equal(calls, 0);
  });

  it("a body of exactly the limit is read whole", async () => {
    await using server = listen(async (req) => new Response(`${(await req.bytes()).length}`));
    using c = await LiveH2.connect(server.addr.port);
    c.write(
      headers(1, postRequest("/")),
      data(1, chunk(600)),
      data(1, chunk(400), { endStream: true }),
    );
    await c.until(() => c.ended(1));
    assert.equal(c.head(1)?.get(":status"), "200");
    assert.equal(new TextDecoder().decode(c.body(1)), "1000");
  });

  it("a streamed body crossing the limit: the body stream errors and the client gets 413", async () => {
    let bodyError: unknown = null;
    await using server = listen(async (req) => {
      try {
        await req.bytes();
      } catch (e) {
        bodyError = e;
      }
      return new Response("read");
    });
    using c = await LiveH2.connect(server.addr.port);
    c.write(headers(1, postRequest("/")), data(1, chunk(600)), data(1, chunk(600)));
    await c.until(() => c.ended(1) || c.resetCode(1) !== undefined);
    assert.equal(c.head(1)?.get(":status"), "413");
    await eventually(() => bodyError !== null, 5000, "body stream error");
  });

  it("once the response has started, crossing the limit resets the stream with CANCEL", async () => {
    let bodyError: unknown = null;
    await using server = listen((req) => {
      req.bytes().catch((e) => (bodyError = e));
      return new Response(
        new ReadableStream({
          start(ctl) {
            ctl.enqueue(chunk(10));
          },
        }),
      );
    });
    using c = await LiveH2.connect(server.addr.port);
    c.write(headers(1, postRequest("/")));
    await c.until(() => c.head(1) !== undefined);
    c.write(data(1, chunk(600)), data(1, chunk(600)));
    await c.until(() => c.resetCode(1) !== undefined);
    assert.equal(c.resetCode(1), ErrorCode.CANCEL);
    assert.equal(c.head(1)?.get(":status"), "200");
    await eventually(() => bodyError !== null, 5000, "body stream error");
  });
});
