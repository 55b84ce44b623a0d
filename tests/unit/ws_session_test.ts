import { describe, it } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { setTimeout as sleep } from "node:timers/promises";
import { upgradeWebSocket, WebSocketHandshakeError } from "../../src/websocket/upgrade.ts";
import { foreignUpgradeError, resolveUpgrade } from "../../src/websocket/registry.ts";
import { MAX_UNANSWERED_PINGS } from "../../src/websocket/session.ts";
import { idlePingCounts } from "../../src/websocket/idle_pings.ts";
import { encodeClose } from "../../src/websocket/encoder.ts";
import { PerMessageDeflate } from "../../src/websocket/deflate.ts";
import { clientFrame, MASK, openSession, upgradeHeaders, upgradeRequest } from "../support/ws.ts";
import { eventually } from "../support/common.ts";
import {
  IGNORE,
  SESSION_TABLE,
  SessionEvent,
  SessionState,
} from "../../src/websocket/session_table.ts";

const te = new TextEncoder();
const td = new TextDecoder();

describe("upgradeWebSocket", () => {
  it("h1: 101 with Upgrade, Connection, Sec-WebSocket-Accept and the chosen protocol", () => {
    const s = openSession(
      { protocol: "chat" },
      upgradeHeaders({ "sec-websocket-protocol": "x, chat" }),
    );
    assert.equal(s.decision.status, 101);
    assert.deepEqual(s.decision.headers, [
      ["upgrade", "websocket"],
      ["connection", "Upgrade"],
      ["sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="],
      ["sec-websocket-protocol", "chat"],
    ]);
    assert.equal(s.socket.protocol, "chat");
    assert.equal(s.socket.url, "ws://127.0.0.1:8080/chat");
    assert.equal(s.socket.extensions, "");
  });
  it("h2: 200 without accept; the driver presents a GET with upgrade: websocket", () => {
    const s = openSession(
      { compress: true },
      {
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-extensions": "permessage-deflate",
      },
      Infinity,
      { protocol: "h2", secure: true },
    );
    assert.equal(s.decision.status, 200);
    assert.deepEqual(s.decision.headers, [["sec-websocket-extensions", "permessage-deflate"]]);
    assert.equal(s.socket.url, "wss://127.0.0.1:8080/chat");
  });
  it("compress is off by default and on when asked", () => {
    const h = upgradeHeaders({
      "sec-websocket-extensions": "permessage-deflate; client_max_window_bits",
    });
    assert.equal(openSession({}, h).socket.extensions, "");
    assert.equal(openSession({ compress: true }, h).socket.extensions, "permessage-deflate");
  });
  it("throws a TypeError for a request that is not an upgrade, or not from h2serve", () => {
    assert.throws(() => upgradeWebSocket(new Request("http://x/")), /not a WebSocket upgrade/);
    assert.throws(
      () => upgradeWebSocket(new Request("http://x/", { headers: upgradeHeaders() })),
      /did not come from an h2serve server/,
    );
  });
  it("a malformed handshake throws WebSocketHandshakeError with 400 or 426", () => {
    const e400 = (() => {
      try {
        upgradeWebSocket(upgradeRequest(upgradeHeaders({ "sec-websocket-key": "short" })));
      } catch (e) {
        return e;
      }
    })();
    assert.ok(e400 instanceof WebSocketHandshakeError && e400 instanceof TypeError);
    assert.equal((e400 as WebSocketHandshakeError).status, 400);
    try {
      upgradeWebSocket(upgradeRequest(upgradeHeaders({ "sec-websocket-version": "8" })));
      assert.fail("no throw");
    } catch (e) {
      assert.equal((e as WebSocketHandshakeError).status, 426);
      assert.deepEqual((e as WebSocketHandshakeError).headers, [["sec-websocket-version", "13"]]);
    }
  });
  it("invalid options name the option", () => {
    const req = () => upgradeRequest();
    assert.throws(() => upgradeWebSocket(req(), { maxMessageBytes: 0 }), /"maxMessageBytes"/);
    assert.throws(() => upgradeWebSocket(req(), { idleTimeout: -1 }), /"idleTimeout"/);
    // deno-lint-ignore no-explicit-any
    assert.throws(() => upgradeWebSocket(req(), { compress: "yes" as any }), /"compress"/);
    assert.throws(() => upgradeWebSocket(req(), { protocol: "chat" }), /option "protocol"/);
  });
  it("a second upgrade of the same request throws", () => {
    const r = upgradeRequest();
    upgradeWebSocket(r);
    assert.throws(() => upgradeWebSocket(r), /already upgraded/);
  });
  it("a handler that returns another response fails the socket", () => {
    const r = upgradeRequest();
    const { socket } = upgradeWebSocket(r);
    const ev: string[] = [];
    socket.onerror = () => ev.push("error");
    socket.onclose = (e) => ev.push(`close ${e.code}`);
    assert.equal(resolveUpgrade(r, new Response("no")).type, "none");
    assert.deepEqual(ev, ["error", "close 1006"]);
    assert.equal(socket.readyState, 3);
  });
  it("a foreign 101 (Deno.upgradeWebSocket) yields an error naming upgradeWebSocket", () => {
    const fake = { status: 101 } as Response;
    assert.match(foreignUpgradeError(fake)!.message, /upgradeWebSocket from h2serve/);
    const d = resolveUpgrade(new Request("http://x/"), fake);
    assert.equal(d.type, "foreign");
    assert.equal(foreignUpgradeError(new Response("x")), undefined);
    // Where the runtime has one, its real 101 too (only Deno ships upgradeWebSocket).
    const D = (globalThis as unknown as {
      Deno?: { upgradeWebSocket(r: Request): { response: Response } };
    }).Deno;
    if (D !== undefined) {
      const req = upgradeRequest();
      const { response } = D.upgradeWebSocket(req);
      assert.equal(response.status, 101);
      const real = resolveUpgrade(req, response);
      assert.equal(real.type, "foreign");
      assert.match(
        real.type === "foreign" ? real.error.message : "",
        /upgradeWebSocket from h2serve/,
      );
    }
  });
});

