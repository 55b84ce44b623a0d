// The HTTP/2 driver's parts (input, output, timers, transport) call it through one link object
// instead of closures per connection. The behaviours behind that link must hold: the idle
// timeout closes an idle connection with GOAWAY NO_ERROR, a connection with a stream open is
// kept and pinged, an unanswered PING ends it, and an unacknowledged SETTINGS times out.
// Deadlines are driven with an explicit `now`: no clock, no timing assertion.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Http2Driver } from "../../src/http2/server/driver.ts";
import { type Http2Options, resolveHttp2Options } from "../../src/http2/server/options.ts";
import { defaultOnError } from "../../src/fetch/exchange.ts";
import type { ServerHost } from "../../src/fetch/host.ts";
import { type CloseWatcher, type Transport, watchClosed } from "../../src/transport/types.ts";
import { MemoryTransport } from "../support/memory_transport.ts";
import { FrameDecoder } from "../../src/http2/core/frame/decoder.ts";
import { ErrorCode } from "../../src/http2/core/errors.ts";
import { FrameType } from "../../src/http2/core/frame/types.ts";
import type { Frame } from "../../src/http2/core/frame/types.ts";
import { concat } from "../support/common.ts";
import {
  getRequest,
  headers,
  ping,
  preface,
  settings,
  settingsAck,
} from "../support/http2_frames.ts";

/** The memory transport, decoding what is written into frames. */
class FrameTransport extends MemoryTransport {
  readonly frames: Frame[] = [];
  readonly #decoder = new FrameDecoder(1 << 24);
  override write(chunk: Uint8Array): boolean {
    this.#decoder.push(chunk.slice());
    for (let f = this.#decoder.next(); f !== null; f = this.#decoder.next()) this.frames.push(f);
    return super.write(chunk);
  }
  of(type: FrameType): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};

function open(options: Partial<Http2Options>, handler: () => Response | Promise<Response>) {
  const timeouts: string[] = [];
  const host: ServerHost = {
    handler,
    onError: defaultOnError,
    shuttingDown: false,
    add() {},
    remove() {},
    clientError(_kind, _error, _facts, _code, timeout) {
      if (timeout !== undefined) timeouts.push(timeout);
    },
  };
  const t = new FrameTransport();
  const facts = t.facts();
  const driver = new Http2Driver(t, host, facts, resolveHttp2Options(options));
  driver.start();
  return { t, driver, timeouts };
}

function goaway(t: FrameTransport): number | undefined {
  const g = t.of(FrameType.GOAWAY)[0] as { code: number } | undefined;
  return g?.code;
}

describe("h2 driver: timers through the link", () => {
  it("the idle timeout closes an idle connection with GOAWAY NO_ERROR", async () => {
    const { t, driver } = open({ idleTimeout: 1000 }, () => new Response("hi"));
    t.sink!.data(concat(preface(), settings(), settingsAck()));
    t.sink!.data(headers(1, getRequest("/"), { endStream: true }));
    await turns(3);
    assert.equal(t.of(FrameType.HEADERS).length, 1, "answered");
    const at = driver.deadline;
    assert.ok(at > 0, "an idle deadline is set");
    driver.onDeadline(at - 1);
    assert.equal(goaway(t), undefined, "not before its time");
    driver.onDeadline(at);
    await turns(1);
    assert.equal(goaway(t), ErrorCode.NO_ERROR);
    assert.equal(t.closes, 1);
  });

  it("a connection with a stream open is kept, pinged, and ended when the PING goes unanswered", async () => {
    let release!: (r: Response) => void;
    const { t, driver, timeouts } = open(
      { idleTimeout: 1000, pingInterval: 500, pingTimeout: 300, sendTimeout: 0 },
      () => new Promise<Response>((r) => (release = r)),
    );
    t.sink!.data(concat(preface(), settings(), settingsAck()));
    t.sink!.data(headers(1, getRequest("/"), { endStream: true }));
    await turns(2);
    let now = driver.deadline;
    driver.onDeadline(now);
    await turns(1);
    assert.equal(goaway(t), undefined, "a busy connection is not idle");
    const pings = t.of(FrameType.PING).filter((f) => !(f as { ack: boolean }).ack);
    assert.equal(pings.length, 1, "liveness PING sent");
    // The peer answers: the connection lives on.
    const opaque = [...(pings[0] as { data: Uint8Array }).data];
    t.sink!.data(ping(opaque, true));
    now = driver.deadline;
    driver.onDeadline(now);
    await turns(1);
    assert.equal(goaway(t), undefined, "answered PING keeps it");
    // Then silence through a PING and its timeout: the peer is gone.
    for (let i = 0; i < 3 && goaway(t) === undefined; i++) {
      now = driver.deadline;
      driver.onDeadline(now);
      await turns(1);
    }
    assert.equal(goaway(t), ErrorCode.NO_ERROR);
    assert.deepEqual(timeouts, ["http2.pingTimeout"]);
    release(new Response("late"));
  });

  it("SETTINGS not acknowledged in time: GOAWAY SETTINGS_TIMEOUT", async () => {
    const { t, driver, timeouts } = open({ settingsTimeout: 2000 }, () => new Response("hi"));
    t.sink!.data(concat(preface(), settings()));
    await turns(1);
    driver.onDeadline(driver.deadline);
    await turns(1);
    assert.equal(goaway(t), ErrorCode.SETTINGS_TIMEOUT);
    assert.deepEqual(timeouts, ["http2.settingsTimeout"]);
  });

  it("a request, and the end of the socket, still reach the driver through the transport sink", async () => {
    const { t } = open({}, () => new Response("hello"));
    t.sink!.data(concat(preface(), settings(), settingsAck()));
    for (let i = 0; i < 3; i++) {
      t.sink!.data(headers(1 + 2 * i, getRequest("/"), { endStream: true }));
      await turns(2);
    }
    assert.equal(t.of(FrameType.HEADERS).length, 3);
    t.sink!.end();
    assert.equal(t.aborts, 1, "the peer's end aborts the transport");
  });
});

describe("watchClosed: the transport's close reaches its watcher", () => {
  it("through watchClose where the transport offers it, else through `closed`", async () => {
    let resolve!: () => void;
    const plain = { closed: new Promise<void>((r) => (resolve = r)) } as unknown as Transport;
    const told: string[] = [];
    watchClosed(plain, { transportClosed: () => told.push("plain") });
    const watchers: CloseWatcher[] = [];
    const watching = {
      closed: new Promise<void>(() => {}),
      watchClose: (w: CloseWatcher) => watchers.push(w),
    } as unknown as Transport;
    watchClosed(watching, { transportClosed: () => told.push("watching") });
    assert.equal(watchers.length, 1, "registered with the transport, no promise reaction");
    resolve();
    await turns(1);
    watchers[0]!.transportClosed();
    assert.deepEqual(told, ["plain", "watching"]);
  });
});
