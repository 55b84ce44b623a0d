/**
 * Runs llhttp's request corpus (tests/fixtures/conformance/llhttp/request/*.md) against our parser.
 *
 * Every case whose meta type is exactly "request" runs (the `request-lenient-*`, `-finish` and
 * other types are llhttp leniency switches and are skipped). Inputs are built the way llhttp's
 * test/md-test.ts builds them. Expected results come from the `log` block: what llhttp rejects
 * we must reject with an HttpParseError; what it accepts we must parse to the same method,
 * target, version, fields, body bytes, trailers and number of messages.
 *
 * Cases are compared with `requireHost: false`, because llhttp does not check Host and most of
 * the corpus is HTTP/1.1 without one. Separately, every such case is run with the defaults and
 * must then be rejected with 400 for the missing Host (RFC 9112 §3.2); that set is listed in
 * HOST_REQUIRED. Deliberate deviations are listed in DEVIATIONS (and tests/llhttp_deviations.md);
 * a listed case that stops deviating fails the test, so both tables stay honest.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type Http1Limits,
  HttpParseError,
  type ParserEvent,
  RequestParser,
} from "../../src/http1/core/parser.ts";

const CORPUS = new URL("../fixtures/conformance/llhttp/request/", import.meta.url);

/** How our result differs from llhttp's, for a listed deviation. */
type Kind = "we-reject" | "we-accept" | "differs";

/** Deliberate deviations: "file#heading" → [kind, reason]. Keep in sync with the .md table. */
const DEVIATIONS = new Map<string, [Kind, string]>([
  [
    "invalid.md#HTTP protocol and ANNOUNCE method",
    ["we-accept", "RFC 9110 §9.1: a method is any token; llhttp has a fixed method list"],
  ],
  [
    "invalid.md#Invalid method",
    ["we-accept", "RFC 9110 §9.1: MKCOLA is a valid token method; llhttp has a fixed list"],
  ],
  [
    "method.md#SOURCE request with ICE",
    ["we-reject", "ICE/1.0 is not HTTP; only HTTP/1.0 and HTTP/1.1 are accepted"],
  ],
  [
    "method.md#OPTIONS request with RTSP",
    ["we-reject", "RTSP/1.0 is not HTTP; only HTTP/1.0 and HTTP/1.1 are accepted"],
  ],
  [
    "method.md#ANNOUNCE request with RTSP",
    ["we-reject", "RTSP/1.0 is not HTTP; only HTTP/1.0 and HTTP/1.1 are accepted"],
  ],
  [
    "method.md#M-SEARCH request",
    ["we-reject", "RFC 9112 §3.2.4: asterisk-form is only for OPTIONS (SSDP is HTTPU over UDP)"],
  ],
  [
    "sample.md#No HTTP version",
    ["we-reject", "HTTP/0.9 simple requests are not supported (RFC 9112 §3 needs a version)"],
  ],
  [
    "transfer-encoding.md#POST with `chunked` as last transfer-encoding",
    ["we-reject", "RFC 9112 §6.1: 501 for a transfer coding we do not implement (deflate)"],
  ],
  [
    "transfer-encoding.md#POST with `chunked` as last transfer-encoding (multiple headers)",
    ["we-reject", "RFC 9112 §6.1: 501 for a transfer coding we do not implement (deflate)"],
  ],
  [
    "content-length.md#Content-Length reset when no body is received",
    ["differs", "skipBody is an llhttp callback (skip a declared body); requests always have it"],
  ],
]);

/**
 * HTTP/1.1 cases llhttp accepts without a Host field. With the default limits we answer them
 * 400 (RFC 9112 §3.2 MUST); they are otherwise compared with `requireHost: false`.
 */
