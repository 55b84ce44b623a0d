import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { H3Connection } from "../../src/http3/core/connection.ts";
import type { H3Action, H3Event } from "../../src/http3/core/events.ts";
import { encodeFrame, encodeIdFrame, encodeSettings } from "../../src/http3/core/frame_writer.ts";
import { encodeVarint } from "../../src/http3/core/varint.ts";
import { ControlState, controlStep } from "../../src/http3/core/control_rules.ts";
import { ReqState, requestStep } from "../../src/http3/core/request_rules.ts";
import { decodeStatic, encodeStatic, staticQpack } from "../support/qpack_static.ts";

const GET: Array<[string, string]> = [
  [":method", "GET"],
  [":scheme", "https"],
  [":authority", "localhost"],
  [":path", "/"],
];
const POST = (len?: number): Array<[string, string]> => [
  [":method", "POST"],
  [":scheme", "https"],
  [":authority", "localhost"],
  [":path", "/up"],
  ...(len === undefined ? [] : [["content-length", String(len)] as [string, string]]),
];

const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), o += p.length);
  return out;
};
const H = (fields: Array<[string, string]>) => encodeFrame(0x1, encodeStatic(fields));
const D = (s: string) => encodeFrame(0x0, new TextEncoder().encode(s));
const SETTINGS = encodeSettings([]);
const control = (...frames: Uint8Array[]) => cat(encodeVarint(0x0), ...frames);

function core(opts = {}) {
  const c = new H3Connection(staticQpack(), opts);
  c.start();
  c.takeActions();
  return c;
}
const types = (evs: H3Event[]) => evs.map((e) => e.type);
const closeOf = (acts: H3Action[]) => acts.find((a) => a.type === "close");

describe("http3 core: requests", () => {
  it("starts with a control stream carrying SETTINGS, and QPACK streams", () => {
    const c = new H3Connection(staticQpack());
    c.start();
    const a = c.takeActions();
    assert.deepEqual(a.map((x) => x.type === "uni" && x.stream), ["control", "encoder", "decoder"]);
    const ctl = a[0] as { bytes: Uint8Array };
    assert.equal(ctl.bytes[0], 0x00);
    assert.equal(ctl.bytes[1], 0x04);
  });
  it("turns HEADERS + DATA + trailers + FIN into events, whole and byte by byte", () => {
    const bytes = cat(H(POST(5)), D("he"), D("llo"), H([["x-sum", "1"]]));
    const want = ["request", "data", "data", "trailers", "end"];
    assert.deepEqual(types(core().receiveRequest(0, bytes, true)), want);
    const c = core();
    const evs: H3Event[] = [];
    for (let i = 0; i < bytes.length; i++) {
      evs.push(...c.receiveRequest(0, bytes.subarray(i, i + 1), i === bytes.length - 1));
    }
    const body = evs.filter((e) => e.type === "data").map((e) =>
      (e as { bytes: Uint8Array }).bytes
    );
    assert.equal(new TextDecoder().decode(cat(...body)), "hello");
    assert.deepEqual(types(evs).filter((t) => t !== "data"), ["request", "trailers", "end"]);
  });
  it("encodes a response HEADERS frame the client can decode", () => {
    const f = core().headersFrame(0, [[":status", "200"], ["x-a", "b"]]);
    assert.equal(f[0], 0x01);
    assert.deepEqual(decodeStatic(f.subarray(2)), [[":status", "200"], ["x-a", "b"]]);
  });
  it("answers a field section over maxFieldSectionSize with headers-too-large", () => {
    const c = core({ maxFieldSectionSize: 200 });
    const evs = c.receiveRequest(0, H([...GET, ["x-big", "a".repeat(300)]]), true);
    assert.equal(evs[0]?.type, "headers-too-large");
  });
  it("after GOAWAY rejects new request streams but finishes older ones", () => {
    const c = core();
    c.receiveRequest(0, H(GET), false);
    c.goAway();
    const goaway = c.takeActions().find((a) => a.type === "uni" && a.stream === "control");
    assert.deepEqual(goaway && [...(goaway as { bytes: Uint8Array }).bytes], [0x07, 0x01, 0x04]);
    assert.deepEqual(types(c.receiveRequest(4, H(GET), true)), ["rejected"]);
    assert.deepEqual(c.takeActions(), [{ type: "reset", id: 4, code: 0x10b }]);
    assert.deepEqual(types(c.receiveRequest(0, new Uint8Array(0), true)), ["end"]);
  });
});

