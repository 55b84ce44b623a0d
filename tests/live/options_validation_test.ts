/**
 * Every serve() option with its bad values: serve() throws at start with a
 * message naming the option as written. The table of rows comes from the
 * schema, so a new option without a row here fails the coverage test.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "../../mod.ts";
import type { ServeOptions } from "../../mod.ts";
import { OPTION_SCHEMA } from "../../src/options/schema.ts";
import { OptionError, validateOptions } from "../../src/options/validate.ts";
import { TLS } from "../support/live.ts";
import { eventually } from "../support/common.ts";
import { DEFAULT_HTTP1_OPTIONS, DEFAULT_HTTP2_OPTIONS } from "../../mod.ts";
import { optionsTable } from "../../src/options/table.ts";
import { connectable } from "../support/ports.ts";

const OTHER_KEY = readFileSync(new URL("../fixtures/other.test.key", import.meta.url), "utf8");
const ok = () => new Response("ok");

/** Sets a dotted path in a fresh options object. */
function at(path: string, value: unknown): Record<string, unknown> {
  const [a, b] = path.split(".") as [string, string | undefined];
  if (b === undefined) return { [a]: value };
  if (a === "tls") return { tls: { ...TLS, [b]: value } };
  return { [a]: { [b]: value } };
}

const POS_MS = "must be a positive number of milliseconds";
const NONNEG_MS = "must be a non-negative number of milliseconds";
const POS_INT = "must be an integer in [1, 2147483647]";
const NONNEG_INT = "must be an integer in [0, 2147483647]";
const FN = "must be a function";

