/**
 * The server object and the rough edges of migrating from Deno.serve and
 * Bun.serve: ref()/unref(), timeout(req, s), only public members, group
 * stats, option-name hints, cert and key as bytes or a file, serveDir's
 * root checked at start, upgradeWebSocket's 426/400, the router's
 * URLPattern hint, Content-Length of a compressed whole body.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import https from "node:https";
import { readFileSync } from "node:fs";
import {
  group,
  OptionError,
  router,
  serve,
  serveDir,
  type ServeOptions,
  upgradeWebSocket,
} from "../../mod.ts";
import { fixtureCommand, run, start, TLS } from "../support/live.ts";
import { eventually } from "../support/common.ts";

const CERT = new URL("../fixtures/localhost.crt", import.meta.url);
const KEY = new URL("../fixtures/localhost.key", import.meta.url);

function optionError(options: Record<string, unknown>): OptionError {
  try {
    serve(
      { port: 0, hostname: "127.0.0.1", onListen() {}, ...options } as ServeOptions,
      () => new Response("x"),
    ).shutdown();
  } catch (e) {
    assert.ok(e instanceof OptionError, String(e));
    return e;
  }
  assert.fail("serve() accepted the options");
}

function httpsGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    https.get({ host: "127.0.0.1", port, path: "/", rejectUnauthorized: false }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

describe("migration hints", () => {
  const cases: Array<[string, RegExp]> = [
    ["cert", /tls: \{ cert, key \}/],
    ["key", /tls: \{ cert, key \}/],
    ["unix", /serve\(\{ path \}\)/],
    ["idleTimeout", /http1\.keepAliveTimeout and http2\.idleTimeout/],
    ["maxRequestBodySize", /http1\.maxBodyBytes and http2\.maxBodyBytes/],
    ["websocket", /upgradeWebSocket\(req\)/],
    ["handler", /fetch/],
    ["error", /onError/],
  ];
  for (const [name, hint] of cases) {
    it(`${name} names where it went`, () => {
      const e = optionError({ [name]: 1 });
      assert.equal(e.option, name);
      assert.match(e.message, hint);
    });
  }
});

describe("tls cert and key forms", () => {
  it("bytes (readFileSync without an encoding) serve HTTPS", async () => {
    await using s = start(() => new Response("bytes ok"), {
      tls: { cert: readFileSync(CERT), key: readFileSync(KEY) },
    });
    assert.equal(await httpsGet(s.port), "bytes ok");
  });

  it("a Bun.file()-like object is read through its path at start", async () => {
    const file = (url: URL) => ({
      name: url.pathname,
      text: () => Promise.reject(new Error("no")),
    });
    await using s = start(() => new Response("file ok"), {
      tls: [{ cert: file(CERT), key: file(KEY) }],
    });
    assert.equal(await httpsGet(s.port), "file ok");
  });

  it("a Blob without a path is refused with what to write instead", () => {
    const blob = new Blob([TLS.cert]);
    const e = optionError({ tls: { cert: blob, key: TLS.key } });
    assert.equal(e.option, "tls.cert");
    assert.match(e.message, /await blob\.text\(\)/);
  });

  it("a file path given as the PEM text gets a hint", () => {
    const e = optionError({ tls: { cert: "./certs/localhost.pem", key: TLS.key } });
    assert.equal(e.option, "tls.cert");
    assert.match(e.message, /looks like a file path/);
    assert.match(e.message, /readFileSync\("\.\/certs\/localhost\.pem"\)/);
    const k = optionError({ tls: { cert: TLS.cert, key: "server.key" } });
    assert.match(k.message, /tls\.key looks like a file path/);
  });
});

describe("the server object", () => {
  it("shows only its public members", async () => {
    await using s = start(() => new Response("ok"));
    const server = s.server as unknown as Record<string, unknown>;
    for (const internal of ["handler", "add", "remove", "clientError", "onError", "shuttingDown"]) {
      assert.ok(!(internal in server), `${internal} is visible`);
    }
    assert.deepEqual(Object.keys(server), []);
    for (const m of ["stats", "shutdown", "ref", "unref", "timeout"]) {
      assert.equal(typeof server[m], "function", m);
    }
    assert.equal(s.server.addr.port, s.port);
  });

  it("unref() lets the process exit; ref() holds it again", async () => {
    const exited = (mode: string) =>
      new Promise<boolean>((resolve) => {
        const [cmd, args] = fixtureCommand("unref_server", [mode]);
        const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout!.on("data", (d) => (out += d));
        // Held: the child is still up well after it printed its port.
        const held = setInterval(() => {
          if (/port \d+/.test(out)) {
            clearInterval(held);
            setTimeout(() => {
              if (child.exitCode === null) {
                child.kill();
                resolve(false);
              }
            }, 3000);
          }
        }, 20);
        child.on("exit", () => {
          clearInterval(held);
          resolve(/port \d+/.test(out));
        });
      });
    assert.equal(await exited("unref"), true, "an unref'd server kept the process alive");
    assert.equal(await exited("reref"), false, "a re-ref'd server let the process exit");
  });

  it("timeout(req, s) cuts off a response that does not come; 0 clears it", async () => {
    let aborted = false;
    await using s = start((req, _info) => {
      const path = new URL(req.url).pathname;
      if (path === "/late") {
        s.server.timeout(req, 0.05);
        req.signal.addEventListener("abort", () => (aborted = true));
        return new Promise<Response>(() => {}); // never answers
      }
      s.server.timeout(req, 0.05);
      s.server.timeout(req, 0); // cleared: the slow answer goes out
      return new Promise((ok) => setTimeout(() => ok(new Response("slow ok")), 200));
    });
    // Nothing was sent yet: the client gets 503 Service Unavailable (the server stopped waiting).
    const late = await fetch(`${s.base}/late`);
    assert.equal(late.status, 503);
    await late.body?.cancel();
    await eventually(() => aborted, 5000, "req.signal aborted");
    // The same on HTTP/2 (a HEADERS 503 ending the stream).
    const h2 = await run("curl", [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_version} %{http_code}",
      "--http2-prior-knowledge",
      `${s.base}/late`,
    ]);
    assert.equal(h2.stdout, "2 503");
    assert.equal(await (await fetch(`${s.base}/cleared`)).text(), "slow ok");
    assert.throws(() => s.server.timeout(new Request("http://x/"), 1), /not one this server/);
    assert.throws(() => s.server.timeout(new Request("http://x/"), -1), RangeError);
  });

  it("group() sums its servers' stats", async () => {
    await using a = start(() => new Response("a"));
    await using b = start(() => new Response("b"));
    await (await fetch(a.base)).text();
    await (await fetch(b.base)).text();
    await (await fetch(b.base)).text();
    const g = group(a.server, b.server);
    const st = g.stats();
    assert.equal(st.requests, 3);
    assert.equal(st.websockets, 0);
    assert.equal(typeof st.clientErrors["bad-request"], "number");
  });
});

describe("start-time and answer checks", () => {
  it("serveDir fails at start on a missing root", () => {
    assert.throws(
      () => serveDir("./does-not-exist-h2serve"),
      /does-not-exist-h2serve.*does not exist/,
    );
    assert.throws(() => serveDir(new URL(import.meta.url).pathname), /is not a directory/);
  });

  it("upgradeWebSocket answers a plain GET 426 with Upgrade: websocket, a bad handshake 400", async () => {
    await using s = start((req) => upgradeWebSocket(req).response);
    const plain = await fetch(`${s.base}/ws`);
    assert.equal(plain.status, 426);
    assert.equal(plain.headers.get("upgrade"), "websocket");
    assert.match(plain.headers.get("connection") ?? "", /upgrade/i);
    await plain.body?.cancel();
    const bad = await new Promise<number>((resolve, reject) => {
      const net = import("node:net");
      net.then(({ connect }) => {
        const c = connect(s.port, "127.0.0.1", () => {
          c.write(
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
              "Sec-WebSocket-Version: 13\r\n\r\n",
          );
        });
        c.once("data", (d) => {
          c.destroy();
          resolve(Number(String(d).split(" ")[1]));
        });
        c.on("error", reject);
      });
    });
    assert.equal(bad, 400);
  });

  it("the router's missing-URLPattern error names the polyfill", () => {
    const g = globalThis as { URLPattern?: unknown };
    const saved = g.URLPattern;
    delete g.URLPattern;
    try {
      assert.throws(() => router().get("/x", () => new Response("")), /urlpattern-polyfill/);
    } finally {
      if (saved !== undefined) g.URLPattern = saved;
    }
  });

  it("a compressed whole body keeps a Content-Length (of the compressed bytes)", async () => {
    const text = "compress me ".repeat(500);
    await using s = start(() => new Response(text, { headers: { "content-type": "text/plain" } }), {
      compression: true,
    });
    const res = await new Promise<{ length: string | undefined; bytes: number; enc: unknown }>(
      (resolve, reject) => {
        import("node:http").then(({ get }) =>
          get(`${s.base}/`, { headers: { "accept-encoding": "gzip" } }, (r) => {
            let bytes = 0;
            r.on("data", (d: Uint8Array) => (bytes += d.byteLength));
            r.on("end", () =>
              resolve({
                length: r.headers["content-length"],
                bytes,
                enc: r.headers["content-encoding"],
              }));
          }).on("error", reject)
        );
      },
    );
    assert.equal(res.enc, "gzip");
    assert.equal(res.length, String(res.bytes));
    assert.ok(res.bytes < text.length);
  });
});
