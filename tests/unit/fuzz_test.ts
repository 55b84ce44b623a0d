// Property fuzzing of every input path, beyond the per-module fuzz
// tests: structure-aware mutations of valid inputs (frames inserted, dropped,
// duplicated, reordered, flags and stream ids changed; request bytes spliced)
// delivered in random chunks, checked for the error types that may escape,
// consistent state after errors, and allocation within the configured limits.
//
// CI runs a bounded number of cases; `FUZZ_RUNS=100000 deno test -A
// tests/unit/fuzz_test.ts` (the "fuzz" task) runs a long campaign.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { HttpParseError, type ParserEvent, RequestParser } from "../../src/http1/core/parser.ts";
import { DEFAULT_HTTP1_LIMITS } from "../../src/http1/core/limits.ts";
import {
  CompressionError,
  Decoder,
  Encoder,
  HeaderListTooLargeError,
} from "../../src/http2/core/hpack/mod.ts";
import {
  ConnectionError,
  ConnState,
  ErrorCode,
  FrameDecoder,
  FrameType,
  H2Connection,
  StreamError,
} from "../../src/http2/core/mod.ts";
import { concat } from "../support/common.ts";
import {
  continuation,
  data,
  getRequest,
  goaway,
  headers,
  ping,
  postRequest,
  preface,
  priority,
  rawFrame,
  rst,
  settings,
  settingsAck,
  windowUpdate,
} from "../support/http2_frames.ts";

/** Cases per property: small in CI, FUZZ_RUNS for a long run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? "") || 1000;
const params = { numRuns: RUNS };

/** Splits bytes at the given cut points (fractions of the length). */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of at) {
    if (c > prev) out.push(bytes.slice(prev, c));
    prev = Math.max(prev, c);
  }
  out.push(bytes.slice(prev));
  return out;
}

/** Byte-level mutations: overwrite, insert, delete, duplicate a range. */
type Mutation = [kind: number, pos: number, len: number, byte: number];
const mutation = fc.tuple(
  fc.integer({ min: 0, max: 3 }),
  fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  fc.integer({ min: 1, max: 16 }),
  fc.integer({ min: 0, max: 255 }),
);

