import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ConnectionClosingError,
  ErrorCode,
  H2Connection,
  type H2Event,
  StreamClosedError,
} from "../../http2.ts";
import { type Feed, GET, Pair } from "../support/sans_io_pair.ts";

const enc = new TextEncoder();
const POST: Array<[string, string]> = GET.map(([n, v]) => [n, n === ":method" ? "POST" : v]);

/** Three requests in flight (1, 3, 5); the server sends GOAWAY naming 3 as the last it processed. */
function refusedAbove3(feed: Feed): Pair {
  const p = new Pair(feed);
  p.pump();
  for (const id of [1, 3, 5]) p.client.sendHeaders(id, POST);
  p.pump();
  p.server.closeConnection(ErrorCode.NO_ERROR, 3);
  p.pump();
  return p;
}

describe("a received GOAWAY refuses our streams above its lastStreamId (nghttp2's behaviour)", () => {
  for (const feed of ["whole", "bytes", 7] as Feed[]) {
    it(`client side: stream 5 is reported refused, 1 and 3 go on (fed ${feed})`, () => {
      const p = refusedAbove3(feed);
      const tail = p.clientEvents.filter((e) =>
        e.type === "connection-terminated" || e.type === "stream-reset"
      );
      assert.deepEqual(tail.map((e) => ({ ...e, additionalData: undefined })), [
        {
          type: "connection-terminated",
          errorCode: ErrorCode.NO_ERROR,
          lastStreamId: 3,
          additionalData: undefined,
          remote: true,
        },
        {
          type: "stream-reset",
          streamId: 5,
          errorCode: ErrorCode.REFUSED_STREAM,
          remoteReset: true,
          refusedByGoAway: true,
          additionalData: undefined,
        },
      ]);
      assert.equal(p.client.openOutboundStreams, 2);
      // Sending on the refused stream is the typed error; the others still carry data.
      assert.throws(() => p.client.sendData(5, enc.encode("x")), StreamClosedError);
      assert.throws(() => p.client.endStream(5), StreamClosedError);
      assert.throws(
        () => p.client.sendHeaders(5, [["x-t", "1"]], { endStream: true }),
        StreamClosedError,
      );
      p.client.sendData(1, enc.encode("a"), { endStream: true });
      p.client.sendData(3, enc.encode("b"), { endStream: true });
      p.onServer = (ev, s) => {
        if (ev.type === "stream-ended") {
          s.sendHeaders(ev.streamId, [[":status", "204"]], { endStream: true });
        }
      };
      p.pump();
      assert.deepEqual(p.of("client", "response-received").map((e) => e.streamId), [1, 3]);
      assert.ok(p.client.closed && p.server.closed);
      // The server dropped stream 5 with its GOAWAY: a send on it is refused, nothing was reset.
      assert.throws(() => p.server.sendHeaders(5, [[":status", "200"]]), StreamClosedError);
      assert.ok(!p.of("server", "stream-reset").some((e) => e.streamId === 5));
    });
  }

  it("a new request after the GOAWAY throws ConnectionClosingError and sends nothing", () => {
    const p = refusedAbove3("whole");
    assert.equal(p.client.dataToSend().length, 0);
    const id = p.client.getNextAvailableStreamId();
    assert.throws(() => p.client.sendHeaders(id, GET, { endStream: true }), (e: unknown) => {
      assert.ok(e instanceof ConnectionClosingError);
      assert.match(e.message, /the peer sent GOAWAY/);
      assert.equal(e.rule, "RFC 9113 §6.8");
      return true;
    });
    assert.equal(p.client.dataToSend().length, 0);
  });

  it("an error GOAWAY with lastStreamId 0 refuses every stream we opened, whatever its state", () => {
    const p = new Pair();
    p.pump();
    p.client.sendHeaders(1, GET, { endStream: true }); // half-closed (local)
    p.client.sendHeaders(3, POST); // open
    p.pump();
    p.server.closeConnection(ErrorCode.ENHANCE_YOUR_CALM, 0);
    p.pump();
    const resets = p.of("client", "stream-reset");
    assert.deepEqual(resets.map((e) => [e.streamId, e.errorCode, e.refusedByGoAway]), [
      [1, ErrorCode.REFUSED_STREAM, true],
      [3, ErrorCode.REFUSED_STREAM, true],
    ]);
    assert.equal(p.client.openOutboundStreams, 0);
    assert.ok(p.client.closed);
    assert.throws(() => p.client.sendData(3, enc.encode("x")), StreamClosedError);
  });

  it("a second GOAWAY with a lower lastStreamId refuses the streams between", () => {
    const p = refusedAbove3("whole");
    p.server.closeConnection(ErrorCode.NO_ERROR, 1);
    p.pump();
    assert.deepEqual(
      p.of("client", "stream-reset").map((e) => [e.streamId, e.refusedByGoAway]),
      [[5, true], [3, true]],
    );
    assert.equal(p.client.openOutboundStreams, 1);
  });

  it("server side: a pushed stream above the client's GOAWAY lastStreamId is refused", () => {
    const p = new Pair("whole", { settings: { enablePush: true } });
    p.pump();
    p.client.sendHeaders(1, GET, { endStream: true });
    p.pump();
    p.server.pushStream(1, 2, GET.map(([n, v]) => [n, n === ":path" ? "/a.css" : v]));
    p.server.pushStream(1, 4, GET.map(([n, v]) => [n, n === ":path" ? "/b.css" : v]));
    p.server.sendHeaders(2, [[":status", "200"]]);
    p.pump();
    p.client.closeConnection(ErrorCode.NO_ERROR, 2);
    p.pump();
    const resets = p.of("server", "stream-reset");
    assert.deepEqual(resets, [{
      type: "stream-reset",
      streamId: 4,
      errorCode: ErrorCode.REFUSED_STREAM,
      remoteReset: true,
      refusedByGoAway: true,
    }]);
    assert.throws(() => p.server.sendHeaders(4, [[":status", "200"]]), StreamClosedError);
    assert.throws(() => p.server.pushStream(1, 6, GET), ConnectionClosingError);
    p.server.sendData(2, enc.encode("css"), { endStream: true });
    p.server.sendHeaders(1, [[":status", "200"]], { endStream: true });
    p.pump();
    assert.ok(p.server.closed);
  });

  it("our own GOAWAY refuses nothing of ours, and new requests name it", () => {
    const c = new H2Connection({ side: "client" });
    c.initiateConnection();
    c.sendHeaders(1, GET);
    c.closeConnection();
    assert.throws(() => c.sendHeaders(3, GET), /we sent GOAWAY/);
    assert.equal(c.openOutboundStreams, 1);
  });

  it("a stream-reset by an RST_STREAM carries no refusedByGoAway", () => {
    const p = new Pair();
    p.client.sendHeaders(1, GET);
    p.pump();
    p.server.resetStream(1, ErrorCode.REFUSED_STREAM);
    p.pump();
    const [r] = p.of("client", "stream-reset") as Extract<H2Event, { type: "stream-reset" }>[];
    assert.equal(r?.refusedByGoAway, undefined);
  });
});
