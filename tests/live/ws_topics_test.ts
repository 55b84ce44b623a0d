/**
 * WebSocket topics through serve() with real clients: the `ws` package over
 * HTTP/1.1 (with and without permessage-deflate), our own RFC 8441 client over
 * HTTP/2 on the same topic, a raw client that stops reading (closed with 1008
 * while the others keep receiving), no subscription left behind by closed
 * sockets, and publish across serveWorkers threads.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import WebSocket from "ws";
import { serveWorkers, upgradeWebSocket } from "../../mod.ts";
import type { UpgradeWebSocketOptions } from "../../src/websocket/upgrade.ts";
import type { ServerWebSocket } from "../../src/websocket/socket.ts";
import type { ClientErrorInfo } from "../../src/types.ts";
import { encodeFrame } from "../../src/websocket/encoder.ts";
import { data, headers, windowUpdate } from "../support/http2_frames.ts";
import { LiveH2 } from "../support/http2_client.ts";
import { start } from "../support/live.ts";
import { eventually } from "../support/common.ts";

const enc = new TextEncoder();
const td = new TextDecoder();

/** Every socket subscribes to the topics in `?t=a,b`; a client message is published to `room`. */
function topicsApp(opts: UpgradeWebSocketOptions = {}, sockets: ServerWebSocket[] = []) {
  return (req: Request) => {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("plain");
    const { socket, response } = upgradeWebSocket(req, opts);
    sockets.push(socket);
    for (const t of new URL(req.url).searchParams.get("t")?.split(",") ?? []) socket.subscribe(t);
    socket.onmessage = (e) => socket.publish("room", e.data);
    return response;
  };
}

type Client = { ws: WebSocket; got: string[]; closed: Promise<number> };

function client(url: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const got: string[] = [];
    ws.on(
      "message",
      (d: Buffer, isBinary: boolean) => got.push(isBinary ? `bin:${d.length}` : String(d)),
    );
    const closed = new Promise<number>((r) => ws.once("close", (code: number) => r(code)));
    ws.once("open", () => resolve({ ws, got, closed }));
    ws.once("error", reject);
  });
}

/** The text payloads of the server's WebSocket frames on an h2 stream so far. */
function h2Texts(c: LiveH2, id: number): string[] {
  const b = c.body(id);
  const out: string[] = [];
  for (let i = 0; i + 1 < b.length;) {
    let len = b[i + 1]! & 0x7f;
    let off = i + 2;
    if (len === 126) {
      len = (b[off]! << 8) | b[off + 1]!;
      off += 2;
    }
    if (off + len > b.length) break;
    if ((b[i]! & 0x0f) === 1) out.push(td.decode(b.subarray(off, off + len)));
    i = off + len;
  }
  return out;
}

const extConnect = (path: string): Array<[string, string]> => [
  [":method", "CONNECT"],
  [":protocol", "websocket"],
  [":scheme", "http"],
  [":path", path],
  [":authority", "localhost"],
  ["sec-websocket-version", "13"],
];