const HOST_REQUIRED = new Set<string>([
  "connection.md#Setting flag",
  "connection.md#Restarting when keep-alive is explicitly",
  "connection.md#Setting flag on `close`",
  "connection.md#Setting flag on `close` followed by tab",
  "connection.md#Sample",
  "connection.md#Multiple tokens with folding and LWS",
  "connection.md#Setting a flag and pausing",
  "connection.md#Emitting part of body and pausing",
  "content-length.md#`Content-Length` with zeroes",
  "content-length.md#`Content-Length` with follow-up headers",
  "content-length.md#Spaces in `Content-Length` (surrounding)",
  "content-length.md#Content-Length reset when no body is received",
  "content-length.md#Tabs in `Content-Length` (surrounding)",
  "invalid.md#Invalid method",
  "method.md#REPORT request",
  "pausing.md#on_message_begin",
  "pausing.md#on_message_complete",
  "pausing.md#on_protocol_complete",
  "pausing.md#on_method_complete",
  "pausing.md#on_url_complete",
  "pausing.md#on_version_complete",
  "pausing.md#on_header_field_complete",
  "pausing.md#on_header_value_complete",
  "pausing.md#on_headers_complete",
  "pausing.md#on_chunk_header",
  "pausing.md#on_chunk_extension_name",
  "pausing.md#on_chunk_extension_value",
  "pausing.md#on_chunk_complete",
  "pipelining.md#Should parse multiple events",
  "sample.md#Simple request",
  "sample.md#Request with method starting with `H`",
  "sample.md#DUMBPACK",
  "sample.md#No headers and no body",
  "sample.md#One header and no body",
  "sample.md#Prefix newline",
  "sample.md#Request starting with CRLF",
  "sample.md#Extended Characters",
  "sample.md#255 ASCII in header value",
  "transfer-encoding.md#Parsing and setting flag",
  "transfer-encoding.md#Parse chunks with lowercase size",
  "transfer-encoding.md#Parse chunks with uppercase size",
  "transfer-encoding.md#POST with `Transfer-Encoding: chunked`",
  "transfer-encoding.md#Two chunks and triple zero prefixed end chunk",
  "transfer-encoding.md#Trailing headers",
  "transfer-encoding.md#Chunk extensions",
  "transfer-encoding.md#Chunk extensions quoting",
  "uri.md#Quotes in URI",
  "uri.md#Query URL with question mark",
  "uri.md#Host terminated by a query string",
  "uri.md#`host:port` terminated by a query string",
  "uri.md#Query URL with vertical bar character",
  "uri.md#`host:port` terminated by a space",
  "uri.md#Fragment in URI",
  "uri.md#`host:port` and basic auth",
]);

/** One corpus case. */
interface Case {
  key: string;
  input: Uint8Array;
  expected: Expected;
}

/** A message as reported by llhttp's log, or by our events (strings hold raw bytes, latin1). */
interface Msg {
  method: string;
  target: string;
  version: string;
  headers: Array<[string, string]>;
  body: string;
  trailers: Array<[string, string]>;
  headComplete: boolean;
  complete: boolean;
}

/** What llhttp did with a case. */
interface Expected {
  messages: Msg[];
  /** "error": rejected; "upgrade": stopped after an Upgrade/CONNECT; "h2": stopped at PRI. */
  end: "ok" | "error" | "upgrade" | "h2";
  reason: string;
}

/** Our result for a case. */
interface Actual {
  messages: Msg[];
  error: HttpParseError | null;
  upgraded: boolean;
}

const utf8 = new TextEncoder();

function bytesToLatin1(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/** Turn an `http` block into bytes exactly as llhttp's md-test.ts does. */
function buildInput(block: string): Uint8Array {
  let s = block.replace(/\\(\r\n|\r|\n)/g, "");
  s = s.replace(/\r\n|\r|\n/g, "\r\n");
  s = s.replace(/\\r/g, "\r").replace(/\\n/g, "\n").replace(/\\t/g, "\t").replace(/\\f/g, "\f");
  s = s.replace(/\\x([0-9a-fA-F]+)/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  s = s.replace(/\\([0-7]{1,3})/g, (_, oct) => String.fromCharCode(parseInt(oct, 8)));
  assert.ok(!/\$\{/.test(s), "inline JavaScript in corpus input is not supported");
  return utf8.encode(s);
}

const SPAN = /^off=\d+ len=\d+ span\[([a-z_]+)\]="(.*)"$/;

/** Read the llhttp callback log into messages. */
function parseLog(lines: string[]): Expected {
  const messages: Msg[] = [];
  let m: Msg | null = null;
  let field = "";
  let value = "";
  let inTrailers = false;
  let end: Expected["end"] = "ok";
  let reason = "";
  for (const raw of lines) {
    const line = raw.replace(/\\t/g, "\t").replace(/\\f/g, "\f");
    const rest = line.replace(/^off=\d+ /, "");
    const span = SPAN.exec(line);
    if (rest === "message begin") {
      m = {
        method: "",
        target: "",
        version: "",
        headers: [],
        body: "",
        trailers: [],
        headComplete: false,
        complete: false,
      };
      messages.push(m);
      inTrailers = false;
      field = value = "";
      continue;
    }
    if (m === null) throw new Error(`log line before message begin: ${line}`);
    // Span text is the raw input bytes printed as UTF-8; compare as bytes.
    const text = span ? bytesToLatin1(utf8.encode(span[2]!)) : "";
    if (span) {
      switch (span[1]) {
        case "method":
          m.method += text;
          break;
        case "url":
          m.target += text;
          break;
        case "header_field":
          field += text;
          break;
        case "header_value":
          value += text;
          break;
        case "body":
          m.body += text;
          break;
      }
      continue;
    }
    if (rest === "header_value complete") {
      // llhttp keeps trailing whitespace in values; RFC 9110 §5.5 excludes it.
      (inTrailers ? m.trailers : m.headers).push([field, value.replace(/[ \t]+$/, "")]);
      field = value = "";
    } else if (rest.startsWith("headers complete")) {
      const v = / v=(\d+)\/(\d+) /.exec(rest);
      m.version = v ? `${v[1]}.${v[2]}` : "";
      m.headComplete = true;
    } else if (rest === "chunk header len=0") {
      inTrailers = true;
    } else if (rest === "message complete") {
      m.complete = true;
    } else if (rest.startsWith("error")) {
      const code = /code=(\d+)/.exec(rest)?.[1];
      reason = rest;
      end = code === "22" ? "upgrade" : code === "23" ? "h2" : "error";
      break;
    }
  }
  return { messages, end, reason };
}

/** Extract every `type: "request"` case from the corpus. */
function loadCorpus(): { cases: Case[]; skipped: number } {
  const dir = fileURLToPath(CORPUS);
  const cases: Case[] = [];
  let skipped = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".md")).sort()) {
    const lines = readFileSync(dir + file, "utf8").split(/\r?\n/);
    let heading = "";
    const seen = new Map<string, number>();
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (/^#{2,}\s/.test(l)) heading = l.replace(/^#+\s*/, "").trim();
      if (!l.startsWith("<!-- meta=")) continue;
      const meta = JSON.parse(l.slice("<!-- meta=".length, l.lastIndexOf("-->")));
      const block = (lang: string, from: number): [string[], number] => {
        let j = from;
        while (!lines[j]!.startsWith("```" + lang)) j++;
        const body: string[] = [];
        for (j++; !lines[j]!.startsWith("```"); j++) body.push(lines[j]!);
        return [body, j];
      };
      const [http, j] = block("http", i + 1);
      const [log, k] = block("log", j + 1);
      i = k;
      if (meta.type !== "request") {
        skipped++;
        continue;
      }
      const n = (seen.get(heading) ?? 0) + 1;
      seen.set(heading, n);
      const key = `${file}#${heading}${n > 1 ? ` (${n})` : ""}`;
      cases.push({ key, input: buildInput(http.join("\n")), expected: parseLog(log) });
    }
  }
  return { cases, skipped };
}

