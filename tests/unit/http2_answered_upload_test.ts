// A handler that answers before the upload ends leaves the stream half-closed (local): frames the
// client sends after our complete response are still judged by the core (h2spec 6.9.1/3, 8.1/1,
// 8.1.2.1/3, 8.1.2.6), and RST_STREAM NO_ERROR (RFC 9113 §8.1) comes only when the client keeps
// uploading, waits too long, or the server shuts down. Driven through the real driver, no sockets.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Http2Driver } from "../../src/http2/server/driver.ts";
import { resolveHttp2Options } from "../../src/http2/server/options.ts";
import { UPLOAD_ALLOWANCE } from "../../src/http2/server/answered_resets.ts";
import { defaultOnError } from "../../src/fetch/exchange.ts";
import type { LiveConnection, ServerHost } from "../../src/fetch/host.ts";
import { MemoryTransport } from "../support/memory_transport.ts";
import { ErrorCode } from "../../src/http2/core/errors.ts";
import { FrameDecoder, FrameType } from "../../src/http2/core/mod.ts";
import { concat } from "../support/common.ts";
import {
  data,
  FieldBlockReader,
  getRequest,
  goawayOf,
  headers,
  type OutFrame,
  postRequest,
  preface,
  rsts,
  settings,
  settingsAck,
  windowUpdate,
} from "../support/http2_frames.ts";

/** The memory transport, its output decoded into frames. */
class FrameTransport extends MemoryTransport {
  readonly frames: OutFrame[] = [];
  readonly #dec = new FrameDecoder(1 << 24);
  readonly #fields = new FieldBlockReader();
  /** The server closed or aborted the connection. */
  get closedByServer(): boolean {
    return this.closes + this.aborts > 0;
  }
  override write(chunk: Uint8Array): boolean {
    this.#dec.push(chunk.slice());
    for (let f = this.#dec.next(); f !== null; f = this.#dec.next()) {
      this.frames.push(this.#fields.read(f));
    }
    return super.write(chunk);
  }
}

async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
}

interface Setup {
  driver: Http2Driver;
  t: FrameTransport;
  send: (...parts: Uint8Array[]) => Promise<void>;
  /** Whether our END_STREAM for `id` has been written. */
  ended: (id: number) => boolean;
}

function setup(
  handler: (req: Request) => Response | Promise<Response> = () => new Response("hello"),
  opts: Parameters<typeof resolveHttp2Options>[0] = {},
): Setup {
  let driver: Http2Driver | null = null;
  const host: ServerHost = {
    handler,
    onError: defaultOnError,
    shuttingDown: false,
    add(c: LiveConnection) {
      driver = c as Http2Driver;
    },
    remove() {},
    clientError() {},
  };
  const t = new FrameTransport();
  const facts = t.facts();
  new Http2Driver(t, host, facts, resolveHttp2Options(opts)).start();
  t.sink!.data(concat(preface(), settings(), settingsAck()));
  const send = async (...parts: Uint8Array[]) => {
    t.sink!.data(concat(...parts));
    await turns();
  };
  const ended = (id: number) =>
    t.frames.some((f) =>
      f.streamId === id && (f.type === FrameType.DATA || f.type === FrameType.HEADERS) &&
      f.endStream
    );
  return { driver: driver!, t, send, ended };
}

/** RST_STREAM frames written from index `from` on. */
const rstsFrom = (t: FrameTransport, from: number) => rsts(t.frames.slice(from));

const POST = postRequest("/", [["content-length", "1"]]);

// Each h2spec case, with the malformed part sent after our complete response ("after") or in the
// same read as the request ("before"): the same stream error either way, and no NO_ERROR first.
const CASES: Array<
  { name: string; request: Array<[string, string]>; late: Uint8Array[]; code: number }
> = [
  {
    name: "8.1/1 a second HEADERS without END_STREAM → PROTOCOL_ERROR",
    request: postRequest("/"),
    late: [data(1, "test"), headers(1, [["x-test", "ok"]])],
    code: ErrorCode.PROTOCOL_ERROR,
  },
  {
    name: "8.1.2.1/3 a pseudo-header in trailers → PROTOCOL_ERROR",
    request: postRequest("/"),
    late: [data(1, "test"), headers(1, [[":path", "/x"]], { endStream: true })],
    code: ErrorCode.PROTOCOL_ERROR,
  },
  {
    name: "8.1.2.6/1 content-length 1, DATA of 4 with END_STREAM → PROTOCOL_ERROR",
    request: POST,
    late: [data(1, "test", { endStream: true })],
    code: ErrorCode.PROTOCOL_ERROR,
  },
  {
    name: "8.1.2.6/2 content-length 1, two DATA of 4 → PROTOCOL_ERROR",
    request: POST,
    late: [data(1, "test"), data(1, "test", { endStream: true })],
    code: ErrorCode.PROTOCOL_ERROR,
  },
  {
    name: "8.1.2.6 content-length 8, END_STREAM after 4 → PROTOCOL_ERROR",
    request: postRequest("/", [["content-length", "8"]]),
    late: [data(1, "test", { endStream: true })],
    code: ErrorCode.PROTOCOL_ERROR,
  },
  {
    name: "6.9.1/3 a stream window pushed past 2^31-1 → FLOW_CONTROL_ERROR",
    request: postRequest("/"),
    late: [windowUpdate(1, 0x7fffffff), windowUpdate(1, 0x7fffffff)],
    code: ErrorCode.FLOW_CONTROL_ERROR,
  },
  {
    name: "6.9/2 a WINDOW_UPDATE of 0 → PROTOCOL_ERROR",
    request: postRequest("/"),
    late: [windowUpdate(1, 0)],
    code: ErrorCode.PROTOCOL_ERROR,
  },
];

