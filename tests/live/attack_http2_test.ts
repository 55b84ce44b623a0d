// HTTP/2 attacks mounted over raw sockets against a live server.
// Every test checks three things: the attacker's connection or stream is
// ended with the defined code, no handler work is left behind, and a
// well-behaved client on other connections is served during the attack.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RawClient, sleep, startRecording, type TestServer } from "../support/live.ts";
import { concat, eventually } from "../support/common.ts";
import { LiveH2 } from "../support/http2_client.ts";
import {
  continuation,
  data,
  getRequest,
  headers,
  hpackInt,
  literalBlock,
  ping,
  postRequest,
  preface,
  rst,
  settings,
  windowUpdate,
} from "../support/http2_frames.ts";
import {
  ErrorCode,
  type Frame,
  FrameDecoder,
  FrameType,
  SettingId,
} from "../../src/http2/core/mod.ts";
import type { Handler, ServeOptions } from "../../mod.ts";

/** A recording server (see startRecording): /good is "ok", other paths go to `attack`. */
function server(attack: Handler, options: ServeOptions = {}): TestServer & { paths: string[] } {
  return startRecording(attack, options);
}

/** A well-behaved client gets 200 "ok" over HTTP/1.1 and over h2c, each on a new connection. */
async function assertServed(port: number): Promise<void> {
  const r = await fetch(`http://127.0.0.1:${port}/good`, { headers: { connection: "close" } });
  assert.equal(r.status, 200);
  assert.equal(await r.text(), "ok");
  using c = await LiveH2.connect(port);
  c.write(headers(1, getRequest("/good"), { endStream: true }));
  await c.until(() => c.ended(1));
  assert.equal(c.head(1)?.get(":status"), "200");
  assert.equal(new TextDecoder().decode(c.body(1)), "ok");
}

/** Waits for the attacker's GOAWAY and the close; returns the GOAWAY code. */
async function closedWith(c: LiveH2, ms = 10_000): Promise<number | undefined> {
  await c.waitClosed(ms);
  return c.goaway?.code;
}

/** Ends a test: no request left in flight, and only `conns` connections open. */
async function settled(s: TestServer, conns = 0): Promise<void> {
  await eventually(() => s.server.stats().inflight === 0, 5000, "inflight back to 0");
  await eventually(() => s.server.stats().connections <= conns, 5000, "connections closed");
}

/** A handler that waits until its request is aborted (or 10 s), recording its signal. */
function hanging(signals: AbortSignal[]): Handler {
  return (req) => {
    signals.push(req.signal);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(new Response("late")), 10_000);
      req.signal.addEventListener("abort", () => {
        clearTimeout(t);
        resolve(new Response("aborted"));
      });
    });
  };
}

/** Waits until the server's SETTINGS arrived (and were acknowledged by LiveH2). */
function handshake(c: LiveH2): Promise<void> {
  return c.until(() => c.frames.some((f) => f.type === FrameType.SETTINGS && !f.ack));
}

/** Decodes the frames in raw bytes sent by the server. */
function framesOf(bytes: Uint8Array): Frame[] {
  const d = new FrameDecoder(1 << 24);
  d.push(bytes);
  const out: Frame[] = [];
  for (let f = d.next(); f !== null; f = d.next()) out.push(f);
  return out;
}

/** A literal field with incremental indexing and a new name (enters the dynamic table). */
function indexedLiteral(name: string, value: string): Uint8Array {
  const out = [0x40, ...hpackInt(name.length, 7, 0)];
  for (let i = 0; i < name.length; i++) out.push(name.charCodeAt(i));
  out.push(...hpackInt(value.length, 7, 0));
  for (let i = 0; i < value.length; i++) out.push(value.charCodeAt(i));
  return new Uint8Array(out);
}

/** Repeats frames built by `f` for `n` consecutive odd stream ids from `first`. */
function streams(first: number, n: number, f: (id: number) => Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) parts.push(f(first + 2 * i));
  return concat(...parts);
}

