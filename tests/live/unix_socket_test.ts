/**
 * serve({ path }): HTTP/1.1 and h2c on one Unix socket (curl --unix-socket),
 * the Unix address in info and server.addr, TLS over a Unix socket, and the
 * socket file rules: a stale one is replaced, a live one or a non-socket file
 * fails the start naming `path`.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "../../mod.ts";
import type { ListenInfo, ServeInfo } from "../../mod.ts";
import { CERT_PATH, run, TLS } from "../support/live.ts";

function echo(_req: Request, info: ServeInfo): Response {
  return Response.json({
    remote: info.remoteAddr,
    local: info.localAddr,
    protocol: info.protocol,
  });
}

describe("Unix sockets", () => {
  let dir = "";
  let path = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "h2serve-unix-"));
    path = join(dir, "app.sock");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("serves HTTP/1.1 and h2c on one socket; info and addr are Unix addresses", async () => {
    let listened: ListenInfo | null = null;
    await using server = serve({ path, onListen: (i) => (listened = i) }, echo);
    assert.deepEqual(server.addr, { transport: "unix", path });
    assert.equal(server.url.href, "http://localhost/");
    assert.deepEqual(listened, { hostname: "localhost", port: 0, path });
    for (
      const [flag, protocol] of [["--http1.1", "http/1.1"], ["--http2-prior-knowledge", "h2c"]]
    ) {
      const r = await run("curl", [
        "-sS",
        "--max-time",
        "10",
        "--unix-socket",
        path,
        flag!,
        "http://localhost/x",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const got = JSON.parse(r.stdout);
      assert.equal(got.protocol, protocol);
      assert.deepEqual(got.local, { transport: "unix", path });
      assert.equal(got.remote.transport, "unix");
      assert.equal(typeof got.remote.path, "string");
    }
  });

  it("serves TLS (h2 by ALPN) on a Unix socket", async () => {
    await using _server = serve({ path, tls: TLS, onListen() {} }, echo);
    const r = await run("curl", [
      "-sS",
      "--max-time",
      "10",
      "--unix-socket",
      path,
      "--http2",
      "--cacert",
      CERT_PATH,
      "https://localhost/",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).protocol, "h2");
  });

  it("replaces a stale socket file (nobody listening)", async () => {
    // A socket bound but never listened on, left behind when its process exits.
    const py = await run("python3", [
      "-c",
      "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])",
      path,
    ]);
    assert.equal(py.code, 0, py.stderr);
    assert.ok(existsSync(path));
    await using _server = serve({ path, onListen() {} }, echo);
    const r = await run("curl", [
      "-sS",
      "--max-time",
      "10",
      "--unix-socket",
      path,
      "http://localhost/",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).protocol, "http/1.1");
  });

  it("refuses a live socket, naming path; the first server keeps serving", async () => {
    await using _first = serve({ path, onListen() {} }, echo);
    assert.throws(
      () => serve({ path, onListen() {} }, echo),
      (e: Error) => e.message === `path: a server is already listening on ${path}`,
    );
    const r = await run("curl", [
      "-sS",
      "--max-time",
      "10",
      "--unix-socket",
      path,
      "http://localhost/",
    ]);
    assert.equal(r.code, 0, r.stderr);
  });

  it("refuses to replace a file that is not a socket", () => {
    writeFileSync(path, "precious");
    assert.throws(
      () => serve({ path, onListen() {} }, echo),
      (e: Error) =>
        e.message === `path: ${path} exists and is not a socket; refusing to replace it`,
    );
    assert.equal(readFileSync(path, "utf8"), "precious");
  });

  it("proxyProtocol on a Unix socket: the header is required, and read", async () => {
    await using _server = serve({ path, proxyProtocol: true, onListen() {} }, echo);
    const direct = await run("curl", [
      "-sS",
      "--max-time",
      "10",
      "--unix-socket",
      path,
      "http://localhost/",
    ]);
    assert.notEqual(direct.code, 0, "served without a PROXY header");
    const r = await run("curl", [
      "-sS",
      "--max-time",
      "10",
      "--haproxy-protocol",
      "--unix-socket",
      path,
      "http://localhost/",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).local, { transport: "unix", path });
  });
});
