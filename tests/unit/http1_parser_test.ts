/**
 * Tests for the strict HTTP/1.1 request parser (src/http1/core/parser.ts). Every input goes through
 * {@linkcode parse}, which feeds it whole, byte by byte and split in two at every offset, and
 * asserts that all ways give the same events (data events concatenated) and the same error.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DEFAULT_HTTP1_LIMITS,
  type Http1Limits,
  HttpParseError,
  type ParserEvent,
  type RequestHead,
  RequestParser,
} from "../../src/http1/core/parser.ts";

/** One message as seen through the events: head, concatenated body, end. */
interface Message {
  head: RequestHead;
  body: string;
  ended: boolean;
  trailers: Array<[string, string]> | null;
}

/** Everything the parser produced for an input. */
interface Outcome {
  messages: Message[];
  error: { status: number; message: string } | null;
  inMessage: boolean;
  buffered: number;
}

const enc = new TextEncoder();

function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/** Feed `pieces` one after another, draining events after each push. */
function feed(pieces: Uint8Array[], limits?: Partial<Http1Limits>, eof = false): Outcome {
  const p = new RequestParser(limits);
  const messages: Message[] = [];
  let error: Outcome["error"] = null;
  const drain = () => {
    for (let ev: ParserEvent | null; (ev = p.next()) !== null;) {
      if (ev.type === "head") {
        messages.push({ head: ev.head, body: "", ended: false, trailers: null });
      } else {
        const m = messages[messages.length - 1];
        assert.ok(m !== undefined && !m.ended, `${ev.type} event outside a message`);
        if (ev.type === "data") {
          assert.ok(ev.data.length > 0, "empty data event");
          m.body += latin1(ev.data);
        } else {
          m.ended = true;
          m.trailers = ev.trailers;
        }
      }
    }
  };
  try {
    for (const piece of pieces) {
      p.push(piece);
      drain();
    }
    if (eof) {
      p.finish();
      drain();
    }
  } catch (e) {
    if (!(e instanceof HttpParseError)) throw e;
    error = { status: e.status, message: e.message };
    // Dead parser: the same error again.
    assert.throws(() => p.next(), (e2) => e2 === e);
  }
  return { messages, error, inMessage: p.inMessage, buffered: error ? -1 : p.buffered };
}

/**
 * Parse `input` (a latin1 string or bytes) whole, byte by byte, and split at every offset;
 * assert all give the same outcome and return it.
 */
function parse(input: string | Uint8Array, limits?: Partial<Http1Limits>, eof = false): Outcome {
  const all = typeof input === "string" ? bytes(input) : input;
  const whole = feed([all], limits, eof);
  const ways: Array<[string, Uint8Array[]]> = [];
  ways.push(["byte by byte", Array.from(all, (_, i) => all.subarray(i, i + 1))]);
  for (let i = 1; i < all.length; i++) {
    ways.push([`split at ${i}`, [all.subarray(0, i), all.subarray(i)]]);
  }
  for (const [name, pieces] of ways) {
    assert.deepStrictEqual(feed(pieces, limits, eof), whole, `fed ${name}`);
  }
  return whole;
}

/** Parse and expect exactly the given error status (after any complete messages). */
function rejects(input: string | Uint8Array, status: number, limits?: Partial<Http1Limits>) {
  const out = parse(input, limits);
  assert.ok(out.error !== null, `expected ${status}, got messages ${JSON.stringify(out.messages)}`);
  assert.equal(out.error.status, status, out.error.message);
  return out;
}

/** Parse and expect one complete message and no error; returns it. */
function one(input: string, limits?: Partial<Http1Limits>): Message {
  const out = parse(input, limits);
  assert.equal(out.error, null, out.error?.message ?? "");
  assert.equal(out.messages.length, 1);
  const m = out.messages[0]!;
  assert.ok(m.ended, "message not ended");
  return m;
}

const GET = "GET / HTTP/1.1\r\nHost: example.com\r\n";

