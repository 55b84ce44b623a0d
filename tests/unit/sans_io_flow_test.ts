import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FlowControlError, FrameTooLargeError } from "../../http2.ts";
import { GET, Pair } from "../support/sans_io_pair.ts";

/** Server: on a request, sends as much of `total` bytes as the windows allow; resumes on window-updated. */
function streamer(p: Pair, total: number): { sent: () => number } {
  let sent = 0;
  const pump = (id: number) => {
    const s = p.server;
    for (;;) {
      const n = Math.min(total - sent, s.localFlowControlWindow(id), s.maxOutboundFrameSize);
      if (n <= 0) return;
      sent += n;
      s.sendData(id, new Uint8Array(n), { endStream: sent === total });
      if (sent === total) return;
    }
  };
  p.onServer = (ev, s) => {
    if (ev.type === "request-received") {
      s.sendHeaders(ev.streamId, [[":status", "200"]]);
      pump(ev.streamId);
    }
    if (ev.type === "window-updated" && sent < total) pump(1);
  };
  return { sent: () => sent };
}

describe("sans-IO H2Connection: flow control", () => {
  it("a client that never acknowledges stalls the sender at the window; nothing is buffered beyond it", () => {
    const p = new Pair("whole");
    const srv = streamer(p, 1 << 20);
    p.client.sendHeaders(1, GET, { endStream: true });
    p.pump();
    assert.equal(srv.sent(), 65535, "exactly the initial window was sent");
    assert.equal(p.server.localFlowControlWindow(1), 0);
    assert.equal(p.client.remoteFlowControlWindow(1), 0);
    assert.equal(p.server.dataToSend().length, 0, "nothing is queued beyond the window");
    assert.throws(() => p.server.sendData(1, new Uint8Array(1)), FlowControlError);
    const received = p.of("client", "data-received").reduce((n, e) => n + e.data.length, 0);
    assert.equal(received, 65535);
    // The client acknowledges: WINDOW_UPDATEs flow and the sender resumes.
    for (const e of p.of("client", "data-received")) {
      p.client.acknowledgeReceivedData(e.flowControlledLength, e.streamId);
    }
    p.pump();
    assert.ok(srv.sent() > 65535);
    assert.ok(p.of("server", "window-updated").some((e) => e.streamId === 0));
  });

  it("a reader that acknowledges everything receives the whole body", () => {
    const p = new Pair(4096);
    const srv = streamer(p, 300_000);
    let got = 0;
    p.onClient = (ev, c) => {
      if (ev.type === "data-received") {
        got += ev.data.length;
        c.acknowledgeReceivedData(ev.flowControlledLength, ev.streamId);
      }
    };
    p.client.sendHeaders(1, GET, { endStream: true });
    p.pump(1000);
    assert.equal(srv.sent(), 300_000);
    assert.equal(got, 300_000);
    assert.equal(p.of("client", "stream-ended").length, 1);
  });

  it("DATA beyond the peer's frame size is FrameTooLargeError, padding counted", () => {
    const p = new Pair("whole", {}, { settings: { initialWindowSize: 1 << 20 } });
    p.client.sendHeaders(1, GET);
    p.pump();
    assert.equal(p.client.maxOutboundFrameSize, 16384);
    assert.throws(() => p.client.sendData(1, new Uint8Array(16385)), FrameTooLargeError);
    assert.throws(
      () => p.client.sendData(1, new Uint8Array(16384), { padLength: 0 }),
      FrameTooLargeError,
    );
    p.client.sendData(1, new Uint8Array(16384));
    p.pump();
    assert.equal(p.of("server", "data-received")[0]?.data.length, 16384);
  });

  it("the connection window is shared: one stream can use it up for the others", () => {
    const p = new Pair("whole", {}, { settings: { initialWindowSize: 1 << 20 } });
    p.client.sendHeaders(1, GET);
    p.client.sendHeaders(3, GET);
    p.pump();
    for (let left = 65535; left > 0; left -= Math.min(left, 16384)) {
      p.client.sendData(1, new Uint8Array(Math.min(left, 16384)));
    }
    assert.equal(p.client.localFlowControlWindow(0), 0);
    assert.equal(p.client.localFlowControlWindow(3), 0);
    assert.throws(() => p.client.sendData(3, new Uint8Array(1)), FlowControlError);
  });
});