describe("ws session: messages", () => {
  it("opens, then echoes text and binary (binaryType arraybuffer by default)", () => {
    const s = openSession();
    assert.equal(s.readyBefore, 0);
    assert.deepEqual(s.events, ["open"]);
    assert.equal(s.socket.readyState, 1);
    assert.equal(s.socket.binaryType, "arraybuffer");
    s.session.receive(clientFrame(1, "héllo"));
    s.session.receive(clientFrame(2, new Uint8Array([1, 2, 3])));
    assert.equal(s.messages[0], "héllo");
    assert.ok(s.messages[1] instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(s.messages[1] as ArrayBuffer)], [1, 2, 3]);
    s.socket.binaryType = "blob";
    s.session.receive(clientFrame(2, new Uint8Array([4])));
    assert.ok(s.messages[2] instanceof Blob);
  });
  it("send before open throws InvalidStateError", () => {
    const { socket } = upgradeWebSocket(upgradeRequest());
    assert.throws(
      () => socket.send("x"),
      (e: unknown) => (e as DOMException).name === "InvalidStateError",
    );
  });
  it("sends string, ArrayBuffer, view and Blob in call order, unmasked", async () => {
    const s = openSession();
    s.socket.send(new Blob([te.encode("blob")]));
    s.socket.send("text");
    s.socket.send(new Uint8Array([9, 9]).buffer);
    s.socket.send(new Uint16Array([0x0102]));
    assert.equal(s.socket.bufferedAmount > 0, true);
    await eventually(() => s.socket.bufferedAmount === 0);
    const f = s.frames();
    assert.deepEqual(f.map((e) => e.type === "message" && [e.opcode, e.data.length]), [
      [2, 4],
      [1, 4],
      [2, 2],
      [2, 2],
    ]);
    assert.equal(s.channel.output.length, 0);
  });
  it("a ping is answered by a pong with the same payload, between fragments", () => {
    const s = openSession();
    s.session.receive(clientFrame(1, "ab", { fin: false }));
    s.session.receive(clientFrame(9, "ping!"));
    s.session.receive(clientFrame(0, "c"));
    assert.deepEqual(s.frames(), [{ type: "pong", data: te.encode("ping!") }]);
    assert.deepEqual(s.messages, ["abc"]);
  });
  it("a 1 MiB message split at odd offsets", () => {
    const s = openSession();
    const big = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
    const f = clientFrame(2, big);
    for (let i = 0; i < f.length; i += 7777) s.session.receive(f.subarray(i, i + 7777));
    assert.deepEqual(new Uint8Array(s.messages[0] as ArrayBuffer), big);
  });
});

