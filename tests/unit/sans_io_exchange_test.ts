import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, type H2Event } from "../../http2.ts";
import { concat, type Feed, GET, Pair } from "../support/sans_io_pair.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const FEEDS: Feed[] = ["whole", "bytes", 7];

/** The server answers every request with its path, after a 103 when asked. */
function echoPath(p: Pair): void {
  p.onServer = (ev, s) => {
    if (ev.type !== "request-received") return;
    const path = ev.headers.find(([n]) => n === ":path")![1];
    if (path === "/early") s.sendHeaders(ev.streamId, [[":status", "103"], ["link", "</a>"]]);
    s.sendHeaders(ev.streamId, [[":status", "200"]]);
    s.sendData(ev.streamId, enc.encode(path), { endStream: true });
  };
}

function bodyOf(events: H2Event[], id: number): string {
  const parts = events.filter((e) => e.type === "data-received" && e.streamId === id)
    .map((e) => (e as { data: Uint8Array }).data);
  return dec.decode(concat(parts));
}

describe("sans-IO H2Connection: client and server in memory", () => {
  for (const feed of FEEDS) {
    it(`a GET and its response, fed ${feed}`, () => {
      const p = new Pair(feed);
      echoPath(p);
      const id = p.client.getNextAvailableStreamId();
      assert.equal(id, 1);
      p.client.sendHeaders(id, GET, { endStream: true });
      p.pump();
      assert.deepEqual(p.of("server", "request-received").map((e) => e.headers), [GET]);
      assert.deepEqual(p.of("server", "stream-ended"), [{ type: "stream-ended", streamId: 1 }]);
      assert.deepEqual(p.of("client", "response-received")[0]?.headers, [[":status", "200"]]);
      assert.equal(bodyOf(p.clientEvents, 1), "/");
      assert.deepEqual(p.of("client", "stream-ended"), [{ type: "stream-ended", streamId: 1 }]);
      assert.equal(p.of("client", "settings-acknowledged").length, 1);
      assert.equal(p.of("server", "settings-acknowledged").length, 1);
      assert.equal(p.client.openOutboundStreams, 0);
      assert.equal(p.server.openInboundStreams, 0);
      assert.equal(p.client.getNextAvailableStreamId(), 3);
    });

    it(`a POST with a body and trailers, an informational response, fed ${feed}`, () => {
      const p = new Pair(feed);
      echoPath(p);
      const got: string[] = [];
      p.onServer = (ev, s) => {
        if (ev.type === "data-received") got.push(dec.decode(ev.data));
        if (ev.type === "trailers-received") got.push(JSON.stringify(ev.headers));
        if (ev.type === "stream-ended") {
          s.sendHeaders(ev.streamId, [[":status", "103"]]);
          s.sendHeaders(ev.streamId, [[":status", "201"], ["x-n", String(got.length)]]);
          s.sendData(ev.streamId, enc.encode("done"));
          s.sendHeaders(ev.streamId, [["x-sum", "ok"]], { endStream: true });
        }
      };
      const post: Array<[string, string]> = [[":method", "POST"], ...GET.slice(1)];
      p.client.sendHeaders(1, post);
      p.client.sendData(1, enc.encode("hello "), { padLength: 3 });
      p.client.sendData(1, enc.encode("world"));
      p.client.sendHeaders(1, [["x-check", "1"]], { endStream: true });
      p.pump();
      assert.deepEqual(got, ["hello ", "world", '[["x-check","1"]]']);
      const types = p.clientEvents.filter((e) => "streamId" in e && e.streamId === 1).map((e) =>
        e.type
      );
      assert.deepEqual(types, [
        "informational-response-received",
        "response-received",
        "data-received",
        "trailers-received",
        "stream-ended",
      ]);
      assert.equal(p.of("server", "data-received")[0]?.flowControlledLength, 10);
    });

    it(`many concurrent streams, fed ${feed}`, () => {
      const p = new Pair(feed);
      echoPath(p);
      for (let i = 0; i < 10; i++) {
        const id = p.client.getNextAvailableStreamId();
        p.client.sendHeaders(id, [...GET.slice(0, 2), [":path", `/${id}`], GET[3]!], {
          endStream: true,
        });
      }
      assert.equal(p.client.openOutboundStreams, 10);
      p.pump();
      for (let id = 1; id < 20; id += 2) assert.equal(bodyOf(p.clientEvents, id), `/${id}`);
    });
  }

  it("1xx then a final response (103 Early Hints)", () => {
    const p = new Pair();
    echoPath(p);
    p.client.sendHeaders(1, [...GET.slice(0, 2), [":path", "/early"], GET[3]!], {
      endStream: true,
    });
    p.pump();
    assert.deepEqual(p.of("client", "informational-response-received")[0]?.headers, [
      [":status", "103"],
      ["link", "</a>"],
    ]);
    assert.equal(bodyOf(p.clientEvents, 1), "/early");
  });

  it("server push: PUSH_PROMISE, then the pushed response on the promised even stream", () => {
    const p = new Pair("whole", { settings: { enablePush: true } });
    p.onServer = (ev, s) => {
      if (ev.type !== "request-received") return;
      const promised = s.getNextAvailableStreamId();
      assert.equal(promised, 2);
      s.pushStream(ev.streamId, promised, [...GET.slice(0, 2), [":path", "/style.css"], GET[3]!]);
      s.sendHeaders(ev.streamId, [[":status", "200"]]);
      s.sendData(ev.streamId, enc.encode("page"), { endStream: true });
      s.sendHeaders(promised, [[":status", "200"]]);
      s.sendData(promised, enc.encode("css"), { endStream: true });
    };
    p.client.sendHeaders(1, GET, { endStream: true });
    p.pump();
    const [promise] = p.of("client", "push-promise-received");
    assert.equal(promise?.parentStreamId, 1);
    assert.equal(promise?.pushedStreamId, 2);
    assert.equal(promise?.headers[2]?.[1], "/style.css");
    assert.equal(bodyOf(p.clientEvents, 1), "page");
    assert.equal(bodyOf(p.clientEvents, 2), "css");
    assert.equal(p.of("client", "stream-ended").length, 2);
  });

  it("a client that disabled push (the default): pushStream throws and queues nothing", () => {
    const p = new Pair();
    // The server believes push is on (as a misbehaving peer would).
    p.server.receiveData(new Uint8Array(0));
    p.client.sendHeaders(1, GET, { endStream: true });
    p.pump();
    assert.throws(() => p.server.pushStream(1, 2, GET), /disabled push/);
  });

  it("ping, settings update, graceful close", () => {
    const p = new Pair();
    p.pump();
    p.client.ping(enc.encode("12345678"));
    p.server.updateSettings({ maxConcurrentStreams: 5 });
    p.pump();
    assert.deepEqual(p.of("server", "ping-received")[0]?.pingData, enc.encode("12345678"));
    assert.deepEqual(p.of("client", "ping-ack-received")[0]?.pingData, enc.encode("12345678"));
    assert.equal(p.client.remoteSettings.maxConcurrentStreams, 5);
    assert.equal(p.server.localSettings.maxConcurrentStreams, 5);
    p.server.closeConnection();
    p.pump();
    const [t] = p.of("client", "connection-terminated");
    assert.deepEqual({ ...t, additionalData: [...t!.additionalData] }, {
      type: "connection-terminated",
      errorCode: ErrorCode.NO_ERROR,
      lastStreamId: 0,
      additionalData: [],
      remote: true,
    });
    assert.ok(p.client.closed && p.server.closed);
  });

  it("a peer protocol error becomes a queued GOAWAY and a connection-terminated event", () => {
    const p = new Pair();
    p.pump();
    // DATA on idle stream 5 (§5.1): a connection error PROTOCOL_ERROR.
    const events = p.server.receiveData(new Uint8Array([0, 0, 1, 0, 0, 0, 0, 0, 5, 0x61]));
    assert.equal(events.length, 1);
    const [ev] = events;
    assert.equal(ev?.type, "connection-terminated");
    assert.equal(ev?.type === "connection-terminated" && ev.remote, false);
    assert.equal(ev?.type === "connection-terminated" && ev.errorCode, ErrorCode.PROTOCOL_ERROR);
    p.pump();
    const [seen] = p.of("client", "connection-terminated");
    assert.equal(seen?.errorCode, ErrorCode.PROTOCOL_ERROR);
    assert.ok(p.server.closed);
  });

  it("a stream reset by the peer is reported, and the connection goes on", () => {
    const p = new Pair();
    p.client.sendHeaders(1, GET);
    p.pump();
    p.client.resetStream(1, ErrorCode.CANCEL);
    p.pump();
    assert.deepEqual(p.of("server", "stream-reset"), [
      { type: "stream-reset", streamId: 1, errorCode: ErrorCode.CANCEL, remoteReset: true },
    ]);
    echoPath(p);
    p.client.sendHeaders(3, GET, { endStream: true });
    p.pump();
    assert.equal(bodyOf(p.clientEvents, 3), "/");
  });
});
