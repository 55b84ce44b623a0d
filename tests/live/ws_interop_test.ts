import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import WebSocket from "ws";
import { upgradeWebSocket } from "../../src/websocket/upgrade.ts";
import { encodeFrame } from "../../src/websocket/encoder.ts";
import { miniServer } from "../support/ws_net_driver.ts";
import { eventually } from "../support/common.ts";
import { skipUnless } from "../support/skip.ts";

const SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20];

function echoServer(opts: Parameters<typeof upgradeWebSocket>[1] = {}, closes: string[] = []) {
  return miniServer((req) => {
    const { socket, response } = upgradeWebSocket(req, opts);
    socket.onmessage = (e) => socket.send(e.data);
    socket.onclose = (e) => closes.push(`${e.code} ${e.reason} ${e.wasClean}`);
    return response;
  });
}

function open(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function next(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) =>
    ws.once("message", (data, isBinary) => resolve({ data: data as Buffer, isBinary }))
  );
}

function closed(ws: WebSocket): Promise<[number, string]> {
  return new Promise((resolve) =>
    ws.once("close", (code, reason) => resolve([code, reason.toString()]))
  );
}

describe("ws interop: the ws package's client over HTTP/1.1", () => {
  for (const deflate of [false, true]) {
    it(`echoes every size class, text and binary (permessage-deflate ${deflate})`, async () => {
      const closes: string[] = [];
      const srv = await echoServer({ compress: true }, closes);
      try {
        const ws = await open(`ws://127.0.0.1:${srv.port}/echo`, { perMessageDeflate: deflate });
        assert.equal(ws.extensions, deflate ? "permessage-deflate" : "");
        for (const n of SIZES) {
          const bin = new Uint8Array(n).map((_, i) => (i * 7) & 0xff);
          let p = next(ws);
          ws.send(bin);
          let m = await p;
          assert.equal(m.isBinary, true);
          assert.deepEqual(new Uint8Array(m.data), bin, `binary ${n}`);
          const text = "é".repeat(n >> 1);
          p = next(ws);
          ws.send(text);
          m = await p;
          assert.equal(m.isBinary, false);
          assert.equal(m.data.toString(), text, `text ${n}`);
        }
        const c = closed(ws);
        ws.close(4000, "client done");
        assert.deepEqual(await c, [4000, "client done"]);
        await eventually(() => closes.length === 1);
        assert.deepEqual(closes, ["4000 client done true"]);
      } finally {
        await srv.close();
      }
    });
  }

  it("server close(): the client sees the code and reason; the server's close is clean", async () => {
    const closes: string[] = [];
    const srv = await miniServer((req) => {
      const { socket, response } = upgradeWebSocket(req);
      socket.onopen = () => socket.close(1000, "bye");
      socket.onclose = (e) => closes.push(`${e.code} ${e.reason} ${e.wasClean}`);
      return response;
    });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/`);
      assert.deepEqual(await closed(ws), [1000, "bye"]);
      await eventually(() => closes.length === 1);
      assert.deepEqual(closes, ["1000 bye true"]);
    } finally {
      await srv.close();
    }
  });

  it("subprotocol selection reaches the client; an unoffered protocol is a handler error", async () => {
    const srv = await miniServer((req) => upgradeWebSocket(req, { protocol: "chat" }).response);
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/`, ["x", "chat"]);
      await new Promise((r) => ws.once("open", r));
      assert.equal(ws.protocol, "chat");
      const c = closed(ws);
      ws.close();
      await c;
      await assert.rejects(open(`ws://127.0.0.1:${srv.port}/`), /Unexpected server response: 500/);
    } finally {
      await srv.close();
    }
  });
});

describe("ws interop: the runtime's built-in WebSocket client", () => {
  it("echoes text and binary and closes cleanly", {
    skip: skipUnless(
      typeof globalThis.WebSocket === "function",
      "no global WebSocket client in this runtime (Node 20)",
    ),
  }, async () => {
    const srv = await echoServer();
    try {
      const ws = new globalThis.WebSocket(`ws://127.0.0.1:${srv.port}/`);
      ws.binaryType = "arraybuffer";
      const got: unknown[] = [];
      ws.onmessage = (e) => got.push(e.data);
      await new Promise((r, j) => ((ws.onopen = r), (ws.onerror = j)));
      ws.send("hello");
      ws.send(new Uint8Array([1, 2, 3]));
      ws.send("x".repeat(70000));
      await eventually(() => got.length === 3);
      assert.equal(got[0], "hello");
      assert.deepEqual([...new Uint8Array(got[1] as ArrayBuffer)], [1, 2, 3]);
      assert.equal((got[2] as string).length, 70000);
      const c = new Promise<CloseEvent>((r) => (ws.onclose = r));
      ws.close(1000, "ok");
      const ev = await c;
      assert.equal(ev.code, 1000);
      await eventually(() => srv.sessionsClosed === 1);
    } finally {
      await srv.close();
    }
  });
});