describe("ws session: close handshake", () => {
  it("echoes the peer's close and ends the channel", () => {
    const s = openSession();
    s.session.receive(encodeClose(4001, "bye", MASK));
    assert.deepEqual(s.frames(), [{ type: "close", code: 4001, reason: "bye" }]);
    assert.equal(s.channel.status, "ended");
    assert.deepEqual(s.events, ["open", "close 4001 clean"]);
    s.socket.send("ignored");
    assert.equal(s.channel.output.length, 0);
  });
  it("an empty close is echoed empty and reported as 1005", () => {
    const s = openSession();
    s.session.receive(clientFrame(8));
    assert.deepEqual(s.frames(), [{ type: "close", code: undefined, reason: "" }]);
    assert.deepEqual(s.events, ["open", "close 1005 clean"]);
  });
  it("close() sends a close after queued messages, then waits for the peer's", async () => {
    const s = openSession();
    s.socket.send(new Blob(["late"]));
    s.socket.close(1000, "done");
    assert.equal(s.socket.readyState, 2);
    s.socket.send("dropped");
    await eventually(() => s.channel.output.length >= 2);
    const f = s.frames();
    assert.equal(f.length, 2);
    assert.equal(f[0]!.type, "message");
    assert.deepEqual(f[1], { type: "close", code: 1000, reason: "done" });
    assert.equal(s.channel.status, "open");
    s.session.receive(clientFrame(1, "discarded while closing"));
    s.session.receive(encodeClose(1000, "", MASK));
    assert.equal(s.channel.status, "ended");
    assert.deepEqual(s.events, ["open", "close 1000 clean"]);
    assert.equal(s.messages.length, 0);
    assert.equal(s.channel.output.length, 0, "no second close frame");
  });
  it("close() without an answer aborts the channel after closeTimeout", async () => {
    const s = openSession({ closeTimeout: 0.05 });
    s.socket.close();
    assert.deepEqual(s.frames(), [{ type: "close", code: undefined, reason: "" }]);
    await eventually(() => s.channel.status === "aborted");
    assert.deepEqual(s.events, ["open", "error", "close 1006 unclean"]);
  });
  it("close() validates code and reason like browsers", () => {
    const s = openSession();
    assert.throws(
      () => s.socket.close(1001),
      (e: unknown) => (e as DOMException).name === "InvalidAccessError",
    );
    assert.throws(
      () => s.socket.close(2999),
      (e: unknown) => (e as DOMException).name === "InvalidAccessError",
    );
    assert.throws(
      () => s.socket.close(1000, "é".repeat(62)),
      (e: unknown) => (e as DOMException).name === "SyntaxError",
    );
    s.socket.close(4999, "x".repeat(123));
    assert.equal(s.socket.readyState, 2);
  });
  it("goingAway() closes with 1001", () => {
    const s = openSession();
    s.session.goingAway();
    assert.deepEqual(s.frames(), [{ type: "close", code: 1001, reason: "server shutting down" }]);
    s.session.receive(encodeClose(1001, "", MASK));
    assert.deepEqual(s.events, ["open", "close 1001 clean"]);
  });
  it("the peer vanishing gives error then close 1006", () => {
    const s = openSession();
    s.session.peerEnded();
    assert.deepEqual(s.events, ["open", "error", "close 1006 unclean"]);
    assert.equal(s.socket.readyState, 3);
  });
  it("close() while CONNECTING closes right after open", () => {
    const r = upgradeRequest();
    const { socket, response } = upgradeWebSocket(r);
    socket.close(1000);
    assert.equal(socket.readyState, 2);
    const d = resolveUpgrade(r, response);
    if (d.type !== "accept") throw new Error("no accept");
    const out: Uint8Array[] = [];
    d.open({
      write: (b) => (out.push(b), true),
      drain: () => Promise.resolve(),
      pause() {},
      resume() {},
      end() {},
      abort() {},
    });
    assert.deepEqual([...out[0]!], [0x88, 0x02, 0x03, 0xe8]);
  });
});