/** Run our parser over `pieces`, the way a driver that accepts upgrades would. */
function run(pieces: Uint8Array[], limits: Partial<Http1Limits>): Actual {
  const p = new RequestParser(limits);
  const messages: Msg[] = [];
  let upgraded = false;
  try {
    outer: for (const piece of pieces) {
      p.push(piece);
      for (let ev: ParserEvent | null; (ev = p.next()) !== null;) {
        if (ev.type === "head") {
          const h = ev.head;
          messages.push({
            method: h.method,
            target: h.target,
            version: `1.${h.versionMinor}`,
            headers: h.headers,
            body: "",
            trailers: [],
            headComplete: true,
            complete: false,
          });
        } else if (ev.type === "data") {
          messages[messages.length - 1]!.body += bytesToLatin1(ev.data);
        } else {
          const m = messages[messages.length - 1]!;
          m.complete = true;
          m.trailers = ev.trailers ?? [];
          // A driver accepting the Upgrade or CONNECT hands the rest to another protocol.
          if (m.method === "CONNECT" || /(^|[\s,])upgrade([\s,]|$)/i.test(connection(m))) {
            upgraded = true;
            break outer;
          }
        }
      }
    }
  } catch (e) {
    if (!(e instanceof HttpParseError)) throw e;
    return { messages, error: e, upgraded };
  }
  return { messages, error: null, upgraded };
}

function connection(m: Msg): string {
  const up = m.headers.some(([n]) => n.toLowerCase() === "upgrade");
  return up
    ? m.headers.filter(([n]) => n.toLowerCase() === "connection").map(([, v]) => v).join(",")
    : "";
}

/** Run whole, byte by byte and split at every offset; all must agree. */
function runAllWays(input: Uint8Array, limits: Partial<Http1Limits>): Actual {
  const norm = (a: Actual) => ({ ...a, error: a.error && [a.error.status, a.error.message] });
  const whole = run([input], limits);
  const ways = [Array.from(input, (_, i) => input.subarray(i, i + 1))];
  for (let i = 1; i < input.length; i++) ways.push([input.subarray(0, i), input.subarray(i)]);
  for (const w of ways) assert.deepStrictEqual(norm(run(w, limits)), norm(whole));
  return whole;
}

