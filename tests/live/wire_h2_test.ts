// wire(req) over HTTP/2 against real clients: nghttp -v shows the exact
// frames; python-hyper h2 refuses what it must and sees pushes and merged
// CONTINUATION fields; Node's http2 client gets the push; frames() reports
// what a raw client sent; h2load still finishes with 0 failed after a wire
// handler broke its stream.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http2 from "node:http2";
import { fileURLToPath } from "node:url";
import { type Handler, wire, WireError, type WireFrame } from "../../mod.ts";
import { handler as exampleHandler } from "../../examples/test_server.ts";
import { RawClient, run, start } from "../support/live.ts";
import { skipUnless } from "../support/skip.ts";
import { concat, eventually } from "../support/common.ts";
import * as F from "../support/http2_frames.ts";
import { FrameDecoder } from "../../src/http2/core/frame/decoder.ts";
import { type Frame, FrameType } from "../../src/http2/core/frame/types.ts";

/** Misuse seen by handlers, by route. */
const misuse: Record<string, string> = {};

const handler: Handler = (req, info) => {
  const path = new URL(req.url).pathname;
  if (path === "/ok") return new Response("ok");
  if (path === "/push-disabled") {
    const w = wire(req);
    let error = "none";
    try {
      w.h2!.push([[":method", "GET"], [":scheme", "http"], [":authority", "x"], [":path", "/p"]]);
    } catch (e) {
      error = (e as Error).name;
    }
    w.h2!.headers([[":status", "200"], ["x-push-error", error]], { endStream: true });
    w.h2!.end();
    return w.response;
  }
  if (path === "/break") {
    const w = wire(req);
    const h2 = w.h2!;
    h2.headers([[":status", "200"]], { endStream: true });
    // DATA after our END_STREAM: the client resets the stream; ours is closed on our side.
    h2.data("late", { ignoreFlowControl: true }).then(() => h2.end());
    return w.response;
  }
  if (path === "/frames") {
    const w = wire(req);
    const h2 = w.h2!;
    req.body?.cancel(); // frames() instead of req.body: DATA is credited as it comes
    (async () => {
      const seen: WireFrame[] = [];
      const frames = h2.frames();
      h2.headers([[":status", "200"]]);
      for await (const f of frames) {
        seen.push(f);
        if ((f.type === 1 || f.type === 9) && f.fields !== undefined) break;
      }
      const summary = seen.map((f) => ({
        name: f.name,
        flags: f.flags,
        length: f.length,
        padLength: f.padLength,
        increment: f.increment,
        fields: f.fields,
        data: f.data ? new TextDecoder().decode(f.data) : undefined,
      }));
      await h2.data(JSON.stringify(summary), { endStream: true });
      h2.end();
    })();
    return w.response;
  }
  if (path === "/slow") {
    const w = wire(req);
    const h2 = w.h2!;
    info.completed.then((c) => (misuse.slowCompleted = c));
    (async () => {
      h2.headers([[":status", "200"]]);
      for (let i = 0; i < 40; i++) {
        await h2.data(`part ${i}\n`);
        await new Promise((r) => setTimeout(r, 25));
      }
      h2.end();
    })().then(() => (misuse.slowHandler = "resolved"), (e) => (misuse.slowHandler = String(e)));
    return w.response;
  }
  if (path === "/twice") {
    const w = wire(req);
    try {
      wire(req);
    } catch (e) {
      misuse.twice = e instanceof WireError ? e.code : String(e);
    }
    w.h2!.headers([[":status", "204"]], { endStream: true });
    w.h2!.end();
    return w.response;
  }
  if (path === "/after-start") {
    return new Response(
      new ReadableStream({
        async pull(c) {
          await new Promise((r) => setTimeout(r, 20)); // the first pull runs inside the constructor
          try {
            wire(req);
          } catch (e) {
            misuse.started = e instanceof WireError ? e.code : String(e);
          }
          c.enqueue(new TextEncoder().encode("body"));
          c.close();
        },
      }),
    );
  }
  return exampleHandler(req, info);
};

const hasNghttp = (await run("nghttp", ["--version"])).code === 0;
const hasH2load = (await run("h2load", ["--version"])).code === 0;
const PY = "/usr/bin/python3";
const hasPyH2 = (await run(PY, ["-c", "import h2.settings"])).code === 0;
const PY_CLIENT = fileURLToPath(new URL("../fixtures/wire_h2_client.py", import.meta.url));

