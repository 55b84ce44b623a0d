/**
 * WebSocket over HTTP/1.1 through serve(): real clients (the `ws` package,
 * the runtime's WebSocket) and raw bytes for handshake refusals, protocol
 * errors and floods. Each attack runs with a well-behaved client served
 * alongside.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { deflateRawSync } from "node:zlib";
import WebSocket from "ws";
import { upgradeWebSocket } from "../../src/websocket/upgrade.ts";
import type { UpgradeWebSocketOptions } from "../../src/websocket/upgrade.ts";
import { encodeFrame } from "../../src/websocket/encoder.ts";
import type { ClientErrorInfo } from "../../src/types.ts";
import { RawClient, start, TLS } from "../support/live.ts";
import { eventually } from "../support/common.ts";
import { skipUnless } from "../support/skip.ts";

const SIZES = [0, 125, 126, 65535, 65536, 1 << 20];
const MASK = new Uint8Array([9, 8, 7, 6]);
const enc = new TextEncoder();

function echo(opts: UpgradeWebSocketOptions = {}, closes: string[] = []) {
  return (req: Request) => {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("plain");
    const { socket, response } = upgradeWebSocket(req, opts);
    socket.onmessage = (e) => socket.send(e.data);
    socket.onclose = (e) => closes.push(`${e.code} ${e.reason} ${e.wasClean}`);
    return response;
  };
}

function open(url: string, options: WebSocket.ClientOptions = {}, protocols?: string[]) {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function next(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((r) =>
    ws.once("message", (data, isBinary) => r({ data: data as Buffer, isBinary }))
  );
}

function closed(ws: WebSocket): Promise<[number, string]> {
  return new Promise((r) => ws.once("close", (code, reason) => r([code, reason.toString()])));
}

/** A well-behaved client does one round trip while an attack runs. */
async function bystander(port: number): Promise<void> {
  const ws = await open(`ws://127.0.0.1:${port}/`);
  const p = next(ws);
  ws.send("still here");
  const got = (await p).data;
  assert.ok(got.length === 10 && got.toString() === "still here", `got ${got.length} bytes`);
  const c = closed(ws);
  ws.close();
  await c;
}

const HS = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