describe("h2 attack: rapid reset (CVE-2023-44487)", () => {
  it("HEADERS+RST_STREAM pairs past the budget → GOAWAY ENHANCE_YOUR_CALM; reset handlers never run or abort at once", async () => {
    const signals: AbortSignal[] = [];
    const s = server(hanging(signals));
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    const pair = (id: number) =>
      concat(headers(id, getRequest("/rr"), { endStream: true }), rst(id, ErrorCode.CANCEL));
    c.write(streams(1, 400, pair));
    await sleep(50);
    await assertServed(s.port); // during the attack
    assert.equal(c.closed, false, "400 resets are within the burst");
    c.write(streams(801, 2000, pair));
    assert.equal(await closedWith(c), ErrorCode.ENHANCE_YOUR_CALM);
    // Streams reset in the same read never reach the handler; any that did (a pair split
    // across reads) saw its signal aborted at once.
    assert.ok(signals.length < 240, `${signals.length} handlers started for 2400 reset streams`);
    await eventually(() => signals.every((sig) => sig.aborted), 2000, "started handlers aborted");
    await settled(s);
    assert.equal(s.paths.filter((p) => p === "/good").length, 2);
  });

  it("MadeYouReset (CVE-2025-8671): stream errors the client provokes spend the same budget", async () => {
    const signals: AbortSignal[] = [];
    const s = server(hanging(signals));
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    // WINDOW_UPDATE of 0 on an open stream is a stream error: we must send RST_STREAM.
    const provoke = (id: number) =>
      concat(headers(id, getRequest("/myr"), { endStream: true }), windowUpdate(id, 0));
    c.write(streams(1, 300, provoke));
    await c.until(() => c.resetCode(599) !== undefined);
    assert.equal(c.resetCode(1), ErrorCode.PROTOCOL_ERROR);
    await assertServed(s.port);
    c.write(streams(601, 2000, provoke));
    assert.equal(await closedWith(c), ErrorCode.ENHANCE_YOUR_CALM);
    const resets = c.frames.filter((f) => f.type === FrameType.RST_STREAM).length;
    assert.ok(resets >= 900 && resets < 1300, `${resets} RST_STREAM before GOAWAY`);
    assert.ok(signals.length < 230, `${signals.length} handlers started`);
    await eventually(() => signals.every((sig) => sig.aborted), 2000, "started handlers aborted");
    await settled(s);
  });
});

describe("h2 attack: CONTINUATION flood (2024)", () => {
  it("more than 8 CONTINUATION frames in one header block → GOAWAY ENHANCE_YOUR_CALM", async () => {
    const s = server(() => new Response("never"));
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    await handshake(c); // our SETTINGS ACK must not land inside the header block
    const block = literalBlock(getRequest("/cont", [["x-pad", "p".repeat(200)]]));
    c.write(headers(1, block.subarray(0, 1), { endHeaders: false }));
    for (let i = 1; i <= 4; i++) c.write(continuation(1, block.subarray(i, i + 1), false));
    await sleep(50);
    await assertServed(s.port);
    assert.equal(c.closed, false);
    const rest: Uint8Array[] = [];
    for (let i = 5; i < 100; i++) rest.push(continuation(1, block.subarray(i, i + 1), false));
    c.write(concat(...rest));
    assert.equal(await closedWith(c), ErrorCode.ENHANCE_YOUR_CALM);
    assert.equal(s.paths.includes("/cont"), false);
    await settled(s);
  });

  it("a header block growing past maxHeaderBlockSize → GOAWAY before it is buffered", async () => {
    // Count cap lifted, so the size cap (128 KiB) is what stops an endless block.
    const s = server(() => new Response("never"), { http2: { maxContinuationFrames: 10_000 } });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    await handshake(c);
    const chunk = new Uint8Array(16_000).fill(0x41);
    c.write(headers(1, literalBlock(getRequest("/big")), { endHeaders: false }));
    c.write(continuation(1, chunk, false));
    await sleep(50);
    await assertServed(s.port);
    // 4 MiB more would follow; the server gives up at 128 KiB.
    for (let i = 0; i < 256 && !c.closed; i++) {
      c.write(continuation(1, chunk, false));
      if (i % 16 === 15) await sleep(5);
    }
    assert.equal(await closedWith(c), ErrorCode.ENHANCE_YOUR_CALM);
    assert.equal(s.paths.includes("/big"), false);
    await settled(s);
  });
});

