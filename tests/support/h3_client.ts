/**
 * A test HTTP/3 client on `Deno.connectQuic`. Its decoder is static-only (it
 * offers no dynamic table, so the server must not use one toward it); its
 * encoder is static-only too unless `qpack: "dynamic"`, which encodes with
 * our QpackEncoder and its dynamic table (encoder stream out, the server's
 * decoder stream in, the server's SETTINGS applied). Streamed
 * request and response bodies with backpressure (the response body is read
 * from QUIC only as the caller reads it), trailers both ways, and raw
 * stream access for protocol tests. Deno only (--unstable-net).
 *
 * @module
 */
import { FrameReader } from "../../src/http3/core/frame_reader.ts";
import { encodeFrame, encodeSettings, frameHeader } from "../../src/http3/core/frame_writer.ts";
import { ControlIn } from "../../src/http3/core/control_stream.ts";
import { readVarint } from "../../src/http3/core/varint.ts";
import { QpackEncoder } from "../../src/http3/core/qpack/mod.ts";
import { decodeStatic, encodeStatic } from "./qpack_static.ts";

type Fields = Array<[string, string]>;

/** Connection options of the test client. */
export interface H3ConnectOptions {
  /** SETTINGS_MAX_FIELD_SECTION_SIZE we announce (default 1 MiB). */
  maxFieldSectionSize?: number;
  /** "dynamic": requests are encoded with QpackEncoder and its dynamic table. */
  qpack?: "static" | "dynamic";
}

interface QStream {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}
interface QConn {
  createBidirectionalStream(o?: { waitUntilAvailable?: boolean }): Promise<QStream>;
  createUnidirectionalStream(): Promise<WritableStream<Uint8Array>>;
  incomingUnidirectionalStreams: ReadableStream<ReadableStream<Uint8Array>>;
  close(info?: { closeCode: number; reason: string }): void;
  closed: Promise<{ closeCode: number; reason: string }>;
}

/**
 * A response: status and fields at once, the body as it arrives.
 *
 * @example
 * ```ts ignore
 * const res = await client.request("GET", "/");
 * console.log(res.status, await res.text());
 * ```
 */
export interface H3Response {
  status: number;
  headers: Fields;
  /** The body; read from QUIC only as it is pulled. */
  body: ReadableStream<Uint8Array>;
  /** The trailer section (empty if none), once the body has been read. */
  trailers: Promise<Fields>;
  text(): Promise<string>;
}

/**
 * One client connection.
 *
 * @example
 * ```ts ignore
 * const c = await H3Client.connect(port, caPem);
 * const res = await c.request("GET", "/");
 * c.close();
 * ```
 */
export class H3Client {
  /** The peer's CONNECTION_CLOSE, when it comes. */
  readonly closed: Promise<{ closeCode: number; reason: string }>;
  /** Our control stream. */
  control: WritableStreamDefaultWriter<Uint8Array> | null = null;
  /** With qpack "dynamic": our encoder (its tables are inspected by tests). */
  encoder: QpackEncoder | null = null;
  /** With qpack "dynamic": our encoder stream. */
  encoderStream: WritableStreamDefaultWriter<Uint8Array> | null = null;
  /** Resolves once the server's SETTINGS have been applied. */
  readonly settings: Promise<void>;
  #settled!: () => void;
  /** Encoder-stream bytes are held back (to make the server's decoder block) while set. */
  holdEncoderStream = false;
  #heldEncoder: Uint8Array[] = [];
  private constructor(readonly conn: QConn, readonly authority: string) {
    this.closed = conn.closed.catch((e) => ({ closeCode: -1, reason: String(e) }));
    this.settings = new Promise((r) => (this.#settled = r));
  }

  /** Connects with ALPN h3 and opens the control stream (SETTINGS: no QPACK table of ours). */
  static async connect(
    port: number,
    caCert: string,
    hostname = "localhost",
    o: H3ConnectOptions = {},
  ): Promise<H3Client> {
    const deno = (globalThis as unknown as {
      Deno: { connectQuic(o: Record<string, unknown>): Promise<QConn> };
    }).Deno;
    const conn = await deno.connectQuic({
      hostname: "127.0.0.1",
      serverName: hostname,
      port,
      caCerts: [caCert],
      alpnProtocols: ["h3"],
    });
    const c = new H3Client(conn, `${hostname}:${port}`);
    // Held by the client: a collected writer would end the control stream (a connection error).
    const control = c.control = (await conn.createUnidirectionalStream()).getWriter();
    control.write(Uint8Array.of(0x00)).catch(() => {});
    control.write(encodeSettings([[0x6, o.maxFieldSectionSize ?? 1 << 20]])).catch(() => {});
    if (o.qpack === "dynamic") {
      c.encoder = new QpackEncoder({ maxTableCapacity: 4096 });
      c.encoderStream = (await conn.createUnidirectionalStream()).getWriter();
      c.encoderStream.write(Uint8Array.of(0x02)).catch(() => {});
    }
    // The server's streams: its control stream (SETTINGS), its decoder stream
    // (fed to our encoder), the rest read and dropped.
    (async () => {
      try {
        for await (const uni of conn.incomingUnidirectionalStreams) c.#serverUni(uni);
      } catch { /* closed */ }
    })();
    return c;
  }

  #serverUni(uni: ReadableStream<Uint8Array>): void {
    (async () => {
      let type = -1;
      let head = new Uint8Array(0);
      const control = new ControlIn();
      for await (let chunk of uni) {
        if (type < 0) {
          const all = new Uint8Array(head.length + chunk.length);
          all.set(head);
          all.set(chunk, head.length);
          const v = readVarint(all, 0);
          if (v === null) {
            head = all;
            continue;
          }
          type = v[0];
          chunk = all.subarray(v[1]);
        }
        if (type === 0x00) {
          for (const ev of control.push(chunk)) {
            if (ev.type !== "settings") continue;
            this.encoder?.setPeerSettings({
              maxTableCapacity: ev.settings.maxTableCapacity,
              blockedStreams: ev.settings.blockedStreams,
            });
            this.#settled();
          }
        } else if (type === 0x03) this.encoder?.decoderStream(chunk);
      }
    })().catch(() => {});
  }

  /** Sends encoder-stream bytes owed (or holds them while holdEncoderStream). */
  #flushEncoder(): void {
    const bytes = this.encoder?.encoderStream();
    if (bytes !== undefined && bytes.length > 0) this.#heldEncoder.push(bytes);
    if (this.holdEncoderStream) return;
    for (const b of this.#heldEncoder.splice(0)) this.encoderStream!.write(b).catch(() => {});
  }

  /** Stops holding the encoder stream and sends what was held. */
  releaseEncoderStream(): void {
    this.holdEncoderStream = false;
    this.#flushEncoder();
  }

  /** Encodes a field section: static-only, or with the dynamic table (its instructions sent first). */
  #section(id: number, fields: Fields): Uint8Array {
    if (this.encoder === null) return encodeStatic(fields);
    const block = this.encoder.encodeSection(id, fields);
    this.#flushEncoder();
    return block;
  }