function mutate(src: Uint8Array, muts: Mutation[]): Uint8Array {
  let b = Array.from(src);
  for (const [kind, p, len, byte] of muts) {
    const i = Math.floor(p * (b.length + 1));
    if (kind === 0 && i < b.length) b[i] = byte;
    else if (kind === 1) b.splice(i, 0, ...new Array(len).fill(byte));
    else if (kind === 2) b.splice(i, len);
    else b = [...b.slice(0, i), ...b.slice(i, i + len), ...b.slice(i)];
  }
  return new Uint8Array(b);
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 parser

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const fieldValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
interface Req {
  method: string;
  path: string;
  fields: Array<[string, string]>;
  body: Uint8Array;
  chunked: boolean;
}
const reqArb: fc.Arbitrary<Req> = fc.record({
  method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
  path: fc.stringMatching(/^\/[a-z0-9/._~-]{0,20}$/),
  fields: fc.array(
    fc.tuple(token, fieldValue).filter(([n]) =>
      !/^(host|content-length|transfer-encoding|connection|expect|upgrade|te)$/i.test(n)
    ),
    { maxLength: 6 },
  ),
  body: fc.uint8Array({ maxLength: 64 }),
  chunked: fc.boolean(),
});

function wireOf(r: Req): Uint8Array {
  let head = `${r.method} ${r.path} HTTP/1.1\r\nHost: fuzz\r\n`;
  for (const [n, v] of r.fields) head += `${n}: ${v}\r\n`;
  const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  if (r.chunked) {
    head += "Transfer-Encoding: chunked\r\n\r\n";
    const size = r.body.length.toString(16);
    const body = r.body.length > 0
      ? concat(enc(`${size};ext=1\r\n`), r.body, enc("\r\n0\r\n\r\n"))
      : enc("0\r\n\r\n");
    return concat(enc(head), body);
  }
  head += `Content-Length: ${r.body.length}\r\n\r\n`;
  return concat(enc(head), r.body);
}

/** Feeds chunks; returns the events, or the error. Only HttpParseError may escape. */
function parseAll(chunks: Uint8Array[]): { events: ParserEvent[]; error: HttpParseError | null } {
  const p = new RequestParser();
  const events: ParserEvent[] = [];
  const L = DEFAULT_HTTP1_LIMITS;
  // What the parser may hold while waiting: a head at its limits, a chunk-size line, a CRLF.
  const bound = L.maxRequestLineBytes + L.maxHeaderBytes + L.maxChunkExtensionBytes + 64;
  try {
    for (const c of chunks) {
      p.push(c);
      for (let ev = p.next(); ev !== null; ev = p.next()) {
        events.push(ev.type === "data" ? { type: "data", data: ev.data.slice() } : ev);
      }
      assert.ok(p.buffered <= bound + c.length, `parser holds ${p.buffered} bytes`);
    }
    return { events, error: null };
  } catch (e) {
    if (!(e instanceof HttpParseError)) throw e;
    assert.ok([400, 413, 414, 417, 431, 501, 505].includes(e.status), `status ${e.status}`);
    // Dead for good: the same error, deterministically, whatever comes next.
    p.push(new Uint8Array([0x47, 0x45, 0x54, 0x20]));
    assert.throws(() => p.next(), (x) => x === e);
    return { events, error: e };
  }
}

describe("fuzz: HTTP/1.1 parser", () => {
  it("valid pipelined requests in random chunks parse exactly", () => {
    fc.assert(
      fc.property(
        fc.array(reqArb, { minLength: 1, maxLength: 5 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
        (reqs, cuts) => {
          const { events, error } = parseAll(chunked(concat(...reqs.map(wireOf)), cuts));
          assert.equal(error, null, error?.message ?? "");
          let i = -1;
          let body: Uint8Array[] = [];
          for (const ev of events) {
            if (ev.type === "head") {
              i++;
              body = [];
              assert.equal(ev.head.method, reqs[i]!.method);
              assert.equal(ev.head.target, reqs[i]!.path);
            } else if (ev.type === "data") body.push(ev.data);
            else assert.deepEqual(concat(...body), reqs[i]!.body);
          }
          assert.equal(i, reqs.length - 1);
        },
      ),
      params,
    );
  });

  it("mutated requests: only HttpParseError, bounded buffering; a clean request after a clean prefix still parses", () => {
    fc.assert(
      fc.property(
        fc.array(reqArb, { minLength: 1, maxLength: 3 }),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        reqArb,
        (reqs, muts, cuts, after) => {
          const wire = mutate(concat(...reqs.map(wireOf)), muts);
          parseAll(chunked(wire, cuts));
          // State does not leak between parsers: a fresh one still parses a valid request.
          const r = parseAll([wireOf(after)]);
          assert.equal(r.error, null);
        },
      ),
      params,
    );
  });

  it("random bytes with valid heads between: no other error type, no unbounded buffer", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 200 }), reqArb.map(wireOf)), {
          maxLength: 6,
        }),
        (parts) => {
          parseAll(parts);
        },
      ),
      params,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// HPACK decoder

const fieldArb = fc.tuple(
  fc.stringMatching(/^[a-z0-9-]{1,16}$/),
  fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, "x").trim()),
);