describe("ws session: protocol errors close with a code before the channel ends", () => {
  const cases: [string, Uint8Array, number, object?][] = [
    ["unmasked frame", new Uint8Array([0x81, 0x01, 0x41]), 1002],
    ["reserved opcode", clientFrame(3, "x"), 1002],
    ["RSV1 without deflate", clientFrame(1, "x", { rsv1: true }), 1002],
    ["ping over 125", clientFrame(9, new Uint8Array(126)), 1002],
    ["1-byte close", clientFrame(8, new Uint8Array([3])), 1002],
    ["close 1005", encodeClose(1005, "", MASK), 1002],
    ["bad UTF-8", clientFrame(1, new Uint8Array([0xed, 0xa0, 0x80])), 1007],
    ["too big", clientFrame(2, new Uint8Array(101)), 1009, { maxMessageBytes: 100 }],
  ];
  for (const [name, bytes, code, opts] of cases) {
    it(`${name} -> ${code}`, () => {
      const s = openSession(opts);
      s.session.receive(bytes);
      const f = s.frames();
      assert.equal(f.length, 1);
      assert.equal(f[0]!.type, "close");
      assert.equal((f[0] as { code: number }).code, code);
      assert.equal(s.channel.status, "ended");
      assert.deepEqual(s.events, ["open", "error", `close ${code} unclean`]);
    });
  }
});

