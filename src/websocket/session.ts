/**
 * One WebSocket connection's protocol logic between a driver's channel and
 * the socket object: decodes what arrives (inflating when negotiated), keeps
 * outbound messages in order (Blob reads and deflate are async), answers
 * pings, runs the close handshake both ways, the idle ping and the close
 * timeout. Every state change goes through the session table (session_table.ts).
 *
 * Backpressure: when the channel reports a full buffer the session pauses
 * inbound reading until it drains (a peer that does not read our replies
 * gets no more of its input processed); pongs owed meanwhile collapse to
 * the latest (RFC 6455 §5.5.3 allows it) and a flood of pings beyond
 * MAX_UNANSWERED_PINGS closes with 1008.
 *
 * @module
 */
import type { WebSocketChannel, WebSocketSessionHandle } from "./channel.ts";
import { SessionClosedSignal } from "./session_closed.ts";
import { CloseCode, Opcode } from "./constants.ts";
import { type DecoderEvent, WebSocketDecoder } from "./decoder.ts";
import { PerMessageDeflate } from "./deflate.ts";
import { encodeClose, encodeFrame } from "./encoder.ts";
import { WebSocketError } from "./errors.ts";
import { IGNORE, SESSION_TABLE, SessionEvent, SessionState } from "./session_table.ts";
import { isValidUtf8 } from "./utf8.ts";
import { type IdleMember, joinIdle, leaveIdle } from "./idle_pings.ts";
import type { SessionConfig, SessionListener } from "./session_contract.ts";
import type { SharedMessage } from "./shared_message.ts";

export type { SessionConfig, SessionListener } from "./session_contract.ts";

/**
 * Pings received while our output is stalled before the session gives up (1008).
 */
export const MAX_UNANSWERED_PINGS = 256;
/** Inbound events waiting behind inflation before inbound reading pauses. */
const MAX_QUEUED_INBOUND = 8;
/** Messages smaller than this are sent uncompressed even with permessage-deflate. */
const COMPRESS_MIN_BYTES = 32;

/** Why inbound reading is paused (hold()): bits, so a session holds no Set for them. */
const HOLD_BITS = { output: 1, inflate: 2, readable: 4 } as const;

/** `shared`: a published message, framed (and maybe deflated) once for all subscribers. */
type OutItem = {
  op: number;
  data: Uint8Array | Promise<Uint8Array>;
  size: number;
  shared?: SharedMessage;
};

/**
 * The per-connection session. Created in CONNECTING by upgradeWebSocket;
 * the driver calls `attach(channel)` once the handshake response is out.
 */
