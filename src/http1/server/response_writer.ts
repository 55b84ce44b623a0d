/**
 * The HTTP/1.1 response writer: the exchange's side of one connection. It
 * frames what the exchange sends (Content-Length, chunked, close-delimited),
 * writes it in as few pieces as it can, notes when the socket is backed up,
 * and bounds a drain by `http1.sendTimeout`. The head's content and every
 * change of connection state stay with the driver (its `WriterHost`).
 *
 * @module
 */
import type { Transport } from "../../transport/types.ts";
import type { ResponseWriter, TrailerHint } from "../../fetch/exchange.ts";
import type { PendingUpgrade } from "../../websocket/registry.ts";
import type { WebSocketSessionHandle } from "../../websocket/channel.ts";
import type { WireGrant } from "../../fetch/wire_types.ts";
import {
  encodeChunk,
  encodeHead,
  encodeHeadAndBody,
  encodeLastChunk,
  type Framing,
  LAST_CHUNK,
  type ResponseHead,
} from "../core/serializer.ts";
import { narrowPooled, pooledBytes, releaseBytes } from "../../bytes/slab.ts";

/** A byte body up to this size is copied next to its head; larger ones are written by reference. */
const COPY_BODY_MAX = 4096;
/** Room kept in front of an encoded text body for its head; a larger head goes out on its own. */
const HEAD_ROOM = 512;
const encoder = new TextEncoder();

/**
 * What the writer asks of its connection.
 */
export interface WriterHost {
  /** The current request's response head, with the connection's decisions applied. */
  headFor(
    status: number,
    headers: Array<[string, string]>,
    length: number,
    end: boolean,
    trailers?: TrailerHint,
  ): ResponseHead;
  /** A drain is awaited: start `http1.sendTimeout`. */
  armSendTimeout(): void;
  /** The socket drained. */
  clearSendTimeout(): void;
  /** The response cannot complete. */
  abortResponse(reason: unknown): number;
  /** The handler accepted a WebSocket handshake. */
  upgrade(accept: PendingUpgrade): WebSocketSessionHandle | null;
  /** wire(req): the handler writes the bytes itself (wire_raw.ts); null once a head went out. */
  rawWire(ready: () => Promise<void>): WireGrant | null;
}

/**
 * Writes the responses of one HTTP/1.1 connection, one at a time.
 */
export class Http1Writer implements ResponseWriter {
  readonly #t: Transport;
  readonly #host: WriterHost;
  readonly #maxHeaderBytes: number;
  #framing: Framing = "none";
  /** The last write found the socket backed up (the client is not reading). */
  backedUp = false;

  /** `maxHeaderBytes`: the bound on a trailer section we send (our own `http1.maxHeaderBytes`). */
  constructor(transport: Transport, host: WriterHost, maxHeaderBytes: number) {
    this.#t = transport;
    this.#host = host;
    this.#maxHeaderBytes = maxHeaderBytes;
  }

  /** Writes, noting whether the socket is backed up. */
  #write(bytes: Uint8Array): boolean {
    const ok = this.#t.write(bytes);
    this.backedUp = !ok;
    return ok;
  }

  /** Notes the head's framing for the body that follows. */
  #framed(head: ResponseHead): ResponseHead {
    this.#framing = head.framing;
    return head;
  }

  /** Writes the response head for the current request. */
  head(
    status: number,
    headers: Array<[string, string]>,
    length: number,
    end: boolean,
    trailers?: TrailerHint,
  ): void {
    this.#write(
      encodeHead(this.#framed(this.#host.headFor(status, headers, length, end, trailers))),
    );
  }

  /** Writes a whole response (head and body) in one piece; a string body is ASCII. */
  whole(
    status: number,
    headers: Array<[string, string]>,
    body: string | Uint8Array,
    isHead: boolean,
  ): void {
    const length = typeof body === "string" ? body.length : body.byteLength;
    const head = this.#framed(this.#host.headFor(status, headers, length, isHead || length === 0));
    if (isHead || length === 0) this.#write(encodeHead(head));
    else if (typeof body === "string" || length <= COPY_BODY_MAX) {
      this.#write(encodeHeadAndBody(head, body));
    } else {
      // Large bytes go by reference (the transport glues or writes them as they are).
      this.#t.write(encodeHead(head));
      this.#write(body);
    }
  }

  /**
   * Writes a whole response with a text body of any size or content: the
   * UTF-8 is encoded straight into a pooled write buffer behind room for the
   * head, so the response leaves as one piece with no intermediate bytes.
   */
  wholeText(
    status: number,
    headers: Array<[string, string]>,
    text: string,
    isHead: boolean,
  ): void {
    const n = text.length;
    // Most text is ASCII: room for one byte per char first, more only if it does not fit.
    let out = pooledBytes(HEAD_ROOM + n);
    let { read, written } = encoder.encodeInto(text, out.subarray(HEAD_ROOM));
    if (read < n) {
      const bigger = pooledBytes(HEAD_ROOM + written + 3 * (n - read));
      bigger.set(out.subarray(HEAD_ROOM, HEAD_ROOM + written), HEAD_ROOM);
      releaseBytes(out);
      out = bigger;
      written += encoder.encodeInto(text.slice(read), out.subarray(HEAD_ROOM + written)).written;
    }
    const empty = isHead || written === 0;
    const head = encodeHead(this.#framed(this.#host.headFor(status, headers, written, empty)));
    if (empty) {
      releaseBytes(out);
      this.#write(head);
    } else if (head.byteLength <= HEAD_ROOM) {
      const start = HEAD_ROOM - head.byteLength;
      out.set(head, start);
      this.#write(narrowPooled(out, start, HEAD_ROOM + written));
    } else {
      this.#t.write(head);
      this.#write(narrowPooled(out, HEAD_ROOM, HEAD_ROOM + written));
    }
  }

  /** Writes body bytes, framed. */
  body(chunk: Uint8Array): boolean {
    if (chunk.byteLength === 0) return true;
    return this.#write(this.#framing === "chunked" ? encodeChunk(chunk) : chunk);
  }

  /** Waits for the socket to drain, under the send timeout. */
  ready(): Promise<void> {
    if (this.#t.queued === 0) return Promise.resolve();
    this.#host.armSendTimeout();
    return this.#t.drain().then(() => this.#host.clearSendTimeout());
  }

  /** The handler accepted a WebSocket handshake (the driver switches protocols). */
  upgrade(accept: PendingUpgrade): WebSocketSessionHandle | null {
    return this.#host.upgrade(accept);
  }

  /** wire(req): the handler writes the connection's bytes itself. */
  wire(): WireGrant | null {
    return this.#host.rawWire(() => this.ready());
  }

  /** Ends the body. */
  end(): void {
    if (this.#framing === "chunked") this.#write(LAST_CHUNK);
  }

  /** A trailer section we send is held to the size we accept ourselves (http1.maxHeaderBytes). */
  trailersFit(fields: Array<[string, string]>): boolean {
    let bytes = 0;
    for (const [name, value] of fields) bytes += name.length + value.length + 4;
    return bytes <= this.#maxHeaderBytes;
  }

  /** Ends a chunked body with its trailer section; HTTP/1.0 (close-delimited) gets none. */
  trailers(fields: Array<[string, string]>): void {
    if (this.#framing === "chunked") this.#write(encodeLastChunk(fields));
    else this.end();
  }

  /** The response failed after its head: the only honest signal left is closing. */
  abort(reason: unknown): number {
    return this.#host.abortResponse(reason);
  }
}
