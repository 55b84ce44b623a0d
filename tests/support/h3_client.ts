/**
 * A test HTTP/3 client on `Deno.connectQuic`: QPACK static-only (it offers
 * no dynamic table, so the server must not use one toward it), streamed
 * request and response bodies with backpressure (the response body is read
 * from QUIC only as the caller reads it), trailers both ways, and raw
 * stream access for protocol tests. Deno only (--unstable-net).
 *
 * @module
 */
import { FrameReader } from "../../src/http3/core/frame_reader.ts";
import { encodeFrame, encodeSettings, frameHeader } from "../../src/http3/core/frame_writer.ts";
import { decodeStatic, encodeStatic } from "./qpack_static.ts";

type Fields = Array<[string, string]>;

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
  private constructor(readonly conn: QConn, readonly authority: string) {
    this.closed = conn.closed.catch((e) => ({ closeCode: -1, reason: String(e) }));
  }

  /** Connects with ALPN h3 and opens the control stream (SETTINGS: no QPACK table). */
  static async connect(port: number, caCert: string, hostname = "localhost"): Promise<H3Client> {
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
    control.write(encodeSettings([[0x6, 1 << 20]])).catch(() => {});
    // The server's control and QPACK streams: read and dropped.
    (async () => {
      try {
        for await (const uni of conn.incomingUnidirectionalStreams) {
          uni.pipeTo(new WritableStream()).catch(() => {});
        }
      } catch { /* closed */ }
    })();
    return c;
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
    const sending = (async () => {
      await w.write(encodeFrame(0x1, encodeStatic(fields)));
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
      if (o.trailers) await w.write(encodeFrame(0x1, encodeStatic(o.trailers)));
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