describe("wire(req) over HTTP/2: nghttp -v shows the frames as sent", {
  skip: skipUnless(hasNghttp, "nghttp (nghttp2-client) is not installed"),
}, () => {
  it("HEADERS with a field before :status: nghttp refuses it and resets the stream", async () => {
    await using s = start(handler);
    const r = await run("nghttp", ["-v", `${s.base}/wrong-order`], 10_000);
    assert.match(r.stdout, /recv \(stream_id=13\) x-early: 1/);
    assert.match(
      r.stdout,
      /Invalid HTTP header field was received: frame type: 1, stream: 13, name: \[:status\]/,
    );
    assert.match(
      r.stdout,
      /send RST_STREAM frame <length=4, flags=0x00, stream_id=13>\s+\(error_code=PROTOCOL_ERROR/,
    );
  });

  it("HEADERS without END_HEADERS, then CONTINUATION; PUSH_PROMISE and the pushed stream 2", async () => {
    await using s = start(handler);
    const c = await run("nghttp", ["-v", `${s.base}/continuation`], 10_000);
    assert.match(c.stdout, /recv \(stream_id=13\) x-part: 1\s+.*recv \(stream_id=13\) x-part: 2/s);
    assert.match(c.stdout, /recv HEADERS frame <length=\d+, flags=0x04, stream_id=13>/);
    const p = await run("nghttp", ["-v", `${s.base}/push`], 10_000);
    assert.match(
      p.stdout,
      /recv PUSH_PROMISE frame <length=\d+, flags=0x04, stream_id=13>\s+; END_HEADERS\s+\(padlen=0, promised_stream_id=2\)/,
    );
    assert.match(p.stdout, /recv DATA frame <length=7, flags=0x01, stream_id=2>/);
  });

  it("a DATA frame one byte over the max frame size: FRAME_SIZE_ERROR from nghttp", async () => {
    await using s = start(handler);
    const r = await run("nghttp", ["-v", `${s.base}/oversize`], 10_000);
    assert.match(
      r.stdout,
      /send GOAWAY frame .*\s+\(last_stream_id=0, error_code=FRAME_SIZE_ERROR/,
    );
  });
});

describe("wire(req) over HTTP/2: python-hyper h2 as the client", {
  skip: skipUnless(hasPyH2, "python3-h2 (Debian) is not installed"),
}, () => {
  const py = async (port: number, mode: string) => {
    const r = await run(PY, [PY_CLIENT, String(port), mode], 20_000);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    return r.stdout.trim().split("\n");
  };

  it("raises ProtocolError for the header order and for the oversize frame", async () => {
    await using s = start(handler);
    assert.deepEqual(await py(s.port, "wrong-order"), ["protocol-error ProtocolError"]);
    assert.deepEqual(await py(s.port, "oversize"), ["protocol-error FrameTooLargeError"]);
  });

  it("receives the pushed response at the promised id", async () => {
    await using s = start(handler);
    assert.deepEqual(await py(s.port, "push"), [
      "promised 2 /pushed.txt on 1",
      "status 2 200",
      "status 1 200",
      "body 1 main",
      "body 2 pushed",
    ]);
  });

  it("sees the CONTINUATION fields merged; push refused when the client disabled it", async () => {
    await using s = start(handler);
    assert.deepEqual(await py(s.port, "continuation"), [
      "fields :status=200 x-part=1 x-part=2",
      "body 1 continued",
    ]);
    assert.deepEqual(await py(s.port, "no-push"), ["x-push-error H2ProtocolError"]);
  });
});

describe("wire(req) over HTTP/2: Node's http2 client", () => {
  it("gets the push (session 'stream' event) and the main response", async () => {
    await using s = start(handler);
    const session = http2.connect(s.base);
    try {
      const pushed = new Promise<{ path: string; status: number; body: string }>((resolve) => {
        session.on("stream", (stream, requestHeaders) => {
          let status = 0;
          let body = "";
          stream.on("push", (h: http2.IncomingHttpHeaders) => (status = Number(h[":status"])));
          stream.setEncoding("utf8");
          stream.on("data", (d: string) => (body += d));
          stream.on("end", () => resolve({ path: String(requestHeaders[":path"]), status, body }));
        });
      });
      const req = session.request({ ":path": "/push" });
      req.setEncoding("utf8");
      let main = "";
      req.on("data", (d: string) => (main += d));
      await new Promise((r) => req.on("end", r));
      assert.equal(main, "main\n");
      assert.deepEqual(await pushed, { path: "/pushed.txt", status: 200, body: "pushed\n" });
    } finally {
      session.close();
    }
  });
});

/** Reads frames from a raw client's received bytes. */
function framesOf(bytes: Uint8Array): Frame[] {
  const d = new FrameDecoder(1 << 24);
  d.push(bytes);
  const out: Frame[] = [];
  for (let f = d.next(); f !== null; f = d.next()) out.push(f);
  return out;
}

describe("wire(req) over HTTP/2: frames() and the server's own state", () => {
  it("reports padding, WINDOW_UPDATE and CONTINUATION sent by a raw client", async () => {
    await using s = start(handler);
    const c = await RawClient.connect(s.port);
    try {
      c.write(concat(F.preface(), F.settings(), F.headers(1, F.postRequest("/frames"))));
      const has = (type: FrameType, flags = 0) => () =>
        framesOf(c.received.subarray(0)).some((f) =>
          f.streamId === 1 && f.type === type && (f.flags & flags) === flags
        );
      await eventually(has(FrameType.HEADERS));
      c.write(concat(
        F.settingsAck(),
        F.data(1, "abc", { padLength: 4 }),
        F.windowUpdate(1, 777),
        F.headers(1, [["x-trailer", "1"]], { endHeaders: false, endStream: true }),
        F.continuation(1, F.literalBlock([["x-more", "2"]])),
      ));
      await eventually(has(FrameType.DATA, 1));
      const body = framesOf(c.received).filter((f) => f.type === FrameType.DATA && f.streamId === 1)
        .map((f) => new TextDecoder().decode((f as { data: Uint8Array }).data)).join("");
      assert.deepEqual(JSON.parse(body), [
        { name: "DATA", flags: 8, length: 8, padLength: 4, data: "abc" },
        { name: "WINDOW_UPDATE", flags: 0, length: 4, increment: 777 },
        { name: "HEADERS", flags: 1, length: 13 },
        {
          name: "CONTINUATION",
          flags: 4,
          length: 10,
          fields: [["x-trailer", "1"], ["x-more", "2"]],
        },
      ]);
    } finally {
      c.destroy();
    }
  });

  it("misuse: wire() twice, after the response started", async () => {
    await using s = start(handler);
    const session = http2.connect(s.base);
    try {
      for (const p of ["/twice", "/after-start"]) {
        const req = session.request({ ":path": p });
        req.resume();
        await new Promise((r) => req.on("close", r));
      }
    } finally {
      session.close();
    }
    assert.equal(misuse.twice, "twice");
    assert.equal(misuse.started, "started");
  });

  it("the client resets a trickling stream: sends are dropped, the handler ends quietly", async () => {
    await using s = start(handler);
    const session = http2.connect(s.base);
    try {
      const req = session.request({ ":path": "/slow" });
      await new Promise((r) => req.once("data", r));
      req.close(http2.constants.NGHTTP2_CANCEL);
      await eventually(() => misuse.slowHandler !== undefined, 5000, "the handler's loop ended");
      assert.equal(misuse.slowHandler, "resolved");
      assert.equal(misuse.slowCompleted, "aborted");
      const ok = session.request({ ":path": "/ok" });
      ok.setEncoding("utf8");
      let body = "";
      ok.on("data", (d: string) => (body += d));
      await new Promise((r) => ok.on("end", r));
      assert.equal(body, "ok");
    } finally {
      session.close();
    }
  });

  it("after a wire handler broke its stream, h2load on the same server finishes with 0 failed", {
    skip: skipUnless(hasH2load && hasNghttp, "h2load/nghttp (nghttp2-client) not installed"),
  }, async () => {
    await using s = start(handler);
    const c = await RawClient.connect(s.port);
    try {
      c.write(
        concat(
          F.preface(),
          F.settings(),
          F.headers(1, F.getRequest("/break"), { endStream: true }),
        ),
      );
      const dataOn = (id: number) => () =>
        framesOf(c.received).some((f) => f.type === FrameType.DATA && f.streamId === id);
      // The DATA after END_STREAM arrives, as a real client would see it; it answers STREAM_CLOSED.
      await eventually(dataOn(1));
      const late = framesOf(c.received).find((f) => f.type === FrameType.DATA && f.streamId === 1);
      assert.equal(new TextDecoder().decode((late as { data: Uint8Array }).data), "late");
      c.write(
        concat(
          F.settingsAck(),
          F.rst(1, 5),
          F.headers(3, F.getRequest("/ok"), { endStream: true }),
        ),
      );
      await eventually(dataOn(3));
      assert.equal(framesOf(c.received).some((f) => f.type === FrameType.GOAWAY), false);
    } finally {
      c.destroy();
    }
    const r = await run("h2load", ["-n", "2000", "-c", "4", "-m", "10", `${s.base}/ok`], 60_000);
    assert.match(
      r.stdout,
      /requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed/,
    );
    await eventually(() => s.server.stats().inflight === 0);
  });
});
