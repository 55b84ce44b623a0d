// The `protocols` option: what a listener speaks, over real sockets. Cleartext defaults to
// HTTP/1.1 + h2c prior knowledge without `Upgrade: h2c`; "h2c-upgrade" is an opt-in; an
// h2c-only listener answers a bad preface with GOAWAY; an HTTP/1.1-only one never sniffs;
// TLS offers by ALPN only what is listed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { raw, run, start, TLS } from "../support/live.ts";
import { LiveH2 } from "../support/http2_client.ts";
import { getRequest, headers } from "../support/http2_frames.ts";
import { ErrorCode, FrameType } from "../../src/http2/core/mod.ts";
import type { Handler } from "../../mod.ts";

const dec = new TextDecoder();
const echo: Handler = (req, info) => new Response(`${info.protocol} ${new URL(req.url).pathname}`);

/** A valid HTTP2-Settings value (SETTINGS_MAX_CONCURRENT_STREAMS 100, INITIAL_WINDOW 10 MiB). */
const SETTINGS_B64 = "AAMAAABkAAQAoAAAAAIAAAAA";
const upgradeRequest = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n` +
  `Upgrade: h2c\r\nHTTP2-Settings: ${SETTINGS_B64}\r\n\r\n`;

/** The frames in `bytes` (type and, for GOAWAY, its error code). */
function frameList(bytes: Uint8Array): Array<{ type: number; code?: number }> {
  const out: Array<{ type: number; code?: number }> = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 9 <= bytes.length;) {
    const len = (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
    const type = bytes[at + 3]!;
    const f: { type: number; code?: number } = { type };
    if (type === FrameType.GOAWAY && at + 17 <= bytes.length) f.code = v.getUint32(at + 13);
    out.push(f);
    at += 9 + len;
  }
  return out;
}

describe("protocols: cleartext defaults", () => {
  it("Upgrade: h2c is served as plain HTTP/1.1 (no 101), and the connection stays HTTP/1.1", async () => {
    const s = start(echo);
    await using _server = s.server;
    const r = await raw(s.port, [
      upgradeRequest("/up"),
      "GET /next HTTP/1.1\r\nHost: localhost\r\n\r\n",
    ]);
    assert.doesNotMatch(r.text, /101 Switching Protocols/i);
    const heads = r.text.match(/HTTP\/1\.1 \d{3}/g);
    assert.deepEqual(heads, ["HTTP/1.1 200", "HTTP/1.1 200"]);
    assert.match(r.text, /\r\n\r\nhttp\/1\.1 \/up/);
    assert.match(r.text, /\r\n\r\nhttp\/1\.1 \/next/);
    assert.doesNotMatch(r.text, /PRI \* HTTP\/2\.0|upgrade: h2c/i);
  });

  it("h2c with prior knowledge is served", async () => {
    const s = start(echo);
    await using _server = s.server;
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, getRequest("/pk"), { endStream: true }));
    await c.until(() => c.ended(1));
    assert.equal(dec.decode(c.body(1)), "h2c /pk");
  });

  it('"h2c-upgrade" listed: the same request gets 101 and its answer on stream 1', async () => {
    const s = start(echo, { protocols: ["http/1.1", "h2c", "h2c-upgrade"] });
    await using _server = s.server;
    using c = await LiveH2.connect(s.port, { raw: upgradeRequest("/up") });
    await c.until(() => c.prelude !== "");
    assert.match(c.prelude, /^HTTP\/1\.1 101 Switching Protocols\r\n/i);
    await c.until(() => c.ended(1));
    assert.equal(dec.decode(c.body(1)), "h2c /up");
  });

  it('curl --http2 (the Upgrade path) gets HTTP/1.1 by default, HTTP/2 with "h2c-upgrade"', async () => {
    for (
      const [protocols, version, body] of [
        [undefined, "1.1", "http/1.1 /c"],
        [["http/1.1", "h2c-upgrade"] as const, "2", "h2c /c"],
      ] as const
    ) {
      const s = start(echo, protocols ? { protocols: [...protocols] } : {});
      try {
        const r = await run("curl", ["-sS", "--http2", "-w", "\n%{http_version}", `${s.base}/c`]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `${body}\n${version}`);
      } finally {
        await s.close();
      }
    }
  });
});

describe("protocols: one protocol per listener", () => {
  it('["h2c"]: an invalid preface gets GOAWAY PROTOCOL_ERROR, never an HTTP/1.1 answer', async () => {
    const s = start(echo, { protocols: ["h2c"] });
    await using _server = s.server;
    const r = await raw(s.port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert.doesNotMatch(r.text, /^HTTP\/1\.1/);
    const goaway = frameList(r.bytes).find((f) => f.type === FrameType.GOAWAY);
    assert.equal(goaway?.code, ErrorCode.PROTOCOL_ERROR);
    // A valid preface is served.
    using c = await LiveH2.connect(s.port);
    c.write(headers(1, getRequest("/ok"), { endStream: true }));
    await c.until(() => c.ended(1));
    assert.equal(dec.decode(c.body(1)), "h2c /ok");
  });

  it('["http/1.1"]: the preface is never taken for HTTP/2, nor is Upgrade: h2c', async () => {
    const s = start(echo, { protocols: ["http/1.1"] });
    await using _server = s.server;
    const pre = await raw(s.port, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    assert.match(pre.text, /^HTTP\/1\.1 [45]\d\d /);
    const up = await raw(s.port, upgradeRequest("/u"));
    assert.match(up.text, /^HTTP\/1\.1 200 /);
    assert.match(up.text, /\r\n\r\nhttp\/1\.1 \/u$/);
  });
});

describe("protocols: TLS offers by ALPN what is listed", () => {
  for (
    const [protocols, version, proto] of [
      [["http/1.1"], "1.1", "http/1.1"],
      [["h2"], "2", "h2"],
      [undefined, "2", "h2"],
    ] as const
  ) {
    it(`protocols ${JSON.stringify(protocols)}: curl --http2 negotiates ${proto}`, async () => {
      const s = start(echo, { tls: TLS, ...(protocols ? { protocols: [...protocols] } : {}) });
      await using _server = s.server;
      const r = await run("curl", [
        "-sS",
        "-k",
        "--http2",
        "-w",
        "\n%{http_version}",
        `${s.base}/t`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${proto} /t\n${version}`);
    });
  }
});
