/**
 * h2c smuggling through a real HAProxy in http mode (its default Upgrade
 * handling, as deployed for WebSocket) that denies `/admin` with
 * `http-request deny if { path_beg /admin }`. HAProxy is started by the test
 * with a generated configuration on 127.0.0.1, as in proxy_haproxy_test.ts.
 *
 * - Default options: `Upgrade: h2c` is served as plain HTTP/1.1 (no 101), so
 *   HAProxy keeps parsing the connection and nothing reaches `/admin`.
 * - With `protocols: [..., "h2c-upgrade"]`: the backend answers 101, HAProxy
 *   turns the connection into a tunnel, and an HTTP/2 request for
 *   `/admin/secret` over it is served: the exposure the docs warn about.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "../../mod.ts";
import type { ServeOptions, Server } from "../../mod.ts";
import { raw, run } from "../support/live.ts";
import { LiveH2 } from "../support/http2_client.ts";
import { getRequest, headers, preface, settings } from "../support/http2_frames.ts";
import { connectable, freePort } from "../support/ports.ts";

/** A valid HTTP2-Settings value (SETTINGS_MAX_CONCURRENT_STREAMS 100, INITIAL_WINDOW 10 MiB). */
const SETTINGS_B64 = "AAMAAABkAAQAoAAAAAIAAAAA";
const UPGRADE = `GET / HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n` +
  `Upgrade: h2c\r\nHTTP2-Settings: ${SETTINGS_B64}\r\n\r\n`;
const dec = new TextDecoder();

const haproxy = await run("haproxy", ["-v"], 5000).catch(() => null);
const skip = haproxy === null || haproxy.code !== 0
  ? "haproxy is not installed (apt-get install haproxy)"
  : false;
if (skip) console.log(`skip h2c_smuggling_test: ${skip}`);

/** A backend that records every path it serves. */
function backend(options: ServeOptions): { server: Server; paths: string[] } {
  const paths: string[] = [];
  const server = serve({ hostname: "127.0.0.1", port: 0, onListen() {}, ...options }, (req) => {
    const path = new URL(req.url).pathname;
    paths.push(path);
    return new Response(`served ${path}`);
  });
  return { server, paths };
}

describe("h2c smuggling behind HAProxy (http mode, /admin denied)", { skip }, () => {
  let safe: { server: Server; paths: string[] };
  let exposed: { server: Server; paths: string[] };
  let proc: ChildProcess;
  let dir: string;
  const ports = { safe: 0, exposed: 0 };

  before(async () => {
    safe = backend({});
    exposed = backend({ protocols: ["http/1.1", "h2c", "h2c-upgrade"] });
    ports.safe = await freePort();
    ports.exposed = await freePort();
    dir = mkdtempSync(join(tmpdir(), "h2serve-smuggle-"));
    const cfg = join(dir, "haproxy.cfg");
    const frontend = (name: string, port: number, server: Server) => `
frontend fe_${name}
  bind 127.0.0.1:${port}
  http-request deny if { path_beg /admin }
  default_backend be_${name}
backend be_${name}
  server s1 127.0.0.1:${server.addr.port}
`;
    writeFileSync(
      cfg,
      `global
  maxconn 100
defaults
  mode http
  timeout connect 5s
  timeout client 10s
  timeout server 10s
  timeout tunnel 10s
${frontend("safe", ports.safe, safe.server)}${frontend("exposed", ports.exposed, exposed.server)}`,
    );
    proc = spawn("haproxy", ["-db", "-f", cfg], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr!.on("data", (d: Uint8Array) => (stderr += dec.decode(d)));
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
    await safe?.server.shutdown();
    await exposed?.server.shutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the proxy denies /admin to a plain request on both frontends", async () => {
    for (const port of [ports.safe, ports.exposed]) {
      const r = await run("curl", [
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        `http://127.0.0.1:${port}/admin/secret`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "403");
    }
    assert.deepEqual(safe.paths.filter((p) => p.startsWith("/admin")), []);
    assert.deepEqual(exposed.paths.filter((p) => p.startsWith("/admin")), []);
  });

  it("default options: the upgrade is refused (plain 200) and nothing reaches /admin", async () => {
    // The attacker sends the upgrade and, without waiting, the HTTP/2 request it hopes to smuggle.
    const r = await raw(ports.safe, [
      UPGRADE,
      preface(),
      settings(),
      headers(3, getRequest("/admin/secret"), { endStream: true }),
    ], { idleMs: 1500 });
    assert.match(r.text, /^HTTP\/1\.1 200 /);
    assert.doesNotMatch(r.text, /101 Switching Protocols/i);
    assert.match(r.text, /served \//);
    assert.doesNotMatch(r.text, /served \/admin/);
    assert.ok(safe.paths.includes("/"), `backend saw ${JSON.stringify(safe.paths)}`);
    assert.deepEqual(safe.paths.filter((p) => p.startsWith("/admin")), []);
  });

  it('"h2c-upgrade" enabled: 101 through the proxy, then /admin/secret is served past the deny rule', async () => {
    using c = await LiveH2.connect(ports.exposed, { raw: UPGRADE });
    await c.until(() => c.prelude !== "");
    assert.match(c.prelude, /^HTTP\/1\.1 101 /);
    await c.until(() => c.ended(1));
    assert.equal(dec.decode(c.body(1)), "served /");
    // The tunnel is HTTP/2 now: the proxy sees none of what follows.
    c.write(headers(3, getRequest("/admin/secret"), { endStream: true }));
    await c.until(() => c.ended(3));
    assert.equal(c.head(3)?.get(":status"), "200");
    assert.equal(dec.decode(c.body(3)), "served /admin/secret");
    assert.ok(exposed.paths.includes("/admin/secret"), "the smuggled request reached the backend");
  });
});