describe("WebSocket topics over HTTP/1.1 and HTTP/2", () => {
  it("server.publish reaches ws clients over h1 and RFC 8441 streams over h2 alike", async () => {
    await using s = start(topicsApp());
    const a = await client(`ws://127.0.0.1:${s.port}/?t=news`);
    const b = await client(`ws://127.0.0.1:${s.port}/?t=news,other`);
    using h2 = await LiveH2.connect(s.port, { settings: [[0x4, 1 << 20]] });
    h2.write(windowUpdate(0, 1 << 20));
    h2.write(headers(1, extConnect("/?t=news")), headers(3, extConnect("/?t=news")));
    await h2.until((c) => c.head(1) !== undefined && c.head(3) !== undefined);
    assert.equal(h2.head(1)!.get(":status"), "200");
    await eventually(() => s.server.subscriberCount("news") === 4);
    assert.equal(s.server.subscriberCount("other"), 1);

    assert.equal(s.server.publish("news", "headline 1"), 4);
    assert.equal(s.server.publish("other", "only b"), 1);
    assert.equal(s.server.publish("nobody", "x"), 0);
    await eventually(() => a.got.length === 1 && b.got.length === 2);
    await h2.until((c) => h2Texts(c, 1).length === 1 && h2Texts(c, 3).length === 1);
    assert.deepEqual([a.got, b.got], [["headline 1"], ["headline 1", "only b"]]);
    assert.deepEqual([h2Texts(h2, 1), h2Texts(h2, 3)], [["headline 1"], ["headline 1"]]);

    // socket.publish from an h2 stream: every `room` subscriber but the sender, h1 included.
    const c1 = await client(`ws://127.0.0.1:${s.port}/?t=room`);
    h2.write(headers(5, extConnect("/?t=room")));
    await h2.until((c) => c.head(5) !== undefined);
    await eventually(() => s.server.subscriberCount("room") === 2);
    h2.write(
      data(5, encodeFrame(1, enc.encode("from h2"), { mask: new Uint8Array([1, 2, 3, 4]) })),
    );
    await eventually(() => c1.got.length === 1);
    assert.deepEqual(c1.got, ["from h2"]);
    c1.ws.send("from h1");
    await h2.until((c) => h2Texts(c, 5).length === 1);
    assert.deepEqual(h2Texts(h2, 5), ["from h1"]);
    assert.deepEqual(c1.got, ["from h2"], "the sender does not get its own message");
    for (const c of [a, b, c1]) c.ws.close();
  });

  it("with permessage-deflate, context-free and context-keeping clients both inflate every message", async () => {
    const sockets: ServerWebSocket[] = [];
    await using s = start(topicsApp({ compress: true }, sockets));
    const url = `ws://127.0.0.1:${s.port}/?t=feed`;
    const shared = await client(url, { perMessageDeflate: { serverNoContextTakeover: true } });
    const own = await client(url, { perMessageDeflate: true });
    const none = await client(url, { perMessageDeflate: false });
    assert.deepEqual(sockets.map((x) => x.extensions), [
      "permessage-deflate; server_no_context_takeover",
      "permessage-deflate",
      "",
    ]);
    const msgs = Array.from({ length: 20 }, (_, i) => `update ${i} `.repeat(10 + i));
    for (const m of msgs) assert.equal(s.server.publish("feed", m), 3);
    s.server.publish("feed", new Uint8Array(1000).fill(1), { compress: false });
    await eventually(() => [shared, own, none].every((c) => c.got.length === 21));
    for (const c of [shared, own, none]) assert.deepEqual(c.got, [...msgs, "bin:1000"]);
    for (const c of [shared, own, none]) c.ws.close();
  });

  it("a subscriber that stops reading is closed with 1008 at maxBufferedBytes; the others get every message", async () => {
    const LIMIT = 1 << 20;
    const errors: ClientErrorInfo[] = [];
    const sockets: ServerWebSocket[] = [];
    await using s = start(topicsApp({ maxBufferedBytes: LIMIT }, sockets), {
      onClientError: (_e, i) => void errors.push(i),
    });
    // The slow one: a raw upgrade, then never read.
    const slow = net.connect(s.port, "127.0.0.1");
    slow.on("error", () => {});
    await new Promise((r) => slow.once("connect", r));
    slow.write(
      "GET /?t=t HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    await eventually(() => s.server.subscriberCount("t") === 1);
    slow.pause();
    const slowSocket = sockets[0]!;
    let slowClose = 0;
    slowSocket.addEventListener("close", (e) => (slowClose = (e as CloseEvent).code));
    const fast = [
      await client(`ws://127.0.0.1:${s.port}/?t=t`),
      await client(`ws://127.0.0.1:${s.port}/?t=t`),
    ];
    const MSG = 128 * 1024;
    const MAX_MESSAGES = 200; // 25 MiB: far past loopback buffers plus the limit
    let sent = 0;
    let maxBuffered = 0;
    while (sent < MAX_MESSAGES && slowClose === 0) {
      s.server.publish("t", new Uint8Array(MSG).fill(sent & 0xff));
      sent++;
      maxBuffered = Math.max(maxBuffered, slowSocket.bufferedAmount);
      await eventually(() => fast.every((f) => f.got.length === sent), 10_000, "fast clients");
    }
    assert.equal(slowClose, 1008, `slow subscriber not closed after ${sent} messages`);
    assert.ok(maxBuffered <= LIMIT, `bufferedAmount reached ${maxBuffered}`);
    assert.ok(
      errors.some((e) => e.kind === "websocket" && e.code === 1008),
      JSON.stringify(errors),
    );
    assert.equal(s.server.subscriberCount("t"), 2);
    // The others keep receiving after it is gone.
    for (let i = 0; i < 5; i++) s.server.publish("t", `after ${i}`);
    sent += 5;
    await eventually(() => fast.every((f) => f.got.length === sent));
    // Once it reads again, the slow client finds the 1008 close frame after what was queued.
    const tail: Buffer[] = [];
    slow.on("data", (b: Buffer) => tail.push(b));
    const ended = new Promise((r) => slow.once("close", r));
    slow.resume();
    await ended;
    const all = Buffer.concat(tail);
    const at = all.lastIndexOf(Buffer.from([0x03, 0xf0]));
    assert.ok(at >= 2 && all[at - 2] === 0x88, "a close frame with 1008 ends the stream");
    for (const f of fast) f.ws.close();
  });

  it("closed sockets leave no subscription behind, whether they close cleanly or vanish", async () => {
    await using s = start(topicsApp());
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => client(`ws://127.0.0.1:${s.port}/?t=a,b,c`)),
    );
    await eventually(() => s.server.subscriberCount("c") === 20);
    for (const [i, c] of clients.entries()) i % 2 ? c.ws.close() : c.ws.terminate();
    await eventually(() => s.server.stats().websockets === 0);
    for (const t of ["a", "b", "c"]) assert.equal(s.server.subscriberCount(t), 0);
    assert.equal(s.server.publish("a", "anyone?"), 0);
  });
});

