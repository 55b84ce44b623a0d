/**
 * serve({ proxyProtocol: true }) over raw sockets: the header's addresses
 * reach info, LOCAL/UNKNOWN keep the socket's, and a connection with no
 * header, a malformed one or a slow one is closed unserved while a
 * well-behaved client goes on being served. Also PROXY before TLS.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { serve } from "../../mod.ts";
import type { Addr, ServeInfo } from "../../mod.ts";
import { raw, run, TLS } from "../support/live.ts";
import { concat, hex } from "../support/common.ts";
import { PROXY_V2_SIGNATURE } from "../../src/proxy/parser.ts";

const enc = new TextEncoder();
const GET = "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
const TIMEOUT_MS = 1500;

function show(a: Addr): string {
  return a.transport === "unix" ? `unix:${a.path}` : `${a.hostname}:${a.port}`;
}

function echo(_req: Request, info: ServeInfo): Response {
  return new Response(`${show(info.remoteAddr)} ${show(info.localAddr)} ${info.protocol}`);
}

function v2(verCmd: number, famProto: number, body: Uint8Array): Uint8Array {
  const len = new Uint8Array([body.byteLength >> 8, body.byteLength & 0xff]);
  return concat(PROXY_V2_SIGNATURE, new Uint8Array([verCmd, famProto]), len, body);
}
const INET = hex("c0000201 c6336402 d431 01bb"); // 192.0.2.1:54321 -> 198.51.100.2:443

function startProxied(secure = false) {
  return serve({
    hostname: "127.0.0.1",
    port: 0,
    proxyProtocol: true,
    http1: { headersTimeout: TIMEOUT_MS },
    tls: secure ? TLS : undefined,
    onListen() {},
  }, echo);
}

function body(text: string): string {
  return text.slice(text.indexOf("\r\n\r\n") + 4);
}

describe("PROXY protocol: raw clients", () => {
  it("v1 TCP4 and TCP6: info carries the header's addresses", async () => {
    await using server = startProxied();
    const port = server.addr.port;
    let r = await raw(port, `PROXY TCP4 192.0.2.1 198.51.100.2 54321 443\r\n${GET}`);
    assert.equal(body(r.text), "192.0.2.1:54321 198.51.100.2:443 http/1.1");
    r = await raw(port, `PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n${GET}`);
    assert.equal(body(r.text), "2001:db8::1:1 2001:db8::2:2 http/1.1");
  });

  it("v2 PROXY over AF_INET, header and request in one write or dripped byte by byte", async () => {
    await using server = startProxied();
    const port = server.addr.port;
    const header = v2(0x21, 0x11, concat(INET, hex("04 0002 0000"))); // with a NOOP TLV
    let r = await raw(port, concat(header, enc.encode(GET)));
    assert.equal(body(r.text), "192.0.2.1:54321 198.51.100.2:443 http/1.1");
    r = await raw(port, [...header].map((b) => new Uint8Array([b])).concat([enc.encode(GET)]), {
      gapMs: 5,
    });
    assert.equal(body(r.text), "192.0.2.1:54321 198.51.100.2:443 http/1.1");
  });

  it("v2 LOCAL and v1 UNKNOWN keep the socket's addresses", async () => {
    await using server = startProxied();
    const port = server.addr.port;
    for (const header of [v2(0x20, 0x00, new Uint8Array(0)), enc.encode("PROXY UNKNOWN\r\n")]) {
      const r = await raw(port, concat(header, enc.encode(GET)));
      assert.match(
        body(r.text),
        new RegExp(`^127\\.0\\.0\\.1:\\d+ 127\\.0\\.0\\.1:${port} http/1\\.1$`),
      );
    }
  });

  it("h2c prior knowledge after the header is sniffed as usual", async () => {
    await using server = startProxied();
    const preface = enc.encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    const settings = hex("000000 04 00 00000000");
    const r = await raw(server.addr.port, concat(v2(0x21, 0x11, INET), preface, settings), {
      idleMs: 500,
    });
    // The server answers with its SETTINGS frame (type 4 at offset 3).
    assert.ok(r.bytes.byteLength >= 9, "no HTTP/2 answer");
    assert.equal(r.bytes[3], 4);
  });

  it("no header, malformed, oversized or slow headers: closed unanswered; others served", async () => {
    await using server = startProxied();
    const port = server.addr.port;
    const good = () => raw(port, `PROXY TCP4 192.0.2.9 198.51.100.2 1000 80\r\n${GET}`);
    const over = 4096 - 16 + 1;
    const attacks: [string, Promise<Awaited<ReturnType<typeof raw>>>][] = [
      ["no header", raw(port, GET, { idleMs: 4000 })],
      [
        "wrong v2 signature",
        raw(port, concat(hex("0d0a0d0a000d0a5155495420"), INET), { idleMs: 4000 }),
      ],
      [
        "unknown family",
        raw(port, concat(v2(0x21, 0x41, INET), enc.encode(GET)), { idleMs: 4000 }),
      ],
      [
        "unknown version",
        raw(port, concat(v2(0x31, 0x11, INET), enc.encode(GET)), { idleMs: 4000 }),
      ],
      [
        "oversized v2",
        raw(
          port,
          concat(PROXY_V2_SIGNATURE, hex("21 11"), new Uint8Array([over >> 8, over & 0xff])),
          { idleMs: 4000 },
        ),
      ],
      ["oversized v1", raw(port, `PROXY UNKNOWN ${"x".repeat(120)}\r\n${GET}`, { idleMs: 4000 })],
      ["truncated v1", raw(port, "PROXY TCP4 192.0.2.1 198.51", { idleMs: 4000 })],
      ["truncated v2", raw(port, v2(0x21, 0x11, INET).subarray(0, 20), { idleMs: 4000 })],
      [
        "slow drip",
        raw(port, [..."PROXY TCP4 192.0.2.1 198.51.100.2 54321 443\r\n"], {
          gapMs: 200,
          idleMs: 4000,
        }),
      ],
    ];
    // A well-behaved client is served while the attacks are pending.
    assert.equal(body((await good()).text), "192.0.2.9:1000 198.51.100.2:80 http/1.1");
    for (const [name, p] of attacks) {
      const r = await p;
      assert.ok(r.closedByServer, `${name}: not closed by the server`);
      assert.equal(r.text, "", `${name}: answered`);
    }
    assert.equal(body((await good()).text), "192.0.2.9:1000 198.51.100.2:80 http/1.1");
    assert.equal(server.stats().requests, 2);
  });

  it("PROXY before TLS: the header is read, then the handshake (h2 and http/1.1)", async () => {
    await using server = startProxied(true);
    const port = server.addr.port;
    for (const alpn of ["h2", "http/1.1"]) {
      const text = await new Promise<string>((resolve, reject) => {
        const sock = net.connect(port, "127.0.0.1", () => {
          sock.write("PROXY TCP4 192.0.2.1 198.51.100.2 54321 443\r\n");
          const t = tls.connect({
            socket: sock,
            ca: TLS.cert,
            servername: "localhost",
            ALPNProtocols: [alpn],
          });
          t.once("secureConnect", () => {
            if (t.alpnProtocol !== alpn) reject(new Error(`ALPN ${t.alpnProtocol}`));
            if (alpn === "h2") {
              // Our SETTINGS frame proves the h2 driver took the connection.
              t.write(
                concat(
                  enc.encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
                  hex("000000 04 00 00000000"),
                ),
              );
              t.once("data", (d: Uint8Array) => {
                resolve(`settings type ${d[3]}`);
                t.destroy();
              });
            } else {
              t.write(GET);
              let all = "";
              t.on("data", (d: Uint8Array) => (all += new TextDecoder().decode(d)));
              t.on("end", () => resolve(body(all)));
            }
          });
          t.once("error", reject);
        });
        sock.once("error", reject);
      });
      assert.equal(
        text,
        alpn === "h2" ? "settings type 4" : "192.0.2.1:54321 198.51.100.2:443 http/1.1",
      );
    }
    // Without a header, TLS is never started.
    const r = await raw(port, hex("160301 00c8 01"), { idleMs: 4000 });
    assert.ok(r.closedByServer);
    assert.equal(r.text, "");
  });

  it("shutdown closes connections still waiting for their header (cleartext and TLS)", async () => {
    for (const secure of [false, true]) {
      const server = serve({
        hostname: "127.0.0.1",
        port: 0,
        proxyProtocol: true,
        tls: secure ? TLS : undefined,
        onListen() {},
      }, echo);
      const waiting = raw(server.addr.port, "PROXY TCP4 ", { idleMs: 10_000 });
      await new Promise((r) => setTimeout(r, 200));
      await server.shutdown();
      const r = await waiting;
      assert.ok(r.closedByServer, `${secure ? "TLS" : "cleartext"}: still open after shutdown`);
      assert.equal(r.text, "");
    }
  });

  it("curl --haproxy-protocol (a real v1 sender) over HTTP/1.1 and h2c", async () => {
    await using server = startProxied();
    for (
      const [flag, protocol] of [["--http1.1", "http/1.1"], ["--http2-prior-knowledge", "h2c"]]
    ) {
      const r = await run("curl", [
        "-sS",
        "--max-time",
        "10",
        "--haproxy-protocol",
        flag!,
        `http://127.0.0.1:${server.addr.port}/`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(`^127\\.0\\.0\\.1:\\d+ 127\\.0\\.0\\.1:${server.addr.port} ${protocol}$`),
      );
    }
  });
});