/** Does our result agree with llhttp's? Returns null when it does, else why not. */
function compare(exp: Expected, act: Actual): string | null {
  const done = (ms: Msg[]) => ms.filter((m) => m.complete);
  if (exp.end === "error" || exp.end === "h2") {
    if (act.error === null) return `llhttp rejects (${exp.reason}) but we accept`;
    // Messages completed before the error must agree.
    const a = done(act.messages);
    const e = done(exp.messages);
    if (a.length !== e.length) {
      return `${a.length} complete messages before the error, llhttp ${e.length}`;
    }
    return compareMessages(e, a);
  }
  if (act.error !== null) {
    return `we reject (${act.error.status} ${act.error.message}), llhttp accepts`;
  }
  if (exp.end === "upgrade" && !act.upgraded) return "llhttp stops for an upgrade, we do not";
  if (exp.end !== "upgrade" && act.upgraded) return "we stop for an upgrade, llhttp does not";
  // Messages llhttp saw a head for; a trailing message still in its request-line/headers is
  // compared by count only (both sides wait for more input).
  const e = exp.messages.filter((m) => m.headComplete);
  if (e.length !== act.messages.length) {
    return `${act.messages.length} messages, llhttp ${e.length}`;
  }
  return compareMessages(e, act.messages);
}

function compareMessages(exp: Msg[], act: Msg[]): string | null {
  for (let i = 0; i < exp.length; i++) {
    const e = exp[i]!;
    const a = act[i]!;
    for (const k of ["method", "target", "version", "body", "complete"] as const) {
      if (e[k] !== a[k]) {
        return `message ${i} ${k}: ${JSON.stringify(a[k])} vs ${JSON.stringify(e[k])}`;
      }
    }
    if (JSON.stringify(e.headers) !== JSON.stringify(a.headers)) {
      return `message ${i} headers: ${JSON.stringify(a.headers)} vs ${JSON.stringify(e.headers)}`;
    }
    if (e.complete && JSON.stringify(e.trailers) !== JSON.stringify(a.trailers)) {
      return `message ${i} trailers: ${JSON.stringify(a.trailers)} vs ${
        JSON.stringify(e.trailers)
      }`;
    }
  }
  return null;
}

const corpus = loadCorpus();

/** Per case: whether it matched llhttp, and whether it is in the Host-required set. */
const results = new Map<string, { mismatch: string | null; hostRequired: boolean; act: Actual }>();

describe("llhttp request corpus", () => {
  for (const c of corpus.cases) {
    it(c.key, () => {
      const act = runAllWays(c.input, { requireHost: false });
      const mismatch = compare(c.expected, act);
      // The same case with the default limits: identical, or rejected for the missing Host.
      const strict = runAllWays(c.input, {});
      const norm = (a: Actual) => ({ ...a, error: a.error && [a.error.status, a.error.message] });
      const hostMissing = strict.error?.message === "HTTP/1.1 request without Host" &&
        JSON.stringify(norm(strict)) !== JSON.stringify(norm(act));
      // Listed when only the Host check makes us reject; when we reject anyway, the Host check
      // may simply come first.
      const hostRequired = hostMissing && act.error === null;
      results.set(c.key, { mismatch, hostRequired, act });
      if (hostMissing) assert.equal(strict.error?.status, 400);
      else assert.deepStrictEqual(norm(strict), norm(act), "default limits change more than Host");
      assert.equal(hostRequired, HOST_REQUIRED.has(c.key), "HOST_REQUIRED table out of date");

      const dev = DEVIATIONS.get(c.key);
      if (dev === undefined) {
        assert.equal(mismatch, null, "differs from llhttp; fix it or list it in DEVIATIONS");
        return;
      }
      assert.notEqual(mismatch, null, "listed in DEVIATIONS but now agrees with llhttp");
      const [kind] = dev;
      const llhttpRejects = c.expected.end === "error" || c.expected.end === "h2";
      if (kind === "we-reject") assert.ok(act.error !== null && !llhttpRejects, mismatch!);
      if (kind === "we-accept") assert.ok(act.error === null && llhttpRejects, mismatch!);
      if (kind === "differs") assert.ok(act.error === null && !llhttpRejects, mismatch!);
      if (act.error !== null) assert.ok([400, 501, 505].includes(act.error.status));
    });
  }

  it("ran the whole corpus and every table entry", () => {
    const total = corpus.cases.length;
    const rejected = corpus.cases.filter((c) => c.expected.end === "error").length;
    console.log(
      `llhttp corpus: ${total} request cases run (${rejected} rejected by llhttp), ` +
        `${corpus.skipped} lenient/other cases skipped, ${DEVIATIONS.size} deviations, ` +
        `${HOST_REQUIRED.size} need Host`,
    );
    assert.ok(total >= 100, `only ${total} cases found`);
    assert.equal(results.size, total, "every case ran");
    const keys = new Set(corpus.cases.map((c) => c.key));
    for (const k of DEVIATIONS.keys()) assert.ok(keys.has(k), `unknown deviation ${k}`);
    for (const k of HOST_REQUIRED) assert.ok(keys.has(k), `unknown Host case ${k}`);
    assert.equal(keys.size, total, "case keys are unique");
  });
});