describe("ws interop: raw bytes", () => {
  function raw(port: number, bytes: string | Uint8Array): Promise<Buffer> {
    return new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      const chunks: Buffer[] = [];
      s.on("data", (c: Buffer) => chunks.push(c));
      s.on("close", () => resolve(Buffer.concat(chunks)));
      s.on("error", () => {});
      s.write(bytes);
    });
  }
  const hs = (extra = "") =>
    "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

  it("version 8 gets 426 with Sec-WebSocket-Version: 13; a bad key gets 400", async () => {
    const srv = await echoServer();
    try {
      const r = (await raw(srv.port, hs("Sec-WebSocket-Version: 8\r\n"))).toString();
      assert.match(r, /^HTTP\/1\.1 426 /);
      assert.match(r, /sec-websocket-version: 13/i);
      const r2 = (await raw(
        srv.port,
        hs("Sec-WebSocket-Version: 13\r\n").replace("dGhlIHNhbXBsZSBub25jZQ==", "abc"),
      )).toString();
      assert.match(r2, /^HTTP\/1\.1 400 /);
    } finally {
      await srv.close();
    }
  });

  it("pipelined frames after the handshake are kept; an unmasked frame gets close 1002 then TCP close", async () => {
    const srv = await echoServer();
    try {
      const masked = encodeFrame(1, new TextEncoder().encode("hi"), {
        mask: new Uint8Array([9, 8, 7, 6]),
      });
      const unmasked = encodeFrame(1, new TextEncoder().encode("no"));
      const head = new TextEncoder().encode(hs("Sec-WebSocket-Version: 13\r\n"));
      const all = new Uint8Array([...head, ...masked, ...unmasked]);
      const r = await raw(srv.port, all);
      const text = r.toString("latin1");
      assert.match(text, /^HTTP\/1\.1 101 /);
      assert.match(text, /sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
      const body = r.subarray(r.indexOf("\r\n\r\n") + 4);
      assert.deepEqual(
        [...body.subarray(0, 4)],
        [0x81, 0x02, 0x68, 0x69],
        "echo of the pipelined frame",
      );
      assert.equal(body[4], 0x88);
      assert.equal(body.readUInt16BE(6), 1002);
    } finally {
      await srv.close();
    }
  });

  it("a foreign 101 is reported with a message naming upgradeWebSocket", async () => {
    const srv = await miniServer(() =>
      ({
        status: 101,
        headers: new Headers(),
        text: () => Promise.resolve(""),
      }) as unknown as Response
    );
    try {
      const r = (await raw(srv.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")).toString();
      assert.match(r, /^HTTP\/1\.1 500 /);
      assert.match(srv.foreign[0]!, /upgradeWebSocket from h2serve/);
    } finally {
      await srv.close();
    }
  });

  it("a client that sends but never reads stalls; the server's write buffer stays bounded", async () => {
    const srv = await echoServer();
    const s = net.connect(srv.port, "127.0.0.1");
    try {
      await new Promise((r) => s.once("connect", r));
      s.on("error", () => {});
      s.write(hs("Sec-WebSocket-Version: 13\r\n"));
      s.pause(); // never read
      const frame = encodeFrame(2, new Uint8Array(64 * 1024), {
        mask: new Uint8Array([1, 2, 3, 4]),
      });
      const LIMIT = 256 * 1024 * 1024;
      let sent = 0;
      let stalled = false;
      while (sent < LIMIT && !stalled) {
        sent += frame.length;
        if (!s.write(frame)) {
          stalled = await Promise.race([
            new Promise<boolean>((r) => s.once("drain", () => r(false))),
            new Promise<boolean>((r) => setTimeout(() => r(true), 2000)),
          ]);
        }
      }
      assert.ok(stalled, `the client never stalled after ${sent} bytes`);
      assert.ok(srv.maxWriteBuffer < 1024 * 1024, `server buffered ${srv.maxWriteBuffer} bytes`);
    } finally {
      s.destroy();
      await srv.close();
    }
  });
});
