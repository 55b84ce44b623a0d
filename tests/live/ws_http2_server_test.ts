/**
 * WebSocket over HTTP/2 (RFC 8441) through serve(), with a client built from
 * our own frames: SETTINGS_ENABLE_CONNECT_PROTOCOL, the extended CONNECT,
 * masked WebSocket frames in DATA, close handshake, END_STREAM, RST_STREAM,
 * flow control as inbound backpressure, shutdown, and the connection living on.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FrameType } from "../../src/http2/core/mod.ts";
import { upgradeWebSocket } from "../../src/websocket/upgrade.ts";
import { encodeFrame } from "../../src/websocket/encoder.ts";
import type { Completion } from "../../src/types.ts";
import { data, getRequest, headers, rst, windowUpdate } from "../support/http2_frames.ts";
import { LiveH2 } from "../support/http2_client.ts";
import { run, start } from "../support/live.ts";
import { skipUnless } from "../support/skip.ts";
import { fileURLToPath } from "node:url";
import { eventually } from "../support/common.ts";

const MASK = new Uint8Array([1, 2, 3, 4]);
const enc = new TextEncoder();
const SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8;

const connect = (path = "/chat", extra: Array<[string, string]> = []): Array<[string, string]> => [
  [":method", "CONNECT"],
  [":protocol", "websocket"],
  [":scheme", "http"],
  [":path", path],
  [":authority", "localhost"],
  ["sec-websocket-version", "13"],
  ...extra,
];

const wsFrame = (op: number, payload: Uint8Array | string) =>
  encodeFrame(op, typeof payload === "string" ? enc.encode(payload) : payload, { mask: MASK });

const closeFrame = (code: number, reason = "") =>
  wsFrame(8, new Uint8Array([code >> 8, code & 0xff, ...enc.encode(reason)]));

function echoHandler(seen: string[] = [], completions: Completion[] = []) {
  return (req: Request, info: { protocol: string; completed: Promise<Completion> }) => {
    if (req.headers.get("upgrade") !== "websocket") return new Response("plain");
    seen.push(
      `${req.method} ${req.url} ${req.headers.get("connection")} ` +
        `${req.headers.get("sec-websocket-version")} ${info.protocol}`,
    );
    info.completed.then((c) => completions.push(c));
    const offered = req.headers.get("sec-websocket-protocol");
    const { socket, response } = upgradeWebSocket(req, offered ? { protocol: "chat" } : {});
    socket.onmessage = (e) => socket.send(e.data);
    return response;
  };
}

function settingsOf(c: LiveH2): Map<number, number> {
  const f = c.frames.find((f) => f.type === FrameType.SETTINGS && !f.ack);
  return new Map(f && f.type === FrameType.SETTINGS ? f.settings : []);
}

/** The (unmasked) server WebSocket frames carried by the stream's DATA so far. */
function serverFrames(c: LiveH2, id: number): Array<{ op: number; payload: Uint8Array }> {
  const b = c.body(id);
  const out: Array<{ op: number; payload: Uint8Array }> = [];
  for (let i = 0; i + 1 < b.length;) {
    let len = b[i + 1]! & 0x7f;
    let off = i + 2;
    if (len === 126) {
      len = (b[off]! << 8) | b[off + 1]!;
      off += 2;
    } else if (len === 127) {
      len = Number(new DataView(b.buffer, b.byteOffset + off).getBigUint64(0));
      off += 8;
    }
    if (off + len > b.length) break;
    out.push({ op: b[i]! & 0x0f, payload: b.subarray(off, off + len) });
    i = off + len;
  }
  return out;
}