describe("fuzz: HPACK decoder", () => {
  it("mutated blocks: only CompressionError/HeaderListTooLargeError; lists and table within limits", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fieldArb, { maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (lists, muts) => {
          const enc = new Encoder();
          const dec = new Decoder({ maxTableSize: 4096, maxHeaderListSize: 1024, maxFields: 10 });
          for (const list of lists) {
            const block = mutate(enc.encode(list), muts);
            try {
              const out = dec.decode(block);
              let size = 0;
              for (const [n, v] of out) size += n.length + v.length + 32;
              assert.ok(size <= 1024 && out.length <= 10);
            } catch (e) {
              if (!(e instanceof CompressionError || e instanceof HeaderListTooLargeError)) throw e;
              if (e instanceof CompressionError) return; // the connection is over
            }
            assert.ok(dec.table.size <= 4096);
          }
        },
      ),
      params,
    );
  });

  it("after HeaderListTooLargeError the table stays in sync with the encoder", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fieldArb, { maxLength: 20 }), { minLength: 2, maxLength: 8 }),
        (lists) => {
          const enc = new Encoder();
          const dec = new Decoder({ maxTableSize: 4096, maxHeaderListSize: 300, maxFields: 6 });
          for (const list of lists) {
            const block = enc.encode(list);
            let size = 0;
            for (const [n, v] of list) size += n.length + v.length + 32;
            try {
              assert.deepEqual(dec.decode(block), list.map(([n, v]) => [n, v]));
              assert.ok(size <= 300 && list.length <= 6);
            } catch (e) {
              if (!(e instanceof HeaderListTooLargeError)) throw e;
              assert.ok(size > 300 || list.length > 6);
            }
          }
        },
      ),
      params,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Frame decoder and the whole HTTP/2 connection

/** A valid-looking frame from a small vocabulary, for structure-aware conversations. */
const frameArb: fc.Arbitrary<Uint8Array> = fc.integer({ min: 1, max: 9 }).chain((sid) => {
  const id = sid * 2 - 1;
  return fc.oneof(
    fc.constant(headers(id, getRequest(`/s${id}`), { endStream: true })),
    fc.constant(headers(id, postRequest(`/p${id}`))),
    fc.constant(headers(id, getRequest("/c"), { endHeaders: false })),
    fc.constant(continuation(id, new Uint8Array([0x82]), true)),
    fc.uint8Array({ maxLength: 40 }).map((d) => data(id, d, { endStream: d.length % 2 === 0 })),
    fc.constant(rst(id, ErrorCode.CANCEL)),
    fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 70000 })).map(([c, n]) =>
      windowUpdate(c ? 0 : id, n)
    ),
    fc.constant(priority(id, 0)),
    fc.constant(ping()),
    fc.constant(settings([[4, 65535], [1, 4096]])),
    fc.constant(settingsAck()),
    fc.constant(goaway(0, 0)),
    fc.uint8Array({ maxLength: 20 }).map((p) => rawFrame(0xfa, 0, id, p)),
  );
});

/** Frame-level edits of a conversation: drop, duplicate, swap, corrupt a header byte. */
const frameEdit = fc.tuple(
  fc.integer({ min: 0, max: 3 }),
  fc.nat(),
  fc.nat(),
  fc.integer({ min: 0, max: 255 }),
);

function editFrames(frames: Uint8Array[], edits: Array<[number, number, number, number]>) {
  const f = frames.slice();
  for (const [kind, a, b, byte] of edits) {
    if (f.length === 0) break;
    const i = a % f.length;
    if (kind === 0) f.splice(i, 1);
    else if (kind === 1) f.splice(i, 0, f[i]!);
    else if (kind === 2) [f[i], f[b % f.length]] = [f[b % f.length]!, f[i]!];
    else {
      const c = f[i]!.slice();
      c[b % Math.min(c.length, 9)] = byte; // length, type, flags or stream id
      f[i] = c;
    }
  }
  return f;
}

