// WebSocket topics without sockets: the registry, frame-once publishing (the very same
// bytes on every subscriber's channel), shared vs per-socket compression, the
// backpressure limit and unsubscription on close.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { TopicRegistry, type TopicSubscriber } from "../../src/websocket/topics.ts";
import { SharedMessage } from "../../src/websocket/shared_message.ts";
import type { UpgradeWebSocketOptions } from "../../src/websocket/upgrade.ts";
import { type DecoderEvent, WebSocketDecoder } from "../../src/websocket/decoder.ts";
import { clientFrame, openSession, upgradeHeaders, upgradeRequest } from "../support/ws.ts";
import { upgradeWebSocket } from "../../src/websocket/upgrade.ts";
import { resolveUpgrade } from "../../src/websocket/registry.ts";
import { MemoryChannel } from "../../src/websocket/memory_channel.ts";
import { eventually } from "../support/common.ts";

const td = new TextDecoder();
const TAIL = new Uint8Array([0, 0, 0xff, 0xff]);

function subscriber(topics: TopicRegistry, opts: UpgradeWebSocketOptions = {}, ext?: string) {
  const headers = upgradeHeaders(ext ? { "sec-websocket-extensions": ext } : {});
  return openSession(opts, headers, Infinity, { protocol: "http/1.1", secure: false, topics });
}

/** Data frames a channel got (by reference), skipping nothing else: topics tests send only data. */
function dataFrames(ch: MemoryChannel): Uint8Array[] {
  return ch.written.filter((b) => (b[0]! & 0x0f) === 1 || (b[0]! & 0x0f) === 2);
}

function decodeAll(bytes: Uint8Array[]): DecoderEvent[] {
  const d = new WebSocketDecoder({ maxMessageBytes: 1 << 24, requireMask: false, allowRsv1: true });
  return bytes.flatMap((b) => d.push(b));
}

/** A client inflater with context (as a client keeps one unless server_no_context_takeover). */
function clientInflater() {
  const z = zlib.createInflateRaw({ windowBits: 15 });
  const chunks: Uint8Array[] = [];
  z.on("data", (c: Uint8Array) => chunks.push(c));
  return (data: Uint8Array): Promise<string> =>
    new Promise((resolve) => {
      const input = new Uint8Array(data.length + 4);
      input.set(data);
      input.set(TAIL, data.length);
      z.write(input);
      z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        resolve(td.decode(Buffer.concat(chunks.splice(0))));
      });
    });
}

describe("TopicRegistry", () => {
  it("subscribe, unsubscribe, isSubscribed and counts; an emptied topic is forgotten", () => {
    const r = new TopicRegistry();
    const a: TopicSubscriber = { deliver: () => true };
    const b: TopicSubscriber = { deliver: () => true };
    assert.equal(r.subscribe(a, "x"), true);
    assert.equal(r.subscribe(a, "x"), false);
    assert.equal(r.subscribe(b, "x"), true);
    assert.equal(r.subscribe(b, "y"), true);
    assert.equal(r.subscriberCount("x"), 2);
    assert.equal(r.isSubscribed(a, "y"), false);
    assert.equal(r.topicCount, 2);
    assert.equal(r.unsubscribe(a, "y"), false);
    assert.equal(r.unsubscribe(b, "y"), true);
    assert.equal(r.topicCount, 1);
    assert.equal(r.subscriberCount("y"), 0);
  });

  it("publish returns how many it reached, skips `except` and those not open, and relays once", () => {
    const r = new TopicRegistry();
    const got: SharedMessage[] = [];
    const open: TopicSubscriber = { deliver: (m) => (got.push(m), true) };
    const open2: TopicSubscriber = { deliver: (m) => (got.push(m), true) };
    const closed: TopicSubscriber = { deliver: () => false };
    for (const s of [open, open2, closed]) r.subscribe(s, "t");
    const relayed: unknown[] = [];
    r.relay = (m) => relayed.push(m);
    assert.equal(r.publish("t", "hello"), 2);
    assert.equal(got[0], got[1], "one SharedMessage for all");
    assert.equal(r.publish("t", new Uint8Array([1, 2]), {}, open), 1);
    assert.equal(r.publish("nobody", "x"), 0);
    assert.equal(relayed.length, 3, "every publish is relayed, subscribers here or not");
    assert.equal(
      r.deliver({ topic: "t", text: true, payload: new Uint8Array(1), compress: true }),
      2,
    );
    assert.equal(relayed.length, 3, "a relayed message is not relayed again");
  });

  it("refuses a non-string topic, bad data and a bad compress option with a TypeError", () => {
    const r = new TopicRegistry();
    assert.throws(() => r.publish(1 as unknown as string, "x"), /topic must be a string/);
    assert.throws(() => r.publish("t", {} as unknown as string), /data must be/);
    assert.throws(
      () => r.publish("t", "x", { compress: "yes" as unknown as boolean }),
      /"compress" must be a boolean/,
    );
  });

  it("copies published bytes once, so the caller may reuse its buffer", () => {
    const r = new TopicRegistry();
    const got: SharedMessage[] = [];
    r.subscribe({ deliver: (m) => (got.push(m), true) }, "t");
    const buf = new Uint8Array([1, 2, 3]);
    r.publish("t", buf);
    buf[0] = 9;
    assert.deepEqual([...got[0]!.payload], [1, 2, 3]);
  });
});