// ---- bad orders, as tables: [name, bytes, fin, error code, scope]
type Bad = [string, Uint8Array, boolean, number, "stream" | "connection"];
const REQUEST_BAD: Bad[] = [
  ["DATA before HEADERS", D("x"), false, 0x105, "connection"],
  ["DATA after trailers", cat(H(POST()), H([["x", "1"]]), D("x")), false, 0x105, "connection"],
  [
    "HEADERS after trailers",
    cat(H(POST()), H([["x", "1"]]), H([["y", "1"]])),
    false,
    0x105,
    "connection",
  ],
  ["SETTINGS on a request stream", cat(H(GET), SETTINGS), false, 0x105, "connection"],
  ["GOAWAY on a request stream", cat(H(GET), encodeIdFrame(0x7, 0)), false, 0x105, "connection"],
  ["MAX_PUSH_ID on a request stream", encodeIdFrame(0xd, 0), false, 0x105, "connection"],
  [
    "PUSH_PROMISE from a client",
    encodeFrame(0x5, Uint8Array.of(0, 0, 0)),
    false,
    0x105,
    "connection",
  ],
  [
    "HTTP/2 PING type (0x6)",
    cat(H(GET), encodeFrame(0x6, new Uint8Array(8))),
    false,
    0x105,
    "connection",
  ],
  [
    "HTTP/2 WINDOW_UPDATE type (0x8)",
    encodeFrame(0x8, new Uint8Array(4)),
    false,
    0x105,
    "connection",
  ],
  ["FIN inside a frame", cat(H(GET), Uint8Array.of(0x00, 0x05, 0x61)), true, 0x106, "connection"],
  ["FIN before HEADERS", new Uint8Array(0), true, 0x10d, "stream"],
  ["FIN after only a grease frame", encodeFrame(0x21, new Uint8Array(3)), true, 0x10d, "stream"],
  ["a body longer than content-length", cat(H(POST(2)), D("abc")), false, 0x10e, "stream"],
  ["a body shorter than content-length", cat(H(POST(5)), D("abc")), true, 0x10e, "stream"],
  ["an uppercase field name", H([...GET, ["X-Up", "1"]]), false, 0x10e, "stream"],
  ["a connection-specific field", H([...GET, ["connection", "close"]]), false, 0x10e, "stream"],
  ["no :path", H(GET.slice(0, 3)), false, 0x10e, "stream"],
  ["a pseudo-header after a regular field", H([["x", "1"], ...GET]), false, 0x10e, "stream"],
  ["a pseudo-header in trailers", cat(H(POST()), H([[":path", "/"]])), false, 0x10e, "stream"],
];

describe("http3 core: request stream rules (RFC 9114 §4.1)", () => {
  for (const [name, bytes, fin, code, scope] of REQUEST_BAD) {
    it(`${name}: ${scope} error 0x${code.toString(16)}`, () => {
      const c = core();
      const evs = c.receiveRequest(0, bytes, fin);
      const err = evs.find((e) => e.type.endsWith("-error")) as
        | { type: string; code: number }
        | undefined;
      assert.equal(err?.type, `${scope}-error`);
      assert.equal(err?.code, code);
      const acts = c.takeActions();
      if (scope === "stream") {
        assert.deepEqual(acts, [{ type: "reset", id: 0, code }]);
        // The connection lives on: the next request is served.
        assert.deepEqual(types(c.receiveRequest(4, H(GET), true)), ["request", "end"]);
      } else {
        assert.equal(closeOf(acts)?.type, "close");
        assert.ok(c.closed);
        assert.deepEqual(c.receiveRequest(4, H(GET), true), []); // later input is dropped
      }
    });
  }
  it("every (state, input) pair not in the table is H3_FRAME_UNEXPECTED or incomplete", () => {
    const inputs = ["DATA", "HEADERS", "SETTINGS", "GOAWAY", "h2", "unknown", "FIN"] as const;
    for (const st of Object.values(ReqState)) {
      for (const i of inputs) {
        const r = requestStep(st, i);
        if ("error" in r) assert.ok([0x105, 0x10d].includes(r.error), `${st} ${i}`);
      }
    }
  });
});