/** Opens a raw upgraded connection; returns the client and the offset where frames start. */
async function rawUpgrade(port: number, extra = ""): Promise<{ c: RawClient; at: number }> {
  const c = await RawClient.connect(port);
  c.write(HS + extra + "\r\n");
  const text = await c.until((t) => t.includes("\r\n\r\n"));
  assert.match(text, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  return { c, at: text.indexOf("\r\n\r\n") + 4 };
}

/** The close code in the first close frame at or after `at`, with TCP closed after it. */
async function closeCode(c: RawClient, at: number): Promise<number> {
  await c.waitClosed(10_000);
  const b = c.received.subarray(at);
  for (let i = 0; i + 1 < b.length;) {
    const op = b[i]! & 0x0f;
    let len = b[i + 1]! & 0x7f;
    let off = i + 2;
    if (len === 126) {
      len = (b[off]! << 8) | b[off + 1]!;
      off += 2;
    } else if (len === 127) {
      len = Number(new DataView(b.buffer, b.byteOffset + off).getBigUint64(0));
      off += 8;
    }
    if (op === 8) return len >= 2 ? (b[off]! << 8) | b[off + 1]! : 1005;
    i = off + len;
  }
  throw new Error("no close frame before the TCP close");
}

const frame = (op: number, data: Uint8Array | string, o: { fin?: boolean; rsv1?: boolean } = {}) =>
  encodeFrame(op, typeof data === "string" ? enc.encode(data) : data, { mask: MASK, ...o });

describe("WebSocket on serve() over HTTP/1.1: the ws client", () => {
  for (const deflate of [false, true]) {
    it(`echoes every size class, text and binary (permessage-deflate ${deflate})`, async () => {
      const closes: string[] = [];
      await using s = start(echo({ compress: true }, closes));
      const ws = await open(`ws://127.0.0.1:${s.port}/echo`, { perMessageDeflate: deflate });
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
      assert.equal(s.server.stats().websockets, 1);
      const c = closed(ws);
      ws.close(4000, "client done");
      assert.deepEqual(await c, [4000, "client done"]);
      await eventually(() => closes.length === 1);
      assert.deepEqual(closes, ["4000 client done true"]);
      await eventually(() => s.server.stats().websockets === 0);
    });
  }

  it("over TLS (wss:): echoes, and the socket's url is wss:", async () => {
    const urls: string[] = [];
    await using s = start((req, info) => {
      const { socket, response } = upgradeWebSocket(req);
      urls.push(`${socket.url} ${info.protocol} ${info.secure}`);
      socket.onmessage = (e) => socket.send(e.data);
      return response;
    }, { tls: TLS });
    const ws = await open(`wss://127.0.0.1:${s.port}/tls`, {
      ca: TLS.cert,
      perMessageDeflate: false,
    });
    const p = next(ws);
    ws.send("secure");
    assert.equal((await p).data.toString(), "secure");
    assert.deepEqual(urls, [`wss://127.0.0.1:${s.port}/tls http/1.1 true`]);
    const c = closed(ws);
    ws.close();
    await c;
  });

  it("selects the subprotocol; an unoffered one is a handler error (500)", async () => {
    await using s = start((req) => upgradeWebSocket(req, { protocol: "chat" }).response, {
      onError: () => new Response("no", { status: 500 }),
    });
    const ws = await open(`ws://127.0.0.1:${s.port}/`, {}, ["x", "chat"]);
    assert.equal(ws.protocol, "chat");
    const c = closed(ws);
    ws.close();
    await c;
    await assert.rejects(open(`ws://127.0.0.1:${s.port}/`), /Unexpected server response: 500/);
  });

  it("req.signal stays quiet and info.completed is 'sent' after a clean close; aborted when the peer vanishes", async () => {
    const seen: string[] = [];
    await using s = start((req, info) => {
      const { socket, response } = upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(e.data);
      info.completed.then((c) =>
        seen.push(`${new URL(req.url).pathname} ${c} ${req.signal.aborted}`)
      );
      return response;
    });
    const a = await open(`ws://127.0.0.1:${s.port}/clean`);
    const c = closed(a);
    a.close();
    await c;
    await eventually(() => seen.length === 1);
    const b = await open(`ws://127.0.0.1:${s.port}/vanish`);
    b.terminate();
    await eventually(() => seen.length === 2);
    assert.deepEqual(seen, ["/clean sent false", "/vanish aborted true"]);
  });

  it("server.shutdown() sends close 1001 and finishes once the client answered", async () => {
    const s = start(echo());
    const ws = await open(`ws://127.0.0.1:${s.port}/`);
    const c = closed(ws);
    const done = s.server.shutdown();
    assert.deepEqual(await c, [1001, "server shutting down"]);
    await done;
    assert.equal(s.server.stats().websockets, 0);
  });
});

describe("WebSocket on serve() over HTTP/1.1: the runtime's WebSocket client", () => {
  const has = typeof globalThis.WebSocket === "function";
  it(
    "echoes text and binary (binaryType arraybuffer and blob) and closes cleanly",
    { skip: skipUnless(has, "no global WebSocket client in this runtime (Node 20)") },
    async () => {
      const closes: string[] = [];
      await using s = start(echo({}, closes));
      for (const binaryType of ["arraybuffer", "blob"] as const) {
        const ws = new globalThis.WebSocket(`ws://127.0.0.1:${s.port}/`);
        ws.binaryType = binaryType;
        const got: unknown[] = [];
        ws.onmessage = (e) => got.push(e.data);
        await new Promise((r, j) => ((ws.onopen = r), (ws.onerror = j)));
        ws.send("hello");
        ws.send(new Uint8Array([1, 2, 3]));
        ws.send("x".repeat(70000));
        await eventually(() => got.length === 3);
        assert.equal(got[0], "hello");
        const bin = binaryType === "blob"
          ? await (got[1] as Blob).arrayBuffer()
          : got[1] as ArrayBuffer;
        assert.deepEqual([...new Uint8Array(bin)], [1, 2, 3]);
        assert.equal((got[2] as string).length, 70000);
        const c = new Promise<CloseEvent>((r) => (ws.onclose = r));
        ws.close(1000, "ok");
        assert.equal((await c).code, 1000);
      }
      await eventually(() => closes.length === 2);
      assert.deepEqual(closes, ["1000 ok true", "1000 ok true"]);
    },
  );
});

describe("WebSocket on serve() over HTTP/1.1: handshakes", () => {
  it("426 for version 8 and 400 for a bad key; the connection stays HTTP", async () => {
    await using s = start(echo());
    const c = await RawClient.connect(s.port);
    c.write(HS.replace("Version: 13", "Version: 8") + "\r\n");
    let t = await c.until((t) => /\r\n\r\n[^]*$/.test(t) && t.includes("426"));
    assert.match(t, /^HTTP\/1\.1 426 /);
    assert.match(t, /sec-websocket-version: 13/i);
    c.write(HS.replace("dGhlIHNhbXBsZSBub25jZQ==", "abc") + "\r\n");
    t = await c.until((t) => t.includes("HTTP/1.1 400"));
    c.write("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
    t = await c.until((t) => t.endsWith("plain"));
    assert.equal(t.match(/HTTP\/1\.1 /g)!.length, 3);
    c.destroy();
  });

  it("Connection without upgrade gets 400 from upgradeWebSocket", async () => {
    await using s = start((req) => upgradeWebSocket(req).response);
    const c = await RawClient.connect(s.port);
    c.write(HS.replace("Connection: Upgrade", "Connection: keep-alive") + "\r\n");
    const t = await c.until((t) => t.includes("\r\n\r\n"));
    assert.match(t, /^HTTP\/1\.1 400 /);
    c.destroy();
  });

  it("frames pipelined behind the handshake are the session's first bytes", async () => {
    await using s = start(echo());
    const c = await RawClient.connect(s.port);
    c.write(new Uint8Array([...enc.encode(HS + "\r\n"), ...frame(1, "hi")]));
    const t = await c.until((t) => t.includes("\r\n\r\n\x81\x02hi"));
    assert.match(t, /sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
    c.destroy();
  });

  it("a client that half-closes right behind its handshake: 101, then the session ends (1006)", async () => {
    const closes: string[] = [];
    await using s = start(echo({}, closes));
    const c = await RawClient.connect(s.port);
    c.write(new Uint8Array([...enc.encode(HS + "\r\n"), ...frame(1, "last words")]));
    c.socket.end();
    await c.waitClosed(5000);
    // deno-lint-ignore no-control-regex
    assert.match(c.text, /^HTTP\/1\.1 101 [^]*\r\n\r\n\x81\x0alast words$/);
    await eventually(() => closes.length === 1);
    assert.match(closes[0]!, /^1006 /);
  });

  it(
    "Deno.upgradeWebSocket's 101 is refused: 500 and an error naming upgradeWebSocket",
    { skip: skipUnless("Deno" in globalThis, "Deno.upgradeWebSocket exists only on Deno") },
    async () => {
      const errors: string[] = [];
      const D = (globalThis as unknown as {
        Deno: { upgradeWebSocket(r: Request): { response: Response } };
      }).Deno;
      await using s = start((req) => D.upgradeWebSocket(req).response, {
        onError: (e) => {
          errors.push(String(e));
          return new Response("refused", { status: 500 });
        },
      });
      const c = await RawClient.connect(s.port);
      c.write(HS + "\r\n");
      const t = await c.until((t) => t.includes("refused"));
      assert.match(t, /^HTTP\/1\.1 500 /);
      assert.match(errors[0] ?? "", /upgradeWebSocket from h2serve/);
      c.destroy();
    },
  );
});

describe("WebSocket on serve() over HTTP/1.1: attacks close with the right code", () => {
  const CASES: Array<[string, Uint8Array[], number]> = [
    ["an unmasked frame", [encodeFrame(1, enc.encode("x"))], 1002],
    ["RSV1 without an extension", [frame(1, "x", { rsv1: true })], 1002],
    ["a reserved opcode", [frame(3, "x")], 1002],
    ["a control frame over 125 bytes", [frame(9, new Uint8Array(126))], 1002],
    ["a fragmented control frame", [frame(9, "x", { fin: false })], 1002],
    ["a continuation with no message", [frame(0, "x")], 1002],
    ["a new message inside a fragmented one", [frame(1, "a", { fin: false }), frame(1, "b")], 1002],
    ["close code 1005", [frame(8, new Uint8Array([0x03, 0xed]))], 1002],
    ["close code 1006", [frame(8, new Uint8Array([0x03, 0xee]))], 1002],
    ["close code 1015", [frame(8, new Uint8Array([0x03, 0xf7]))], 1002],
    ["close code 5000", [frame(8, new Uint8Array([0x13, 0x88]))], 1002],
    ["a 1-byte close payload", [frame(8, new Uint8Array([3]))], 1002],
    ["invalid UTF-8", [frame(1, new Uint8Array([0xc3, 0x28]))], 1007],
    ["a code point split across fragments, then broken", [
      frame(1, new Uint8Array([0xe2, 0x82]), { fin: false }),
      frame(0, new Uint8Array([0x28])),
    ], 1007],
    ["a message over maxMessageBytes", [frame(2, new Uint8Array(2048))], 1009],
  ];
  for (const [name, frames, code] of CASES) {
    it(`${name}: close ${code} before the TCP close`, async () => {
      const errors: ClientErrorInfo[] = [];
      await using s = start(echo({ maxMessageBytes: 1024 }), {
        onClientError: (_e, info) => void errors.push(info),
      });
      const { c, at } = await rawUpgrade(s.port);
      for (const f of frames) c.write(f);
      await bystander(s.port);
      assert.equal(await closeCode(c, at), code);
      await eventually(() => errors.length === 1);
      assert.equal(errors[0]!.kind, "websocket");
      assert.equal(errors[0]!.code, code);
      assert.equal(s.server.stats().clientErrors.websocket, 1);
    });
  }

  it("a fragment flood (100k one-byte fragments) ends in 1009 at maxMessageBytes", async () => {
    await using s = start(echo({ maxMessageBytes: 64 * 1024 }));
    const { c, at } = await rawUpgrade(s.port);
    const parts: Uint8Array[] = [frame(2, "x", { fin: false })];
    for (let i = 0; i < 100_000; i++) parts.push(frame(0, "x", { fin: false }));
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) (all.set(p, o), (o += p.length));
    c.write(all);
    await bystander(s.port);
    assert.equal(await closeCode(c, at), 1009);
  });

  it("a decompression bomb (64 MiB of zeros in 64 KiB) closes with 1009", async () => {
    await using s = start(echo({ compress: true, maxMessageBytes: 1 << 20 }));
    const { c, at } = await rawUpgrade(s.port, "Sec-WebSocket-Extensions: permessage-deflate\r\n");
    assert.match(c.text, /sec-websocket-extensions: permessage-deflate/i);
    const z = deflateRawSync(new Uint8Array(64 << 20), { finishFlush: 2 /* Z_SYNC_FLUSH */ });
    const body = z.subarray(0, z.length - 4); // RFC 7692: the 00 00 ff ff tail is dropped
    c.write(frame(2, new Uint8Array(body), { rsv1: true }));
    await bystander(s.port);
    assert.equal(await closeCode(c, at), 1009);
  });

  it("a ping flood whose pongs are never read: the server stops reading, then the send timeout ends it", async () => {
    const errors: ClientErrorInfo[] = [];
    await using s = start(echo(), {
      http1: { sendTimeout: 1000 },
      onClientError: (_e, i) => void errors.push(i),
    });
    const sock = net.connect(s.port, "127.0.0.1");
    sock.on("error", () => {});
    await new Promise((r) => sock.once("connect", r));
    sock.write(HS + "\r\n");
    sock.pause(); // never read our pongs
    const ping = frame(9, new Uint8Array(125));
    const batch = new Uint8Array(ping.length * 1000);
    for (let i = 0; i < 1000; i++) batch.set(ping, i * ping.length);
    let ended = false;
    sock.once("close", () => (ended = true));
    const LIMIT = 256 << 20;
    let sent = 0;
    let stalled = false;
    // Ends when the client is pushed back or the server gave up on it (1008; a closing
    // connection then reads and discards until the client's FIN, as lingering sockets do).
    while (!ended && !stalled && errors.length === 0 && sent < LIMIT) {
      sent += batch.length;
      if (!sock.write(batch)) {
        stalled = await new Promise<boolean>((r) => {
          const t = setTimeout(() => (sock.off("drain", d), r(true)), 2000);
          const d = () => (clearTimeout(t), r(false));
          sock.once("drain", d);
        });
      }
    }
    assert.ok(
      stalled || ended || errors.length > 0,
      `the server took ${sent} bytes of pings without pushing back or closing`,
    );
    await bystander(s.port);
    await eventually(() => errors.length > 0, 10_000);
    assert.ok(
      errors.some((e) => e.timeout === "http1.sendTimeout" || e.code === 1008),
      JSON.stringify(errors),
    );
    sock.destroy();
  });

  it("inbound backpressure: a handler that takes no messages stops the server reading the socket", async () => {
    let got = 0;
    const bystanderEcho = echo();
    await using s = start((req) => {
      if (new URL(req.url).pathname !== "/slow") return bystanderEcho(req);
      const { socket, response } = upgradeWebSocket(req);
      socket.stream().opened.then(() => (got = 1)); // readable never read
      return response;
    });
    const sock = net.connect(s.port, "127.0.0.1");
    sock.on("error", () => {});
    await new Promise((r) => sock.once("connect", r));
    sock.write(HS.replace("GET / ", "GET /slow ") + "\r\n");
    const msg = frame(2, new Uint8Array(64 * 1024));
    const LIMIT = 256 << 20;
    let sent = 0;
    let stalled = false;
    while (!stalled && sent < LIMIT) {
      sent += msg.length;
      if (!sock.write(msg)) {
        stalled = await new Promise<boolean>((r) => {
          const t = setTimeout(() => (sock.off("drain", d), r(true)), 2000);
          const d = () => (clearTimeout(t), r(false));
          sock.once("drain", d);
        });
      }
    }
    assert.equal(got, 1);
    assert.ok(stalled, `the server read ${sent} bytes that the handler never took`);
    await bystander(s.port);
    sock.destroy();
  });

  it("a client that floods an echo server and never reads is pushed back, then dropped", async () => {
    const errors: ClientErrorInfo[] = [];
    await using s = start(echo(), {
      http1: { sendTimeout: 1000 },
      onClientError: (_e, i) => void errors.push(i),
    });
    const sock = net.connect(s.port, "127.0.0.1");
    sock.on("error", () => {});
    await new Promise((r) => sock.once("connect", r));
    sock.write(HS + "\r\n");
    sock.pause(); // never read the echoes
    const msg = frame(2, new Uint8Array(64 * 1024));
    const LIMIT = 256 << 20;
    let sent = 0;
    let stalled = false;
    while (!stalled && sent < LIMIT) {
      sent += msg.length;
      if (!sock.write(msg)) {
        stalled = await new Promise<boolean>((r) => {
          const t = setTimeout(() => (sock.off("drain", d), r(true)), 2000);
          const d = () => (clearTimeout(t), r(false));
          sock.once("drain", d);
        });
      }
    }
    assert.ok(stalled, `the server read ${sent} bytes while its echoes went unread`);
    await eventually(() => errors.some((e) => e.timeout === "http1.sendTimeout"), 10_000);
    await bystander(s.port);
    sock.destroy();
  });

  it("a client that never reads stalls the sender; send timeout ends it", async () => {
    const errors: ClientErrorInfo[] = [];
    const bystanderEcho = echo();
    await using s = start((req) => {
      if (new URL(req.url).pathname !== "/flood") return bystanderEcho(req);
      const { socket, response } = upgradeWebSocket(req);
      const chunk = new Uint8Array(64 * 1024);
      const view = socket.stream();
      view.opened.then(async ({ writable }) => {
        const w = writable.getWriter();
        try {
          for (;;) await w.write(chunk);
        } catch { /* closed */ }
      });
      return response;
    }, { http1: { sendTimeout: 1000 }, onClientError: (_e, i) => void errors.push(i) });
    const sock = net.connect(s.port, "127.0.0.1");
    sock.on("error", () => {});
    await new Promise((r) => sock.once("connect", r));
    sock.write(HS.replace("GET / ", "GET /flood ") + "\r\n");
    sock.pause();
    await eventually(() => errors.some((e) => e.timeout === "http1.sendTimeout"), 15_000);
    await bystander(s.port);
    sock.destroy();
  });
});