describe("publish through sockets", () => {
  it("frames once: every subscriber's channel gets the very same bytes", () => {
    const topics = new TopicRegistry();
    const subs = [1, 2, 3].map(() => subscriber(topics));
    for (const s of subs) assert.equal(s.socket.subscribe("room"), true);
    assert.equal(topics.publish("room", "hello everyone"), 3);
    const frames = subs.map((s) => dataFrames(s.channel));
    for (const f of frames) assert.equal(f.length, 1);
    assert.equal(frames[0]![0], frames[1]![0]);
    assert.equal(frames[1]![0], frames[2]![0]);
    const [ev] = decodeAll(frames[0]!);
    assert.equal(ev!.type, "message");
    assert.equal(td.decode((ev as { data: Uint8Array }).data), "hello everyone");
  });

  it("socket.publish reaches every subscriber but the sender, subscribed or not", () => {
    const topics = new TopicRegistry();
    const [a, b, c] = [1, 2, 3].map(() => subscriber(topics));
    a!.socket.subscribe("room");
    b!.socket.subscribe("room");
    assert.equal(a!.socket.publish("room", "from a"), 1);
    assert.equal(c!.socket.publish("room", "from c"), 2);
    assert.equal(dataFrames(a!.channel).length, 1);
    assert.equal(dataFrames(b!.channel).length, 2);
    assert.equal(dataFrames(c!.channel).length, 0);
  });

  it("compresses once for server_no_context_takeover subscribers (per window size), per socket otherwise", async () => {
    const topics = new TopicRegistry();
    const nct = "permessage-deflate; server_no_context_takeover";
    const shared = [1, 2].map(() => subscriber(topics, { compress: true }, nct));
    const small = subscriber(topics, { compress: true }, `${nct}; server_max_window_bits=10`);
    const own = subscriber(topics, { compress: true }, "permessage-deflate");
    const plain = subscriber(topics, { compress: true });
    const all = [...shared, small, own, plain];
    for (const s of all) s.socket.subscribe("feed");
    const text = "the same news for everyone, ".repeat(20);
    assert.equal(topics.publish("feed", text), 5);
    assert.equal(topics.publish("feed", text + "again"), 5);
    await eventually(() => all.every((s) => dataFrames(s.channel).length === 2));
    const f = all.map((s) => dataFrames(s.channel));
    assert.equal(f[0]![0], f[1]![0], "one compression for both context-free subscribers");
    assert.equal(f[0]![1], f[1]![1]);
    assert.notEqual(f[2]![0], f[0]![0], "another window size, another compression");
    assert.notEqual(
      f[3]![0],
      f[0]![0],
      "a context-keeping subscriber compresses with its own context",
    );
    // Every one inflates to the message, the context-keeping one in sequence.
    for (const [i, frames] of f.entries()) {
      const inflate = clientInflater();
      const evs = decodeAll(frames) as { data: Uint8Array; compressed: boolean }[];
      const want = [text, text + "again"];
      for (const [k, ev] of evs.entries()) {
        if (i === 4) {
          assert.equal(ev.compressed, false, "no extension negotiated: plain");
          assert.equal(td.decode(ev.data), want[k]);
        } else {
          assert.equal(ev.compressed, true);
          // Context-free frames inflate on a fresh inflater too; reuse is fine either way.
          assert.equal(await inflate(ev.data), want[k]);
        }
      }
    }
  });

  it("compress: false sends the shared plain frame to deflate subscribers too", () => {
    const topics = new TopicRegistry();
    const a = subscriber(topics, { compress: true }, "permessage-deflate");
    const b = subscriber(topics);
    a.socket.subscribe("t");
    b.socket.subscribe("t");
    topics.publish("t", "x".repeat(500), { compress: false });
    assert.equal(dataFrames(a.channel)[0], dataFrames(b.channel)[0]);
    assert.equal(dataFrames(a.channel)[0]![0]! & 0x40, 0, "RSV1 clear");
  });

  it("keeps order with send() on a compressing socket", async () => {
    const topics = new TopicRegistry();
    const s = subscriber(topics, { compress: true }, "permessage-deflate");
    s.socket.subscribe("t");
    s.socket.send("first ".repeat(10));
    topics.publish("t", "second ".repeat(10));
    s.socket.send("third");
    topics.publish("t", "fourth ".repeat(10));
    await eventually(() => dataFrames(s.channel).length === 4);
    const inflate = clientInflater();
    const out: string[] = [];
    for (
      const ev of decodeAll(dataFrames(s.channel)) as { data: Uint8Array; compressed: boolean }[]
    ) {
      out.push(ev.compressed ? await inflate(ev.data) : td.decode(ev.data));
    }
    assert.deepEqual(out.map((m) => m.split(" ")[0]), ["first", "second", "third", "fourth"]);
  });

  it("a closed socket is unsubscribed from every topic; subscribing afterwards is refused", async () => {
    const topics = new TopicRegistry();
    const s = subscriber(topics);
    const other = subscriber(topics);
    other.socket.subscribe("a");
    for (const t of ["a", "b", "c"]) s.socket.subscribe(t);
    assert.deepEqual(s.socket.subscriptions, ["a", "b", "c"]);
    assert.equal(topics.topicCount, 3);
    s.session.receive(clientFrame(0x8, new Uint8Array([0x03, 0xe8])));
    await eventually(() => s.events.some((e) => e.startsWith("close")));
    assert.equal(topics.topicCount, 1);
    assert.equal(topics.subscriberCount("a"), 1);
    assert.equal(s.socket.isSubscribed("a"), false);
    assert.equal(s.socket.subscribe("a"), false);
    assert.equal(topics.subscriberCount("a"), 1);
  });

  it("a socket dropped by its peer (no close frame) leaves no subscription behind", () => {
    const topics = new TopicRegistry();
    const subs = Array.from({ length: 50 }, () => subscriber(topics));
    for (const s of subs) for (let t = 0; t < 5; t++) s.socket.subscribe(`t${t}`);
    assert.equal(topics.subscriberCount("t0"), 50);
    for (const s of subs) s.session.peerEnded(new Error("gone"));
    assert.equal(topics.topicCount, 0);
  });

  it("unsubscribe stops delivery; isSubscribed follows", () => {
    const topics = new TopicRegistry();
    const s = subscriber(topics);
    s.socket.subscribe("t");
    assert.equal(s.socket.isSubscribed("t"), true);
    assert.equal(s.socket.unsubscribe("t"), true);
    assert.equal(s.socket.unsubscribe("t"), false);
    assert.equal(s.socket.isSubscribed("t"), false);
    assert.equal(topics.publish("t", "x"), 0);
    assert.equal(dataFrames(s.channel).length, 0);
  });

  it("a slow subscriber past maxBufferedBytes is closed with 1008; the others get every message", () => {
    const topics = new TopicRegistry();
    const slow = subscriber(topics, { maxBufferedBytes: 1000 });
    slow.channel.highWaterMark = 100; // the client reads nothing: writes report backpressure
    const fast = [1, 2].map(() => subscriber(topics, { maxBufferedBytes: 1000 }));
    for (const s of [slow, ...fast]) s.socket.subscribe("t");
    const counts: number[] = [];
    for (let i = 0; i < 10; i++) {
      counts.push(topics.publish("t", new Uint8Array(300).fill(i)));
      for (const f of fast) f.channel.flush();
    }
    // 300 buffered, 600, 900, then 1200 > 1000: closed at the 4th.
    assert.deepEqual(counts, [3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
    assert.ok(slow.events.includes("close 1008 unclean"), slow.events.join());
    assert.equal(dataFrames(slow.channel).length, 3, "nothing past the limit was queued");
    const close = decodeAll(slow.channel.written).at(-1) as { type: string; code: number };
    assert.deepEqual([close.type, close.code], ["close", 1008]);
    for (const f of fast) assert.equal(dataFrames(f.channel).length, 10);
    assert.equal(topics.subscriberCount("t"), 2);
  });

  it("send() follows the same limit: past maxBufferedBytes the socket closes with 1008", () => {
    const s = subscriber(new TopicRegistry(), { maxBufferedBytes: 1000 });
    s.channel.highWaterMark = 0;
    s.socket.send(new Uint8Array(2000)); // one message larger than the limit goes out alone
    assert.equal(s.events.some((e) => e.startsWith("close")), false);
    s.socket.send(new Uint8Array(1));
    assert.ok(s.events.includes("close 1008 unclean"), s.events.join());
  });

  it("maxBufferedBytes must be a positive integer", () => {
    assert.throws(
      () => upgradeWebSocket(upgradeRequest(), { maxBufferedBytes: 0 }),
      /"maxBufferedBytes" must be a positive integer/,
    );
  });

  it("topics need a socket from an h2serve server: a clear TypeError otherwise", () => {
    const req = upgradeRequest();
    const { socket, response } = upgradeWebSocket(req);
    resolveUpgrade(req, response);
    assert.throws(() => socket.subscribe("t"), /upgraded by an h2serve server/);
    assert.throws(() => socket.publish("t", "x"), /upgraded by an h2serve server/);
    assert.equal(socket.isSubscribed("t"), false);
  });
});