const CONTROL_BAD: Array<[string, Uint8Array, boolean, number]> = [
  ["a first frame other than SETTINGS", control(encodeIdFrame(0x7, 0)), false, 0x10a],
  ["a grease frame before SETTINGS", control(encodeFrame(0x21, new Uint8Array(0))), false, 0x10a],
  ["a second SETTINGS", control(SETTINGS, SETTINGS), false, 0x105],
  ["DATA on the control stream", control(SETTINGS, D("x")), false, 0x105],
  ["HEADERS on the control stream", control(SETTINGS, H(GET)), false, 0x105],
  [
    "HTTP/2 PRIORITY type (0x2)",
    control(SETTINGS, encodeFrame(0x2, new Uint8Array(5))),
    false,
    0x105,
  ],
  ["the control stream's FIN", control(SETTINGS), true, 0x104],
  ["the control stream's FIN before SETTINGS", control(), true, 0x104],
  [
    "a GOAWAY id that increases",
    control(SETTINGS, encodeIdFrame(0x7, 4), encodeIdFrame(0x7, 8)),
    false,
    0x108,
  ],
  [
    "a MAX_PUSH_ID that decreases",
    control(SETTINGS, encodeIdFrame(0xd, 8), encodeIdFrame(0xd, 4)),
    false,
    0x108,
  ],
  ["CANCEL_PUSH beyond MAX_PUSH_ID", control(SETTINGS, encodeIdFrame(0x3, 1)), false, 0x108],
  [
    "a GOAWAY with a trailing byte",
    control(SETTINGS, encodeFrame(0x7, Uint8Array.of(0, 0))),
    false,
    0x106,
  ],
  ["an HTTP/2 setting", control(encodeSettings([[0x4, 10]])), false, 0x109],
];

describe("http3 core: control and unidirectional streams (RFC 9114 §6.2)", () => {
  for (const [name, bytes, fin, code] of CONTROL_BAD) {
    for (const split of ["whole", "byte by byte"]) {
      it(`${name} (${split}): connection error 0x${code.toString(16)}`, () => {
        const c = core();
        const evs: H3Event[] = [];
        if (split === "whole") evs.push(...c.receiveUni(2, bytes, fin));
        else {
          for (let i = 0; i < bytes.length; i++) {
            evs.push(...c.receiveUni(2, bytes.subarray(i, i + 1), fin && i === bytes.length - 1));
          }
          if (bytes.length === 0) evs.push(...c.receiveUni(2, bytes, fin));
        }
        const err = evs.find((e) => e.type === "connection-error") as { code: number } | undefined;
        assert.equal(err?.code, code);
        assert.equal(closeOf(c.takeActions())?.type, "close");
      });
    }
  }
  it("a second control stream is H3_STREAM_CREATION_ERROR", () => {
    const c = core();
    c.receiveUni(2, control(SETTINGS), false);
    const evs = c.receiveUni(6, control(SETTINGS), false);
    assert.equal((evs[0] as { code: number }).code, 0x103);
  });
  it("a push stream from a client is H3_STREAM_CREATION_ERROR", () => {
    const evs = core().receiveUni(2, encodeVarint(0x1), false);
    assert.equal((evs[0] as { code: number }).code, 0x103);
  });
  it("an unknown stream type gets STOP_SENDING and is otherwise ignored", () => {
    const c = core();
    assert.deepEqual(c.receiveUni(2, cat(encodeVarint(0x21), new Uint8Array(10)), true), []);
    assert.deepEqual(c.takeActions(), [{ type: "stop", id: 2, code: 0x103 }]);
    assert.ok(!c.closed);
  });
  it("the QPACK encoder stream's end is H3_CLOSED_CRITICAL_STREAM", () => {
    const evs = core().receiveUni(6, encodeVarint(0x2), true);
    assert.equal((evs[0] as { code: number }).code, 0x104);
  });
  it("a reset control stream is H3_CLOSED_CRITICAL_STREAM", () => {
    const c = core();
    c.receiveUni(2, control(SETTINGS), false);
    assert.equal((c.peerResetUni(2)[0] as { code: number }).code, 0x104);
  });
  it("the table's missing pairs: MISSING_SETTINGS first, FRAME_UNEXPECTED after", () => {
    for (const cls of ["DATA", "HEADERS", "GOAWAY", "h2", "unknown"] as const) {
      const r = controlStep(ControlState.AWAIT_SETTINGS, cls);
      assert.ok("error" in r && r.error === 0x10a, cls);
    }
    for (const cls of ["DATA", "HEADERS", "SETTINGS", "PUSH_PROMISE", "h2"] as const) {
      const r = controlStep(ControlState.OPEN, cls);
      assert.ok("error" in r && r.error === 0x105, cls);
    }
  });
  it("the peer's GOAWAY is an event", () => {
    const evs = core().receiveUni(2, control(SETTINGS, encodeIdFrame(0x7, 0)), false);
    assert.deepEqual(evs, [{ type: "goaway", id: 0 }]);
  });
});

