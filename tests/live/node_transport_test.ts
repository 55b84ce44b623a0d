// The Node.js binding's start-up checks: a taken port and an unsupported
// reusePort fail at start with a message, as on Deno and Bun; the Node
// version test that decides whether net.Server offers reusePort.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { serve } from "../../mod.ts";
import { nodeHasReusePort } from "../../src/transport/node.ts";
import { skipUnless } from "../support/skip.ts";

const onNode = !("Deno" in globalThis) && !("Bun" in globalThis);

describe("Node.js binding", () => {
  it("knows which Node versions offer reusePort", () => {
    assert.equal(nodeHasReusePort("20.20.2"), false);
    assert.equal(nodeHasReusePort("22.11.0"), false);
    assert.equal(nodeHasReusePort("22.12.0"), true);
    assert.equal(nodeHasReusePort("23.0.0"), false);
    assert.equal(nodeHasReusePort("23.1.0"), true);
    assert.equal(nodeHasReusePort("24.0.0"), true);
  });

  it("a port already taken fails at start, on every runtime", async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      assert.throws(
        () => serve({ port, hostname: "127.0.0.1", onListen() {} }, () => new Response()),
        /in use|EADDRINUSE|cannot be bound|failed to listen/i,
      );
    } finally {
      holder.close();
    }
  });

  it("reusePort on a Node without it fails at start naming the option", {
    skip: skipUnless(onNode && !nodeHasReusePort(), "needs a Node.js older than 22.12"),
  }, () => {
    assert.throws(
      () => serve({ port: 0, reusePort: true, onListen() {} }, () => new Response()),
      /reusePort needs Node >= 22\.12/,
    );
  });
});
