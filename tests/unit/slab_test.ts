// Slab pieces: never shared, never overlapping, and the byte-string helpers.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { slabBytes } from "../../src/bytes/slab.ts";
import { isAscii, isShortAscii, putAscii } from "../../src/bytes/ascii.ts";
import { putLatin1 } from "../../src/bytes/latin1.ts";

describe("slab", () => {
  it("hands out pieces that never overlap, across slab boundaries", () => {
    const pieces: Uint8Array[] = [];
    // About three slabs' worth of odd sizes.
    for (let i = 0; i < 600; i++) {
      const p = slabBytes(1 + ((i * 131) % 700));
      p.fill(i & 0xff);
      pieces.push(p);
    }
    pieces.forEach((p, i) => assert.ok(p.every((b) => b === (i & 0xff)), `piece ${i} intact`));
  });

  it("gives large pieces a buffer of their own", () => {
    const p = slabBytes(100_000);
    assert.equal(p.byteLength, 100_000);
    assert.equal(p.buffer.byteLength, 100_000);
  });

  it("writes byte strings one char per byte", () => {
    const out = new Uint8Array(8);
    assert.equal(putLatin1(out, 2, "a\u00e9\u00ff"), 5);
    assert.deepEqual([...out], [0, 0, 0x61, 0xe9, 0xff, 0, 0, 0]);
  });

  it("tells short ASCII strings from others", () => {
    assert.equal(isShortAscii("Hello, World!\r\n\x00\x7f"), true);
    assert.equal(isShortAscii("caf\u00e9"), false);
    assert.equal(isShortAscii("\u2713"), false);
    assert.equal(isShortAscii("a".repeat(20_000)), false, "long strings are not scanned");
  });

  it("writes ASCII strings one char per byte, and only within their length", () => {
    const out = new Uint8Array(8).fill(7);
    assert.equal(putAscii(out, 2, "abc"), 5);
    assert.deepEqual([...out], [7, 7, 0x61, 0x62, 0x63, 7, 7, 7]);
  });

  it("tells long ASCII strings from others by a probe, wherever the odd char is", () => {
    const long = "abc".repeat(30_000); // 90,000 chars
    assert.equal(isAscii(long), true);
    assert.equal(isAscii(long + "\u00e9"), false, "at the end");
    assert.equal(isAscii("\u00e9" + long), false, "at the start");
    assert.equal(isAscii(long.slice(0, 45_000) + "\u2713" + long.slice(45_000)), false);
    assert.equal(isAscii(long.slice(0, 2000) + "\ud83d\ude00"), false, "a surrogate pair");
    assert.equal(isAscii("\u00ff".repeat(5000)), false, "a byte string is not ASCII");
    assert.equal(isAscii("x".repeat(2 * 1024 * 1024)), false, "past 1 MiB: not probed");
    assert.equal(isAscii("short"), true);
    assert.equal(isAscii(long), true, "again, after others");
  });
});