describe("http3 core: floods, answered as their HTTP/2 equivalents", () => {
  it("a control-frame flood (grease frames) is H3_EXCESSIVE_LOAD", () => {
    const c = core({ uselessFrameBurst: 50 });
    const grease = encodeFrame(0x21, new Uint8Array(0));
    let evs = c.receiveUni(2, control(SETTINGS), false);
    for (let i = 0; i < 60 && evs.length === 0; i++) evs = c.receiveUni(2, grease, false);
    assert.equal((evs[0] as { code: number }).code, 0x107);
  });
  it("a flood of unknown unidirectional streams is H3_EXCESSIVE_LOAD", () => {
    const c = core({ uselessFrameBurst: 20 });
    let evs: H3Event[] = [];
    for (let i = 0; i < 30 && evs.length === 0; i++) {
      evs = c.receiveUni(2 + 4 * i, encodeVarint(0x21), true);
    }
    assert.equal((evs[0] as { code: number }).code, 0x107);
  });
  it("rapid reset (streams opened then reset) is H3_EXCESSIVE_LOAD", () => {
    const c = core({ resetBurst: 10 });
    let evs: H3Event[] = [];
    for (let i = 0; i < 20 && evs.length === 0; i++) {
      c.receiveRequest(4 * i, H(GET), false);
      evs = c.peerReset(4 * i);
    }
    assert.equal((evs[0] as { code: number }).code, 0x107);
  });
  it("stream errors we are made to send spend the same budget", () => {
    const c = core({ resetBurst: 5 });
    let closed = false;
    for (let i = 0; i < 10 && !closed; i++) {
      const evs = c.receiveRequest(4 * i, new Uint8Array(0), true);
      closed = evs.some((e) => e.type === "connection-error");
    }
    assert.ok(closed);
  });
  it("a HEADERS frame over maxHeaderBlockSize is refused before it is buffered", () => {
    const c = core({ maxHeaderBlockSize: 1000 });
    const evs = c.receiveRequest(0, Uint8Array.of(0x01, 0x80, 0x10, 0x00, 0x00), false);
    assert.equal((evs[0] as { code: number }).code, 0x107);
  });
});

describe("H3Connection: the client's SETTINGS_MAX_FIELD_SECTION_SIZE", () => {
  const fields: Array<[string, string]> = [["x-a", "1234567"]]; // 3 + 7 + 32 = 42 (RFC 9114 §4.2.2)
  it("unlimited until the client's SETTINGS", () => {
    assert.equal(core().fieldSectionFits([["x-big", "v".repeat(100_000)]]), true);
  });
  for (const [limit, fits] of [[41, false], [42, true], [43, true]] as const) {
    it(`a 42-byte section against a limit of ${limit}: ${fits ? "sent" : "held back"}`, () => {
      const c = core();
      c.receiveUni(2, control(encodeSettings([[0x6, limit]])), false);
      assert.equal(c.fieldSectionFits(fields), fits);
    });
  }
  it("the close carries the code it is given (a cut-off response's H3 code)", () => {
    const c = core();
    c.takeActions();
    c.close("cut off", 0x102);
    assert.deepEqual(closeOf(c.takeActions()), { type: "close", code: 0x102, reason: "cut off" });
  });
});
