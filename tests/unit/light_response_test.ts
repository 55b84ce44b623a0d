import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  installLightResponse,
  LightResponse,
  materializeResponse,
  peekLightParts,
  takeLightParts,
} from "../../src/fetch/light_response.ts";

describe("LightResponse", () => {
  it("records its init and builds nothing until read", () => {
    const r = new LightResponse("hi", { status: 201, headers: { "x-a": "1" } });
    const p = peekLightParts(r);
    assert.ok(p);
    assert.equal(p.status, 201);
    assert.equal(p.body, "hi");
    assert.deepEqual(p.headers, { "x-a": "1" });
    assert.equal(p.plainInit, true);
    assert.equal(peekLightParts(new LightResponse("x", { statusText: "X" }))?.plainInit, false);
  });

  it("behaves as a Response once read", async () => {
    const r = new LightResponse("hi", { status: 201, headers: { "x-a": "1" } });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get("x-a"), "1");
    assert.equal(peekLightParts(r), null, "built: no longer light");
    assert.equal(await r.clone().text(), "hi");
    assert.equal(await r.text(), "hi");
    assert.equal(r.bodyUsed, true);
  });

  it("keeps instanceof, statics and native responses working when installed", async () => {
    const restore = installLightResponse();
    try {
      const light = new Response("x");
      assert.ok(light instanceof Response);
      assert.ok(peekLightParts(light));
      assert.ok(Response.json({ a: 1 }) instanceof Response);
      assert.ok(new Blob(["a"]) instanceof Blob);
      assert.equal(Object.prototype.toString.call(light), "[object Response]");
      const native = materializeResponse(light);
      assert.equal(await new Response(native.body).text(), "x");
    } finally {
      restore();
    }
    assert.equal(peekLightParts(new Response("y")), null, "native again after restore");
  });

  it("reads as empty once the server took its parts", async () => {
    const r = new LightResponse("body");
    const p = peekLightParts(r)!;
    takeLightParts(p);
    assert.equal(peekLightParts(r), null);
    assert.equal(await r.text(), "");
  });

  it("refuses to be called without new, and throws on a bad status when built", () => {
    assert.throws(() => (LightResponse as unknown as () => void)(), TypeError);
    const bad = new LightResponse("x", { status: 42 });
    assert.throws(() => bad.status, RangeError);
  });
});