describe("fuzz: frame decoder", () => {
  it("edited frame sequences: only ConnectionError/StreamError; never holds more than a frame", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 12 }),
        fc.array(frameEdit, { maxLength: 4 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        (frames, edits, cuts) => {
          const d = new FrameDecoder(16384);
          for (const c of chunked(concat(...editFrames(frames, edits)), cuts)) {
            d.push(c);
            for (;;) {
              try {
                const f = d.next();
                if (f === null) break;
                assert.ok(f.type in FrameType || f.type === FrameType.UNKNOWN);
              } catch (e) {
                if (e instanceof StreamError) continue; // the frame is skipped
                if (e instanceof ConnectionError) return;
                throw e;
              }
            }
            assert.ok(d.buffered <= 16384 + 9 + c.length);
          }
        },
      ),
      params,
    );
  });
});

describe("fuzz: HTTP/2 connection", () => {
  it("edited conversations in random chunks, with the application answering: invariants hold", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 16 }),
        fc.array(frameEdit, { maxLength: 4 }),
        fc.array(mutation, { maxLength: 2 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 16 }),
        (frames, edits, muts, cuts, actions) => {
          const max = 3;
          const conn = new H2Connection({ maxConcurrentStreams: max, maxHeaderListSize: 2048 });
          conn.initiate();
          const wire = mutate(
            concat(preface(), settings(), settingsAck(), ...editFrames(frames, edits)),
            muts.map(([k, p, l, b]) => [k, 0.25 + p * 0.75, l, b] as Mutation),
          );
          const open = new Set<number>();
          let act = 0;
          let closedAt = -1;
          const parts = chunked(wire, cuts);
          for (let ci = 0; ci < parts.length; ci++) {
            const events = conn.receive(parts[ci]!); // must never throw
            for (const ev of events) {
              if (ev.type === "request" || ev.type === "headers-too-large") open.add(ev.streamId);
              if (ev.type === "stream-reset" || ev.type === "stream-closed") {
                open.delete(ev.streamId);
              }
              if (ev.type === "connection-error") closedAt = ci;
            }
            assert.ok(conn.openStreams <= max, `${conn.openStreams} streams open`);
            // The application answers, resets or streams on whatever is open.
            for (const id of [...open]) {
              const a = actions[act++ % Math.max(1, actions.length)] ?? 0;
              try {
                if (a === 0) conn.sendHeaders(id, [[":status", "200"]], true);
                else if (a === 1) {
                  conn.sendHeaders(id, [[":status", "200"]], false);
                  conn.sendData(id, new Uint8Array(100), true);
                } else if (a === 2) conn.resetStream(id, ErrorCode.CANCEL);
                else conn.ping();
              } catch (e) {
                // API misuse on a stream we already answered is the only allowed throw.
                assert.ok(e instanceof Error && /already ended|HEADERS after DATA/.test(e.message));
              }
              if (a !== 3) open.delete(id);
            }
            const out = conn.takeOutput();
            if (closedAt >= 0) {
              assert.equal(conn.state, ConnState.CLOSED);
              assert.ok(conn.closed);
              if (closedAt === ci) {
                // The last frame of a connection error is our GOAWAY.
                assert.ok(out !== null);
                const dec = new FrameDecoder(1 << 24);
                dec.push(out);
                let last = null;
                for (let f = dec.next(); f !== null; f = dec.next()) last = f;
                assert.equal(last?.type, FrameType.GOAWAY);
              } else {
                // Closed is final: input is refused, nothing more is produced.
                assert.equal(out, null);
              }
            }
          }
          if (closedAt >= 0) assert.deepEqual(conn.receive(concat(ping(), ping())), []);
        },
      ),
      params,
    );
  });

  it("random bytes after the preface: receive() never throws; CLOSED is absorbing", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const conn = new H2Connection({ maxConcurrentStreams: 2 });
        conn.receive(concat(preface(), settings()));
        let closed = false;
        for (const c of chunks) {
          const ev = conn.receive(c);
          if (closed) assert.deepEqual(ev, []);
          closed ||= conn.state === ConnState.CLOSED;
          assert.ok(conn.openStreams <= 2);
          conn.takeOutput();
        }
      }),
      params,
    );
  });
});
