import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { encodeEvent, sse } from "../../mod.ts";
import type { SseEvent } from "../../mod.ts";
import { CERT_PATH, RawClient, sleep, start, TLS } from "../support/live.ts";
import type { TestServer } from "../support/live.ts";

// ---- An EventSource-style client: fetch plus the WHATWG event-stream parsing rules. ----

/** An event as a client dispatches it. */
interface ReceivedEvent {
  /** The event type ("message" by default). */
  type: string;
  /** The data lines joined with LF. */
  data: string;
  /** The last event id seen. */
  lastEventId: string;
  /** Date.now() when the event was dispatched. */
  at: number;
}

/** Parses a text/event-stream as it arrives. */
class EventStreamParser {
  /** Dispatched events. */
  readonly events: ReceivedEvent[] = [];
  /** Comment lines (without the leading colon). */
  readonly comments: string[] = [];
  /** The last retry value seen. */
  retry: number | null = null;
  #buf = "";
  #data: string[] = [];
  #type = "";
  #lastId = "";
  #onEvent: (e: ReceivedEvent) => void;

  constructor(onEvent: (e: ReceivedEvent) => void = () => {}) {
    this.#onEvent = onEvent;
  }

  /** Feeds decoded text. */
  push(text: string): void {
    this.#buf += text;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.#buf);
      // A lone CR at the end may be the first half of CRLF: wait for more.
      if (m === null || (m[0] === "\r" && m.index === this.#buf.length - 1)) return;
      const line = this.#buf.slice(0, m.index);
      this.#buf = this.#buf.slice(m.index + m[0].length);
      this.#line(line);
    }
  }

  #line(line: string): void {
    if (line === "") {
      if (this.#data.length > 0) {
        const e = {
          type: this.#type || "message",
          data: this.#data.join("\n"),
          lastEventId: this.#lastId,
          at: Date.now(),
        };
        this.events.push(e);
        this.#onEvent(e);
      }
      this.#data = [];
      this.#type = "";
      return;
    }
    if (line.startsWith(":")) {
      this.comments.push(line.slice(1));
      return;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#type = value;
    else if (field === "id" && !value.includes("\0")) this.#lastId = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
  }
}

/** Parses a complete event stream text. */
function parseEventStream(text: string): EventStreamParser {
  const p = new EventStreamParser();
  p.push(text);
  p.push("\n"); // no effect on complete events; flushes nothing partial
  return p;
}

/**
 * Reads an event stream with fetch until `stop` returns true or the stream
 * ends; returns the parser and the response.
 */
async function readEvents(
  url: string,
  stop: (p: EventStreamParser) => boolean,
  init: RequestInit = {},
): Promise<{ parser: EventStreamParser; response: Response }> {
  const response = await fetch(url, { headers: { accept: "text/event-stream" }, ...init });
  const parser = new EventStreamParser();
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (!stop(parser)) {
      const r = await reader.read();
      if (r.done) break;
      parser.push(r.value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { parser, response };
}

/** An async iterator whose return() is observable, producing on demand. */
function probe(produce: (i: number) => Promise<SseEvent | undefined>) {
  let resolveReturned!: () => void;
  const returned = new Promise<void>((r) => (resolveReturned = r));
  let i = 0;
  let returnCalls = 0;
  const iterable: AsyncIterable<SseEvent> & { returnCalls(): number } = {
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<SseEvent>> {
        const v = await produce(i++);
        return v === undefined ? { done: true, value: undefined } : { done: false, value: v };
      },
      return(): Promise<IteratorResult<SseEvent>> {
        returnCalls++;
        resolveReturned();
        return Promise.resolve({ done: true, value: undefined });
      },
    }),
    returnCalls: () => returnCalls,
  };
  return { iterable, returned };
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    sleep(ms).then(() => {
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    }),
  ]);
}