describe("ws session: backpressure and floods", () => {
  it("a ping flood whose pongs are not read is bounded, then closed with 1008", () => {
    const s = openSession({}, upgradeHeaders(), 1024);
    const ping = clientFrame(9, new Uint8Array(125));
    let i = 0;
    for (; i < 10_000 && s.channel.status === "open"; i++) s.session.receive(ping);
    assert.ok(s.channel.paused, "inbound paused while output is stalled");
    assert.equal(s.channel.status, "ended");
    assert.ok(i <= 20 + MAX_UNANSWERED_PINGS, `closed after ${i} pings`);
    const f = s.frames();
    assert.ok(f.length < 20, `${f.length} frames written`);
    assert.deepEqual(f.at(-1), {
      type: "close",
      code: 1008,
      reason: "too many pings while our replies are unread",
    });
  });
  it("pongs owed while stalled collapse to the latest, sent on drain", async () => {
    const s = openSession({}, upgradeHeaders(), 10);
    s.session.receive(clientFrame(9, "first-ping-fills"));
    s.session.receive(clientFrame(9, "a"));
    s.session.receive(clientFrame(9, "b"));
    assert.equal(s.frames().length, 1);
    s.channel.flush();
    await eventually(() => !s.channel.paused);
    assert.deepEqual(s.frames(), [{ type: "pong", data: te.encode("b") }]);
  });
  it("bufferedAmount counts what the client has not taken", async () => {
    const s = openSession({}, upgradeHeaders(), 100);
    s.socket.send("x".repeat(200));
    s.socket.send("y".repeat(50));
    assert.equal(s.socket.bufferedAmount, 250);
    s.channel.flush();
    await eventually(() => s.socket.bufferedAmount === 0);
  });
  it("stream(): writes wait for the client; an unread readable pauses inbound", async () => {
    const s = openSession({}, upgradeHeaders(), 100);
    const view = s.socket.stream();
    const { readable, writable } = await view.opened;
    const w = writable.getWriter();
    let done = false;
    const p = w.write("z".repeat(500)).then(() => (done = true));
    await sleep(20);
    assert.equal(done, false, "write waits while the channel is above its mark");
    s.channel.flush();
    await p;
    for (let i = 0; i < 20; i++) s.session.receive(clientFrame(1, `m${i}`));
    assert.ok(s.channel.paused, "paused while 16+ messages are unread");
    const r = readable.getReader();
    const got: unknown[] = [];
    while (s.channel.paused && got.length < 20) got.push((await r.read()).value);
    await eventually(() => !s.channel.paused);
    assert.equal(got[0], "m0");
    assert.ok(got.length >= 4 && got.length <= 5, `resumed after ${got.length} reads`);
    s.session.receive(encodeClose(1000, "", MASK));
    assert.deepEqual(await view.closed, { closeCode: 1000, reason: "" });
  });
  it("idleTimeout: ping after half the timeout, close 1001 without an answer", async () => {
    const s = openSession({ idleTimeout: 0.1 });
    await eventually(() => s.channel.output.length > 0);
    assert.deepEqual(s.frames(), [{ type: "ping", data: new Uint8Array(0) }]);
    await eventually(() => s.channel.status === "ended");
    assert.deepEqual(s.frames(), [{
      type: "close",
      code: 1001,
      reason: "No response from ping frame.",
    }]);
    assert.deepEqual(s.events, ["open", "error", "close 1001 unclean"]);
  });
  it("idle pings: sessions with one idleTimeout share one timer, gone with the last", () => {
    const before = idlePingCounts();
    const sessions = Array.from({ length: 20 }, () => openSession({ idleTimeout: 7.77 }));
    const during = idlePingCounts();
    assert.equal(during.timers, before.timers + 1);
    assert.equal(during.members, before.members + 20);
    for (const s of sessions) {
      s.socket.close();
      s.session.receive(encodeClose(1000, "", MASK));
    }
    assert.deepEqual(idlePingCounts(), before);
  });
  it("idle pings on the shared timer: a silent peer gets 1001, a talking one stays", async () => {
    const silent = openSession({ idleTimeout: 0.1 });
    const talking = openSession({ idleTimeout: 0.1 });
    let talk = true;
    const chatter = (async () => {
      while (talk) {
        talking.session.receive(clientFrame(10));
        await sleep(10);
      }
    })();
    await eventually(() => silent.channel.status === "ended");
    assert.deepEqual(silent.events, ["open", "error", "close 1001 unclean"]);
    await sleep(150); // past another whole idle period of the talking one
    assert.equal(talking.socket.readyState, 1);
    assert.deepEqual(talking.events, ["open"]);
    talk = false;
    await chatter;
    talking.socket.close();
    talking.session.receive(encodeClose(1000, "", MASK));
  });
  it("idleTimeout: a pong keeps the socket open", async () => {
    const s = openSession({ idleTimeout: 0.1 });
    for (let i = 0; i < 3; i++) {
      await eventually(() => s.channel.output.length > 0);
      assert.equal(s.frames()[0]?.type, "ping");
      s.session.receive(clientFrame(10));
    }
    assert.equal(s.socket.readyState, 1);
    s.socket.close();
    s.session.receive(encodeClose(1000, "", MASK));
  });
});