/** [path, bad values, message fragment after the path] */
const BAD: Array<[string, unknown[], string]> = [
  ["port", [-1, 65536, 1.5, NaN, "80", Infinity], "must be an integer in [0, 65535]"],
  ["hostname", ["", 1, null], "must be a non-empty string"],
  ["tls", [null, 1, "pem", []], ""],
  ["tlsHandshakeTimeout", [-1, NaN, "1"], NONNEG_MS],
  ["reusePort", [1, "yes", null], "must be true or false"],
  ["fetch", ["x", 1, {}], FN],
  ["onListen", ["x", 1], FN],
  ["onError", ["x", 1], FN],
  ["onConnection", ["x"], FN],
  ["onClientError", ["x", true], FN],
  ["onResponse", ["x", 1], FN],
  ["expect", ["x", 1, {}], "must be a function or an array of functions"],
  ["signal", [true, {}, "abort"], "must be an AbortSignal"],
  ["debug", [1, "true", null], "must be true or false"],
  ["shutdownTimeout", [-1, NaN, "10"], `${NONNEG_MS} or Infinity`],
  ["compression", [1, "gzip", null, []], "must be true, false or an options object"],
  ["proxyProtocol", [1, "v2", null, {}], "must be true or false"],
  ["path", ["", 1], "must be a non-empty string"],
  [
    "protocols",
    ["h2c", [], 1, null, {}],
    'must be a non-empty array of "http/1.1", "h2", "h2c", "h2c-upgrade"',
  ],
  ["http3.altSvcMaxAge", [-1, 1.5, NaN], "must be an integer in [0, 2147483647]"],
  ["http3.maxConcurrentStreams", [0, NaN], POS_INT],
  ["http3.maxFieldSectionSize", [63, NaN], "must be an integer in [64, 2147483647]"],
  ["http3.maxHeaderBlockSize", [63, NaN], "must be an integer in [64, 2147483647]"],
  ["http3.qpackMaxTableCapacity", [-1, NaN], NONNEG_INT],
  ["http3.qpackBlockedStreams", [-1, 65536], "must be an integer in [0, 65535]"],
  ["http3.maxBlockedBytes", [-1, NaN], NONNEG_INT],
  ["http3.resetBurst", [0, NaN], POS_INT],
  ["http3.resetRefillPerSecond", [-1, NaN], "must be a number in [0, 2147483647]"],
  ["http3.uselessFrameBurst", [0, NaN], POS_INT],
  ["http3.uselessFrameRefillPerSecond", [-1, NaN], "must be a number in [0, 2147483647]"],
  ["http3.idleTimeout", [-1, NaN], NONNEG_MS],
  ["http3.sendTimeout", [-1, NaN], NONNEG_MS],
  ["http3.maxBodyBytes", [-1, NaN], "must be a non-negative integer or Infinity"],
  ["http3.now", [1, "now"], FN],
  ["http1.maxRequestLineBytes", [0, 15, -1, 1.5, NaN], "must be an integer in [16, 2147483647]"],
  ["http1.maxHeaderBytes", [0, 63, -1, NaN, Infinity], "must be an integer in [64, 2147483647]"],
  ["http1.maxHeaderCount", [0, -1, 2.5, NaN], POS_INT],
  ["http1.maxBodyBytes", [-1, NaN, 1.5, "1"], "must be a non-negative integer or Infinity"],
  ["http1.maxChunkExtensionBytes", [-1, NaN, Infinity], NONNEG_INT],
  ["http1.requireHost", [0, "false"], "must be true or false"],
  ["http2.enableConnectProtocol", [1, "yes"], "must be true or false"],
  ["http1.headersTimeout", [-1, 0, NaN, Infinity, "30"], POS_MS],
  ["http1.keepAliveTimeout", [-1, 0, NaN], POS_MS],
  ["http1.bodyTimeout", [-1, 0, NaN], POS_MS],
  ["http1.sendTimeout", [-1, 0, NaN], POS_MS],
  ["http1.maxDiscardBytes", [-1, NaN, 0.5], NONNEG_INT],
  ["http1.maxPipelineBytes", [-1, NaN], NONNEG_INT],
  ["http1.minRequestRate", [-1, NaN, Infinity], "must be a number in [0, 2147483647]"],
  ["http1.minRequestRateGrace", [-1, NaN], NONNEG_MS],
  ["http2.headerTableSize", [-1, 2 ** 32, NaN], "must be an integer in [0, 4294967295]"],
  ["http2.maxEncoderTableSize", [-1, 2 ** 32], "must be an integer in [0, 4294967295]"],
  [
    "http2.maxConcurrentStreams",
    [0, -1, 2 ** 32, NaN, 1.5],
    "must be an integer in [1, 4294967295]",
  ],
  ["http2.initialWindowSize", [0, 2 ** 31, NaN], POS_INT],
  ["http1.maxBodyBytes", [2 ** 53], "must be a non-negative integer or Infinity"],
  ["http2.connectionWindowSize", [65534, 2 ** 31], "must be an integer in [65535, 2147483647]"],
  ["http2.maxFrameSize", [16383, 16777216, NaN], "must be an integer in [16384, 16777215]"],
  ["http2.maxHeaderListSize", [0, 63, NaN], "must be an integer in [64, 4294967295]"],
  ["http2.maxHeaderFields", [0, NaN], POS_INT],
  ["http2.maxHeaderBlockSize", [0, 63], "must be an integer in [64, 2147483647]"],
  ["http2.maxContinuationFrames", [-1, NaN], NONNEG_INT],
  ["http2.resetBurst", [0, NaN], POS_INT],
  ["http2.resetRefillPerSecond", [-1, NaN], "must be a number in [0, 2147483647]"],
  ["http2.uselessFrameBurst", [0, NaN], POS_INT],
  ["http2.uselessFrameRefillPerSecond", [-1, NaN], "must be a number in [0, 2147483647]"],
  ["http2.maxQueuedControlFrames", [0, NaN], POS_INT],
  ["http2.closedStreamMemory", [-1, NaN], NONNEG_INT],
  ["http2.writeBatchSize", [0, NaN], POS_INT],
  ["http2.maxBodyBytes", [-1, NaN], "must be a non-negative integer or Infinity"],
  ["http2.now", [1, "now"], FN],
  ["http2.idleTimeout", [-1, NaN], NONNEG_MS],
  ["http2.pingInterval", [-1, NaN], NONNEG_MS],
  ["http2.pingTimeout", [0, -1, NaN], POS_MS],
  ["http2.streamHighWaterMark", [0, NaN], POS_INT],
  ["http2.sendTimeout", [-1, NaN], NONNEG_MS],
  ["http2.settingsTimeout", [-1, NaN], NONNEG_MS],
];

function throwsOption(options: unknown, option: string, fragment: RegExp | string): void {
  let caught: unknown;
  try {
    serve({ hostname: "127.0.0.1", port: 0, onListen() {}, ...(options as ServeOptions) }, ok)
      .shutdown();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof OptionError, `${option}: expected an OptionError, got ${caught}`);
  assert.equal(caught.option, option);
  if (typeof fragment === "string") assert.ok(caught.message.includes(fragment), caught.message);
  else assert.match(caught.message, fragment);
}

