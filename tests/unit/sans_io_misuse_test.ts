import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ErrorCode,
  FlowControlError,
  H2Connection,
  H2ProtocolError,
  StreamClosedError,
  TooManyStreamsError,
} from "../../http2.ts";
import { GET, Pair } from "../support/sans_io_pair.ts";

const enc = new TextEncoder();

/** After a refused call, a full exchange still works on a new stream. */
function stillWorks(p: Pair): void {
  p.onServer = (ev, s) => {
    if (ev.type === "request-received") {
      s.sendHeaders(ev.streamId, [[":status", "200"]]);
      s.sendData(ev.streamId, enc.encode("ok"), { endStream: true });
    }
  };
  const id = p.client.getNextAvailableStreamId();
  p.client.sendHeaders(id, GET, { endStream: true });
  p.pump();
  const data = p.of("client", "data-received").filter((e) => e.streamId === id);
  assert.equal(new TextDecoder().decode(data[0]?.data), "ok");
  assert.ok(!p.clientEvents.some((e) => e.type === "connection-terminated"));
  assert.ok(!p.serverEvents.some((e) => e.type === "connection-terminated"));
}

interface Case {
  name: string;
  error: typeof H2ProtocolError;
  rule: RegExp;
  act: (p: Pair) => void;
}

const CASES: Case[] = [
  {
    name: "a response without :status",
    error: H2ProtocolError,
    rule: /§8\.3\.2/,
    act: (p) => p.server.sendHeaders(1, [["content-type", "text/plain"]]),
  },
  {
    name: "an uppercase header name",
    error: H2ProtocolError,
    rule: /§8\.3\.2/,
    act: (p) => p.server.sendHeaders(1, [[":status", "200"], ["X-A", "1"]]),
  },
  {
    name: "a connection-specific field",
    error: H2ProtocolError,
    rule: /§8\.3\.2/,
    act: (p) => p.server.sendHeaders(1, [[":status", "200"], ["connection", "close"]]),
  },
  {
    name: "a request without :path",
    error: H2ProtocolError,
    rule: /§8\.3\.1/,
    act: (p) => p.client.sendHeaders(3, GET.filter(([n]) => n !== ":path")),
  },
  {
    name: "DATA before HEADERS",
    error: H2ProtocolError,
    rule: /§8\.1/,
    act: (p) => p.server.sendData(1, enc.encode("x")),
  },
  {
    name: "DATA on an idle stream",
    error: H2ProtocolError,
    rule: /§5\.1/,
    act: (p) => p.server.sendData(9, enc.encode("x")),
  },
  {
    name: "trailers without END_STREAM",
    error: H2ProtocolError,
    rule: /§8\.1/,
    act: (p) => {
      p.server.sendHeaders(1, [[":status", "200"]]);
      p.server.sendHeaders(1, [["x-t", "1"]]);
    },
  },
  {
    name: "a 1xx response with END_STREAM",
    error: H2ProtocolError,
    rule: /§8\.1/,
    act: (p) => p.server.sendHeaders(1, [[":status", "100"]], { endStream: true }),
  },
  {
    name: "a send on a stream we ended",
    error: StreamClosedError,
    rule: /§5\.1/,
    act: (p) => {
      p.server.sendHeaders(1, [[":status", "204"]], { endStream: true });
      p.server.sendData(1, enc.encode("late"));
    },
  },
  {
    name: "a send on a stream the peer reset",
    error: StreamClosedError,
    rule: /§5\.1/,
    act: (p) => {
      p.client.resetStream(1, ErrorCode.CANCEL);
      p.pump();
      p.server.sendHeaders(1, [[":status", "200"]]);
    },
  },
  {
    name: "a request on a stream id lower than one used",
    error: H2ProtocolError,
    rule: /§5\.1\.1/,
    act: (p) => {
      p.client.sendHeaders(5, GET);
      p.client.sendHeaders(3, GET);
    },
  },
  {
    name: "a request on an even stream id",
    error: H2ProtocolError,
    rule: /§5\.1\.1/,
    act: (p) => p.client.sendHeaders(4, GET),
  },
  {
    name: "a push the client did not allow",
    error: H2ProtocolError,
    rule: /§6\.5\.2/,
    act: (p) => p.server.pushStream(1, 2, GET),
  },
  {
    name: "a push by the client",
    error: H2ProtocolError,
    rule: /§8\.4/,
    act: (p) => p.client.pushStream(1, 2, GET),
  },
  {
    name: "DATA beyond the window",
    error: FlowControlError,
    rule: /§6\.9/,
    act: (p) => {
      p.server.sendHeaders(1, [[":status", "200"]]);
      for (let i = 0; i < 4; i++) p.server.sendData(1, new Uint8Array(16383));
      p.server.sendData(1, new Uint8Array(4));
    },
  },
  {
    name: "a PING that is not 8 bytes",
    error: H2ProtocolError,
    rule: /§6\.7/,
    act: (p) => p.client.ping(new Uint8Array(4)),
  },
];

describe("sans-IO H2Connection: misuse throws a typed error and the connection goes on", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const p = new Pair();
      p.client.sendHeaders(1, GET);
      p.pump();
      const before = p.server.dataToSend().length + p.client.dataToSend().length;
      assert.equal(before, 0);
      assert.throws(() => c.act(p), (e: unknown) => {
        assert.ok(e instanceof c.error, `${(e as Error).name}: ${(e as Error).message}`);
        assert.match((e as H2ProtocolError).rule, c.rule);
        return true;
      });
      stillWorks(p);
    });
  }

  it("too many streams for the peer's MAX_CONCURRENT_STREAMS", () => {
    const p = new Pair("whole", {}, { settings: { maxConcurrentStreams: 2 } });
    p.pump();
    p.client.sendHeaders(1, GET);
    p.client.sendHeaders(3, GET);
    assert.throws(() => p.client.sendHeaders(5, GET), TooManyStreamsError);
    p.client.resetStream(1);
    p.client.sendHeaders(5, GET, { endStream: true });
    p.pump();
    assert.deepEqual(p.of("server", "request-received").map((e) => e.streamId), [1, 3, 5]);
  });

  it("a refused call leaves HPACK in sync (nothing was encoded)", () => {
    const p = new Pair();
    p.client.sendHeaders(1, GET);
    p.pump();
    assert.throws(() => p.server.sendHeaders(1, [["x-secret", "a".repeat(100)]]), H2ProtocolError);
    p.server.sendHeaders(1, [[":status", "200"], ["x-secret", "b"]], { endStream: true });
    p.pump();
    assert.deepEqual(p.of("client", "response-received")[0]?.headers, [
      [":status", "200"],
      ["x-secret", "b"],
    ]);
  });

  it("bad options fail at construction, naming the option", () => {
    assert.throws(
      () => new H2Connection({ side: "server", settings: { maxFrameSize: 10 } }),
      /maxFrameSize/,
    );
    assert.throws(() => new H2Connection({ side: "peer" as "server" }), /side/);
  });
});
