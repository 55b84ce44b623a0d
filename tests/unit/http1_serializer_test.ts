/**
 * The HTTP/1.1 response serializer: every field of a head reaches its bytes,
 * including when a head repeats the previous one but for one field (the last
 * head's bytes are reused only for an identical head).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  encodeHead,
  encodeHeadAndBody,
  type ResponseHead,
} from "../../src/http1/core/serializer.ts";
import { latin1 } from "../support/live.ts";

const DATE = "Tue, 01 Dec 2026 00:00:00 GMT";
const base: ResponseHead = {
  status: 200,
  headers: [["content-type", "text/plain"]],
  framing: "length",
  contentLength: 5,
  keepAlive: true,
  http10: false,
  date: DATE,
};
const text = (h: ResponseHead) => latin1(encodeHead(h));

describe("http1 serializer", () => {
  it("writes the status line, fields, date and framing", () => {
    assert.equal(
      text(base),
      "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: " + DATE +
        "\r\ncontent-length: 5\r\n\r\n",
    );
    assert.equal(
      latin1(encodeHeadAndBody(base, "hello")),
      text(base) + "hello",
    );
  });

  const variants: Array<[string, Partial<ResponseHead>, RegExp]> = [
    ["status", { status: 404 }, /^HTTP\/1\.1 404 Not Found\r\n/],
    ["length", { contentLength: 7 }, /\r\ncontent-length: 7\r\n/],
    ["date", { date: "Wed, 02 Dec 2026 00:00:00 GMT" }, /\r\ndate: Wed, 02 Dec 2026/],
    ["framing", { framing: "chunked" }, /\r\ntransfer-encoding: chunked\r\n/],
    ["keep-alive", { keepAlive: false }, /\r\nconnection: close\r\n/],
    ["HTTP/1.0", { http10: true }, /\r\nconnection: keep-alive\r\n/],
    ["a field value", { headers: [["content-type", "text/html"]] }, /content-type: text\/html/],
    ["a field name", { headers: [["x-type", "text/plain"]] }, /\r\nx-type: text\/plain\r\n/],
    ["the field count", { headers: [] }, /^HTTP\/1\.1 200 OK\r\ndate: /],
  ];
  for (const [what, change, expected] of variants) {
    it(`a head that differs from the last one only in ${what} gets its own bytes`, () => {
      const before = text(base);
      const changed = text({ ...base, ...change });
      assert.match(changed, expected);
      assert.notEqual(changed, before);
      assert.equal(text(base), before, "and the first head's bytes come back after it");
      const body = latin1(encodeHeadAndBody({ ...base, ...change }, "hello"));
      assert.equal(body, changed + "hello");
    });
  }

  it("repeated heads are separate pieces", () => {
    const a = encodeHead(base);
    const b = encodeHead({ ...base, headers: [["content-type", "text/plain"]] });
    assert.deepEqual(a, b);
    a.fill(0);
    assert.equal(
      text(base).slice(0, 8),
      "HTTP/1.1",
      "a written-over piece does not change the next",
    );
    assert.notEqual(b[0], 0);
  });
});
