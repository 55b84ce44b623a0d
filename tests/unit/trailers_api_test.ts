/**
 * The trailers API without a server: field validation, the response
 * registry the drivers read, and the request registry they fill.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  checkTrailers,
  isAllowedTrailer,
  moveTrailers,
  TrailersError,
  trailersOf,
  withTrailers,
} from "../../src/fetch/trailers.ts";
import { registerRequestTrailers, requestTrailers } from "../../src/fetch/request_trailers.ts";
import * as mod from "../../mod.ts";

const FORBIDDEN = [
  "Content-Length",
  "transfer-encoding",
  "host",
  "cache-control",
  "expect",
  "max-forwards",
  "pragma",
  "range",
  "te",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "if-range",
  "authorization",
  "www-authenticate",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-anything",
  "cookie",
  "set-cookie",
  "age",
  "expires",
  "date",
  "location",
  "retry-after",
  "vary",
  "warning",
  "content-encoding",
  "content-type",
  "content-range",
  "trailer",
  "connection",
  "keep-alive",
  "proxy-connection",
  "upgrade",
];

function isTrailersError(code: string, field: string | null) {
  return (e: unknown) => {
    assert.ok(e instanceof TrailersError, `got ${e}`);
    assert.ok(e instanceof TypeError);
    assert.equal(e.code, code);
    assert.equal(e.field, field);
    if (field !== null) assert.ok(e.message.includes(field), e.message);
    return true;
  };
}

describe("trailer field validation", () => {
  for (const name of FORBIDDEN) {
    it(`refuses ${name}, naming it`, () => {
      assert.equal(isAllowedTrailer(name), false);
      assert.throws(
        () => withTrailers(new Response("x"), [[name, "1"]]),
        isTrailersError("forbidden-field", name.toLowerCase()),
      );
    });
  }
  it("refuses pseudo-headers, bad names and values with CR/LF/NUL", () => {
    assert.throws(
      () => checkTrailers([[":status", "200"]]),
      isTrailersError("forbidden-field", ":status"),
    );
    assert.throws(() => checkTrailers([["a b", "1"]]), isTrailersError("forbidden-field", "a b"));
    assert.throws(
      () => checkTrailers([["x-a", "1\r\nx-b: 2"]]),
      isTrailersError("forbidden-field", "x-a"),
    );
    assert.throws(() => checkTrailers([["x-a", "\0"]]), isTrailersError("forbidden-field", "x-a"));
  });
  it("accepts grpc-status, checksums, server-timing; lowercases, trims, keeps order and duplicates", () => {
    assert.deepEqual(
      checkTrailers([["Grpc-Status", " 0 "], ["x-dup", "a"], ["Server-Timing", "db;dur=5"], [
        "x-dup",
        "b",
      ]]),
      [["grpc-status", "0"], ["x-dup", "a"], ["server-timing", "db;dur=5"], ["x-dup", "b"]],
    );
    assert.deepEqual(checkTrailers({ "x-sum": "1" }), [["x-sum", "1"]]);
    assert.deepEqual(checkTrailers(new Headers({ "X-Sum": "2" })), [["x-sum", "2"]]);
    assert.deepEqual(checkTrailers([]), []);
  });
});

describe("response trailers registry", () => {
  it("withTrailers returns the same Response; trailersOf finds fixed fields", async () => {
    const res = new Response("body");
    assert.equal(withTrailers(res, { "grpc-status": "0" }), res);
    assert.deepEqual(await trailersOf(res)!.produce(), [["grpc-status", "0"]]);
    assert.deepEqual(trailersOf(res)!.names, ["grpc-status"]);
    assert.equal(trailersOf(new Response("other")), null);
    const dup = withTrailers(new Response("x"), [["X-A", "1"], ["x-a", "2"], ["x-b", "3"]]);
    assert.deepEqual(trailersOf(dup)!.names, ["x-a", "x-b"]);
    assert.equal(trailersOf(withTrailers(new Response("x"), () => ({})))!.names, null);
  });
  it("refuses a non-Response", () => {
    assert.throws(() => withTrailers({} as Response, {}), TypeError);
  });
  it("a function is called only when the driver asks, after the body", async () => {
    let calls = 0;
    let sum = 0;
    const res = withTrailers(new Response("abc"), () => {
      calls++;
      return { "x-sum": String(sum) };
    });
    assert.equal(calls, 0);
    sum = 3; // computed while the body streamed
    assert.deepEqual(await trailersOf(res)!.produce(), [["x-sum", "3"]]);
    assert.equal(calls, 1);
    await assert.rejects(trailersOf(res)!.produce(), isTrailersError("producer-failed", null));
  });
  it("an async function's forbidden field is refused when it resolves", async () => {
    const res = withTrailers(new Response("x"), async () => {
      await null;
      return [["content-length", "1"]];
    });
    await assert.rejects(
      trailersOf(res)!.produce(),
      isTrailersError("forbidden-field", "content-length"),
    );
  });
  it("a function that throws gives producer-failed with the cause", async () => {
    const boom = new Error("boom");
    const res = withTrailers(new Response("x"), () => {
      throw boom;
    });
    await assert.rejects(trailersOf(res)!.produce(), (e: unknown) => {
      isTrailersError("producer-failed", null)(e);
      assert.equal((e as Error).cause, boom);
      return true;
    });
  });
  it("attaching again replaces; moveTrailers carries them to a new Response", async () => {
    const a = withTrailers(new Response("x"), { "x-a": "1" });
    withTrailers(a, { "x-b": "2" });
    const b = new Response("y");
    moveTrailers(a, b);
    assert.equal(trailersOf(a), null);
    assert.deepEqual(await trailersOf(b)!.produce(), [["x-b", "2"]]);
  });
});

describe("request trailers registry", () => {
  const post = () => new Request("http://x/", { method: "POST", body: "b" });
  it("an unregistered request (no body, a clone) resolves empty", async () => {
    const h = await requestTrailers(new Request("http://x/"));
    assert.deepEqual([...h], []);
    const req = post();
    registerRequestTrailers(req).deliver([["x-a", "1"]]);
    assert.deepEqual([...(await requestTrailers(req.clone()))], []);
  });
  it("resolves with the delivered fields, asked before or after", async () => {
    const before = post();
    const slot = registerRequestTrailers(before);
    const p = requestTrailers(before);
    slot.deliver([["x-sum", "1"], ["x-dup", "a"], ["x-dup", "b"]]);
    const h = await p;
    assert.equal(h.get("x-sum"), "1");
    assert.equal(h.get("x-dup"), "a, b");
    const after = post();
    registerRequestTrailers(after).deliver([]);
    assert.deepEqual([...(await requestTrailers(after))], []);
  });
  it("the response completing first rejects with body-unread; later settlements are ignored", async () => {
    const req = post();
    const slot = registerRequestTrailers(req);
    const p = requestTrailers(req);
    slot.responseDone();
    slot.deliver([["x-late", "1"]]);
    await assert.rejects(p, isTrailersError("body-unread", null));
    await assert.rejects(requestTrailers(req), isTrailersError("body-unread", null));
  });
  it("responseDone after delivery changes nothing", async () => {
    const req = post();
    const slot = registerRequestTrailers(req);
    slot.deliver([["x-a", "1"]]);
    slot.responseDone();
    assert.equal((await requestTrailers(req)).get("x-a"), "1");
  });
  it("an aborted body rejects with aborted and the cause", async () => {
    const req = post();
    const slot = registerRequestTrailers(req);
    const reason = new Error("reset");
    slot.fail(reason);
    await assert.rejects(requestTrailers(req), (e: unknown) => {
      isTrailersError("aborted", null)(e);
      assert.equal((e as Error).cause, reason);
      return true;
    });
  });
  it("an unobserved failure raises no unhandled rejection", async () => {
    let unhandled = 0;
    const on = () => unhandled++;
    globalThis.addEventListener?.("unhandledrejection", on);
    process.on("unhandledRejection", on);
    registerRequestTrailers(post()).responseDone();
    registerRequestTrailers(post()).fail(new Error("x"));
    await new Promise((r) => setTimeout(r, 20));
    process.off("unhandledRejection", on);
    globalThis.removeEventListener?.("unhandledrejection", on);
    assert.equal(unhandled, 0);
  });
});

describe("exports", () => {
  it("mod.ts exports withTrailers, requestTrailers and TrailersError", () => {
    assert.equal(mod.withTrailers, withTrailers);
    assert.equal(mod.requestTrailers, requestTrailers);
    assert.equal(mod.TrailersError, TrailersError);
  });
});