describe("WebSocket on serve() over HTTP/2 (RFC 8441), our own frames", () => {
  it("advertises ENABLE_CONNECT_PROTOCOL, echoes, closes with END_STREAM, and the connection lives on", async () => {
    const seen: string[] = [];
    const completions: Completion[] = [];
    await using s = start(echoHandler(seen, completions));
    // Our client never sends WINDOW_UPDATE: grant the server room for the 70 kB echo up front.
    using c = await LiveH2.connect(s.port, { settings: [[0x4, 1 << 20]] });
    c.write(windowUpdate(0, 1 << 20));
    await c.until(() => settingsOf(c).size > 0);
    assert.equal(settingsOf(c).get(SETTINGS_ENABLE_CONNECT_PROTOCOL), 1);
    c.write(headers(1, connect("/chat?room=1", [["sec-websocket-protocol", "x, chat"]])));
    await c.until(() => c.head(1) !== undefined);
    assert.equal(c.head(1)!.get(":status"), "200");
    assert.equal(c.head(1)!.get("sec-websocket-protocol"), "chat");
    assert.equal(c.ended(1), false);
    assert.deepEqual(seen, ["GET http://localhost/chat?room=1 upgrade 13 h2c"]);
    assert.equal(s.server.stats().websockets, 1);

    // Two messages, the second split across DATA frames.
    const big = wsFrame(2, new Uint8Array(70000).fill(7));
    // DATA frames of at most 16384 bytes (SETTINGS_MAX_FRAME_SIZE), cutting the message anywhere.
    const parts = [data(1, wsFrame(1, "hello"))];
    for (let o = 0; o < big.length; o += 10000) parts.push(data(1, big.subarray(o, o + 10000)));
    c.write(...parts);
    await c.until(() => serverFrames(c, 1).length === 2);
    const [m1, m2] = serverFrames(c, 1);
    assert.deepEqual([m1!.op, new TextDecoder().decode(m1!.payload)], [1, "hello"]);
    assert.deepEqual([m2!.op, m2!.payload.length, m2!.payload[69999]], [2, 70000, 7]);

    c.write(data(1, closeFrame(1000, "bye")));
    await c.until(() => c.ended(1));
    const last = serverFrames(c, 1).at(-1)!;
    assert.equal(last.op, 8);
    assert.equal((last.payload[0]! << 8) | last.payload[1]!, 1000);
    c.write(data(1, new Uint8Array(0), { endStream: true }));
    await eventually(() => completions.length === 1);
    assert.deepEqual(completions, ["sent"]);
    assert.equal(s.server.stats().websockets, 0);

    c.write(headers(3, getRequest("/after"), { endStream: true }));
    await c.until(() => c.ended(3));
    assert.equal(new TextDecoder().decode(c.body(3)), "plain");
    assert.equal(c.goaway, undefined);
  });

  it("the peer's RST_STREAM ends the session abnormally (info.completed aborted); the connection lives on", async () => {
    const completions: Completion[] = [];
    await using s = start(echoHandler([], completions));
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, connect()));
    await c.until(() => c.head(1) !== undefined);
    c.write(rst(1, 0x8 /* CANCEL */));
    await eventually(() => completions.length === 1);
    assert.deepEqual(completions, ["aborted"]);
    assert.equal(s.server.stats().websockets, 0);
    c.write(headers(3, getRequest("/"), { endStream: true }));
    await c.until(() => c.ended(3));
    assert.equal(c.head(3)!.get(":status"), "200");
  });

  it("the peer's END_STREAM without a close frame: 1006 for the socket, our END_STREAM closes the stream", async () => {
    const closes: string[] = [];
    await using s = start((req) => {
      const { socket, response } = upgradeWebSocket(req);
      socket.onclose = (e) => closes.push(`${e.code} ${e.wasClean}`);
      return response;
    });
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, connect()));
    await c.until(() => c.head(1) !== undefined);
    c.write(data(1, new Uint8Array(0), { endStream: true }));
    await c.until(() => c.ended(1));
    assert.deepEqual(closes, ["1006 false"]);
    assert.equal(s.server.stats().websockets, 0);
  });

  it("a protocol error in the WebSocket: close 1002 in DATA, then END_STREAM; the connection lives on", async () => {
    await using s = start(echoHandler());
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, connect()));
    await c.until(() => c.head(1) !== undefined);
    c.write(data(1, encodeFrame(1, enc.encode("unmasked"))));
    await c.until(() => c.ended(1));
    const f = serverFrames(c, 1).at(-1)!;
    assert.equal(f.op, 8);
    assert.equal((f.payload[0]! << 8) | f.payload[1]!, 1002);
    c.write(headers(3, getRequest("/"), { endStream: true }));
    await c.until(() => c.ended(3));
    assert.equal(c.head(3)!.get(":status"), "200");
  });

  it(":protocol other than websocket gets 501; plain CONNECT stays refused; :protocol on GET is malformed", async () => {
    let called = 0;
    await using s = start(() => (called++, new Response("handler")));
    using c = await LiveH2.connect(s.port);
    const other = connect().map(([k, v]): [string, string] => [k, k === ":protocol" ? "h3" : v]);
    c.write(headers(1, other));
    await c.until(() => c.head(1) !== undefined);
    assert.equal(c.head(1)!.get(":status"), "501");
    c.write(headers(3, [[":method", "CONNECT"], [":authority", "localhost:1"]]));
    await c.until(() => c.head(3) !== undefined || c.resetCode(3) !== undefined);
    assert.notEqual(c.head(3)?.get(":status"), "200");
    const get = getRequest("/");
    c.write(
      headers(5, [get[0]!, [":protocol", "websocket"], ...get.slice(1)], { endStream: true }),
    );
    await c.until(() => c.resetCode(5) !== undefined);
    assert.equal(c.resetCode(5), 0x1 /* PROTOCOL_ERROR */);
    assert.equal(called, 0);
  });

  it("with http2.enableConnectProtocol false: no setting, and :protocol is a PROTOCOL_ERROR", async () => {
    await using s = start(echoHandler(), { http2: { enableConnectProtocol: false } });
    using c = await LiveH2.connect(s.port);
    await c.until(() => settingsOf(c).size > 0);
    assert.equal(settingsOf(c).has(SETTINGS_ENABLE_CONNECT_PROTOCOL), false);
    c.write(headers(1, connect()));
    await c.until(() => c.resetCode(1) !== undefined);
    assert.equal(c.resetCode(1), 0x1);
  });

  it("server.shutdown() sends close 1001 on the stream under GOAWAY and finishes after the close handshake", async () => {
    const s = start(echoHandler());
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, connect()));
    await c.until(() => c.head(1) !== undefined);
    const done = s.server.shutdown();
    await c.until(() => serverFrames(c, 1).some((f) => f.op === 8));
    const f = serverFrames(c, 1).find((f) => f.op === 8)!;
    assert.equal((f.payload[0]! << 8) | f.payload[1]!, 1001);
    assert.ok(c.goaway !== undefined, "GOAWAY sent");
    c.write(data(1, closeFrame(1001), { endStream: true }));
    await done;
    assert.equal(s.server.stats().websockets, 0);
  });

  it("inbound backpressure: a handler that does not read shuts the stream window", async () => {
    let taken = 0;
    await using s = start((req) => {
      const { socket, response } = upgradeWebSocket(req);
      // The stream view is never read: after its buffer fills, the session pauses inbound.
      socket.stream().opened.then(() => (taken = 1));
      return response;
    }, { http2: { initialWindowSize: 65535 } });
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, connect()));
    await c.until(() => c.head(1) !== undefined);
    const msg = data(1, wsFrame(2, new Uint8Array(8000)));
    const frameLen = 8000 + 4 + 4; // ws header with 16-bit length + mask
    const window = 65535;
    const credit = () =>
      c.frames.reduce(
        (n, f) => n + (f.type === FrameType.WINDOW_UPDATE && f.streamId === 1 ? f.increment : 0),
        0,
      );
    let sent = 0;
    // Send within the stream window until it stays shut for a while.
    for (let round = 0; round < 400; round++) {
      const available = window + credit() - sent;
      if (available < frameLen) {
        const before = credit();
        try {
          await c.until(() => credit() > before, 500);
        } catch {
          break; // the window stayed shut
        }
        continue;
      }
      c.write(msg);
      sent += frameLen;
    }
    assert.equal(taken, 1);
    // 16 queued messages plus what the decoder and the window hold; far below 400 messages.
    assert.ok(sent < 60 * frameLen, `sent ${sent} bytes into a handler that reads nothing`);
    assert.ok(sent >= 16 * frameLen, `only ${sent} bytes were accepted`);
  });
});

const PY = "/usr/bin/python3";
const hasPyH2 = (await run(PY, ["-c", "import h2.settings"])).code === 0;
const PY_CLIENT = fileURLToPath(new URL("../fixtures/ws_h2_client.py", import.meta.url));

describe("WebSocket on serve() over HTTP/2: python-hyper h2 as the client", () => {
  it(
    "sees ENABLE_CONNECT_PROTOCOL, opens, echoes, closes, then GETs on the same connection",
    { skip: skipUnless(hasPyH2, "python3-h2 (Debian) is not installed") },
    async () => {
      await using s = start(echoHandler());
      const r = await run(PY, [PY_CLIENT, String(s.port), "héllo h2"], 20_000);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split("\n"), [
        "enable_connect_protocol 1",
        "status 200",
        // stdout is read as latin1: the UTF-8 of "é" shows as two chars
        `echo h${"\u00c3\u00a9"}llo h2`,
        "close 1000",
        "get plain",
      ]);
    },
  );
});
