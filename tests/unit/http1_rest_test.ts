// An idle HTTP/1.1 keep-alive connection rests (src/http1/server/driver.ts):
// after REST_AFTER_MS without a request it lets go of its parser, timers and
// response side, and the transport of its write queue; its next byte makes
// them again. What must not change: requests on it are answered as before,
// its idle timeout keeps its original deadline, a half-close still ends it,
// and a connection with anything under way never rests.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Http1Driver } from "../../src/http1/server/driver.ts";
import { DEFAULT_HTTP1_OPTIONS, type Http1Options } from "../../src/http1/server/options.ts";
import { ConnState } from "../../src/http1/core/conn_table.ts";
import type { Handler } from "../../src/types.ts";
import { MemoryTransport } from "../support/memory_transport.ts";
import { recordingHost } from "../support/test_host.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const GET = (path: string) => te.encode(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);

class RestingTransport extends MemoryTransport {
  rests = 0;
  out: string[] = [];
  rest(): void {
    this.rests++;
  }
  override write(chunk: Uint8Array): boolean {
    this.out.push(td.decode(chunk));
    return super.write(chunk);
  }
}

async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
}

function setup(
  handler: Handler = (req) => new Response(new URL(req.url).pathname),
  o: Partial<Http1Options> = {},
) {
  const { host, live, errors } = recordingHost(handler);
  const t = new RestingTransport();
  const t0 = Date.now();
  const driver = new Http1Driver(t, host, t.facts("http/1.1"), { ...DEFAULT_HTTP1_OPTIONS, ...o });
  driver.start();
  return { t, driver, live, errors, t0 };
}

/** Runs the sweep's call at the driver's deadline, as LiveConnections does once it has passed. */
function sweep(driver: Http1Driver): number {
  const at = driver.deadline;
  driver.onDeadline(at);
  return at;
}

/** The body of the last response written. */
function lastBody(t: RestingTransport): string {
  return t.out.join("").split("\r\n\r\n").at(-1)!;
}

describe("http1: an idle connection rests", () => {
  it("rests once idle for a while, and answers its next request as before", async () => {
    const { t, driver, t0 } = setup();
    t.sink!.data(GET("/one"));
    await turns();
    assert.equal(lastBody(t), "/one");
    assert.equal(driver.resting, false);
    const keepAlive = DEFAULT_HTTP1_OPTIONS.keepAliveTimeout;
    // The rest comes first: long before the idle timeout.
    const restAt = driver.deadline;
    assert.ok(restAt - t0 < keepAlive, `rest at +${restAt - t0} ms`);
    driver.onDeadline(restAt - 1);
    assert.equal(driver.resting, false, "not before its time");
    sweep(driver);
    assert.equal(driver.resting, true);
    assert.equal(t.rests, 1, "the transport is told");
    assert.equal(driver.state, ConnState.IDLE);
    // Resting, only the idle timeout is due, where it was before the rest.
    const idleAt = driver.deadline;
    assert.ok(
      idleAt - t0 >= keepAlive && idleAt - Date.now() <= keepAlive,
      `idle at +${idleAt - t0}`,
    );

    t.sink!.data(GET("/two"));
    await turns();
    assert.equal(driver.resting, false);
    assert.equal(lastBody(t), "/two");
    t.sink!.data(GET("/three"));
    await turns();
    assert.equal(lastBody(t), "/three");
    assert.equal(t.closes + t.aborts, 0);
  });

  it("a request split across the rest, byte by byte, is parsed whole", async () => {
    const { t, driver } = setup();
    sweep(driver);
    assert.equal(driver.resting, true, "a connection that never sent a request rests too");
    for (const b of GET("/split")) t.sink!.data(new Uint8Array([b]));
    await turns();
    assert.equal(lastBody(t), "/split");
  });

  it("keeps its idle timeout: resting, it is closed when the timeout ends, unreported", () => {
    const { t, driver, live, errors } = setup();
    sweep(driver);
    assert.equal(driver.resting, true);
    const idleAt = driver.deadline;
    driver.onDeadline(idleAt - 1);
    assert.equal(t.closes, 0);
    driver.onDeadline(idleAt);
    assert.equal(t.closes, 1);
    assert.equal(driver.state, ConnState.CLOSING);
    assert.deepEqual(errors, [], "an idle timeout is not a client error");
    assert.equal(live.size, 1, "live until the socket is closed");
  });

  it("empty lines wake it without moving its idle timeout, and it rests again", () => {
    const { t, driver } = setup();
    sweep(driver);
    const idleAt = driver.deadline;
    t.sink!.data(te.encode("\r\n"));
    assert.equal(driver.resting, false);
    const restAgain = driver.deadline;
    assert.ok(restAgain < idleAt);
    sweep(driver);
    assert.equal(driver.resting, true);
    assert.equal(driver.deadline, idleAt, "the idle deadline did not move");
    assert.equal(t.rests, 2);
  });

  it("a half-close while resting closes the connection cleanly", () => {
    const { t, driver } = setup();
    sweep(driver);
    t.sink!.end();
    assert.equal(t.closes, 1);
    assert.equal(t.aborts, 0);
    assert.equal(driver.state, ConnState.CLOSING);
  });

  it("shutdown while resting closes at once", () => {
    const { t, driver } = setup();
    sweep(driver);
    driver.shutdown();
    assert.equal(t.closes, 1);
  });

  it("never rests with part of a request read", async () => {
    const { t, driver } = setup();
    t.sink!.data(te.encode("GET /late HTTP/1.1\r\nHo"));
    const at = driver.deadline;
    driver.onDeadline(at);
    assert.equal(driver.resting, false);
    assert.equal(t.rests, 0);
    t.sink!.data(te.encode("st: x\r\n\r\n"));
    await turns();
    assert.equal(lastBody(t), "/late");
  });

  it("never rests while a response is pending", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { t, driver } = setup(async () => {
      await gate;
      return new Response("late");
    });
    t.sink!.data(GET("/"));
    await turns();
    // The rest time of the idle before the request has passed: the sweep must not rest it.
    driver.onDeadline(Date.now() + 1000);
    assert.equal(driver.resting, false);
    release();
    await turns();
    assert.equal(lastBody(t), "late");
    sweep(driver);
    assert.equal(driver.resting, true, "rests once answered and idle");
  });

  it("never rests with pipelined bytes waiting", async () => {
    const { t, driver } = setup(async (req) => {
      await new Promise((r) => setTimeout(r, 5));
      return new Response(new URL(req.url).pathname);
    });
    const both = new Uint8Array([...GET("/a"), ...GET("/b")]);
    t.sink!.data(both);
    driver.onDeadline(Date.now() + 1000);
    assert.equal(driver.resting, false);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(t.out.join("").match(/\/[ab]$|\/[ab](?=HTTP)/g), ["/a", "/b"]);
  });
});
