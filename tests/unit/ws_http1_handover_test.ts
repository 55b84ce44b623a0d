// After `101 Switching Protocols` the HTTP/1.1 driver hands the connection over
// whole (src/http1/server/ws_mode.ts): a WebSocketConnection becomes the
// transport's sink and the server's live connection, so nothing holds the
// driver (its parser, request reader and writer) or the upgrade's Request for
// the socket's life. What the connection did for the session still holds:
// echo, the exchange's completion, stats, the send timeout, server.timeout.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Http1Driver } from "../../src/http1/server/driver.ts";
import { DEFAULT_HTTP1_OPTIONS } from "../../src/http1/server/options.ts";
import { ConnState } from "../../src/http1/core/conn_table.ts";
import { WebSocketConnection } from "../../src/http1/server/ws_mode.ts";
import { Exchange } from "../../src/fetch/exchange.ts";
import { requestSource } from "../../src/fetch/request.ts";
import type { LiveConnection } from "../../src/fetch/host.ts";
import type { ConnectionFacts } from "../../src/fetch/info.ts";
import type { Handler, ServeInfo } from "../../src/types.ts";
import { upgradeWebSocket } from "../../src/websocket/upgrade.ts";
import { encodeClose, encodeFrame } from "../../src/websocket/encoder.ts";
import { MemoryTransport } from "../support/memory_transport.ts";
import { recordingHost } from "../support/test_host.ts";
import { concat } from "../support/common.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const MASK = { mask: new Uint8Array([1, 2, 3, 4]) };
const HANDSHAKE = te.encode(
  "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
);

async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
}

/** A memory transport whose writes stall (the client does not read) once `stall` is set. */
class StallingTransport extends MemoryTransport {
  stall = false;
  out: Uint8Array[] = [];
  override get queued(): number {
    return this.stall ? 1 << 20 : 0;
  }
  override write(chunk: Uint8Array): boolean {
    super.write(chunk);
    this.out.push(chunk);
    return !this.stall;
  }
  override drain(): Promise<void> {
    return this.stall ? new Promise(() => {}) : Promise.resolve();
  }
}

interface Setup {
  t: StallingTransport;
  live: Set<LiveConnection>;
  driver: Http1Driver;
  errors: Array<{ kind: string; timeout?: string }>;
  facts: ConnectionFacts;
  seen: { req?: Request; info?: ServeInfo; socket?: ReturnType<typeof upgradeWebSocket>["socket"] };
}

function setup(sendTimeout = DEFAULT_HTTP1_OPTIONS.sendTimeout): Setup {
  const seen: Setup["seen"] = {};
  const handler: Handler = (req, info) => {
    const { socket, response } = upgradeWebSocket(req);
    socket.onmessage = (e) => socket.send(e.data);
    seen.req = req;
    seen.info = info;
    seen.socket = socket;
    return response;
  };
  const { host, live, errors } = recordingHost(handler);
  const t = new StallingTransport();
  const facts = t.facts("http/1.1");
  const driver = new Http1Driver(t, host, facts, { ...DEFAULT_HTTP1_OPTIONS, sendTimeout });
  driver.start();
  return { t, live, driver, errors, facts, seen };
}

async function upgraded(sendTimeout?: number): Promise<Setup & { ws: WebSocketConnection }> {
  const s = setup(sendTimeout);
  s.t.sink!.data(HANDSHAKE);
  await turns();
  assert.match(td.decode(s.t.out[0]), /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  const ws = s.t.sink;
  assert.ok(ws instanceof WebSocketConnection, "the WebSocket connection reads the socket");
  return { ...s, ws };
}

describe("h1 WebSocket handover after the 101", () => {
  it("the driver lets go: the WebSocket connection is the sink and the live connection", async () => {
    const { t, live, driver, ws, facts } = await upgraded();
    assert.equal(driver.state, ConnState.WEBSOCKET);
    assert.deepEqual([...live], [ws], "the server tracks the WebSocket connection, not the driver");
    assert.equal(facts.stats.websockets, 1);
    // Bytes now go to the session, never to the h1 parser: a frame is echoed.
    t.sink!.data(encodeFrame(1, te.encode("hello"), MASK));
    await turns();
    assert.deepEqual(t.out.at(-1), encodeFrame(1, te.encode("hello")));
  });

  it("bytes read past the handshake are the session's first", async () => {
    const s = setup();
    s.t.sink!.data(concat(HANDSHAKE, encodeFrame(1, te.encode("early"), MASK)));
    await turns();
    assert.ok(s.t.sink instanceof WebSocketConnection);
    assert.deepEqual(s.t.out.at(-1), encodeFrame(1, te.encode("early")));
  });

  it("a clean close completes the exchange as sent; stats and the live set follow", async () => {
    const { t, live, ws, facts, seen } = await upgraded();
    const completed = seen.info!.completed;
    t.sink!.data(encodeClose(1000, "bye", MASK.mask));
    assert.equal(await completed, "sent");
    assert.equal(seen.req!.signal.aborted, false);
    assert.equal(facts.stats.websockets, 0);
    assert.equal(facts.stats.inflight, 0);
    assert.ok(t.closes > 0, "the socket is closed after the close handshake");
    ws.transportClosed();
    assert.equal(live.size, 0);
  });

  it("the socket closing without a close frame aborts req.signal", async () => {
    const { ws, seen, live } = await upgraded();
    const signal = seen.req!.signal;
    ws.transportClosed();
    assert.equal(await seen.info!.completed, "aborted");
    assert.equal(signal.aborted, true);
    assert.equal(live.size, 0);
  });

  it("http1.sendTimeout ends a socket whose client does not read", async () => {
    const { t, ws, errors, seen } = await upgraded(5_000);
    assert.equal(ws.deadline, 0);
    t.stall = true;
    seen.socket!.send("x".repeat(100));
    await turns();
    assert.ok(ws.deadline > 0, "a stalled drain arms the send timeout");
    ws.onDeadline(ws.deadline - 1);
    assert.equal(t.aborts, 0, "not before the deadline");
    ws.onDeadline(ws.deadline);
    assert.equal(t.aborts, 1);
    assert.deepEqual(errors, [{ kind: "timeout", timeout: "http1.sendTimeout" }]);
    assert.equal(await seen.info!.completed, "aborted");
  });

  it("server.timeout (Exchange.expire) drops the switched socket", async () => {
    const { t, seen } = await upgraded();
    let code = 0;
    seen.socket!.onclose = (e) => (code = e.code);
    const exchange = requestSource(seen.req!);
    assert.ok(exchange instanceof Exchange);
    exchange.expire(new Error("deadline"));
    assert.equal(t.aborts, 1);
    assert.equal(code, 1006);
    assert.equal(await seen.info!.completed, "aborted");
    assert.equal(seen.req!.signal.aborted, true);
    assert.equal(seen.socket!.OPEN, 1, "readyState constants on the instance");
  });
});