describe("h2 attack: HPACK bomb", () => {
  it("references to a 4 KiB table entry: 431 per request, nothing decoded past the cap, memory flat; then GOAWAY", async () => {
    const s = server(() => new Response("seeded"));
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    // One 4 KiB entry in the dynamic table (fits the default 4096-byte table).
    const seed = concat(
      literalBlock(getRequest("/seed")),
      indexedLiteral("x-b", "b".repeat(4000)),
    );
    c.write(headers(1, seed, { endStream: true }));
    await c.until(() => c.ended(1));
    assert.equal(c.head(1)?.get(":status"), "200");
    // Each request references the entry 4000 times: 16 MB decoded if unbounded.
    const bomb = concat(literalBlock(getRequest("/bomb")), new Uint8Array(4000).fill(0xbe));
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = process.memoryUsage().heapUsed;
    // In rounds of 50: more at once would be over MAX_CONCURRENT_STREAMS (refused).
    for (let first = 3; first < 603; first += 100) {
      c.write(streams(first, 50, (id) => headers(id, bomb, { endStream: true })));
      await c.until(() => c.ended(first + 98));
    }
    gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    // 300 × 16 MB = 4.8 GB if the lists were materialized.
    assert.ok(grown < 64 * 1024 * 1024, `heap grew by ${grown} bytes`);
    for (let id = 3; id <= 601; id += 2) {
      assert.equal(c.head(id)?.get(":status"), "431", `stream ${id}`);
    }
    assert.equal(s.paths.includes("/bomb"), false);
    await assertServed(s.port);
    // Each refusal spends the reset budget: a client that keeps bombing is cut off.
    c.write(streams(603, 1500, (id) => headers(id, bomb, { endStream: true })));
    assert.equal(await closedWith(c), ErrorCode.ENHANCE_YOUR_CALM);
    assert.equal(s.paths.includes("/bomb"), false);
    await settled(s);
  });
});

describe("h2 attack: control and useless frame floods", () => {
  const floods: Array<[string, (c: LiveH2) => Uint8Array, (c: LiveH2) => Uint8Array]> = [
    [
      "SETTINGS flood",
      () => streams(1, 50, () => settings([[SettingId.MAX_CONCURRENT_STREAMS, 100]])),
      () => streams(1, 30_000, () => settings([[SettingId.MAX_CONCURRENT_STREAMS, 100]])),
    ],
    [
      "PING flood",
      () => streams(1, 50, () => ping()),
      () => streams(1, 30_000, () => ping()),
    ],
    [
      "empty DATA flood",
      () => concat(headers(1, postRequest("/upload")), streams(1, 50, () => data(1, ""))),
      () => streams(1, 3000, () => data(1, "")),
    ],
    [
      "zero-length HEADERS flood",
      () => new Uint8Array(0),
      () =>
        streams(3, 300, (id) =>
          concat(
            headers(id, new Uint8Array(0), { endHeaders: false }),
            continuation(id, new Uint8Array(0), false),
            continuation(id, new Uint8Array(0), false),
            continuation(id, new Uint8Array(0), false),
            continuation(id, literalBlock(getRequest("/zh")), true),
          )),
    ],
  ];
  for (const [name, warmup, flood] of floods) {
    it(`${name} → GOAWAY ENHANCE_YOUR_CALM`, async () => {
      const signals: AbortSignal[] = [];
      const s = server(hanging(signals));
      await using _server = s.server;
      using c = await LiveH2.connect(s.port);
      c.write(warmup(c));
      await sleep(50);
      await assertServed(s.port);
      assert.equal(c.closed, false, "a few such frames are tolerated");
      c.write(flood(c));
      assert.equal(await closedWith(c), ErrorCode.ENHANCE_YOUR_CALM);
      await settled(s);
    });
  }
});

describe("h2 attack: stream limits", () => {
  it("MAX_CONCURRENT_STREAMS is advertised (100) and enforced with REFUSED_STREAM; endless refusals → GOAWAY", async () => {
    const signals: AbortSignal[] = [];
    const s = server(hanging(signals));
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    await c.until(() => c.frames.some((f) => f.type === FrameType.SETTINGS && !f.ack));
    const ours = c.frames.find((f) => f.type === FrameType.SETTINGS && !f.ack);
    assert.ok(ours && ours.type === FrameType.SETTINGS);
    assert.deepEqual(
      ours.settings.find(([id]) => id === SettingId.MAX_CONCURRENT_STREAMS),
      [SettingId.MAX_CONCURRENT_STREAMS, 100],
    );
    const open = (id: number) => headers(id, getRequest("/hold"), { endStream: true });
    c.write(streams(1, 100, open));
    await eventually(() => signals.length === 100, 5000, "100 handlers running");
    c.write(streams(201, 10, open));
    await c.until(() => c.resetCode(219) !== undefined);
    for (let id = 201; id <= 219; id += 2) {
      assert.equal(c.resetCode(id), ErrorCode.REFUSED_STREAM);
    }
    assert.equal(signals.length, 100, "refused streams run no handler");
    await assertServed(s.port);
    c.write(streams(221, 1500, open));
    assert.equal(await closedWith(c), ErrorCode.ENHANCE_YOUR_CALM);
    assert.equal(signals.length, 100);
    await eventually(() => signals.every((sig) => sig.aborted), 2000, "held streams aborted");
    await settled(s);
  });
});