describe("h2 driver: frames after our complete response are judged on the live stream", () => {
  for (const c of CASES) {
    for (const order of ["after", "before"] as const) {
      it(`${c.name} (response ${order} the frames)`, async () => {
        const { t, send, ended } = setup();
        if (order === "after") {
          await send(headers(1, c.request));
          assert.ok(ended(1), "the response is complete before the frames arrive");
          assert.deepEqual(rstsFrom(t, 0), [], "no RST_STREAM NO_ERROR at once");
          await send(...c.late);
        } else {
          await send(headers(1, c.request), ...c.late);
        }
        assert.deepEqual(rstsFrom(t, 0), [[1, c.code]]);
        assert.equal(goawayOf(t.frames), undefined);
        // The connection serves on.
        await send(headers(3, getRequest("/"), { endStream: true }));
        assert.ok(ended(3));
      });
    }
  }

  it("a client that finishes its upload after our answer closes the stream without any reset", async () => {
    const { driver, t, send, ended } = setup();
    await send(headers(1, postRequest("/")), data(1, "a"));
    assert.ok(ended(1));
    await send(data(1, "b"), headers(1, [["x-trailer", "1"]], { endStream: true }));
    assert.deepEqual(rstsFrom(t, 0), []);
    assert.equal(driver.conn.openStreams, 0);
  });

  it("a handler that reads the body is unaffected: the stream closes with both END_STREAMs", async () => {
    const { driver, t, send, ended } = setup(async (req) => new Response(await req.text()));
    await send(headers(1, postRequest("/")), data(1, "ab"));
    assert.ok(!ended(1));
    await send(data(1, "cd", { endStream: true }));
    assert.ok(ended(1));
    assert.deepEqual(rstsFrom(t, 0), []);
    assert.equal(driver.conn.openStreams, 0);
  });
});

describe("h2 driver: an answered upload that goes on is stopped with RST_STREAM NO_ERROR", () => {
  it("an endless upload is reset past the allowance; its DATA is discarded and the windows stay open", async () => {
    // Small windows: DATA that were buffered, or not credited, would exhaust them at once.
    const { driver, t, send, ended } = setup(undefined, {
      initialWindowSize: 65_535,
      connectionWindowSize: 65_535,
    });
    await send(headers(1, postRequest("/")));
    assert.ok(ended(1));
    const chunk = new Uint8Array(4096);
    let sent = 0;
    while (rstsFrom(t, 0).length === 0) {
      await send(data(1, chunk));
      sent += chunk.byteLength;
      assert.ok(sent <= UPLOAD_ALLOWANCE + chunk.byteLength, `still not reset after ${sent} bytes`);
    }
    assert.deepEqual(rstsFrom(t, 0), [[1, ErrorCode.NO_ERROR]]);
    assert.ok(sent > UPLOAD_ALLOWANCE);
    assert.equal(driver.conn.openStreams, 0);
    // Frames already in flight after our reset (a stream window's worth): ignored, but counted
    // and credited on the connection window (which they would overflow otherwise); nothing more
    // is reset or closed. (A client that goes on for ever meets the useless-frame budget.)
    const n = t.frames.length;
    await send(...Array.from({ length: 16 }, () => data(1, chunk)));
    assert.deepEqual(rstsFrom(t, n), []);
    assert.equal(goawayOf(t.frames), undefined);
    assert.equal(t.closedByServer, false);
    await send(headers(3, postRequest("/")), data(3, "x", { endStream: true }));
    assert.ok(ended(3));
    assert.equal(driver.conn.openStreams, 0);
  });

  it("a stream whose client never ends it is reset once idleTimeout has passed", async () => {
    const { driver, t, send, ended } = setup(undefined, { idleTimeout: 5_000 });
    await send(headers(1, postRequest("/")));
    assert.ok(ended(1));
    driver.onDeadline(Date.now() + 1_000);
    await turns();
    assert.deepEqual(rstsFrom(t, 0), [], "not before maxWait");
    driver.onDeadline(Date.now() + 5_000);
    await turns();
    assert.deepEqual(rstsFrom(t, 0), [[1, ErrorCode.NO_ERROR]]);
    assert.equal(driver.conn.openStreams, 0);
  });

  it("a graceful shutdown resets waiting streams and closes the connection", async () => {
    const { driver, t, send, ended } = setup();
    await send(headers(1, postRequest("/")));
    assert.ok(ended(1));
    driver.shutdown();
    await turns();
    assert.deepEqual(rstsFrom(t, 0), [[1, ErrorCode.NO_ERROR]]);
    assert.equal(goawayOf(t.frames)?.code, ErrorCode.NO_ERROR);
    assert.equal(t.closedByServer, true);
  });

  it("waiting streams count against MAX_CONCURRENT_STREAMS", async () => {
    const { t, send, ended } = setup(undefined, { maxConcurrentStreams: 2 });
    await send(headers(1, postRequest("/")), headers(3, postRequest("/")));
    assert.ok(ended(1) && ended(3));
    await send(headers(5, getRequest("/"), { endStream: true }));
    assert.deepEqual(rstsFrom(t, 0), [[5, ErrorCode.REFUSED_STREAM]]);
    await send(data(1, "", { endStream: true }));
    await send(headers(7, getRequest("/"), { endStream: true }));
    assert.ok(ended(7));
  });
});