describe("encodeEvent", () => {
  it("encodes data, event, id and retry", () => {
    assert.equal(
      encodeEvent({ event: "tick", id: "7", retry: 1500, data: "hello" }),
      "event: tick\nid: 7\nretry: 1500\ndata: hello\n\n",
    );
    assert.equal(encodeEvent("plain"), "data: plain\n\n");
    assert.equal(encodeEvent({ data: "" }), "data: \n\n");
    assert.equal(encodeEvent({ data: { a: [1, 2] } }), 'data: {"a":[1,2]}\n\n');
    assert.equal(encodeEvent({ comment: "hi\nthere" }), ": hi\n: there\n\n");
  });

  it("splits multi-line data at LF, CR and CRLF", () => {
    const text = encodeEvent({ data: "a\nb\r\nc\rd\n\ne" });
    assert.equal(text, "data: a\ndata: b\ndata: c\ndata: d\ndata: \ndata: e\n\n");
    const parsed = parseEventStream(text);
    assert.equal(parsed.events.length, 1);
    assert.equal(parsed.events[0]?.data, "a\nb\nc\nd\n\ne");
  });

  it("keeps leading spaces and colons in data", () => {
    const text = encodeEvent({ data: " x: y\n:z" });
    assert.equal(parseEventStream(text).events[0]?.data, " x: y\n:z");
  });

  it("cannot be made to forge fields or events through data", () => {
    const text = encodeEvent({ data: "ok\n\nevent: evil\ndata: injected\r\rid: 9" });
    const parsed = parseEventStream(text);
    assert.equal(parsed.events.length, 1);
    assert.equal(parsed.events[0]?.type, "message");
    assert.equal(parsed.events[0]?.lastEventId, "");
  });

  it("refuses line breaks and NUL in event and id, and bad retry values", () => {
    assert.throws(() => encodeEvent({ event: "a\nevent: b", data: "x" }), TypeError);
    assert.throws(() => encodeEvent({ event: "a\rb" }), TypeError);
    assert.throws(() => encodeEvent({ id: "1\r\ndata: evil" }), TypeError);
    assert.throws(() => encodeEvent({ id: "1\0" }), TypeError);
    assert.throws(() => encodeEvent({ retry: -1 }), TypeError);
    assert.throws(() => encodeEvent({ retry: 1.5 }), TypeError);
  });
});

