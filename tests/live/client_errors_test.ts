/**
 * Client protocol errors are heard: each kind produces exactly one
 * onClientError call and one stats() increment (raw sockets), `debug` prints
 * rate-limited lines, and a throwing hook harms nothing.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { serve } from "../../mod.ts";
import type { ClientErrorInfo, ServeOptions, Server } from "../../mod.ts";
import { ErrorCode } from "../../src/http2/core/mod.ts";
import { LiveH2 } from "../support/http2_client.ts";
import {
  data,
  getRequest,
  headers,
  postRequest,
  preface,
  rst,
  settings,
  windowUpdate,
} from "../support/http2_frames.ts";
import { raw, TLS } from "../support/live.ts";
import { eventually } from "../support/common.ts";

const enc = new TextEncoder();

interface Heard {
  server: Server;
  calls: Array<{ error: Error; info: ClientErrorInfo }>;
}

/** A server whose handler streams without end on /sse, waits for the body on POST, else "ok". */
function listen(options: ServeOptions = {}): Heard {
  const calls: Heard["calls"] = [];
  const server = serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
    onClientError: (error, info) => calls.push({ error, info }),
    ...options,
  }, async (req) => {
    if (req.method === "POST") return new Response(await req.text());
    if (new URL(req.url).pathname !== "/sse") return new Response("ok");
    let timer: ReturnType<typeof setInterval> | undefined;
    return new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(enc.encode("data: hello\n\n"));
          timer = setInterval(() => c.enqueue(enc.encode("data: tick\n\n")), 20);
        },
        cancel() {
          clearInterval(timer);
        },
      }),
    );
  });
  return { server, calls };
}

/** Asserts exactly one call of `kind`, and its counter (and only it) at 1. */
function one(h: Heard, kind: ClientErrorInfo["kind"]): ClientErrorInfo {
  assert.equal(h.calls.length, 1, `calls: ${JSON.stringify(h.calls.map((c) => c.info))}`);
  const info = h.calls[0]!.info;
  assert.equal(info.kind, kind);
  const counts = h.server.stats().clientErrors;
  for (const [k, n] of Object.entries(counts)) assert.equal(n, k === kind ? 1 : 0, `count ${k}`);
  return info;
}

/** A quiet moment: what else would be reported has had time to be. */
const settle = () => new Promise((r) => setTimeout(r, 150));