describe("h2 attack: slow read", () => {
  /** An endless response body; `state.pulled` counts the bytes the server pulled. */
  function endless(state: { pulled: number; cancelled: boolean }, size: number): Handler {
    return () =>
      new Response(
        new ReadableStream<Uint8Array>({
          async pull(ctl) {
            await sleep(1);
            state.pulled += size;
            ctl.enqueue(new Uint8Array(size).fill(120));
          },
          cancel() {
            state.cancelled = true;
          },
        }),
      );
  }

  it("zero window: at most the pulled data is held, the body is no longer pulled, and the send timeout resets the stream", async () => {
    const state = { pulled: 0, cancelled: false };
    const s = server(endless(state, 16 * 1024), { http2: { sendTimeout: 600 } });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port, { settings: [[SettingId.INITIAL_WINDOW_SIZE, 0]] });
    c.write(headers(1, getRequest("/endless"), { endStream: true }));
    await c.until(() => c.head(1) !== undefined);
    await sleep(300);
    const held = state.pulled;
    // streamHighWaterMark (128 KiB) plus the chunk in hand.
    assert.ok(held <= 128 * 1024 + 32 * 1024, `pulled ${held} bytes with a zero window`);
    assert.equal(c.body(1).length, 0);
    await assertServed(s.port);
    await c.until(() => c.resetCode(1) !== undefined, 5000);
    assert.equal(c.resetCode(1), ErrorCode.CANCEL);
    assert.ok(state.pulled <= held + 16 * 1024, "not pulled while stalled");
    await eventually(() => state.cancelled, 2000, "response body cancelled");
    await settled(s, 1);
  });

  it("a client that stops reading the socket is disconnected by the send timeout", async () => {
    const state = { pulled: 0, cancelled: false };
    const s = server(endless(state, 256 * 1024), { http2: { sendTimeout: 600 } });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port, {
      settings: [[SettingId.INITIAL_WINDOW_SIZE, 0x7fffffff]],
    });
    c.write(windowUpdate(0, 0x7fffffff - 65535));
    await c.until(() => c.frames.some((f) => f.type === FrameType.SETTINGS && f.ack));
    c.socket.pause();
    c.write(headers(1, getRequest("/endless"), { endStream: true }));
    await eventually(() => state.pulled > 0, 5000, "response started");
    await assertServed(s.port);
    await eventually(() => state.cancelled, 15_000, "stream aborted");
    await settled(s);
    // The pulled data is bounded by what the socket buffers took before it stopped.
    assert.ok(state.pulled < 256 * 1024 * 1024, `pulled ${state.pulled}`);
  });
});

describe("h2 attack: handshake and idle timeouts", () => {
  it("preface without SETTINGS, or SETTINGS never acknowledged → GOAWAY SETTINGS_TIMEOUT", async () => {
    const s = server(() => new Response("never"), { http2: { settingsTimeout: 300 } });
    const a = await RawClient.connect(s.port);
    const b = await RawClient.connect(s.port);
    try {
      a.write(preface());
      b.write(concat(preface(), settings()));
      await sleep(50);
      await assertServed(s.port);
      await a.waitClosed(5000);
      await b.waitClosed(5000);
      for (const cl of [a, b]) {
        const goaway = framesOf(cl.received).find((f) => f.type === FrameType.GOAWAY);
        assert.ok(goaway && goaway.type === FrameType.GOAWAY, "GOAWAY sent");
        assert.equal(goaway.code, ErrorCode.SETTINGS_TIMEOUT);
      }
      await settled(s);
    } finally {
      a.destroy();
      b.destroy();
      await s.close();
    }
  });

  it("a partial preface is dropped by the sniffing timeout", async () => {
    const s = server(() => new Response("never"), { http1: { headersTimeout: 300 } });
    const a = await RawClient.connect(s.port);
    try {
      a.write(preface().subarray(0, 10));
      await assertServed(s.port);
      await a.waitClosed(5000);
      await settled(s);
    } finally {
      a.destroy();
      await s.close();
    }
  });

  it("idle connections are closed with GOAWAY NO_ERROR while busy ones are served", async () => {
    const s = server(() => new Response("never"), { http2: { idleTimeout: 300 } });
    const idle = await Promise.all(Array.from({ length: 20 }, () => LiveH2.connect(s.port)));
    try {
      await assertServed(s.port);
      for (const c of idle) assert.equal(await closedWith(c, 5000), ErrorCode.NO_ERROR);
      await settled(s);
    } finally {
      for (const c of idle) c.destroy();
      await s.close();
    }
  });
});