describe("sse() over HTTP/1.1", () => {
  let srv: TestServer;
  const returned: Array<Promise<void>> = [];
  const aborted: string[] = [];
  before(() => {
    srv = start((req) => {
      const url = new URL(req.url);
      const gap = Number(url.searchParams.get("gap") ?? "250");
      switch (url.pathname) {
        case "/timed": {
          // Each event carries the time it was produced.
          return sse(
            (async function* () {
              for (let i = 0; i < 5; i++) {
                if (i > 0) await sleep(gap);
                yield { event: "tick", id: String(i), data: JSON.stringify({ i, t: Date.now() }) };
              }
            })(),
            { signal: req.signal },
          );
        }
        case "/forever": {
          const p = probe(async (i) => {
            await sleep(50);
            return { data: `n${i}` };
          });
          returned.push(p.returned);
          req.signal.addEventListener("abort", () => aborted.push("req.signal"));
          return sse(p.iterable, { signal: req.signal });
        }
        case "/idle": {
          const p = probe(() => new Promise<never>(() => {}));
          returned.push(p.returned);
          return sse(p.iterable, { heartbeat: 100, signal: req.signal });
        }
        case "/finite":
          return sse(
            (async function* () {
              yield { data: "one\ntwo" };
              yield "three";
              yield { comment: "bye", retry: 3000 };
            })(),
            { headers: { "x-extra": "1" } },
          );
        case "/fails":
          return sse((async function* () {
            yield { data: "before" };
            await sleep(20);
            throw new Error("source failed");
          })());
        default:
          return new Response("not found", { status: 404 });
      }
    });
  });
  after(() => srv.close());

  it("sets the event-stream headers", async () => {
    const res = await fetch(`${srv.base}/finite`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    assert.equal(res.headers.get("cache-control"), "no-cache");
    assert.equal(res.headers.get("x-extra"), "1");
    const parsed = parseEventStream(await res.text());
    assert.deepEqual(parsed.events.map((e) => e.data), ["one\ntwo", "three"]);
    assert.equal(parsed.retry, 3000);
    assert.ok(parsed.comments.includes(" bye"));
  });

  it("delivers each event as it is produced (no buffering)", async () => {
    const gap = 250;
    const t0 = Date.now();
    const { parser } = await readEvents(
      `${srv.base}/timed?gap=${gap}`,
      (p) => p.events.length >= 5,
    );
    const events = parser.events;
    assert.equal(events.length, 5);
    for (const [k, e] of events.entries()) {
      const { i, t } = JSON.parse(e.data) as { i: number; t: number };
      assert.equal(i, k);
      assert.equal(e.type, "tick");
      assert.equal(e.lastEventId, String(k));
      // Received promptly after it was produced, well before the next one exists.
      assert.ok(e.at - t < gap * 0.6, `event ${i} arrived ${e.at - t} ms after production`);
    }
    // Arrival times are spread like production times, not bunched at the end.
    const first = events[0]!.at;
    const last = events[4]!.at;
    assert.ok(last - first >= gap * 4 * 0.8, `events spread over ${last - first} ms`);
    assert.ok(first - t0 < gap * 3, "the first event came early");
  });

  it("calls the source's return() when the client goes away", async () => {
    const before = returned.length;
    const ac = new AbortController();
    const res = await fetch(`${srv.base}/forever`, { signal: ac.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new EventStreamParser();
    while (parser.events.length < 2) {
      const r = await reader.read();
      assert.equal(r.done, false);
      parser.push(r.value!);
    }
    assert.equal(parser.events[1]?.data, "n1");
    ac.abort();
    await reader.cancel().catch(() => {});
    assert.equal(returned.length, before + 1);
    await within(returned[before]!, 3000, "return() after client abort");
  });

  it("calls return() and aborts req.signal when a raw client disconnects", async () => {
    const before = returned.length;
    const c = await RawClient.connect(srv.port);
    c.write("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until((t) => t.includes("data: n2"));
    assert.match(c.text, /transfer-encoding: chunked/i);
    c.destroy();
    await within(returned[before]!, 3000, "return() after disconnect");
    assert.ok(aborted.includes("req.signal"), "req.signal aborted on disconnect");
  });

  it("sends comment heartbeats while the source is idle, and cleans up", async () => {
    const before = returned.length;
    const ac = new AbortController();
    const { parser } = await readEvents(
      `${srv.base}/idle`,
      (p) => p.comments.filter((c) => c === " ping").length >= 3,
      { signal: ac.signal },
    );
    assert.equal(parser.events.length, 0);
    assert.ok(parser.comments.filter((c) => c === " ping").length >= 3);
    ac.abort();
    await within(returned[before]!, 3000, "return() of an idle source");
  });

  it("ends the response when the source throws", async () => {
    const res = await fetch(`${srv.base}/fails`);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new EventStreamParser();
    let failed = false;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        parser.push(r.value);
      }
    } catch {
      failed = true;
    }
    assert.deepEqual(parser.events.map((e) => e.data), ["before"]);
    // The response is cut short (a chunked body without its last chunk), never a clean end.
    assert.equal(failed, true);
  });
});

describe("sse() without a server", () => {
  it("stops and calls return() when options.signal aborts", async () => {
    const p = probe(async (i) => {
      await sleep(10);
      return { data: String(i) };
    });
    const ac = new AbortController();
    const res = sse(p.iterable, { signal: ac.signal, heartbeat: 0 });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("data: 1\n\n")) text += (await reader.read()).value ?? "";
    ac.abort();
    await within(p.returned, 1000, "return() on abort");
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
    }
    assert.equal(p.iterable.returnCalls(), 1);
  });

  it("does not call return() when the source finishes by itself", async () => {
    const p = probe((i) => Promise.resolve(i < 2 ? { data: String(i) } : undefined));
    const text = await sse(p.iterable, { heartbeat: 0 }).text();
    assert.equal(text, ":\n\ndata: 0\n\ndata: 1\n\n");
    assert.equal(p.iterable.returnCalls(), 0);
  });

  it("pulls from the source only as the client reads", async () => {
    let produced = 0;
    const source = (async function* () {
      for (;;) {
        produced++;
        yield { data: "x".repeat(1000) };
      }
    })();
    const res = sse(source, { heartbeat: 0 });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    await sleep(50);
    assert.ok(produced <= 3, `produced ${produced} events for 2 reads`);
    await reader.cancel();
  });

  it("closes at once when the signal is already aborted", async () => {
    const p = probe(() => Promise.resolve({ data: "never" }));
    const text = await sse(p.iterable, { signal: AbortSignal.abort() }).text();
    assert.equal(text, "");
    assert.equal(p.iterable.returnCalls(), 1);
  });
});

// ---- HTTP/2: curl as the client, h2c with prior knowledge and h2 over TLS. ----

const GAP = 250;

/** Output of a streaming curl, with the arrival time of every `data:` line. */
interface Streamed {
  text: string;
  data: Array<{ line: string; at: number }>;
  code: number | null;
}

