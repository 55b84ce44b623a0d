/**
 * Protocol sniffing on a cleartext port: the 24-byte HTTP/2 client preface
 * means h2c with prior knowledge; anything else is HTTP/1.1. The decision is
 * made as soon as the bytes seen stop matching the preface (for HTTP/1.1,
 * normally on the first byte), and the bytes read so far go to the chosen
 * driver.
 *
 * @module
 */
import {
  type CloseWatcher,
  type Transport,
  type TransportSink,
  watchClosed,
} from "./transport/types.ts";
import type { LiveConnection, ServerHost } from "./fetch/host.ts";
import { CLIENT_PREFACE } from "./http2/core/frame/types.ts";

/** Length of the preface's request line, `PRI * HTTP/2.0\r\n`. */
const REQUEST_LINE = 16;

function samePrefix(bytes: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (bytes[i] !== CLIENT_PREFACE[i]) return false;
  return true;
}

/**
 * Which protocol the first bytes speak.
 */
export type Sniffed = "h2c" | "http/1.1";

/**
 * Waits for enough bytes to tell the preface from HTTP/1.1, then hands the connection over.
 */
export class PrefaceSniffer implements LiveConnection, TransportSink, CloseWatcher {
  /** Until the first decisive bytes arrive (then the socket is closed). */
  deadline: number;
  readonly #transport: Transport;
  readonly #host: ServerHost;
  /** Let go once called: what it holds need not live as long as the connection. */
  #decide: ((protocol: Sniffed, initial: Uint8Array) => void) | null;
  #buf: Uint8Array | null = null;
  #done = false;

  /**
   * @param decide called once with the protocol and all bytes read so far; it
   * must register the new driver with the host (this sniffer then removes itself).
   */
  constructor(
    transport: Transport,
    host: ServerHost,
    timeoutMs: number,
    decide: (protocol: Sniffed, initial: Uint8Array) => void,
  ) {
    this.#transport = transport;
    this.#host = host;
    this.#decide = decide;
    this.deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
    host.add(this);
    watchClosed(transport, this);
    transport.start(this);
  }

  /** Bytes from the socket. */
  data(chunk: Uint8Array): void {
    if (this.#done) return;
    const have = this.#buf === null ? 0 : this.#buf.byteLength;
    const n = Math.min(chunk.byteLength, CLIENT_PREFACE.length - have);
    let match = true;
    for (let i = 0; i < n; i++) {
      if (chunk[i] !== CLIENT_PREFACE[have + i]) {
        match = false;
        break;
      }
    }
    let all = chunk;
    if (this.#buf !== null) {
      all = new Uint8Array(have + chunk.byteLength);
      all.set(this.#buf);
      all.set(chunk, have);
    }
    // Past its request line (`PRI * HTTP/2.0\r\n`) the preface can only be HTTP/2: a bad rest
    // is the h2 core's to answer (GOAWAY PROTOCOL_ERROR, §3.4), never HTTP/1.1's.
    const h2 = match || have + n > REQUEST_LINE && samePrefix(all, REQUEST_LINE);
    if (match && have + n < CLIENT_PREFACE.length) {
      this.#buf = all;
      return;
    }
    this.#done = true;
    this.#buf = null;
    // The new driver registers itself before we leave, so `finished` cannot resolve in between.
    const decide = this.#decide!;
    this.#decide = null;
    this.#transport.unwatchClose?.(this); // the new driver watches the socket now
    decide(h2 ? "h2c" : "http/1.1", all);
    this.#host.remove(this);
  }

  /** The peer left before saying anything decisive. */
  end(): void {
    if (this.#done) return;
    this.#transport.abort();
  }

  /** Nothing decisive in time. */
  onDeadline(): void {
    if (this.#done) return;
    this.#transport.abort();
  }

  /** Server shutdown: a connection that has not sent a request yet is simply closed. */
  shutdown(): void {
    if (this.#done) return;
    this.#transport.close();
  }

  /** Shutdown deadline: same as shutdown, the connection has no request yet. */
  terminate(): void {
    this.#transport.abort();
  }

  /** The socket closed before anything decisive arrived. */
  transportClosed(): void {
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#host.remove(this);
  }
}