describe("ws session: permessage-deflate", () => {
  function clientDeflate(data: Uint8Array): Uint8Array {
    const b = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    return new Uint8Array(b.subarray(0, b.length - 4));
  }
  it("inflates client messages and deflates ours, keeping order", async () => {
    const s = openSession(
      { compress: true },
      upgradeHeaders({ "sec-websocket-extensions": "permessage-deflate" }),
    );
    const big = "compressible ".repeat(100);
    s.session.receive(clientFrame(1, clientDeflate(te.encode(big)), { rsv1: true }));
    s.session.receive(clientFrame(1, "plain after compressed"));
    await eventually(() => s.messages.length === 2);
    assert.deepEqual(s.messages, [big, "plain after compressed"]);
    s.socket.send(big);
    s.socket.send("tiny");
    await eventually(() => s.socket.bufferedAmount === 0 && s.channel.output.length === 2);
    const f = s.frames();
    const peer = new PerMessageDeflate({
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    }, 1 << 20);
    const m0 = f[0] as { compressed: boolean; data: Uint8Array };
    assert.equal(m0.compressed, true);
    assert.ok(m0.data.length < 100);
    assert.equal(td.decode(await peer.decompress(m0.data)), big);
    assert.equal((f[1] as { compressed: boolean }).compressed, false);
    peer.close();
  });
  it("a compressed bomb closes with 1009", async () => {
    const s = openSession(
      { compress: true, maxMessageBytes: 1 << 20 },
      upgradeHeaders({ "sec-websocket-extensions": "permessage-deflate" }),
    );
    s.session.receive(clientFrame(2, clientDeflate(new Uint8Array(32 << 20)), { rsv1: true }));
    await eventually(() => s.channel.status === "ended");
    assert.deepEqual(s.frames().at(-1), {
      type: "close",
      code: 1009,
      reason: "inflated message over maxMessageBytes",
    });
  });
  it("a close frame and the peer's end in one read, behind an inflation, close cleanly", async () => {
    // An h2 peer (Chromium over RFC 8441) sends its last message, its close
    // frame and END_STREAM together: the end must wait behind the inflation.
    const s = openSession(
      { compress: true },
      upgradeHeaders({ "sec-websocket-extensions": "permessage-deflate" }),
    );
    const closePayload = new Uint8Array([0x03, 0xe8, 0x62, 0x79, 0x65]); // 1000 "bye"
    s.session.receive(clientFrame(1, clientDeflate(te.encode("last words")), { rsv1: true }));
    s.session.receive(clientFrame(8, closePayload));
    s.session.peerEnded();
    await eventually(() => s.events.some((e) => e.startsWith("close")));
    assert.deepEqual(s.messages, ["last words"]);
    assert.deepEqual(s.events.filter((e) => e.startsWith("close")), ["close 1000 clean"]);
  });
  it("compressed text with invalid UTF-8 closes with 1007", async () => {
    const s = openSession(
      { compress: true },
      upgradeHeaders({ "sec-websocket-extensions": "permessage-deflate" }),
    );
    s.session.receive(clientFrame(1, clientDeflate(new Uint8Array([0xc0, 0x80])), { rsv1: true }));
    await eventually(() => s.channel.status === "ended");
    assert.equal((s.frames().at(-1) as { code: number }).code, 1007);
  });
});

describe("ws session: close races", () => {
  it("a peer close arriving while our close waits behind a Blob is still answered", async () => {
    const s = openSession();
    let release!: (b: ArrayBuffer) => void;
    const slow = { size: 3, arrayBuffer: () => new Promise<ArrayBuffer>((r) => (release = r)) };
    Object.setPrototypeOf(slow, Blob.prototype);
    s.socket.send(slow as unknown as Blob);
    s.socket.close(1000, "mine");
    assert.equal(s.channel.output.length, 0, "our close waits behind the Blob");
    s.session.receive(encodeClose(1001, "theirs", MASK));
    assert.deepEqual(s.frames(), [{ type: "close", code: 1001, reason: "theirs" }]);
    assert.equal(s.channel.status, "ended");
    assert.deepEqual(s.events, ["open", "close 1001 clean"]);
    release(new ArrayBuffer(3));
    await sleep(10);
    assert.equal(s.channel.output.length, 0, "nothing after the close");
  });
});

describe("ws session: its table", () => {
  it("has a row for every (state, event) pair", () => {
    assert.deepEqual(SESSION_TABLE.missing(), []);
  });

  it("CLOSED ignores everything; the readyState numbers are the states", () => {
    for (let e = 0; e <= SessionEvent.CLOSE_TIMEOUT; e++) {
      assert.equal(SESSION_TABLE.next(SessionState.CLOSED, e), IGNORE, `event ${e}`);
    }
    assert.deepEqual(
      [SessionState.CONNECTING, SessionState.OPEN, SessionState.CLOSING, SessionState.CLOSED],
      [0, 1, 2, 3],
    );
    assert.equal(SESSION_TABLE.next(SessionState.OPEN, SessionEvent.LOCAL_CLOSE), 2);
    assert.equal(SESSION_TABLE.next(SessionState.CLOSING, SessionEvent.LOCAL_CLOSE), IGNORE);
    assert.equal(SESSION_TABLE.next(SessionState.CLOSING, SessionEvent.CLOSE_TIMEOUT), 3);
  });
});
