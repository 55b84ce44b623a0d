/**
 * Stalled TLS handshakes: connections that send nothing, or 6 bytes of a
 * ClientHello record, must be closed by the server once the handshake
 * timeout passes (their file descriptors released), while curl over h2 and
 * HTTP/1.1 is served throughout.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { readdirSync } from "node:fs";
import { serve } from "../../mod.ts";
import type { ServeOptions } from "../../mod.ts";
import { CERT_PATH, run, TLS } from "../support/live.ts";
import { eventually } from "../support/common.ts";

const STALLED = 40;
const TIMEOUT_MS = 1500;
/** Our deadline tick is 500 ms; a loaded test machine adds more. */
const SLACK_MS = 2500;
/** The first 6 bytes of a TLS record carrying a ClientHello (handshake, TLS 1.0 record, 200 bytes, type 1). */
const PARTIAL_HELLO = new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01]);

function openFds(): number | null {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return null;
  }
}

interface Stalled {
  socket: net.Socket;
  /** ms after the attack started when the server closed it; null while open. */
  closedAt: number | null;
}

function stall(port: number, sendPartial: boolean, t0: number): Promise<Stalled> {
  return new Promise((resolve, reject) => {
    const s: Stalled = { socket: net.connect(port, "127.0.0.1"), closedAt: null };
    const gone = () => (s.closedAt ??= Date.now() - t0);
    s.socket.on("end", gone);
    s.socket.on("close", gone);
    s.socket.on("error", gone);
    s.socket.once("connect", () => {
      if (sendPartial) s.socket.write(PARTIAL_HELLO);
      resolve(s);
    });
    s.socket.once("error", reject);
  });
}

async function curlHello(base: string, version: "--http2" | "--http1.1"): Promise<void> {
  const r = await run("curl", [
    "-sS",
    "--max-time",
    "10",
    version,
    "--cacert",
    CERT_PATH,
    "-w",
    " %{http_version}",
    `${base}/`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, version === "--http2" ? "hello 2" : "hello 1.1");
}

const cases: [string, Partial<ServeOptions>][] = [
  ["tlsHandshakeTimeout", { tlsHandshakeTimeout: TIMEOUT_MS }],
  ["the default, http1.headersTimeout", { http1: { headersTimeout: TIMEOUT_MS } }],
];

describe("TLS handshake flood", () => {
  for (const [name, extra] of cases) {
    it(`stalled handshakes are closed after ${name}, well-behaved clients served`, async () => {
      const before = openFds();
      await using server = serve({
        hostname: "127.0.0.1",
        port: 0,
        tls: TLS,
        onListen() {},
        ...extra,
      }, () => new Response("hello"));
      const port = server.addr.port;
      const base = `https://localhost:${port}`;
      await curlHello(base, "--http2"); // warm: the listener is up

      const t0 = Date.now();
      const stalled = await Promise.all(
        Array.from({ length: STALLED }, (_, i) => stall(port, i % 2 === 1, t0)),
      );
      // Served during the attack.
      await curlHello(base, "--http2");
      await curlHello(base, "--http1.1");

      await eventually(
        () => stalled.every((s) => s.closedAt !== null),
        TIMEOUT_MS + SLACK_MS,
        "every stalled handshake closed by the server",
      );
      const times = stalled.map((s) => s.closedAt!);
      // Closed by the timeout, not refused at once (a load can only make it later).
      assert.ok(Math.min(...times) >= TIMEOUT_MS - 100, `closed too early: ${times}`);

      // Still serving after the flood.
      await curlHello(base, "--http2");
      await curlHello(base, "--http1.1");
      for (const s of stalled) s.socket.destroy();

      // The server's descriptors are released, not just the clients'.
      if (before !== null) {
        await eventually(() => openFds()! <= before + 8, 3000, `fds back near ${before}`);
      } else {
        console.log("skip fd count: /proc/self/fd is not readable here");
      }
    });
  }

  it("tlsHandshakeTimeout: 0 (unbounded; Deno.listenTls on Deno) still serves", async () => {
    await using server = serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: TLS,
      tlsHandshakeTimeout: 0,
      onListen() {},
    }, () => new Response("hello"));
    const base = `https://localhost:${server.addr.port}`;
    await curlHello(base, "--http2");
    await curlHello(base, "--http1.1");
  });
});
