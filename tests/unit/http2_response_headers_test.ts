import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { responseHeaders } from "../../src/http2/server/request_parts.ts";

const D1 = "Mon, 30 Nov 2026 00:00:00 GMT";
const D2 = "Mon, 30 Nov 2026 00:00:01 GMT";

describe("responseHeaders", () => {
  it("content-length for every length, made once or not, and the date as given", () => {
    for (const n of [0, 1, 13, 4095, 4096, 65536, 1e9, 13]) {
      const date = n % 2 === 0 ? D1 : D2;
      assert.deepEqual(responseHeaders(200, [["content-type", "text/plain"]], n, date), [
        [":status", "200"],
        ["content-type", "text/plain"],
        ["content-length", String(n)],
        ["date", date],
      ]);
    }
  });

  it("no content-length for an unknown length or a bodyless status; the handler's date is kept", () => {
    assert.deepEqual(responseHeaders(204, [["date", D2]], 0, D1), [[":status", "204"], [
      "date",
      D2,
    ]]);
    assert.deepEqual(responseHeaders(200, [["connection", "close"]], -1, D1), [
      [":status", "200"],
      ["date", D1],
    ]);
  });
});
