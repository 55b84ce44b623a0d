import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  acceptKey,
  isValidKey,
  selectProtocol,
  validateConnectRequest,
  validateUpgradeRequest,
} from "../../src/websocket/handshake.ts";
import { negotiateDeflate, parseExtensions } from "../../src/websocket/extensions.ts";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const good = {
  upgrade: "websocket",
  connection: "keep-alive, Upgrade",
  "sec-websocket-version": "13",
  "sec-websocket-key": KEY,
};

describe("ws handshake: HTTP/1.1 upgrade", () => {
  it("computes Sec-WebSocket-Accept (RFC 6455 §1.3 example)", () => {
    assert.equal(acceptKey(KEY), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });
  it("accepts a valid request, case-insensitive tokens, with protocols and extensions", () => {
    const r = validateUpgradeRequest(
      "GET",
      new Headers({
        ...good,
        upgrade: "WebSocket",
        connection: "UPGRADE",
        "sec-websocket-protocol": "chat, superchat",
        "sec-websocket-extensions": "permessage-deflate",
      }),
    );
    assert.deepEqual(r, {
      ok: true,
      key: KEY,
      protocols: ["chat", "superchat"],
      extensions: "permessage-deflate",
    });
  });
  const cases: [string, string, Record<string, string | undefined>, number][] = [
    ["POST", "wrong method", {}, 400],
    ["GET", "no upgrade", { upgrade: undefined }, 400],
    ["GET", "upgrade h2c", { upgrade: "h2c" }, 400],
    ["GET", "connection without upgrade", { connection: "keep-alive" }, 400],
    ["GET", "no key", { "sec-websocket-key": undefined }, 400],
    ["GET", "key of 15 bytes", { "sec-websocket-key": "AAAAAAAAAAAAAAAAAAAA" }, 400],
    ["GET", "key of 17 bytes", { "sec-websocket-key": "AAAAAAAAAAAAAAAAAAAAAAA=" }, 400],
    ["GET", "key not base64", { "sec-websocket-key": "!!!!!!!!!!!!!!!!!!!!!!==" }, 400],
    ["GET", "version 8", { "sec-websocket-version": "8" }, 426],
    ["GET", "no version", { "sec-websocket-version": undefined }, 426],
  ];
  for (const [method, name, patch, status] of cases) {
    it(`${name} -> ${status}`, () => {
      const h: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...good, ...patch })) if (v !== undefined) h[k] = v;
      const r = validateUpgradeRequest(method, new Headers(h));
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.status, status);
        if (status === 426) assert.deepEqual(r.headers, [["sec-websocket-version", "13"]]);
      }
    });
  }
  it("isValidKey", () => {
    assert.equal(isValidKey(KEY), true);
    assert.equal(isValidKey(KEY.slice(1)), false);
  });
});

describe("ws handshake: RFC 8441 extended CONNECT", () => {
  it("accepts :protocol websocket, version 13, without a key", () => {
    const r = validateConnectRequest(
      "CONNECT",
      "websocket",
      new Headers({ "sec-websocket-version": "13", "sec-websocket-protocol": "chat" }),
    );
    assert.deepEqual(r, { ok: true, key: undefined, protocols: ["chat"], extensions: "" });
  });
  it("refuses other protocols, methods and versions", () => {
    const v13 = new Headers({ "sec-websocket-version": "13" });
    assert.equal(validateConnectRequest("CONNECT", undefined, v13).ok, false);
    assert.equal(validateConnectRequest("CONNECT", "webtransport", v13).ok, false);
    assert.equal(validateConnectRequest("GET", "websocket", v13).ok, false);
    const r = validateConnectRequest("CONNECT", "websocket", new Headers());
    assert.equal(!r.ok && r.status, 426);
  });
});

describe("ws handshake: subprotocols", () => {
  it("selects an offered protocol, none when not asked", () => {
    assert.equal(selectProtocol(["a", "b"], "b"), "b");
    assert.equal(selectProtocol(["a"], undefined), "");
    assert.equal(selectProtocol([], undefined), "");
  });
  it("throws a TypeError naming the option when the client did not offer it", () => {
    assert.throws(() => selectProtocol(["a"], "chat"), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match((e as Error).message, /option "protocol"/);
      return true;
    });
  });
});

describe("ws handshake: permessage-deflate negotiation", () => {
  const n = (s: string) => {
    const offers = parseExtensions(s);
    return offers && negotiateDeflate(offers);
  };
  it("parses offers with quoted values", () => {
    assert.deepEqual(parseExtensions('permessage-deflate; client_max_window_bits="10", x-foo'), [
      { name: "permessage-deflate", params: [["client_max_window_bits", "10"]] },
      { name: "x-foo", params: [] },
    ]);
    assert.equal(parseExtensions("permessage-deflate; a b"), undefined);
    assert.deepEqual(parseExtensions(""), []);
  });
  it("a bare offer and client_max_window_bits without value", () => {
    assert.equal(n("permessage-deflate")?.response, "permessage-deflate");
    assert.equal(n("permessage-deflate; client_max_window_bits")?.response, "permessage-deflate");
  });
  it("echoes no_context_takeover and server_max_window_bits", () => {
    const r = n(
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12",
    );
    assert.equal(
      r?.response,
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10",
    );
    assert.deepEqual(r?.params, {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 12,
    });
  });
  const declined = [
    "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
    "permessage-deflate; server_max_window_bits",
    "permessage-deflate; server_max_window_bits=16",
    "permessage-deflate; server_max_window_bits=7",
    "permessage-deflate; server_max_window_bits=8",
    "permessage-deflate; server_max_window_bits=010",
    "permessage-deflate; client_max_window_bits=16",
    "permessage-deflate; client_max_window_bits=abc",
    "permessage-deflate; server_no_context_takeover=1",
    "permessage-deflate; unknown_param",
    "x-webkit-deflate-frame",
  ];
  for (const s of declined) {
    it(`declines ${JSON.stringify(s)}`, () => assert.equal(n(s), undefined));
  }
  it("falls back to the next offer when the first is declined", () => {
    const r = n("permessage-deflate; server_max_window_bits=8, permessage-deflate");
    assert.equal(r?.response, "permessage-deflate");
  });
});