  /** A raw bidirectional stream, for protocol tests. */
  rawStream(): Promise<QStream> {
    return this.conn.createBidirectionalStream();
  }

  /**
   * Sends a request. `body` may be bytes or a stream (sent as DATA frames
   * as it is read); `trailers` end the request with a trailer section.
   */
  async request(
    method: string,
    path: string,
    o: { headers?: Fields; body?: Uint8Array | ReadableStream<Uint8Array>; trailers?: Fields } = {},
  ): Promise<H3Response> {
    if (this.encoder !== null) await this.settings; // the dynamic table needs the server's SETTINGS
    // Past the server's MAX_STREAMS, wait for credit as a browser would.
    const s = await this.conn.createBidirectionalStream({ waitUntilAvailable: true });
    const fields: Fields = [
      [":method", method],
      [":scheme", "https"],
      [":authority", this.authority],
      [":path", path],
      ...(o.headers ?? []),
    ];
    const w = s.writable.getWriter();
    const id = Number((s.writable as unknown as { id: bigint }).id);
    const sending = (async () => {
      await w.write(encodeFrame(0x1, this.#section(id, fields)));
      if (o.body instanceof Uint8Array) {
        for (let i = 0; i < o.body.length; i += 65536) {
          const piece = o.body.subarray(i, i + 65536);
          await w.write(frameHeader(0x0, piece.length));
          await w.write(piece);
        }
      } else if (o.body !== undefined) {
        for await (const piece of o.body) {
          await w.write(frameHeader(0x0, piece.length));
          await w.write(piece);
        }
      }
      if (o.trailers) await w.write(encodeFrame(0x1, this.#section(id, o.trailers)));
      await w.close();
    })();
    sending.catch(() => {});
    return readResponse(s.readable);
  }

  /** Closes the connection (H3_NO_ERROR). */
  close(): void {
    try {
      this.conn.close({ closeCode: 0x100, reason: "" });
    } catch { /* already closed */ }
  }
}

/** Reads HEADERS, then hands the rest over as a pull-driven body stream. */
async function readResponse(readable: ReadableStream<Uint8Array>): Promise<H3Response> {
  const reader = readable.getReader();
  const frames = new FrameReader({ maxHeadersPayload: 1 << 20 });
  const queue: Array<{ kind: string; bytes?: Uint8Array; payload?: Uint8Array }> = [];
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const r = await reader.read();
    if (r.done) {
      ended = true;
      return false;
    }
    for (const ev of frames.push(r.value)) queue.push(ev as never);
    return true;
  };
  let head: Fields | null = null;
  while (head === null) {
    const ev = queue.shift();
    if (ev === undefined) {
      if (!(await more())) throw new Error("stream ended before the response HEADERS");
      continue;
    }
    if (ev.kind === "frame" && ev.payload !== undefined) {
      const f = decodeStatic(ev.payload);
      const st = Number(f.find(([n]) => n === ":status")?.[1]);
      if (st >= 100 && st < 200) continue; // interim
      head = f;
    }
  }
  let setTrailers!: (f: Fields) => void;
  const trailers = new Promise<Fields>((r) => (setTrailers = r));
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      for (;;) {
        const ev = queue.shift();
        if (ev === undefined) {
          if (!(await more())) {
            setTrailers([]);
            c.close();
            return;
          }
          continue;
        }
        if (ev.kind === "data" && ev.bytes !== undefined) {
          c.enqueue(ev.bytes.slice());
          return;
        }
        if (ev.kind === "frame" && ev.payload !== undefined) setTrailers(decodeStatic(ev.payload));
      }
    },
    cancel(reason) {
      reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
  return {
    status: Number(head.find(([n]) => n === ":status")?.[1]),
    headers: head.filter(([n]) => !n.startsWith(":")),
    body,
    trailers,
    text: () => new Response(body).text(),
  };
}
