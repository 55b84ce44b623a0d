// examples/sans_io_server.ts (the public H2Connection as a server over node:net)
// against curl, nghttp, h2load and Node's http2 client.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http2 from "node:http2";
import type net from "node:net";
import { startServer } from "../../examples/sans_io_server.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../support/live.ts";

describe("examples/sans_io_server.ts against real clients", () => {
  let server: net.Server;
  let base = "";
  before(async () => {
    server = await startServer(0);
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("curl --http2-prior-knowledge: it works, and the headers as JSON", async () => {
    const a = await run("curl", ["-s", "--http2-prior-knowledge", `${base}/`]);
    assert.equal(a.stdout, "it works!\n");
    const b = await run("curl", [
      "-s",
      "--http2-prior-knowledge",
      "-H",
      "x-hello: there",
      `${base}/headers?q=1`,
    ]);
    const json = JSON.parse(b.stdout);
    assert.equal(json[":path"], "/headers?q=1");
    assert.equal(json["x-hello"], "there");
    const v = await run("curl", [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_version}",
      "--http2-prior-knowledge",
      base,
    ]);
    assert.equal(v.stdout, "2");
  });

  it("nghttp: several streams, and a request body that is acknowledged", async () => {
    const r = await run("nghttp", ["-n", "-s", "-m", "5", `${base}/a`]);
    assert.equal(r.code, 0, r.stderr);
    const file = join(mkdtempSync(join(tmpdir(), "sansio-")), "body.bin");
    writeFileSync(file, new Uint8Array(200_000)); // beyond the 65,535-byte window
    const post = await run("nghttp", ["-n", "-d", file, `${base}/post`]);
    rmSync(file);
    assert.equal(post.code, 0, post.stderr);
  });

  it("h2load: 200 requests on 4 connections, all 2xx", async () => {
    const r = await run("h2load", ["-n", "200", "-c", "4", "-m", "10", `${base}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /200 succeeded, 0 failed, 0 errored/);
    assert.match(r.stdout, /status codes: 200 2xx/);
  });

  it("Node's http2 client: concurrent requests on one session", async () => {
    const session = http2.connect(base);
    try {
      const one = (path: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = session.request({ ":path": path, "x-n": path });
          let status = 0;
          let body = "";
          req.on("response", (h) => (status = Number(h[":status"])));
          req.setEncoding("utf8");
          req.on("data", (d: string) => (body += d));
          req.on("end", () => resolve({ status, body }));
          req.on("error", reject);
        });
      const results = await Promise.all(["/1", "/2", "/3", "/"].map(one));
      assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200]);
      assert.equal(JSON.parse(results[1]!.body)["x-n"], "/2");
      assert.equal(results[3]!.body, "it works!\n");
    } finally {
      session.close();
    }
  });
});
