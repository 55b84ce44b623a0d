/**
 * A raw HTTP/2 client over a real socket for the live server tests: it
 * writes hand-built frames (tests/support/http2_frames.ts) and decodes everything the
 * server sends, so tests can assert on exact frames (GOAWAY, RST_STREAM,
 * DATA per stream). SETTINGS are ACKed automatically; PINGs are not (tests
 * of liveness rely on that). Not a test file.
 *
 * @module
 */
import net from "node:net";
import { FrameDecoder, FrameType } from "../../src/http2/core/mod.ts";
import { concat } from "./common.ts";
import { FieldBlockReader, type OutFrame, preface, settings, settingsAck } from "./http2_frames.ts";

/** A connected raw HTTP/2 client. */
export class LiveH2 {
  /** Every frame received, in order (HEADERS carry decoded `fields`). */
  readonly frames: OutFrame[] = [];
  /** Set once the server closed the connection. */
  closed = false;
  /** Bytes received before the HTTP/2 frames (e.g. a 101 response), as latin1. */
  prelude = "";
  readonly socket: net.Socket;
  readonly #dec = new FrameDecoder(1 << 24);
  readonly #fields = new FieldBlockReader();
  #waiters: Array<() => void> = [];
  #pendingPrelude: boolean;
  #buf: Uint8Array = new Uint8Array(0);

  private constructor(socket: net.Socket, expectPrelude: boolean) {
    this.socket = socket;
    this.#pendingPrelude = expectPrelude;
    socket.on("data", (d: Uint8Array) => this.#onData(new Uint8Array(d)));
    const end = () => {
      this.closed = true;
      this.#wake();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end);
  }

  /**
   * Connects to 127.0.0.1:port and sends the preface and SETTINGS, unless
   * `raw` is given: then those bytes are sent instead (e.g. an HTTP/1.1
   * Upgrade request) and the response head before the frames goes to `prelude`;
   * after a 101 the preface and SETTINGS are sent automatically.
   */
  static connect(
    port: number,
    opts: { settings?: Array<[number, number]>; raw?: string } = {},
  ): Promise<LiveH2> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1", () => {
        const c = new LiveH2(s, opts.raw !== undefined);
        if (opts.raw !== undefined) s.write(Buffer.from(opts.raw, "latin1"));
        else c.write(preface(), settings(opts.settings ?? []));
        resolve(c);
      });
      s.once("error", reject);
    });
  }

  #onData(d: Uint8Array): void {
    if (this.#pendingPrelude) {
      this.#buf = concat(this.#buf, d);
      const text = String.fromCharCode(...this.#buf.subarray(0, Math.min(this.#buf.length, 4096)));
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      this.prelude = text.slice(0, end + 4);
      d = this.#buf.subarray(end + 4);
      this.#pendingPrelude = false;
      // After 101 the client preface must come first (RFC 7540 §3.2), before any ACK.
      if (/^HTTP\/1\.1 101 /.test(this.prelude)) this.write(preface(), settings());
    }
    this.#dec.push(d.slice());
    for (let f = this.#dec.next(); f !== null; f = this.#dec.next()) {
      const o = this.#fields.read(f);
      if (f.type === FrameType.DATA) {
        (o as { data: Uint8Array }).data = f.data.slice();
      } else if (f.type === FrameType.SETTINGS && !f.ack) {
        this.write(settingsAck());
      }
      this.frames.push(o);
    }
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Sends bytes. */
  write(...parts: Uint8Array[]): void {
    this.socket.write(concat(...parts));
  }

  /** Waits until `pred` holds over the frames so far (or the server closes); throws on timeout. */
  async until(pred: (c: LiveH2) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this)) {
      if (this.closed) throw new Error(`closed before condition; frames: ${this.describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; frames: ${this.describe()}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Waits for the server to close. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("server did not close");
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Frames of one stream. */
  of(streamId: number): OutFrame[] {
    return this.frames.filter((f) => f.streamId === streamId);
  }

  /** The response fields of a stream (first HEADERS). */
  head(streamId: number): Map<string, string> | undefined {
    const h = this.of(streamId).find((f) => f.type === FrameType.HEADERS);
    return h?.fields ? new Map(h.fields) : undefined;
  }

  /** The DATA bytes received on a stream. */
  body(streamId: number): Uint8Array {
    const parts: Uint8Array[] = [];
    for (const f of this.of(streamId)) if (f.type === FrameType.DATA) parts.push(f.data);
    return concat(...parts);
  }

  /** Whether the stream has ended (END_STREAM seen on HEADERS or DATA). */
  ended(streamId: number): boolean {
    return this.of(streamId).some((f) =>
      (f.type === FrameType.DATA || f.type === FrameType.HEADERS) && f.endStream
    );
  }

  /** The RST_STREAM code for a stream, if reset. */
  resetCode(streamId: number): number | undefined {
    const f = this.of(streamId).find((f) => f.type === FrameType.RST_STREAM);
    return f && f.type === FrameType.RST_STREAM ? f.code : undefined;
  }

  /** The last GOAWAY received, if any. */
  get goaway(): { lastStreamId: number; code: number } | undefined {
    const g = this.frames.filter((f) => f.type === FrameType.GOAWAY).pop();
    return g && g.type === FrameType.GOAWAY
      ? { lastStreamId: g.lastStreamId, code: g.code }
      : undefined;
  }

  /** A short description of the frames (for failure messages). */
  describe(): string {
    return this.frames.map((f) => `${FrameType[f.type] ?? f.type}#${f.streamId}`).join(" ");
  }

  /** Closes abruptly. */
  destroy(): void {
    this.socket.destroy();
  }

  /** `using c = await LiveH2.connect(...)` closes the socket at the end of the scope. */
  [Symbol.dispose](): void {
    this.destroy();
  }
}
