// wire(req) over HTTP/1.1: raw bytes as written (an invalid status line,
// trickled chunks), the connection closed after them unless the handler
// vouches for their framing, serveDir's .asis files byte for byte through
// curl (501 over HTTP/2), and misuse: twice, after the start, on a WebSocket
// upgrade.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type Handler, serveDir, wire, WireError } from "../../mod.ts";
import { handler as exampleHandler } from "../../examples/test_server.ts";
import { raw, run, start } from "../support/live.ts";

const STATIC = new URL("../fixtures/static", import.meta.url).pathname;
const misuse: Record<string, string> = {};
const codeOf = (e: unknown) => e instanceof WireError ? e.code : String(e);

const handler: Handler = (req, info) => {
  const path = new URL(req.url).pathname;
  if (path === "/framed") {
    const w = wire(req);
    w.h1!.write("HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nframed").then(() =>
      w.h1!.end({ close: false })
    );
    return w.response;
  }
  if (path === "/twice") {
    const w = wire(req);
    try {
      wire(req);
    } catch (e) {
      misuse.twice = codeOf(e);
    }
    w.h1!.write("HTTP/1.1 204 No Content\r\n\r\n").then(() => w.h1!.end());
    return w.response;
  }
  if (path === "/ws") {
    try {
      wire(req);
    } catch (e) {
      misuse.websocket = codeOf(e);
    }
    return new Response("no", { status: 400 });
  }
  if (path === "/other") {
    wire(req);
    return new Response("not the marker");
  }
  if (path === "/ok") return new Response("ok");
  return exampleHandler(req, info);
};

describe("wire(req) over HTTP/1.1", () => {
  it("writes an invalid status line as is, then closes the connection", async () => {
    await using s = start(handler);
    const r = await raw(
      s.port,
      "GET /bad-status HTTP/1.1\r\nhost: x\r\n\r\nGET /ok HTTP/1.1\r\nhost: x\r\n\r\n",
    );
    assert.equal(r.text, "HTTP/1.1 9999 Not A Status\r\ncontent-length: 3\r\n\r\nbad");
    assert.equal(r.closedByServer, true);
  });

  it("trickles raw chunks; curl reads them close-delimited", async () => {
    await using s = start(handler);
    const r = await run("curl", ["-s", "--http1.1", `${s.base}/trickle`], 10_000);
    assert.equal(r.stdout, "tick 0\ntick 1\ntick 2\ntick 3\ntick 4\n");
  });

  it("end({ close: false }) keeps the connection for the next request", async () => {
    await using s = start(handler);
    const r = await raw(
      s.port,
      "GET /framed HTTP/1.1\r\nhost: x\r\n\r\nGET /ok HTTP/1.1\r\nhost: x\r\n\r\n",
    );
    assert.match(
      r.text,
      /^HTTP\/1\.1 200 OK\r\ncontent-length: 6\r\n\r\nframedHTTP\/1\.1 200 OK\r\n.*\r\n\r\nok$/s,
    );
  });

  it("misuse: twice, and on a WebSocket upgrade request", async () => {
    await using s = start(handler);
    await raw(s.port, "GET /twice HTTP/1.1\r\nhost: x\r\n\r\n");
    const ws = await raw(
      s.port,
      "GET /ws HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n" +
        "sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    assert.match(ws.text, /^HTTP\/1\.1 400 /);
    assert.deepEqual(misuse, { twice: "twice", websocket: "websocket" });
  });
});

describe("wire(req): a handler that returns another Response", () => {
  it("is a handler error: onError hears it, nothing of that Response is sent, the connection closes", async () => {
    const errors: string[] = [];
    await using s = start(handler, {
      onError: (e) => {
        errors.push(String(e));
        return new Response("unused", { status: 500 });
      },
    });
    const r = await raw(s.port, "GET /other HTTP/1.1\r\nhost: x\r\n\r\n");
    assert.equal(r.text, "");
    assert.equal(r.closedByServer, true);
    assert.deepEqual(errors, [
      "TypeError: the handler called wire(req) but did not return its response",
    ]);
  });
});

describe("serveDir(root, { asis: true })", () => {
  const asis = readFileSync(`${STATIC}/raw.asis`, "latin1");
  const files = serveDir(STATIC, { asis: true });

  it("curl reads the raw .asis response byte for byte", async () => {
    await using s = start((req) => files(req));
    const r = await run("curl", ["-s", "-i", "--http1.1", `${s.base}/raw.asis`], 10_000);
    assert.equal(r.stdout, asis);
    assert.match(asis, /^HTTP\/1\.1 299 Custom Reason\r\nX-Asis: yes\r\n/);
  });

  it("over HTTP/2: 501 with a message; without the option: a plain file", async () => {
    await using s = start((req) => files(req));
    const r = await run(
      "curl",
      ["-s", "-i", "--http2-prior-knowledge", `${s.base}/raw.asis`],
      10_000,
    );
    assert.match(r.stdout, /^HTTP\/2 501 ?\r\n/);
    assert.match(
      r.stdout,
      /raw\.asis is a raw HTTP\/1\.1 response \(\.asis\): it cannot be served over h2c/,
    );
    await using plain = start(serveDir(STATIC));
    const p = await run("curl", ["-s", "--http1.1", `${plain.base}/raw.asis`], 10_000);
    assert.equal(p.stdout, asis);
  });
});
