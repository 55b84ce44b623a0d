// Protocol sniffing on a cleartext port: the decision for every way the
// first bytes can be split across reads.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PrefaceSniffer, type Sniffed } from "../../src/sniff.ts";
import type { Transport, TransportSink } from "../../src/transport/types.ts";
import type { LiveConnection, ServerHost } from "../../src/fetch/host.ts";

/** Runs the sniffer over `input` cut into `parts`; returns its decision and the bytes handed on. */
function sniff(input: string, cuts: number[]): { protocol: Sniffed | null; initial: string } {
  let sink: TransportSink | null = null;
  const transport = {
    closed: new Promise<void>(() => {}),
    start(s: TransportSink) {
      sink = s;
    },
    abort() {},
    close() {},
  } as unknown as Transport;
  const host = {
    add(_c: LiveConnection) {},
    remove(_c: LiveConnection) {},
  } as unknown as ServerHost;
  let protocol: Sniffed | null = null;
  let initial = "";
  new PrefaceSniffer(transport, host, 0, (p, bytes) => {
    protocol = p;
    initial = new TextDecoder("latin1").decode(bytes);
  });
  const bytes = new TextEncoder().encode(input);
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    if (to > from) sink!.data(bytes.subarray(from, to));
    from = to;
  }
  return { protocol, initial };
}

const CASES: Array<[string, string, Sniffed | null]> = [
  ["the client preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04", "h2c"],
  [
    "the preface's request line, then wrong bytes (§3.4: h2 answers it)",
    "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n",
    "h2c",
  ],
  ["an HTTP/1.1 request", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "http/1.1"],
  ["a PRI request that is not the preface", "PRI /x HTTP/1.1\r\nHost: a\r\n\r\n", "http/1.1"],
  ["a preface cut short", "PRI * HTTP/2.0\r\n", null],
];

describe("cleartext protocol sniffing", () => {
  for (const [name, input, want] of CASES) {
    it(`${name} → ${want ?? "undecided"}, whole, byte by byte and split at every offset`, () => {
      const splits: number[][] = [[], [...Array(input.length).keys()].slice(1)];
      for (let i = 1; i < input.length; i++) splits.push([i]);
      for (const cuts of splits) {
        const r = sniff(input, cuts);
        assert.equal(r.protocol, want, `cuts ${cuts.join(",")}`);
        if (want !== null) assert.ok(input.startsWith(r.initial), "bytes handed on in order");
      }
    });
  }
});