describe("options validation", () => {
  it("every option in the schema has a row of bad values", () => {
    const rows = new Set(BAD.map((r) => r[0]));
    for (const o of OPTION_SCHEMA) assert.ok(rows.has(o.path), `no test row for ${o.path}`);
  });

  for (const [path, values, fragment] of BAD) {
    it(`${path}: rejects ${values.map((v) => String(v)).join(", ")}`, () => {
      for (const v of values) {
        if (path === "tls") continue; // its own tests below
        const shown = typeof v === "string"
          ? JSON.stringify(v)
          : Array.isArray(v)
          ? "an array"
          : typeof v === "object" && v !== null
          ? "an object"
          : String(v);
        const option = path.startsWith("tls.") ? path : path;
        throwsOption(at(path, v), option, `${path} ${fragment}`);
        throwsOption(at(path, v), option, `, got ${shown}`);
      }
    });
  }

  it("the schema lists every http1/http2 option the drivers have, and the table every row", () => {
    const paths = new Set(OPTION_SCHEMA.map((o) => o.path));
    for (const k of Object.keys(DEFAULT_HTTP1_OPTIONS)) assert.ok(paths.has(`http1.${k}`), k);
    for (const k of Object.keys(DEFAULT_HTTP2_OPTIONS)) assert.ok(paths.has(`http2.${k}`), k);
    const table = optionsTable();
    for (const p of paths) assert.ok(table.includes(`| \`${p}\` |`), p);
  });

  it("the example message of the issue, word for word", () => {
    assert.throws(
      () => validateOptions({ http1: { headersTimeout: -1 } }),
      { message: "http1.headersTimeout must be a positive number of milliseconds, got -1" },
    );
    assert.throws(
      () => validateOptions({ http2: { maxConcurrentStreams: -5 } }),
      { message: "http2.maxConcurrentStreams must be an integer in [1, 4294967295], got -5" },
    );
  });

  it("good values pass, undefined counts as absent, http2: false is allowed", () => {
    validateOptions({
      port: 0,
      hostname: "::1",
      tls: TLS,
      reusePort: false,
      fetch: ok,
      onError: undefined,
      expect: [ok],
      signal: new AbortController().signal,
      debug: true,
      shutdownTimeout: Infinity,
      compression: { level: 3 },
      proxyProtocol: true,
      path: "/tmp/x.sock",
      http1: { maxBodyBytes: Infinity, headersTimeout: 1, minRequestRate: 0 },
      http2: { maxConcurrentStreams: 1, idleTimeout: 0, now: Date.now },
    });
    validateOptions({ http2: false, tls: [{ ...TLS, serverName: "a.test" }, TLS] });
  });

  it("protocols: a bad entry is named with the valid ones and a did-you-mean", () => {
    const valid = '"http/1.1", "h2", "h2c", "h2c-upgrade"';
    throwsOption(
      { protocols: ["http/1.1", "h2c_upgrade"] },
      "protocols[1]",
      `protocols[1] must be one of ${valid}, got "h2c_upgrade"; did you mean "h2c-upgrade"?`,
    );
    throwsOption(
      { protocols: ["HTTP/1.1"] },
      "protocols[0]",
      `protocols[0] must be one of ${valid}, got "HTTP/1.1"; did you mean "http/1.1"?`,
    );
    throwsOption(
      { protocols: ["http/1.1", 2] },
      "protocols[1]",
      `protocols[1] must be one of ${valid}, got 2`,
    );
    throwsOption({ protocols: ["websocket"] }, "protocols[0]", `got "websocket"`);
  });

  it("protocols must fit the listener: ALPN not empty on TLS, cleartext/TLS entries, http2", () => {
    // A TLS listener with nothing to offer by ALPN.
    throwsOption(
      { tls: TLS, protocols: ["h2c"] },
      "protocols",
      /^protocols \["h2c"\] leave nothing to offer by ALPN on a TLS listener: list "h2" and\/or "http\/1\.1"/,
    );
    throwsOption(
      { tls: TLS, protocols: ["h2", "h2c-upgrade"] },
      "protocols",
      /"h2c-upgrade", which is cleartext only, but tls is set/,
    );
    throwsOption(
      { protocols: ["h2"] },
      "protocols",
      /"h2" \(HTTP\/2 over TLS\), but tls is not set/,
    );
    throwsOption(
      { protocols: ["h2c", "h2c-upgrade"] },
      "protocols",
      /"h2c-upgrade" without "http\/1\.1"/,
    );
    throwsOption(
      { http2: false, protocols: ["http/1.1", "h2c"] },
      "protocols",
      /lists "h2c", but http2 is false/,
    );
    // What fits passes.
    validateOptions({ protocols: ["h2c"] });
    validateOptions({ protocols: ["http/1.1"] });
    validateOptions({ protocols: ["http/1.1", "h2c", "h2c-upgrade"] });
    validateOptions({ tls: TLS, protocols: ["h2"] });
    validateOptions({ tls: TLS, protocols: ["http/1.1"] });
    validateOptions({ http2: false, protocols: ["http/1.1"] });
  });

  it("unknown keys are rejected with a did-you-mean", () => {
    throwsOption({ prot: 1 }, "prot", "unknown option prot; did you mean port?");
    throwsOption(
      { http1: { headerTimeout: 5 } },
      "http1.headerTimeout",
      "unknown option http1.headerTimeout; did you mean http1.headersTimeout?",
    );
    throwsOption(
      { http2: { maxconcurrentstreams: 5 } },
      "http2.maxconcurrentstreams",
      "did you mean http2.maxConcurrentStreams?",
    );
    throwsOption({ onclienterror: ok }, "onclienterror", "did you mean onClientError?");
    throwsOption({ tls: { ...TLS, crt: "x" } }, "tls.crt", "did you mean tls.cert?");
    throwsOption({ zzzzzzzz: 1 }, "zzzzzzzz", /^unknown option zzzzzzzz$/);
  });

  it("expect: each entry of a list is checked", () => {
    throwsOption({ expect: [ok, "y"] }, "expect[1]", "expect[1] must be a function");
  });

  it("http1 and http2 must be objects", () => {
    throwsOption({ http1: 5 }, "http1", "http1 must be an options object, got 5");
    throwsOption({ http2: true }, "http2", "http2 must be an options object or false, got true");
  });

  it("tls: shape, both cert and key, PEM that parses, key matching cert, each list entry", () => {
    throwsOption(
      { tls: null },
      "tls",
      "tls must be { cert, key } with PEM text, bytes or a file, got null",
    );
    throwsOption({ tls: [] }, "tls", "tls must list at least one { cert, key }");
    throwsOption({ tls: { cert: TLS.cert } }, "tls.key", "tls.key is missing: tls needs both");
    throwsOption({ tls: { key: TLS.key } }, "tls.cert", "tls.cert is missing: tls needs both");
    throwsOption(
      { tls: { ...TLS, key: 5 } },
      "tls.key",
      "tls.key must be PEM text, its bytes or a Bun.file(), got 5",
    );
    throwsOption(
      { tls: { ...TLS, cert: "garbage" } },
      "tls.cert",
      "tls.cert is not a PEM certificate",
    );
    throwsOption({ tls: { ...TLS, key: TLS.cert } }, "tls.key", "tls.key is not a PEM private key");
    throwsOption(
      { tls: { ...TLS, key: OTHER_KEY } },
      "tls.key",
      "tls.key does not belong to tls.cert",
    );
    throwsOption(
      { tls: [TLS, { cert: TLS.cert }] },
      "tls[1].key",
      "tls[1].key is missing",
    );
    throwsOption({ tls: [TLS, { ...TLS, serverName: "" }] }, "tls[1].serverName", "non-empty");
  });

  it("serve() needs a function handler", () => {
    assert.throws(
      () => serve({ port: 0, onListen() {} } as unknown as ServeOptions & { fetch: never }),
      {
        message: /serve\(\) needs a handler/,
      },
    );
  });

  // TLS listeners bind through node:tls (a certificate list, or a bounded handshake on Deno) or
  // the runtime's own (Bun with one certificate, Deno with tlsHandshakeTimeout: 0).
  const variants: Array<[string, Partial<ServeOptions>]> = [
    ["TCP", {}],
    ["TLS", { tls: TLS }],
    ["TLS, unbounded handshake", { tls: TLS, tlsHandshakeTimeout: 0 }],
    ["TLS, a certificate list", { tls: [TLS] }],
  ];
  for (const [name, extra] of variants) {
    it(`the address-in-use error names the port and keeps the cause (${name})`, async () => {
      await using a = serve({ hostname: "127.0.0.1", port: 0, onListen() {}, ...extra }, ok);
      const port = a.addr.port;
      // Where node:net binds after serve() returns (a host name), wait until it has: the port
      // is taken once a client can connect.
      await eventually(() => connectable(port), 5000, "first server bound");
      let caught: unknown;
      try {
        serve({ hostname: "127.0.0.1", port, onListen() {}, ...extra }, ok).shutdown();
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof Error, `no error: ${caught}`);
      assert.equal(caught.message, `port ${port} is already in use (hostname 127.0.0.1)`);
      assert.equal((caught as Error & { code: string }).code, "EADDRINUSE");
      assert.ok(caught.cause !== undefined);
    });
  }

  for (const [name, extra] of [["", {}], [" (TLS)", { tls: TLS }]] as const) {
    it(`a Unix socket path in use is refused, naming the path${name}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "h2serve-inuse-"));
      const path = join(dir, "s.sock");
      try {
        await using _a = serve({ path, onListen() {}, ...extra }, ok);
        assert.throws(() => serve({ path, onListen() {}, ...extra }, ok), {
          message: `path: a server is already listening on ${path}`,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