const APP = new URL("../fixtures/ws_topics_worker_app.ts", import.meta.url);
const onNode = !("Deno" in globalThis) && !("Bun" in globalThis);

describe("WebSocket topics across serveWorkers threads", () => {
  it("a publish on one worker reaches subscribers on all; pool.publish reaches every worker (Node: the clear refusal)", async () => {
    if (onNode) {
      await assert.rejects(serveWorkers(APP, { workers: 2, onListen() {} }), /reusePort/);
      return;
    }
    const pool = await serveWorkers(APP, {
      hostname: "127.0.0.1",
      port: 0,
      workers: 2,
      onListen() {},
    });
    const clients: (Client & { worker: string })[] = [];
    try {
      // The kernel picks a worker per connection: connect until both have subscribers.
      for (let i = 0; i < 40 && new Set(clients.map((c) => c.worker)).size < 2; i++) {
        const c = await client(`ws://127.0.0.1:${pool.addr.port}/`);
        await eventually(() => c.got.length === 1);
        clients.push({ ...c, worker: c.got.shift()!.replace("worker ", "") });
      }
      const workers = new Set(clients.map((c) => c.worker));
      assert.equal(workers.size, 2, "connections landed on one worker only");
      const sender = clients[0]!;
      sender.ws.send("hello");
      const others = clients.slice(1);
      await eventually(() => others.every((c) => c.got.length === 1), 10_000);
      for (const c of others) assert.deepEqual(c.got, [`${sender.worker}: hello`]);
      pool.publish("room", "from the pool");
      await eventually(() => clients.every((c) => c.got.at(-1) === "from the pool"), 10_000);
      assert.equal(sender.got.includes(`${sender.worker}: hello`), false);
    } finally {
      for (const c of clients) c.ws.close();
      await pool.shutdown();
    }
  });
});