describe("client errors: one hook call and one counter per error", () => {
  it("h1 bad request (parser 400) → bad-request, with status, address and protocol", async () => {
    await using_(listen(), async (h) => {
      let localPort = 0;
      const sock = net.connect(h.server.addr.port, "127.0.0.1", () => {
        localPort = sock.localPort!;
        sock.write("GET / HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n");
      });
      sock.on("error", () => {});
      await eventually(() => h.calls.length > 0, 5000, "hook called");
      sock.destroy();
      await settle();
      const info = one(h, "bad-request");
      assert.equal(info.code, 400);
      assert.equal(info.protocol, "http/1.1");
      assert.equal(info.remoteAddr?.hostname, "127.0.0.1");
      assert.equal(info.remoteAddr?.port, localPort);
    });
  });

  it("h1 headersTimeout → timeout naming the option; no bad-request", async () => {
    await using_(listen({ http1: { headersTimeout: 300 } }), async (h) => {
      const r = await raw(h.server.addr.port, "GET / HTTP/1.1\r\nHost: x\r\n", { idleMs: 3000 });
      assert.match(r.text, /^HTTP\/1\.1 408/);
      await settle();
      const info = one(h, "timeout");
      assert.equal(info.timeout, "http1.headersTimeout");
      assert.deepEqual(h.server.stats().timeouts, { "http1.headersTimeout": 1 });
    });
  });

  it("h1 response cut short by the client → aborted", async () => {
    await using_(listen(), async (h) => {
      let got = "";
      const sock = net.connect(h.server.addr.port, "127.0.0.1", () => {
        sock.write("GET /sse HTTP/1.1\r\nHost: x\r\n\r\n");
      });
      sock.on("data", (d: Uint8Array) => (got += new TextDecoder().decode(d)));
      sock.on("error", () => {});
      await eventually(() => got.includes("data: tick"), 5000, "stream started");
      sock.destroy();
      await eventually(() => h.calls.length > 0, 5000, "hook called");
      await settle();
      one(h, "aborted");
    });
  });

  it("h2 connection error (DATA on stream 0) → goaway with its code", async () => {
    await using_(listen(), async (h) => {
      const c = await LiveH2.connect(h.server.addr.port);
      try {
        c.write(data(0, "x"));
        await c.waitClosed(3000);
        assert.equal(c.goaway?.code, ErrorCode.PROTOCOL_ERROR);
        await settle();
        const info = one(h, "goaway");
        assert.equal(info.code, ErrorCode.PROTOCOL_ERROR);
        assert.equal(info.protocol, "h2c");
      } finally {
        c.destroy();
      }
    });
  });

  it("h2 stream error (WINDOW_UPDATE of 0) → reset with its code", async () => {
    await using_(listen(), async (h) => {
      const c = await LiveH2.connect(h.server.addr.port);
      try {
        c.write(headers(1, postRequest("/"), { endStream: false }));
        c.write(windowUpdate(1, 0));
        await c.until(() => c.resetCode(1) !== undefined);
        assert.equal(c.resetCode(1), ErrorCode.PROTOCOL_ERROR);
        await settle();
        assert.equal(one(h, "reset").code, ErrorCode.PROTOCOL_ERROR);
      } finally {
        c.destroy();
      }
    });
  });

  it("h2 stream reset by the client mid-response → aborted", async () => {
    await using_(listen(), async (h) => {
      const c = await LiveH2.connect(h.server.addr.port);
      try {
        c.write(headers(1, getRequest("/sse"), { endStream: true }));
        await c.until(() => new TextDecoder().decode(c.body(1)).includes("tick"));
        c.write(rst(1, ErrorCode.CANCEL));
        await eventually(() => h.calls.length > 0, 5000, "hook called");
        await settle();
        assert.equal(one(h, "aborted").code, ErrorCode.CANCEL);
      } finally {
        c.destroy();
      }
    });
  });

  it("h2 settingsTimeout → timeout naming the option", async () => {
    await using_(listen({ http2: { settingsTimeout: 300 } }), async (h) => {
      // Preface and SETTINGS, but ours is never acknowledged.
      const r = await raw(h.server.addr.port, [preface(), settings()], { idleMs: 3000 });
      assert.ok(r.closedByServer);
      await settle();
      assert.equal(one(h, "timeout").timeout, "http2.settingsTimeout");
      assert.deepEqual(h.server.stats().timeouts, { "http2.settingsTimeout": 1 });
    });
  });
});

/**
 * Connects, sends `bytes` (if any), and keeps the socket until the server
 * closes it or `untilMs` passes (then closes it itself).
 */
