/**
 * The HTTP/1.1 fast paths: a handler that returns its Response synchronously
 * is answered from inside the parse loop, and with the opt-in light Response
 * a plain response is sent without building the runtime's Response. Both
 * must give exactly what the general path gives.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { raw, start, statusLines } from "../support/live.ts";
import { installLightResponse, peekLightParts } from "../../src/fetch/light_response.ts";
import { withTrailers } from "../../src/fetch/trailers.ts";

const GET = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

function pathOf(req: Request): string {
  return new URL(req.url).pathname;
}

describe("http1: a Response returned synchronously", () => {
  it("answers pipelined requests in order, each with its own body", async () => {
    await using s = start((req) => new Response(`at ${pathOf(req)}`));
    const r = await raw(s.port, GET("/a") + GET("/b") + GET("/c", "Connection: close\r\n"));
    assert.equal(statusLines(r.text).length, 3);
    const bodies = [...r.text.matchAll(/\r\n\r\n(at \/\w)/g)].map((m) => m[1]);
    assert.deepEqual(bodies, ["at /a", "at /b", "at /c"]);
    assert.ok(r.closedByServer, "closed after the request that asked for it");
  });

  it("still answers a malformed request body with 400, not the handler's 200", async () => {
    let calls = 0;
    await using s = start(() => {
      calls++;
      return new Response("ok");
    });
    const r = await raw(
      s.port,
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + GET("/smuggled"),
    );
    assert.match(r.text, /^HTTP\/1\.1 400 /);
    assert.equal(statusLines(r.text).length, 1, "nothing after the 400");
    assert.ok(r.closedByServer);
    assert.ok(calls <= 1);
  });

  it("answers HEAD with the length and no body, and the next request follows cleanly", async () => {
    await using s = start((req) => new Response(req.method === "HEAD" ? "hello" : "second"));
    const r = await raw(
      s.port,
      "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + GET("/next", "Connection: close\r\n"),
    );
    const [first, second] = r.text.split(/(?=HTTP\/1\.1 )/);
    assert.match(first!, /^HTTP\/1\.1 200 /);
    assert.match(first!, /\r\ncontent-length: 5\r\n/i);
    assert.ok(first!.endsWith("\r\n\r\n"), "no body after a HEAD head");
    assert.ok(second!.endsWith("\r\n\r\nsecond"));
  });

  it("sends repeated heads and a changed head of the same size each as they are", async () => {
    await using s = start((req) => {
      const tag = pathOf(req).slice(1);
      return new Response("b", { headers: { "x-tag": tag } });
    });
    const r = await raw(s.port, GET("/aa") + GET("/aa") + GET("/bb", "Connection: close\r\n"));
    const tags = [...r.text.matchAll(/\r\nx-tag: (\w+)\r\n/g)].map((m) => m[1]);
    assert.deepEqual(tags, ["aa", "aa", "bb"]);
  });

  it("builds each request's URL from its own Host, also after a repeat", async () => {
    await using s = start((req) => new Response(`<${new URL(req.url).host}>`));
    const r = await raw(
      s.port,
      "GET / HTTP/1.1\r\nHost: a.test\r\n\r\nGET / HTTP/1.1\r\nHost: a.test\r\n\r\n" +
        "GET / HTTP/1.1\r\nHost: b.test:81\r\nConnection: close\r\n\r\n",
    );
    const hosts = [...r.text.matchAll(/<([\w.:]+)>/g)].map((m) => m[1]);
    assert.deepEqual(hosts, ["a.test", "a.test", "b.test:81"]);
  });

  it("turns a synchronous throw into onError's answer and keeps the connection", async () => {
    await using s = start((req) => {
      if (pathOf(req) === "/throw") throw new Error("sync failure (expected by the test)");
      return new Response("fine");
    }, { onError: () => new Response("handled", { status: 503 }) });
    const r = await raw(s.port, GET("/throw") + GET("/ok", "Connection: close\r\n"));
    assert.deepEqual(statusLines(r.text).map((l) => l.slice(9, 12)), ["503", "200"]);
    assert.ok(r.text.includes("handled") && r.text.endsWith("fine"));
  });
});

describe("http1: the light Response (installed)", () => {
  let restore: () => void = () => {};
  before(() => {
    restore = installLightResponse();
  });
  after(() => restore());

  it("is installed for these tests", () => {
    assert.ok(peekLightParts(new Response("x")) !== null);
  });

  it("sends status, fields and a string body, with a default content-type", async () => {
    await using s = start(() => new Response("héllo", { status: 201, headers: { "X-A": "1" } }));
    const r = await raw(s.port, GET("/", "Connection: close\r\n"));
    assert.match(r.text, /^HTTP\/1\.1 201 /);
    assert.match(r.text, /\r\nx-a: 1\r\n/);
    assert.match(r.text, /\r\ncontent-type: text\/plain;charset=UTF-8\r\n/i);
    assert.match(r.text, /\r\ncontent-length: 6\r\n/i, "UTF-8 length");
    assert.ok(r.bytes.length > 6);
    assert.equal(new TextDecoder().decode(r.bytes.subarray(r.bytes.length - 6)), "héllo");
  });

  it("sends bytes and ArrayBuffer bodies, and an async handler's response", async () => {
    await using s = start(async (req) => {
      await Promise.resolve();
      const p = pathOf(req);
      if (p === "/u8") return new Response(new Uint8Array([0x61, 0x62]));
      return new Response(new Uint8Array([0x63, 0x64, 0x65]).buffer);
    });
    const r = await raw(s.port, GET("/u8") + GET("/ab", "Connection: close\r\n"));
    const parts = r.text.split(/(?=HTTP\/1\.1 )/);
    assert.ok(
      parts[0]!.endsWith("\r\ncontent-length: 2\r\n\r\nab") || /\r\n\r\nab$/.test(parts[0]!),
    );
    assert.match(parts[1]!, /\r\n\r\ncde$/);
  });

  it("HEAD: a null body states no length; a string body states its length", async () => {
    await using s = start((req) => new Response(pathOf(req) === "/none" ? null : "four"));
    const r = await raw(
      s.port,
      "HEAD /none HTTP/1.1\r\nHost: x\r\n\r\nHEAD /text HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    const [none, text] = r.text.split(/(?=HTTP\/1\.1 )/);
    assert.match(none!, /^HTTP\/1\.1 200 /);
    assert.doesNotMatch(none!, /content-length: [1-9]/i);
    assert.match(text!, /\r\ncontent-length: 4\r\n/i);
    assert.ok(text!.endsWith("\r\n\r\n"));
  });

  it("answers an invalid header value through onError, as the native constructor would", async () => {
    let errors = 0;
    await using s = start(
      () => new Response("x", { headers: { "x-bad": "a\r\nInjected: 1" } }),
      {
        onError: () => {
          errors++;
          return new Response("refused", { status: 500 });
        },
      },
    );
    const r = await raw(s.port, GET("/", "Connection: close\r\n"));
    assert.match(r.text, /^HTTP\/1\.1 500 /);
    assert.doesNotMatch(r.text, /\r\nInjected/i);
    assert.equal(errors, 1);
  });

  it("keeps the trailers of a light response", async () => {
    await using s = start(() => withTrailers(new Response("hello"), { "x-sum": "42" }));
    const r = await raw(s.port, GET("/", "Connection: close\r\n"));
    assert.match(r.text, /\r\ntransfer-encoding: chunked\r\n/i);
    assert.ok(r.text.endsWith("5\r\nhello\r\n0\r\nx-sum: 42\r\n\r\n"));
  });

  it("checks a reused headers object again once it changed", async () => {
    const shared: Record<string, string> = { "x-v": "1" };
    await using s = start((req) => {
      const p = pathOf(req);
      if (p === "/bad") shared["x-v"] = "a\r\nInjected: 1";
      if (p === "/more") shared["x-w"] = "2";
      return new Response("r", { headers: shared });
    }, { onError: () => new Response("refused", { status: 500 }) });
    const r = await raw(s.port, GET("/ok") + GET("/ok") + GET("/bad", "Connection: close\r\n"));
    assert.deepEqual(statusLines(r.text).map((l) => l.slice(9, 12)), ["200", "200", "500"]);
    assert.doesNotMatch(r.text, /\r\nInjected/i);
    shared["x-v"] = "3";
    const r2 = await raw(s.port, GET("/ok") + GET("/more", "Connection: close\r\n"));
    assert.match(r2.text, /\r\nx-v: 3\r\n/);
    assert.match(r2.text, /\r\nx-w: 2\r\n/);
  });

  it("takes the general path for what it does not handle itself", async () => {
    await using s = start((req) => {
      const p = pathOf(req);
      if (p === "/cookie") {
        return new Response("c", { headers: { "set-cookie": "a=1" } });
      }
      if (p === "/init") return new Response("i", { statusText: "Fine" });
      if (p === "/204") return new Response(null, { status: 204 });
      return new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode("streamed"));
            c.close();
          },
        }),
      );
    });
    const r = await raw(
      s.port,
      GET("/cookie") + GET("/init") + GET("/204") + GET("/stream", "Connection: close\r\n"),
    );
    const parts = r.text.split(/(?=HTTP\/1\.1 )/);
    assert.equal(parts.length, 4);
    assert.match(parts[0]!, /\r\nset-cookie: a=1\r\n/i);
    assert.ok(parts[1]!.endsWith("\r\n\r\ni"));
    assert.match(parts[2]!, /^HTTP\/1\.1 204 /);
    assert.ok(parts[3]!.endsWith("streamed"));
  });
});