/**
 * Runs curl without buffering; stops it (SIGTERM) once `stopAfter` data
 * lines arrived, or lets it finish.
 */
function curlStream(args: string[], stopAfter = Infinity): Promise<Streamed> {
  return new Promise((resolve) => {
    const child = spawn("curl", ["-sN", ...args]);
    const out: Streamed = { text: "", data: [], code: null };
    let pending = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (s: string) => {
      const at = Date.now();
      out.text += s;
      pending += s;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith("data: ")) out.data.push({ line: line.slice(6), at });
      }
      if (out.data.length >= stopAfter) child.kill("SIGTERM");
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      out.code = code;
      resolve(out);
    });
  });
}

function h2Handler() {
  const returned: Array<Promise<void>> = [];
  const fetch = (req: Request, info: { protocol: string }) => {
    const path = new URL(req.url).pathname;
    if (path === "/timed") {
      return sse(
        (async function* () {
          for (let i = 0; i < 5; i++) {
            if (i > 0) await sleep(GAP);
            yield { id: String(i), data: JSON.stringify({ i, t: Date.now(), p: info.protocol }) };
          }
        })(),
        { signal: req.signal },
      );
    }
    // An endless source whose return() is observable.
    let done!: () => void;
    returned.push(new Promise<void>((r) => (done = r)));
    let i = 0;
    const source: AsyncIterable<SseEvent> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          await sleep(40);
          return { done: false, value: { data: `n${i++}\nsecond line` } };
        },
        return: () => {
          done();
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    };
    return sse(source, { signal: req.signal });
  };
  return { fetch, returned };
}

function checkTimed(out: Streamed, protocol: string): void {
  assert.equal(out.code, 0, out.text);
  assert.match(out.text, /^HTTP\/2 200 ?\r?\n/);
  assert.match(out.text, /\r?\ncontent-type: text\/event-stream\r?\n/i);
  assert.match(out.text, /\r?\ncache-control: no-cache\r?\n/i);
  assert.equal(out.data.length, 5);
  for (const [k, d] of out.data.entries()) {
    const { i, t, p } = JSON.parse(d.line) as { i: number; t: number; p: string };
    assert.equal(i, k);
    assert.equal(p, protocol);
    assert.ok(d.at - t < GAP * 0.6, `event ${i} arrived ${d.at - t} ms after production`);
  }
  const spread = out.data[4]!.at - out.data[0]!.at;
  assert.ok(spread >= GAP * 4 * 0.8, `events spread over ${spread} ms`);
}

describe("sse() over h2c (prior knowledge)", () => {
  let srv: TestServer;
  const h = h2Handler();
  before(() => {
    srv = start(h.fetch);
  });
  after(() => srv.close());

  it("delivers each event as it is produced", async () => {
    const out = await curlStream(["-i", "--http2-prior-knowledge", `${srv.base}/timed`]);
    checkTimed(out, "h2c");
  });

  it("calls the source's return() when curl goes away", async () => {
    const n = h.returned.length;
    const out = await curlStream(["-i", "--http2-prior-knowledge", `${srv.base}/forever`], 4);
    assert.match(out.text, /^HTTP\/2 200 ?\r?\n/);
    assert.deepEqual(out.data.slice(0, 4).map((d) => d.line), [
      "n0",
      "second line",
      "n1",
      "second line",
    ]);
    await within(h.returned[n]!, 3000, "return() after the client left");
  });
});

describe("sse() over h2 with TLS", () => {
  let srv: TestServer;
  const h = h2Handler();
  before(() => {
    srv = start(h.fetch, { tls: TLS });
  });
  after(() => srv.close());

  it("delivers each event as it is produced", async () => {
    const base = `https://localhost:${srv.port}`;
    const out = await curlStream([
      "-i",
      "--http2",
      "--cacert",
      CERT_PATH,
      "--resolve",
      `localhost:${srv.port}:127.0.0.1`,
      `${base}/timed`,
    ]);
    checkTimed(out, "h2");
  });

  it("calls the source's return() when curl goes away", async () => {
    const n = h.returned.length;
    const out = await curlStream(["-i", "--http2", "-k", `${srv.base}/forever`], 2);
    assert.match(out.text, /^HTTP\/2 200 ?\r?\n/);
    await within(h.returned[n]!, 3000, "return() after the client left");
  });
});