function poke(port: number, bytes?: string, untilMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1", () => {
      if (bytes !== undefined) sock.write(bytes);
    });
    const timer = setTimeout(() => sock.destroy(), untilMs);
    sock.on("error", () => {});
    sock.on("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const PROXY_V1 = "PROXY TCP4 192.0.2.7 192.0.2.1 4000 80\r\n";

describe("client errors: TLS handshakes and PROXY headers", () => {
  // Deno.listenTls (tlsHandshakeTimeout: 0 on Deno) and the node:tls path both report.
  for (const bound of [true, false]) {
    const tlsOptions = { tls: TLS, ...(bound ? {} : { tlsHandshakeTimeout: 0 }) };
    const label = bound ? "" : " (tlsHandshakeTimeout: 0)";
    it(`a bad ClientHello → tls, protocol null${label}`, async () => {
      await using_(listen(tlsOptions), async (h) => {
        await poke(h.server.addr.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1000);
        await eventually(() => h.calls.length > 0, 5000, "hook called");
        await settle();
        const info = one(h, "tls");
        assert.equal(info.protocol, null);
        assert.equal(info.remoteAddr?.hostname, "127.0.0.1");
      });
    });
  }

  it("a stalled TLS handshake → timeout naming tlsHandshakeTimeout", async () => {
    await using_(listen({ tls: TLS, tlsHandshakeTimeout: 300 }), async (h) => {
      await poke(h.server.addr.port);
      await settle();
      const info = one(h, "timeout");
      assert.equal(info.timeout, "tlsHandshakeTimeout");
      assert.deepEqual(h.server.stats().timeouts, { tlsHandshakeTimeout: 1 });
    });
  });

  for (const tls of [false, true]) {
    const extra = tls ? { tls: TLS } : {};
    const label = tls ? " (TLS listener)" : "";
    it(`a malformed PROXY header → proxy, the connection closed unserved${label}`, async () => {
      await using_(listen({ proxyProtocol: true, ...extra }), async (h) => {
        await poke(h.server.addr.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await eventually(() => h.calls.length > 0, 5000, "hook called");
        await settle();
        const info = one(h, "proxy");
        assert.match(h.calls[0]!.error.message, /PROXY header/);
        assert.equal(info.remoteAddr?.hostname, "127.0.0.1");
        assert.equal(h.server.stats().requests, 0);
      });
    });

    it(`a late PROXY header → timeout naming http1.headersTimeout${label}`, async () => {
      const options = { proxyProtocol: true, http1: { headersTimeout: 300 }, ...extra };
      await using_(listen(options), async (h) => {
        await poke(h.server.addr.port, PROXY_V1.slice(0, 10));
        await settle();
        const info = one(h, "timeout");
        assert.equal(info.timeout, "http1.headersTimeout");
      });
    });
  }

  it("a good PROXY header then a bad ClientHello → tls, from the header's address", async () => {
    await using_(listen({ proxyProtocol: true, tls: TLS }), async (h) => {
      await poke(h.server.addr.port, PROXY_V1 + "GET / HTTP/1.1\r\n\r\n", 1000);
      await eventually(() => h.calls.length > 0, 5000, "hook called");
      await settle();
      const info = one(h, "tls");
      assert.equal(info.remoteAddr?.hostname, "192.0.2.7");
      assert.equal(info.remoteAddr?.port, 4000);
    });
  });
});

describe("client errors: debug and hook failures", () => {
  it("debug prints at most 10 lines a second, then one summary line", async () => {
    const lines: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    try {
      const server = serve(
        { hostname: "127.0.0.1", port: 0, onListen() {}, debug: true },
        () => new Response("ok"),
      );
      try {
        await Promise.all(
          Array.from({ length: 25 }, () => raw(server.addr.port, "BAD\r\n\r\n", { idleMs: 2000 })),
        );
        await eventually(() => lines.some((l) => /more client errors/.test(l)), 3000, "summary");
      } finally {
        await server.shutdown();
      }
      const perError = lines.filter((l) =>
        /^h2serve: client error bad-request 400 from 127\.0\.0\.1:\d+ \(http\/1\.1\)/.test(l)
      );
      // Ten a second; the rest only counted. (A second boundary may fall inside the burst.)
      const suppressed = lines.map((l) => /^h2serve: (\d+) more client errors not shown/.exec(l))
        .reduce((n, m) => n + (m ? Number(m[1]) : 0), 0);
      assert.ok(perError.length >= 10 && perError.length < 25, lines.join("\n"));
      assert.equal(perError.length + suppressed, 25, lines.join("\n"));
      assert.equal(server.stats().clientErrors["bad-request"], 25);
    } finally {
      console.error = original;
    }
  });

  it("a throwing onClientError does not disturb serving", async () => {
    const original = console.error;
    console.error = () => {};
    try {
      const server = serve({
        hostname: "127.0.0.1",
        port: 0,
        onListen() {},
        onClientError() {
          throw new Error("hook bug");
        },
      }, () => new Response("ok"));
      try {
        const bad = await raw(server.addr.port, "BAD\r\n\r\n");
        assert.match(bad.text, /^HTTP\/1\.1 400/);
        const good = await raw(server.addr.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", {
          idleMs: 300,
        });
        assert.match(good.text, /^HTTP\/1\.1 200/);
      } finally {
        await server.shutdown();
      }
    } finally {
      console.error = original;
    }
  });

  it("a failing onError logs the handler's error and its own", async () => {
    const lines: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void lines.push(args);
    try {
      const server = serve({
        hostname: "127.0.0.1",
        port: 0,
        onListen() {},
        onError() {
          throw new Error("onError broke");
        },
      }, () => {
        throw new Error("handler broke");
      });
      try {
        const r = await raw(server.addr.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", { idleMs: 300 });
        assert.match(r.text, /^HTTP\/1\.1 500/);
      } finally {
        await server.shutdown();
      }
      const text = lines.map((l) =>
        l.map((a) => a instanceof Error ? a.message : String(a)).join(" ")
      );
      assert.ok(text.some((l) => l.includes("handler broke")), text.join("\n"));
      assert.ok(text.some((l) => l.includes("onError broke")), text.join("\n"));
    } finally {
      console.error = original;
    }
  });
});

/** Runs `f` with the server, then shuts it down at once. */
async function using_(h: Heard, f: (h: Heard) => Promise<void>): Promise<void> {
  try {
    await f(h);
  } finally {
    await h.server.shutdown({ timeout: 0 });
  }
}