export class WebSocketSession extends SessionClosedSignal
  implements WebSocketSessionHandle, IdleMember {
  #state: SessionState = SessionState.CONNECTING;
  #cfg: SessionConfig;
  #l: SessionListener;
  #ch: WebSocketChannel | undefined;
  #decoder: WebSocketDecoder;
  #pmd: PerMessageDeflate | undefined;
  #out: OutItem[] = [];
  #pumping = false;
  #queuedBytes = 0;
  #stalledBytes = 0;
  #backedUp = false;
  #pausedBy = 0;
  #pendingPong: Uint8Array | undefined;
  #unanswered = 0;
  #inChain: Promise<void> | undefined;
  #inQueued = 0;
  #closeSent = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  /** The shared idle timer's period this session joined (idle_pings.ts), 0 when none. */
  #idleMs = 0;
  #heard = false;
  #idlePinged = false;
  #pendingLocalClose: { code: number | undefined; reason: string } | undefined;
  #drainWaiters: (() => void)[] | undefined;

  /** Builds a session in CONNECTING. */
  constructor(cfg: SessionConfig, listener: SessionListener) {
    super();
    this.#cfg = cfg;
    this.#l = listener;
    // No zlib context yet: they come with the first message that needs one (deflate.ts).
    this.#pmd = cfg.deflate &&
      new PerMessageDeflate(cfg.deflate, cfg.maxMessageBytes, cfg.deflateMemory);
    this.#decoder = new WebSocketDecoder({
      maxMessageBytes: cfg.maxMessageBytes,
      requireMask: true,
      allowRsv1: cfg.deflate !== undefined,
    });
  }

  /** The current state (its number is the browser readyState). */
  get state(): SessionState {
    return this.#state;
  }

  /** Payload bytes accepted by send() and not yet flushed below the channel's high-water mark. */
  get bufferedAmount(): number {
    return this.#queuedBytes + this.#stalledBytes;
  }

  /** True while the channel is above its high-water mark. */
  get backedUp(): boolean {
    return this.#backedUp;
  }

  /** Resolves when the channel is writable again (at once when it is). */
  writable(): Promise<void> {
    if (!this.#backedUp && this.#out.length === 0) return Promise.resolve();
    return new Promise((r) => (this.#drainWaiters ??= []).push(r));
  }

  #go(ev: SessionEvent): boolean {
    const next = SESSION_TABLE.next(this.#state, ev);
    if (next === IGNORE) return false;
    this.#state = next;
    return true;
  }

  /** The driver sent the handshake response: start the session on `channel`. */
  attach(channel: WebSocketChannel): WebSocketSessionHandle {
    if (!this.#go(SessionEvent.ATTACH)) {
      channel.abort();
      return this;
    }
    this.#ch = channel;
    this.#armIdle();
    this.#l.open();
    if (this.#state !== SessionState.OPEN) return this;
    this.#pump();
    const pc = this.#pendingLocalClose;
    if (pc) this.close(pc.code, pc.reason);
    return this;
  }

  /** The handler did not return the upgrade response: the socket fails. */
  abandon(reason: string): void {
    if (!this.#go(SessionEvent.ABANDON)) return;
    this.#finish(CloseCode.ABNORMAL, reason, false, reason);
  }

  /** Pauses or resumes the channel for one named reason; reading resumes when none remain. */
  hold(reason: keyof typeof HOLD_BITS, on: boolean): void {
    const before = this.#pausedBy, bit = HOLD_BITS[reason];
    const after = this.#pausedBy = on ? before | bit : before & ~bit;
    if (before === 0 && after > 0) this.#ch?.pause();
    else if (before > 0 && after === 0) this.#ch?.resume();
  }

  // ---- inbound ----

  /** Bytes from the peer. */
  receive(bytes: Uint8Array): void {
    if (this.#state !== SessionState.OPEN && this.#state !== SessionState.CLOSING) return;
    this.#heard = true;
    for (const ev of this.#decoder.push(bytes)) {
      if (ev.type === "ping") this.#onPing(ev.data);
      else if (this.#pmd) this.#queueInbound(ev);
      else this.#onEvent(ev, undefined);
      if (this.state === SessionState.CLOSED) return;
    }
  }

  // With permessage-deflate every event waits its turn behind inflations, so order is kept;
  // past MAX_QUEUED_INBOUND waiting events inbound reading pauses.
  #queueInbound(ev: DecoderEvent): void {
    const inflated = ev.type === "message" && ev.compressed
      ? this.#pmd!.decompress(ev.data)
      : undefined;
    inflated?.catch(() => {});
    if (++this.#inQueued >= MAX_QUEUED_INBOUND) this.hold("inflate", true);
    this.#inChain = (this.#inChain ?? Promise.resolve()).then(async () => {
      let data: Uint8Array | undefined;
      try {
        if (inflated) data = await inflated;
      } catch (e) {
        const err = e instanceof WebSocketError
          ? e
          : new WebSocketError(CloseCode.INTERNAL_ERROR, String(e));
        this.#fail(err.code, err.message);
        return;
      } finally {
        if (--this.#inQueued < MAX_QUEUED_INBOUND) this.hold("inflate", false);
      }
      this.#onEvent(ev, data);
    });
  }

  #onEvent(ev: DecoderEvent, inflated: Uint8Array | undefined): void {
    if (this.#state === SessionState.CLOSED) return;
    switch (ev.type) {
      case "message": {
        if (this.#state !== SessionState.OPEN) return; // discarded while closing, as browsers do
        const text = ev.opcode === Opcode.TEXT;
        const data = inflated ?? ev.data;
        if (text && inflated && !isValidUtf8(data)) {
          this.#fail(CloseCode.INVALID_PAYLOAD, "invalid UTF-8 in a text message");
          return;
        }
        this.#l.message(data, text);
        return;
      }
      case "ping":
        this.#onPing(ev.data);
        return;
      case "pong":
        return;
      case "close":
        this.#onPeerClose(ev.code, ev.reason);
        return;
      case "error":
        this.#fail(ev.code, ev.reason);
    }
  }

  #onPing(data: Uint8Array): void {
    if (this.#state !== SessionState.OPEN) return;
    if (!this.#backedUp) {
      this.#write(encodeFrame(Opcode.PONG, data));
      return;
    }
    this.#pendingPong = data;
    if (++this.#unanswered > MAX_UNANSWERED_PINGS) {
      this.#fail(CloseCode.POLICY_VIOLATION, "too many pings while our replies are unread");
    }
  }

  #onPeerClose(code: number | undefined, reason: string): void {
    if (!this.#go(SessionEvent.PEER_CLOSE)) return;
    // Echo unless our close already went out (ours may still be queued behind a Blob read).
    if (!this.#closeSent) {
      this.#closeSent = true;
      this.#ch!.write(encodeClose(code, code === undefined ? "" : reason));
    }
    this.#ch!.end();
    this.#finish(code ?? CloseCode.NO_STATUS, reason, true, undefined);
  }

  /** Fails the connection: a close frame with `code`, then the channel ends. */
  #fail(code: number, reason: string): void {
    if (!this.#go(SessionEvent.FAILURE)) return;
    this.#ch!.failed?.(code, reason);
    if (!this.#closeSent) {
      this.#closeSent = true;
      this.#ch!.write(encodeClose(code, reason));
    }
    this.#ch!.end();
    this.#finish(code, reason, false, reason);
  }

  /** The transport ended. */
  peerEnded(error?: Error): void {
    // With permessage-deflate, a close frame read just before may still wait behind inflations
    // (an h2 peer's close and END_STREAM arrive in one read): end after it, not before.
    if (this.#pmd && this.#inQueued > 0) {
      this.#inChain = this.#inChain!.then(() => this.peerEnded(error));
      return;
    }
    if (!this.#go(SessionEvent.PEER_ENDED)) return;
    const msg = error ? error.message : "connection closed without a close frame";
    this.#finish(CloseCode.ABNORMAL, "", false, error ? msg : msg);
  }

  /** Drops the connection now: the channel aborts, the socket closes with 1006 and `reason`. */
  abort(reason: Error): void {
    if (!this.#go(SessionEvent.PEER_ENDED)) return;
    this.#ch?.abort();
    this.#finish(CloseCode.ABNORMAL, "", false, reason.message);
  }

  /** Server shutdown: close with 1001. */
  goingAway(): void {
    if (this.#state === SessionState.CONNECTING) this.abandon("server shutting down");
    else this.close(CloseCode.GOING_AWAY, "server shutting down");
  }

  #finish(code: number, reason: string, wasClean: boolean, error: string | undefined): void {
    clearTimeout(this.#closeTimer);
    if (this.#idleMs > 0) leaveIdle(this.#idleMs, this);
    this.#pmd?.close();
    this.#out = [];
    this.#queuedBytes = 0;
    this.#wakeDrainWaiters();
    if (error !== undefined) this.#l.error(error);
    this.#l.close(code, reason, wasClean);
    this.signalClosed(wasClean);
  }

  // ---- idle ping (Deno's semantics: a ping after idleTimeout/2 of silence, close 1001 when
  // another idleTimeout/2 passes without any frame). A flag set per receive() keeps the hot
  // path free of timer churn; one timer per period ticks for every session (idle_pings.ts).
  // Joining counts as heard, since the shared tick may come at once.

  #armIdle(): void {
    const secs = this.#cfg.idleTimeout;
    if (!(secs > 0) || this.#idleMs > 0) return;
    this.#heard = true;
    this.#idleMs = (secs * 1000) / 2;
    joinIdle(this.#idleMs, this);
  }

  /** @internal The shared idle timer's tick (idle_pings.ts). */
  idleTick(): void {
    if (this.#state !== SessionState.OPEN) return;
    if (this.#heard) {
      this.#heard = false;
      this.#idlePinged = false;
      return;
    }
    if (this.#idlePinged) {
      this.#fail(CloseCode.GOING_AWAY, "No response from ping frame.");
      return;
    }
    this.#idlePinged = true;
    this.#write(encodeFrame(Opcode.PING, new Uint8Array(0)));
  }

  // ---- outbound ----

  /** Queues a message; `data` may be a promise (a Blob being read). Ignored unless OPEN/CONNECTING. */
  send(text: boolean, data: Uint8Array | Promise<Uint8Array>, size: number): void {
    if (this.#state !== SessionState.OPEN && this.#state !== SessionState.CONNECTING) return;
    if (this.#overLimit(size)) return;
    this.#out.push({ op: text ? Opcode.TEXT : Opcode.BINARY, data, size });
    this.#queuedBytes += size;
    if (this.#state === SessionState.OPEN) this.#pump();
  }

  /** Queues a published message, as send() does; false when closing or over the limit. */
  deliver(m: SharedMessage): boolean {
    const open = this.#state === SessionState.OPEN, size = m.payload.length;
    if ((!open && this.#state !== SessionState.CONNECTING) || this.#overLimit(size)) return false;
    this.#out.push({ op: m.opcode, data: m.payload, size, shared: m });
    this.#queuedBytes += size;
    if (open) this.#pump();
    return true;
  }

  // send() and publish alike: past maxBufferedBytes (one big message alone passes), close 1008.
  #overLimit(size: number): boolean {
    const b = this.bufferedAmount, open = this.#state === SessionState.OPEN;
    if (!open || b === 0 || b + size <= this.#cfg.maxBufferedBytes) return false;
    this.#fail(CloseCode.POLICY_VIOLATION, "over maxBufferedBytes: the client reads too slowly");
    return true;
  }

  /** Starts the close handshake (codes and reason already validated by the caller). */
  close(code: number | undefined, reason: string): void {
    if (this.#state === SessionState.CONNECTING) {
      this.#pendingLocalClose = { code, reason };
      return;
    }
    if (!this.#go(SessionEvent.LOCAL_CLOSE)) return;
    this.#out.push({ op: Opcode.CLOSE, data: encodeClose(code, reason), size: 0 });
    this.#closeTimer = setTimeout(() => {
      if (!this.#go(SessionEvent.CLOSE_TIMEOUT)) return;
      this.#ch!.abort();
      this.#finish(CloseCode.ABNORMAL, "", false, "the peer did not answer the close frame");
    }, this.#cfg.closeTimeoutMs);
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping) return;
    while (this.#out.length > 0 && this.#state !== SessionState.CLOSED) {
      const item = this.#out[0]!;
      if (item.op === Opcode.CLOSE) {
        this.#out.shift();
        if (!this.#closeSent) {
          this.#closeSent = true;
          this.#write(item.data as Uint8Array);
        }
        continue;
      }
      const compress = this.#pmd !== undefined && item.size >= COMPRESS_MIN_BYTES &&
        item.shared?.compress !== false;
      if (item.data instanceof Uint8Array && !compress) {
        this.#out.shift();
        this.#queuedBytes -= item.size;
        this.#write(item.shared ? item.shared.frame() : encodeFrame(item.op, item.data), item.size);
        continue;
      }
      this.#pumping = true;
      this.#frameOf(item, compress)
        .then((frame) => {
          this.#pumping = false;
          if (this.#out[0] !== item) return;
          this.#out.shift();
          this.#queuedBytes -= item.size;
          this.#write(frame, item.size);
          this.#pump();
        }, (e) => {
          this.#pumping = false;
          this.#fail(CloseCode.INTERNAL_ERROR, `could not send a message: ${e}`);
        });
      return;
    }
    if (!this.#backedUp && this.#out.length === 0) this.#wakeDrainWaiters();
  }

  #wakeDrainWaiters(): void {
    const ws = this.#drainWaiters;
    this.#drainWaiters = undefined;
    for (const w of ws ?? []) w();
  }

  /** A shared message's deflate is shared when our deflater keeps no context; else ours, in order. */
  #frameOf(item: OutItem, compress: boolean): Promise<Uint8Array> {
    const p = this.#cfg.deflate;
    if (compress && item.shared && p?.serverNoContextTakeover) {
      return item.shared.deflatedFrame(p.serverMaxWindowBits);
    }
    return Promise.resolve(item.data).then((d) =>
      compress
        ? this.#pmd!.compress(d).then((c) => encodeFrame(item.op, c, { rsv1: true }))
        : encodeFrame(item.op, d)
    );
  }

  #write(bytes: Uint8Array, payload = 0): void {
    const ch = this.#ch;
    if (!ch || this.#state === SessionState.CLOSED) return;
    const ok = ch.write(bytes);
    if (this.#backedUp) this.#stalledBytes += payload;
    else if (!ok) {
      this.#backedUp = true;
      this.#stalledBytes = payload;
      this.hold("output", true);
      ch.drain().then(() => this.#onDrain());
    }
  }

  #onDrain(): void {
    this.#backedUp = false;
    this.#stalledBytes = 0;
    this.#unanswered = 0;
    if (this.#state === SessionState.CLOSED) return;
    const pong = this.#pendingPong;
    this.#pendingPong = undefined;
    if (pong && this.#state === SessionState.OPEN) this.#write(encodeFrame(Opcode.PONG, pong));
    if (this.#backedUp) return;
    this.hold("output", false);
    this.#pump();
  }
}
