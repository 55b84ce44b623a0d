/**
 * A rolling restart under load: h2load → HAProxy → two h2serve backends
 * (one over h2c, one over HTTP/1.1), each a subprocess of the test's own
 * runtime. One backend gets SIGTERM: it fails its health check for a while
 * (HAProxy takes it out), then shuts down with a deadline. No request may
 * fail, with plain backends and with PROXY protocol ones (send-proxy-v2 to
 * the h2c one, send-proxy to the other). Skipped, with the reason printed,
 * when haproxy or h2load is missing.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../support/common.ts";
import { fixtureCommand } from "../support/live.ts";
import { connectable, freePort } from "../support/ports.ts";

const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;

function has(tool: string): boolean {
  try {
    execFileSync(tool, [tool === "haproxy" ? "-v" : "--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const missing = ["haproxy", "h2load"].filter((t) => !has(t));
if (missing.length > 0) {
  console.log(`rolling restart test skipped: ${missing.join(", ")} not found`);
}

interface Proc {
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
}

function launch(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const add = (d: Uint8Array) => (out += new TextDecoder().decode(d));
  child.stdout!.on("data", add);
  child.stderr!.on("data", add);
  const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, out: () => out, exit };
}

function backend(proxy: boolean): Proc {
  // Fail the health check for 1 s (HAProxy: inter 200 fall 2), then 5 s for in-flight requests.
  return launch(
    ...fixtureCommand("rolling_backend", ["1000", "5000", ...(proxy ? ["proxy"] : [])]),
  );
}

async function portOf(p: Proc): Promise<number> {
  const m = await eventually(() => /port (\d+)/.exec(p.out()) ?? undefined, 20_000, "backend up");
  return Number(m[1]);
}

describe("rolling restart behind HAProxy", { skip: missing.length > 0 }, () => {
  for (const proxy of [false, true]) {
    const label = proxy ? " (send-proxy-v2 / send-proxy, proxyProtocol: true)" : "";
    it(`SIGTERM to one backend under h2load: 0 failed requests${label}`, async () => {
      await rollingRestart(proxy);
    });
  }
});

async function rollingRestart(proxy: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "h2serve-rr-"));
  const procs: Proc[] = [];
  try {
    const a = backend(proxy);
    const b = backend(proxy);
    procs.push(a, b);
    const [pa, pb] = [await portOf(a), await portOf(b)];
    const fe = await freePort();
    // Health checks carry a PROXY header too (check-send-proxy), as the port demands one.
    const v2 = proxy ? " send-proxy-v2 check-send-proxy" : "";
    const v1 = proxy ? " send-proxy check-send-proxy" : "";
    // `timeout check 2s`: a backend slowed by a loaded machine is not taken for a dead one
    // (the draining backend answers its checks 503 at once, so it still leaves in ~0.4 s).
    const cfg = join(dir, "haproxy.cfg");
    writeFileSync(
      cfg,
      `global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout check 2s
  retries 3
  option redispatch
  retry-on all-retryable-errors
frontend fe
  bind 127.0.0.1:${fe} proto h2
  default_backend be
backend be
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  server a 127.0.0.1:${pa} proto h2 check inter 200 fall 2 rise 2${v2}
  server b 127.0.0.1:${pb} check inter 200 fall 2 rise 2${v1}
`,
    );
    const haproxy = launch("haproxy", ["-f", cfg, "-db"]);
    procs.push(haproxy);
    await eventually(() => connectable(fe), 10_000, "haproxy up");
    await new Promise((r) => setTimeout(r, 1000)); // health checks mark both up
    const load = launch("h2load", ["-D", "5", "-c", "8", "-m", "8", `http://127.0.0.1:${fe}/`]);
    procs.push(load);
    await new Promise((r) => setTimeout(r, 1500));
    a.child.kill("SIGTERM");
    const [code, aCode] = await Promise.all([load.exit, a.exit]);
    const report = load.out();
    const m =
      /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/
        .exec(report);
    assert.ok(m, report);
    console.log(`rolling restart${proxy ? " (PROXY protocol)" : ""}: ${m[0]}`);
    assert.equal(code, 0, report);
    assert.ok(Number(m[1]) > 1000, `too little load to mean anything: ${m[0]}`);
    assert.equal(Number(m[4]), 0, report);
    assert.equal(Number(m[5]), 0, report);
    assert.match(report, /status codes: \d+ 2xx, 0 3xx, 0 4xx, 0 5xx/);
    // Deno's node:child_process reports code null after kill() even when the child exits 0
    // on its own; "finished" is what proves the graceful path ran.
    assert.ok(aCode === 0 || (isDeno && aCode === null), `exit ${aCode}: ${a.out()}`);
    assert.match(a.out(), /finished/);
    assert.match(haproxy.out(), /Server be\/a is DOWN/);
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}