describe("request-line", () => {
  it("parses origin-form GET", () => {
    const m = one("GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\n\r\n");
    assert.deepStrictEqual(m.head, {
      method: "GET",
      target: "/a/b?c=d",
      versionMinor: 1,
      headers: [["Host", "example.com"]],
      bodyKind: "none",
      contentLength: 0,
      keepAlive: true,
      expectContinue: false,
      upgrade: null,
      host: "example.com",
    });
    assert.equal(m.trailers, null);
  });

  it("accepts any token method", () => {
    for (const method of ["QUERY", "M-SEARCH", "x!#$%&'*+-.^_`|~9", "get"]) {
      assert.equal(one(`${method} / HTTP/1.1\r\nHost: h\r\n\r\n`).head.method, method);
    }
  });

  it("accepts absolute-form, authority-form for CONNECT and asterisk-form for OPTIONS", () => {
    assert.equal(
      one("GET http://a.b:8/x?y HTTP/1.1\r\nHost: a.b:8\r\n\r\n").head.target,
      "http://a.b:8/x?y",
    );
    const c = one("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    assert.equal(c.head.target, "example.com:443");
    assert.equal(c.head.bodyKind, "none");
    assert.equal(
      one("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n").head.target,
      "[::1]:443",
    );
    assert.equal(one("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").head.target, "*");
  });

  it("rejects targets in the wrong form", () => {
    rejects("GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    rejects("CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    rejects("CONNECT example.com HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    rejects("CONNECT u@example.com:1 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    rejects("GET example HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    rejects("GET 1http://x/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  });

  it("rejects the HTTP/2 preface and PRI", () => {
    rejects("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505);
    rejects("PRI * HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  });

  it("parses HTTP/1.0", () => {
    const m = one("GET / HTTP/1.0\r\n\r\n");
    assert.equal(m.head.versionMinor, 0);
    assert.equal(m.head.host, null);
    assert.equal(m.head.keepAlive, false);
  });

  it("answers 505 for other well-formed versions and 400 for garbage", () => {
    for (const v of ["HTTP/2.0", "HTTP/1.2", "HTTP/3", "HTTP/0.9", "HTTP/9.9"]) {
      rejects(`GET / ${v}\r\nHost: h\r\n\r\n`, 505);
    }
    for (
      const v of [
        "HTTP/1",
        "HTTP/1.",
        "HTTP/1.1.1",
        "HTTP/1.10",
        "http/1.1",
        "HTTP/ 1.1",
        "HTTPS/1.1",
        "HTTP/1,1",
        "FOO",
        "HTTP/a.1",
        "HTTP/1.x",
      ]
    ) {
      rejects(`GET / ${v}\r\nHost: h\r\n\r\n`, 400);
    }
  });

  it("rejects bad separators and characters", () => {
    for (
      const line of [
        "GET  / HTTP/1.1",
        "GET /  HTTP/1.1",
        "GET / HTTP/1.1 ",
        " GET / HTTP/1.1",
        "GET\t/ HTTP/1.1",
        "GET /\tHTTP/1.1",
        "GET / HTTP/1.1\t",
        "GET /a\x00b HTTP/1.1",
        "GET /a\x7fb HTTP/1.1",
        "GET /\xe4 HTTP/1.1",
        "GE(T / HTTP/1.1",
        "GET /",
        "GET",
        "/ HTTP/1.1",
        "GET / HTTP/1.1 extra",
      ]
    ) rejects(`${line}\r\nHost: h\r\n\r\n`, 400);
  });

  it("requires CRLF: bare LF and bare CR are rejected", () => {
    rejects("GET / HTTP/1.1\nHost: h\r\n\r\n", 400);
    rejects("GET / HTTP/1.1\rHost: h\r\n\r\n", 400);
    rejects("GET / HTTP/1.1\r\r\nHost: h\r\n\r\n", 400);
    rejects("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  });

  it("rejects garbage at the first byte, without waiting for a line end", () => {
    const tlsHello = new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]);
    rejects(tlsHello, 400);
    rejects("GET / HTTP/2", 505);
    rejects("GET / HTTP/1.1x", 400);
    rejects("GET / HTTP/1.1\r\n Host: a", 400);
  });

  it("skips empty lines before the request-line", () => {
    const out = parse(`\r\n\r\n${GET}\r\n\r\n${GET}\r\n`);
    assert.equal(out.error, null);
    assert.equal(out.messages.length, 2);
    rejects(`\n${GET}\r\n`, 400);
    rejects(`\r${GET}\r\n`, 400);
  });

  it("answers 414 for a long request-line before its end arrives", () => {
    const limits = { maxRequestLineBytes: 32 };
    const ok = `GET /${"a".repeat(32 - 14)} HTTP/1.1`;
    assert.equal(ok.length, 32);
    assert.equal(one(`${ok}\r\nHost: h\r\n\r\n`, limits).head.target.length, 19);
    rejects(`GET /${"a".repeat(32 - 13)} HTTP/1.1\r\nHost: h\r\n\r\n`, 414, limits);
    rejects(`GET /${"a".repeat(40)}`, 414, limits); // no CRLF yet
    // Garbage inside the limit is still reported as garbage.
    rejects(`G T /${"a".repeat(40)}`, 400, limits);
    const p = new RequestParser();
    p.push(enc.encode(`GET /${"a".repeat(DEFAULT_HTTP1_LIMITS.maxRequestLineBytes)}`));
    assert.throws(() => p.next(), (e) => e instanceof HttpParseError && e.status === 414);
  });
});

describe("header fields", () => {
  it("keeps names as received and trims OWS around values", () => {
    const m = one(`${GET}X-A:  b c \t\r\nx-b:\tv\r\nX-Empty:\r\nX-Obs: \xe4\xff\x80\r\n\r\n`);
    assert.deepStrictEqual(m.head.headers, [
      ["Host", "example.com"],
      ["X-A", "b c"],
      ["x-b", "v"],
      ["X-Empty", ""],
      ["X-Obs", "\xe4\xff\x80"],
    ]);
  });

  it("rejects whitespace before the colon, obs-fold, CTLs, bare CR and bare LF", () => {
    for (
      const line of [
        "X-A : b",
        "X-A\t: b",
        " X-A: b",
        "\tX-A: b",
        "X-A: b\x00c",
        "X-A: b\x01",
        "X-A: b\x7f",
        "X-A: b\x0bc",
        "X-A: b\x0cc",
        "X-A: b\rc",
        "X-A: b\nc",
        "X-A b",
        ": b",
        "X(A): b",
        "X-\xe4: b",
        "X-A",
      ]
    ) rejects(`${GET}${line}\r\n\r\n`, 400);
    rejects(`${GET}X-A: b\r\n continued\r\n\r\n`, 400);
    rejects(`${GET}X-A: b\r\n\tcontinued\r\n\r\n`, 400);
    rejects(`${GET}X-A: b\nX-B: c\r\n\r\n`, 400);
    rejects(`${GET}X-A: b\r\n\n`, 400);
    rejects(`${GET}X-A: b\r\n\rX`, 400);
  });

  it("answers 431 when the header section is too large, before it completes", () => {
    const limits = { maxHeaderBytes: 64 };
    const filler = (n: number) => `X: ${"a".repeat(n - 5)}\r\n`; // a field line of n bytes
    const host = "Host: h\r\n"; // 9 bytes, + final CRLF 2 = 11
    one(`GET / HTTP/1.1\r\n${host}${filler(53)}\r\n`, limits);
    rejects(`GET / HTTP/1.1\r\n${host}${filler(54)}\r\n`, 431, limits);
    rejects(`GET / HTTP/1.1\r\n${host}X: ${"a".repeat(100)}`, 431, limits);
    rejects(`GET / HTTP/1.1\r\n${host}${filler(30)}${filler(30)}`, 431, limits);
  });

  it("answers 431 for too many fields", () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: ${i}\r\n`).join("");
    assert.equal(one(`${GET}${fields(4)}\r\n`, { maxHeaderCount: 5 }).head.headers.length, 5);
    rejects(`${GET}${fields(5)}\r\n`, 431, { maxHeaderCount: 5 });
    const p = new RequestParser();
    p.push(enc.encode(`${GET}${fields(100)}`));
    assert.throws(() => p.next(), (e) => e instanceof HttpParseError && e.status === 431);
  });
});

describe("Host", () => {
  it("requires exactly one Host on HTTP/1.1", () => {
    rejects("GET / HTTP/1.1\r\n\r\n", 400);
    rejects("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
    rejects("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400);
    rejects("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    assert.equal(one("GET / HTTP/1.1\r\nHOST: a:1\r\n\r\n").head.host, "a:1");
    assert.equal(one("GET / HTTP/1.1\r\nHost:\r\n\r\n").head.host, "");
    assert.equal(one("GET / HTTP/1.1\r\n\r\n", { requireHost: false }).head.host, null);
  });

  it("rejects invalid Host values", () => {
    for (const v of ["a b", "a/b", "user@a", "a?b", "a#b", "\xe4"]) {
      rejects(`GET / HTTP/1.1\r\nHost: ${v}\r\n\r\n`, 400);
    }
  });
});

describe("Content-Length", () => {
  it("frames a body by Content-Length", () => {
    const m = one(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello`);
    assert.equal(m.head.bodyKind, "length");
    assert.equal(m.head.contentLength, 5);
    assert.equal(m.body, "hello");
    const z = one(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n`);
    assert.equal(z.head.bodyKind, "length");
    assert.equal(z.head.contentLength, 0);
    assert.equal(
      one(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 007\r\n\r\nabcdefg`).body,
      "abcdefg",
    );
  });

  it("rejects every duplicate, even identical, in separate lines and list form", () => {
    rejects(`${GET}Content-Length: 2\r\nContent-Length: 2\r\n\r\nab`, 400);
    rejects(`${GET}Content-Length: 2, 2\r\n\r\nab`, 400);
  });

  it("rejects anything but digits, conflicts and overflow", () => {
    for (
      const v of [
        "+5",
        "-5",
        "5 5",
        "5,",
        ",5",
        "5,,5",
        "",
        "0x5",
        "5a",
        "5.0",
        "1, 2",
        "\u00b9",
        "9007199254740992",
        "99999999999999999999999",
      ]
    ) rejects(`${GET}Content-Length: ${v}\r\n\r\n`, 400);
    rejects(`${GET}Content-Length: 1\r\nContent-Length: 2\r\n\r\n`, 400);
    const big = parse(`${GET}Content-Length: 9007199254740991\r\n\r\n`);
    assert.equal(big.messages[0]?.head.contentLength, Number.MAX_SAFE_INTEGER);
  });

  it("answers 413 up-front when Content-Length exceeds maxBodyBytes", () => {
    rejects(`${GET}Content-Length: 11\r\n\r\n`, 413, { maxBodyBytes: 10 });
    assert.equal(
      one(`${GET}Content-Length: 10\r\n\r\n0123456789`, { maxBodyBytes: 10 }).body.length,
      10,
    );
  });

  it("treats a request without Content-Length or Transfer-Encoding as bodiless", () => {
    const out = parse(`POST / HTTP/1.1\r\nHost: h\r\n\r\n${GET}\r\n`);
    assert.equal(out.messages.length, 2);
    assert.equal(out.messages[0]!.head.bodyKind, "none");
    assert.equal(out.messages[0]!.body, "");
  });
});

describe("Transfer-Encoding", () => {
  const te = (v: string) =>
    `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ${v}\r\n\r\n0\r\n\r\n`;

  it("accepts chunked, case-insensitively", () => {
    for (const v of ["chunked", "Chunked", "CHUNKED", "  chunked \t"]) {
      assert.equal(one(te(v)).head.bodyKind, "chunked");
    }
  });

  it("rejects codings that do not end in chunked (400) and other codings (501)", () => {
    for (
      const v of [
        "xchunked",
        "chunkedx",
        "chunked, identity",
        "identity",
        "gzip",
        "chunked, gzip",
        "chunked, chunked",
        "chunked;q=1",
        "chunked,",
        ", chunked",
        "",
        "chunked\x0b",
        "\x0bchunked",
        "\x0cchunked",
        "chunked\x00",
        "chu nked",
        '"chunked"',
      ]
    ) rejects(te(v), 400);
    rejects(
      `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n`,
      400,
    );
    rejects(
      `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n`,
      400,
    );
    for (const v of ["gzip, chunked", "deflate,chunked", "x-custom;a=b, chunked"]) {
      rejects(te(v), 501);
    }
    rejects(
      `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n`,
      501,
    );
  });

  it("rejects Transfer-Encoding with Content-Length, in either order", () => {
    rejects(`${GET}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n`, 400);
    rejects(`${GET}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n`, 400);
  });

  it("rejects Transfer-Encoding on HTTP/1.0", () => {
    rejects("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
  });

  it("never serves a smuggled request (CL.TE, TE.CL, TE.TE)", () => {
    const smuggled = "GET /admin HTTP/1.1\r\nHost: h\r\n\r\n";
    for (
      const input of [
        `POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
        `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\n${smuggled}0\r\n\r\n`,
        `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${smuggled}`,
        `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${smuggled}`,
        `POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n${smuggled}`,
        `POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +40\r\n\r\n${smuggled}`,
        `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;${
          "x".repeat(2000)
        }\r\nA\r\n0\r\n\r\n${smuggled}`,
        `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n${smuggled}`,
        `POST / HTTP/1.1\r\nHost: h\r\nX: a\rTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
        `POST / HTTP/1.1\r\nHost: h\r\nX: a\nContent-Length: 1\r\n\r\n0\r\n\r\n${smuggled}`,
      ]
    ) {
      const out = parse(input);
      assert.ok(out.error !== null, input);
      assert.ok(out.messages.every((m) => m.head.target !== "/admin"), input);
    }
  });
});

describe("chunked body", () => {
  const post = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

  it("decodes chunks, extensions and trailers", () => {
    const m = one(
      `${post}5\r\nhello\r\nA;a;b=c;d="e \\" f" ; g = h\r\n0123456789\r\n000;z\r\nT-A: x \r\nt-b: y\r\n\r\n`,
    );
    assert.equal(m.body, "hello0123456789");
    assert.deepStrictEqual(m.trailers, [["T-A", "x"], ["t-b", "y"]]);
    assert.equal(one(`${post}0\r\n\r\n`).trailers, null);
    assert.equal(one(`${post}a \t;x\r\n0123456789\r\n0\r\n\r\n`).body, "0123456789");
  });

  it("rejects malformed chunk-size lines", () => {
    for (
      const line of [
        "",
        "x",
        "0x5",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1 x",
        "1;",
        "1; ",
        "1;a=",
        "1;a b",
        "1;a=b c",
        '1;a="b',
        '1;a="b"c',
        '1;a="\x01"',
        "1;a\x00",
        "1\x0b",
        "00000000000000001",
        "20000000000000",
        "fffffffffffffffff",
      ]
    ) rejects(`${post}${line}\r\nx\r\n0\r\n\r\n`, 400);
    rejects(`${post}1\nx\r\n0\r\n\r\n`, 400);
    rejects(`${post}1\r\rx\r\n0\r\n\r\n`, 400);
  });

  it("requires CRLF after chunk data and a last-chunk", () => {
    rejects(`${post}3\r\nabcd\r\n0\r\n\r\n`, 400);
    rejects(`${post}3\r\nabc\n0\r\n\r\n`, 400);
    rejects(`${post}3\r\nabc\r0\r\n\r\n`, 400);
    rejects(`${post}3\r\nabc\r\n\r\n`, 400);
  });

  it("bounds chunk extensions", () => {
    const limits = { maxChunkExtensionBytes: 16 };
    assert.equal(one(`${post}1;${"x".repeat(15)}\r\nA\r\n0\r\n\r\n`, limits).body, "A");
    rejects(`${post}1;${"x".repeat(16)}\r\nA\r\n0\r\n\r\n`, 400, limits);
    rejects(`${post}1;${"x".repeat(100)}`, 400, limits);
  });

  it("counts trailers against the header limits", () => {
    // Header section: 9 + 28 + 2 = 39 bytes; a trailer line may have 60 - 39 - 2 = 19.
    const head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    const limits = { maxHeaderBytes: 60 };
    const trailer = (n: number) => `${head}0\r\nT: ${"a".repeat(n)}\r\n\r\n`;
    assert.deepStrictEqual(one(trailer(14), limits).trailers, [["T", "a".repeat(14)]]);
    rejects(trailer(15), 431, limits);
    rejects(`${head}0\r\nT: 1\r\nT: 2\r\n\r\n`, 431, { maxHeaderCount: 3 });
    rejects(`${head}0\r\nT : 1\r\n\r\n`, 400);
    rejects(`${head}0\r\n T: 1\r\n\r\n`, 400);
  });

  it("answers 413 when the chunked body passes maxBodyBytes", () => {
    const limits = { maxBodyBytes: 10 };
    assert.equal(one(`${post}5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n`, limits).body.length, 10);
    const out = rejects(`${post}5\r\n01234\r\n6\r\n567890\r\n0\r\n\r\n`, 413, limits);
    assert.equal(out.messages[0]?.body, "01234");
  });
});

describe("connection management", () => {
  it("computes keep-alive", () => {
    assert.equal(one(`${GET}\r\n`).head.keepAlive, true);
    assert.equal(one(`${GET}Connection: close\r\n\r\n`).head.keepAlive, false);
    assert.equal(one(`${GET}Connection: Keep-Alive, CLOSE\r\n\r\n`).head.keepAlive, false);
    assert.equal(one("GET / HTTP/1.0\r\n\r\n").head.keepAlive, false);
    assert.equal(one("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").head.keepAlive, true);
    assert.equal(
      one("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n").head.keepAlive,
      false,
    );
  });

  it("parses pipelined requests in order", () => {
    const a = `POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc`;
    const b =
      `POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n`;
    const c = `GET /c HTTP/1.1\r\nHost: h\r\n\r\n`;
    const out = parse(a + b + c);
    assert.equal(out.error, null);
    assert.deepStrictEqual(out.messages.map((m) => [m.head.target, m.body, m.ended]), [
      ["/a", "abc", true],
      ["/b", "de", true],
      ["/c", "", true],
    ]);
    assert.equal(out.inMessage, false);
    assert.equal(out.buffered, 0);
  });

  it("never mixes up repeated or similar fields across pipelined requests", () => {
    // Same length, first, middle and last byte: same slot in the parser's string cache.
    const values = ["abcde", "axcde", "abcye", "abcde", "\xe4bc\xffe", "abcde"];
    const input = values.map((v) => `GET /${v.length} HTTP/1.1\r\nHost: h\r\nX-V: ${v}\r\n\r\n`);
    const out = parse(input.join(""));
    assert.deepStrictEqual(out.messages.map((m) => m.head.headers[1]?.[1]), values);
  });

  it("rejects data after a message that closes the connection", () => {
    const out = rejects(`${GET}Connection: close\r\n\r\n${GET}\r\n`, 400);
    assert.equal(out.messages.length, 1);
    rejects(`GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n`, 400);
    assert.equal(parse(`${GET}Connection: close\r\n\r\n\r\n`).error, null);
  });

  it("reports Upgrade only with Connection: upgrade on HTTP/1.1", () => {
    assert.equal(
      one(`${GET}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`).head.upgrade,
      "websocket",
    );
    assert.equal(
      one(`${GET}Connection: upgrade\r\nUpgrade: h2c\r\nUpgrade: x\r\n\r\n`).head.upgrade,
      "h2c, x",
    );
    assert.equal(one(`${GET}Upgrade: websocket\r\n\r\n`).head.upgrade, null);
    assert.equal(
      one(`GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n`).head.upgrade,
      null,
    );
  });

  it("hands the bytes after an Upgrade request over with takeRemaining()", () => {
    const p = new RequestParser();
    p.push(enc.encode(`${GET}Connection: upgrade\r\nUpgrade: h2c\r\n\r\nPRI * HTTP/2.0`));
    p.push(enc.encode("\r\n\r\nSM"));
    assert.equal(p.next()?.type, "head");
    assert.equal(p.next()?.type, "end");
    assert.equal(new TextDecoder().decode(p.takeRemaining()), "PRI * HTTP/2.0\r\n\r\nSM");
    assert.equal(p.buffered, 0);
    assert.equal(p.next(), null);
  });
});

describe("Expect", () => {
  it("reports 100-continue and answers 417 to anything else", () => {
    assert.equal(one(`${GET}Expect: 100-continue\r\n\r\n`).head.expectContinue, true);
    assert.equal(one(`${GET}Expect: 100-Continue\r\n\r\n`).head.expectContinue, true);
    assert.equal(one(`${GET}\r\n`).head.expectContinue, false);
    rejects(`${GET}Expect: 100-continue, x\r\n\r\n`, 417);
    rejects(`${GET}Expect: 200-ok\r\n\r\n`, 417);
    rejects(`${GET}Expect:\r\n\r\n`, 417);
    rejects(`${GET}Expect: 100-continue\r\nExpect: x\r\n\r\n`, 417);
  });

  it("ignores expectations on HTTP/1.0", () => {
    assert.equal(one("GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").head.expectContinue, false);
    assert.equal(one("GET / HTTP/1.0\r\nExpect: other\r\n\r\n").head.expectContinue, false);
  });
});

describe("streaming and buffering", () => {
  it("yields body bytes as they arrive, as subarrays of the input", () => {
    const p = new RequestParser();
    p.push(enc.encode(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc`));
    assert.equal(p.next()?.type, "head");
    const d = p.next();
    assert.ok(d?.type === "data");
    assert.equal(new TextDecoder().decode(d.data), "abc");
    assert.equal(p.next(), null);
    assert.equal(p.inMessage, true);
    const chunk = enc.encode("defghijXYZ");
    p.push(chunk);
    const d2 = p.next();
    assert.ok(d2?.type === "data");
    assert.equal(d2.data.buffer, chunk.buffer, "no copy");
    assert.equal(d2.data.byteOffset, 0);
    assert.equal(d2.data.length, 7);
    assert.deepStrictEqual(p.next(), { type: "end", trailers: null });
    assert.equal(p.inMessage, false);
    assert.equal(p.buffered, 3);
  });

  it("tracks buffered bytes without consuming ahead", () => {
    const p = new RequestParser();
    const msg = enc.encode(`${GET}\r\n`);
    for (let i = 0; i < 5; i++) p.push(msg);
    assert.equal(p.buffered, msg.length * 5);
    assert.equal(p.next()?.type, "head");
    assert.equal(p.next()?.type, "end");
    assert.equal(p.buffered, msg.length * 4);
    assert.equal(p.inMessage, false);
  });

  it("finish() rejects a truncated message but not a clean end", () => {
    assert.equal(parse(`${GET}\r\n`, undefined, true).error, null);
    assert.equal(parse(`${GET}\r\n\r\n`, undefined, true).error, null);
    for (
      const t of [
        "G",
        `${GET}`,
        `${GET}Content-Length: 3\r\n\r\nab`,
        `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n`,
      ]
    ) {
      const out = parse(t, undefined, true);
      assert.equal(out.error?.status, 400, t);
    }
    const p = new RequestParser();
    p.push(enc.encode(`${GET}Content-Length: 3\r\n\r\nab`));
    p.next();
    p.next();
    assert.throws(() => p.finish(), (e) => e instanceof HttpParseError && e.status === 400);
    assert.throws(() => p.next(), (e) => e instanceof HttpParseError && e.status === 400);
  });
});

describe("fuzz", () => {
  const limits: Http1Limits = {
    ...DEFAULT_HTTP1_LIMITS,
    maxRequestLineBytes: 64,
    maxHeaderBytes: 256,
    maxHeaderCount: 8,
    maxChunkExtensionBytes: 16,
    maxBodyBytes: 1000,
  };
  // The most a parser waiting for input may hold: one unfinished line.
  const bound = Math.max(limits.maxRequestLineBytes + 2, limits.maxHeaderBytes, 16 + 16 + 2);
  const STATUSES = new Set([400, 413, 414, 417, 431, 501, 505]);

  function check(pieces: Uint8Array[]): void {
    const p = new RequestParser(limits);
    try {
      for (const piece of pieces) {
        p.push(piece);
        for (let ev; (ev = p.next()) !== null;) {
          if (ev.type === "data") assert.ok(ev.data.length > 0);
        }
        assert.ok(p.buffered <= bound, `buffered ${p.buffered} > ${bound}`);
      }
    } catch (e) {
      if (!(e instanceof HttpParseError)) throw e;
      assert.ok(STATUSES.has(e.status), `status ${e.status}`);
    }
  }

  const seeds = [
    "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a="b"\r\nhello\r\n0\r\nT: v\r\n\r\n',
    "GET / HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n\r\n",
  ].map(bytes);

  it("only HttpParseError escapes and buffering stays bounded (random bytes)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 8 }), check),
      { numRuns: 400 },
    );
  });

  it("only HttpParseError escapes and buffering stays bounded (mutated requests)", () => {
    const alphabet = bytes('\r\n :;,\t"\\0aAzZ9-/HTP.\x00\x7f\xff');
    const mutated = fc.tuple(
      fc.constantFrom(...seeds),
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.nat({ max: alphabet.length - 1 }),
          fc.constantFrom("set", "ins", "del"),
        ),
        { maxLength: 6 },
      ),
      fc.array(fc.nat(), { maxLength: 4 }),
    ).map(([seed, edits, cuts]) => {
      const b = Array.from(seed);
      for (const [at, ch, op] of edits) {
        const i = b.length === 0 ? 0 : at % b.length;
        const v = alphabet[ch]!;
        if (op === "set") b[i] = v;
        else if (op === "ins") b.splice(i, 0, v);
        else b.splice(i, 1);
      }
      // Twice, to exercise pipelining.
      const all = new Uint8Array([...b, ...b]);
      const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((x, y) => x - y);
      const pieces: Uint8Array[] = [];
      let last = 0;
      for (const c of points) {
        pieces.push(all.subarray(last, c));
        last = c;
      }
      pieces.push(all.subarray(last));
      return pieces;
    });
    fc.assert(fc.property(mutated, check), { numRuns: 1500 });
  });

  it("gives the same result however valid requests are split", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.nat(), { maxLength: 5 }),
        (seed, cuts) => {
          const pieces: Uint8Array[] = [];
          let last = 0;
          for (
            const c of [...new Set(cuts.map((c) => c % (seed.length + 1)))].sort((a, b) => a - b)
          ) {
            pieces.push(seed.subarray(last, c));
            last = c;
          }
          pieces.push(seed.subarray(last));
          assert.deepStrictEqual(feed(pieces), feed([seed]));
        },
      ),
      { numRuns: 300 },
    );
  });
});
