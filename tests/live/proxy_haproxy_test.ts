/**
 * Interop with a real HAProxy in front (started by the test with a generated
 * configuration on 127.0.0.1): h2c to the backend with send-proxy-v2, HTTP/1.1
 * with send-proxy, and TLS (ALPN h2) with send-proxy-v2. curl from a fixed
 * source port must see that port in info.remoteAddr; h2load through HAProxy
 * must finish with 0 failed; a direct connection without a header gets no answer.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "../../mod.ts";
import type { Addr, Server } from "../../mod.ts";
import { raw, run, TLS } from "../support/live.ts";
import { connectable, freePort } from "../support/ports.ts";

function show(a: Addr): string {
  return a.transport === "unix" ? `unix:${a.path}` : `${a.hostname}:${a.port}`;
}

const haproxy = await run("haproxy", ["-v"], 5000).catch(() => null);
const skip = haproxy === null || haproxy.code !== 0
  ? "haproxy is not installed (apt-get install haproxy)"
  : false;
if (skip) console.log(`skip proxy_haproxy_test: ${skip}`);

describe("PROXY protocol behind HAProxy", { skip }, () => {
  let plain: Server;
  let secure: Server;
  let proc: ChildProcess;
  let dir: string;
  const ports = { h2: 0, h1: 0, tls: 0 };

  before(async () => {
    const handler = (_req: Request, info: { remoteAddr: Addr; protocol: string }) =>
      new Response(`${show(info.remoteAddr)} ${info.protocol}`);
    plain = serve({ hostname: "127.0.0.1", port: 0, proxyProtocol: true, onListen() {} }, handler);
    secure = serve({
      hostname: "127.0.0.1",
      port: 0,
      proxyProtocol: true,
      tls: TLS,
      onListen() {},
    }, handler);
    ports.h2 = await freePort();
    ports.h1 = await freePort();
    ports.tls = await freePort();
    dir = mkdtempSync(join(tmpdir(), "h2serve-haproxy-"));
    const cfg = join(dir, "haproxy.cfg");
    writeFileSync(
      cfg,
      `global
  maxconn 500
defaults
  mode http
  timeout connect 5s
  timeout client 20s
  timeout server 20s
frontend fe_h2
  bind 127.0.0.1:${ports.h2} proto h2
  default_backend be_h2
backend be_h2
  server s1 127.0.0.1:${plain.addr.port} proto h2 send-proxy-v2
frontend fe_h1
  bind 127.0.0.1:${ports.h1}
  default_backend be_h1
backend be_h1
  option httpchk GET /health
  server s1 127.0.0.1:${plain.addr.port} send-proxy check inter 500 check-send-proxy
frontend fe_tls
  bind 127.0.0.1:${ports.tls}
  default_backend be_tls
backend be_tls
  server s1 127.0.0.1:${secure.addr.port} ssl verify none alpn h2 send-proxy-v2
`,
    );
    proc = spawn("haproxy", ["-db", "-f", cfg], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr!.on("data", (d: Uint8Array) => (stderr += new TextDecoder().decode(d)));
    for (const p of Object.values(ports)) {
      let up = false;
      for (let i = 0; i < 100 && !up && proc.exitCode === null; i++) {
        up = await connectable(p);
        if (!up) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(up, `haproxy did not listen on ${p}: ${stderr}`);
    }
  });

  after(async () => {
    proc?.kill("SIGTERM");
    await plain?.shutdown();
    await secure?.shutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function curlFrom(args: string[], url: string): Promise<{ text: string; local: number }> {
    for (let attempt = 0;; attempt++) {
      const local = await freePort();
      const r = await run("curl", [
        "-sS",
        "--max-time",
        "10",
        "--local-port",
        String(local),
        ...args,
        url,
      ]);
      // The port may be taken between our probe and curl's bind: try another.
      if (r.code === 45 && attempt < 5) continue;
      assert.equal(r.code, 0, r.stderr);
      return { text: r.stdout, local };
    }
  }

  it("h2c with send-proxy-v2: curl's source port reaches info.remoteAddr", async () => {
    const { text, local } = await curlFrom(
      ["--http2-prior-knowledge"],
      `http://127.0.0.1:${ports.h2}/`,
    );
    assert.equal(text, `127.0.0.1:${local} h2c`);
  });

  it("HTTP/1.1 with send-proxy: curl's source port reaches info.remoteAddr", async () => {
    const { text, local } = await curlFrom(["--http1.1"], `http://127.0.0.1:${ports.h1}/`);
    assert.equal(text, `127.0.0.1:${local} http/1.1`);
  });

  it("TLS (ALPN h2) with send-proxy-v2: the header is read before the handshake", async () => {
    const { text, local } = await curlFrom(["--http1.1"], `http://127.0.0.1:${ports.tls}/`);
    assert.equal(text, `127.0.0.1:${local} h2`);
  });

  it("h2load through HAProxy finishes with 0 failed (h2c and HTTP/1.1)", async () => {
    const h2 = await run("h2load", [
      "-n",
      "2000",
      "-c",
      "10",
      "-m",
      "10",
      `http://127.0.0.1:${ports.h2}/`,
    ], 60_000);
    assert.match(h2.stdout, /2000 succeeded, 0 failed, 0 errored/, h2.stdout);
    const h1 = await run("h2load", [
      "--h1",
      "-n",
      "2000",
      "-c",
      "10",
      `http://127.0.0.1:${ports.h1}/`,
    ], 60_000);
    assert.match(h1.stdout, /2000 succeeded, 0 failed, 0 errored/, h1.stdout);
  });

  it("a direct connection without a PROXY header gets no answer", async () => {
    const r = await raw(plain.addr.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", { idleMs: 5000 });
    assert.equal(r.text, "");
    assert.ok(r.closedByServer);
  });
});
