/**
 * What a protocol driver gives the exchange (exchange.ts): the writer of one
 * response (ResponseWriter: Http1Writer on HTTP/1.1, DriverStream on
 * HTTP/2) and the hook that answers a WebSocket handshake (UpgradeHook,
 * implemented in src/websocket/exchange_upgrade.ts), so the exchange itself
 * knows nothing of either protocol or of WebSocket.
 *
 * @module
 */
import type { PendingUpgrade } from "../websocket/registry.ts";
import type { WebSocketSessionHandle } from "../websocket/channel.ts";
import type { WireGrant } from "./wire_types.ts";

/**
 * What `head` is told about trailers: absent for none, the field names when
 * known up front (fixed fields), `true` when a function will produce them.
 */
export type TrailerHint = readonly string[] | true;

/** The protocol side of a response. */
export interface ResponseWriter {
  /**
   * Sends the status and fields. `length` is the body size when known, or -1
   * when the body streams; `end` means no body follows. `trailers` says the
   * body will end with {@link ResponseWriter.trailers} instead of `end()`
   * (HTTP/1.1 then frames it chunked whatever `length` says).
   */
  head(
    status: number,
    headers: Array<[string, string]>,
    length: number,
    end: boolean,
    trailers?: TrailerHint,
  ): void;
  /**
   * Whether these (checked, lowercase) trailer fields fit the size the peer
   * accepts: h2, the peer's SETTINGS_MAX_HEADER_LIST_SIZE; h1, our own
   * http1.maxHeaderBytes.
   */
  trailersFit(fields: Array<[string, string]>): boolean;
  /** Ends the body with a trailer section (h2: HEADERS with END_STREAM) instead of end(). */
  trailers(fields: Array<[string, string]>): void;
  /** Sends body bytes; false means wait for ready() before sending more. */
  body(chunk: Uint8Array): boolean;
  /** Resolves when more body may be sent. */
  ready(): Promise<void>;
  /** The body is complete. */
  end(): void;
  /**
   * The response cannot complete: before the head, answer
   * {@link abortStatus}(reason) if the protocol can (h1, h2) and return it;
   * after it, h1 closes the connection, h2 resets the stream.
   */
  abort(reason: unknown): number | void;
  /**
   * Optional: sends a whole response whose body is known, in one write (a
   * string body is ASCII, so its chars are its bytes). With `isHead`, only
   * the head, stating the body's length.
   */
  whole?(
    status: number,
    headers: Array<[string, string]>,
    body: string | Uint8Array,
    isHead: boolean,
  ): void;
  /**
   * Optional: as {@link ResponseWriter.whole} for a text body of any content,
   * encoded to UTF-8 by the writer where it writes (no intermediate bytes).
   */
  wholeText?(
    status: number,
    headers: Array<[string, string]>,
    text: string,
    isHead: boolean,
  ): void;
  /**
   * Optional: the handler accepted a WebSocket upgrade. Sends `accept.status`
   * with `accept.headers` (101 on HTTP/1.1, 200 on an HTTP/2 stream) and
   * opens the session on the driver's channel. Returns null when the driver
   * cannot switch (the exchange then answers 400).
   */
  upgrade?(accept: PendingUpgrade): WebSocketSessionHandle | null;
  /**
   * Optional: the handler takes the response over with wire(req)
   * (src/fetch/wire.ts). Null when the response has started or the client left.
   */
  wire?(): WireGrant | null;
}

/** What the upgrade hook made of the handler's response. */
export type UpgradeAnswer =
  /** Not an upgrade response: send it as it is. */
  | { kind: "none" }
  /**
   * The connection switched: `writer` replaces the exchange's (its abort drops the WebSocket), and
   * the exchange completes when the WebSocket closes.
   */
  | { kind: "switched"; writer: ResponseWriter }
  /** Send this instead (the connection could not switch). */
  | { kind: "respond"; response: Response }
  /** A response for some other server's upgrade: a handler error, for onError. */
  | { kind: "error"; error: unknown }
  /** The client went away before the handshake response: nothing to send. */
  | { kind: "dropped" };

/**
 * The WebSocket side of an exchange, behind one hook. The exchange calls it
 * for a request the driver marked as a handshake (`Exchange.upgradable`),
 * and for any 101 response.
 */
export interface UpgradeHook {
  /** The handler threw: the response for a failure that is the client's (a bad handshake), else null. */
  failed(error: unknown): Response | null;
  /** The exchange ended before the handler answered: release what it prepared. */
  refused(request: Request): void;
  /**
   * The handler's response, with `done` when the exchange already ended; `owner` hears when a
   * WebSocket it switched to closes.
   */
  answer(
    request: Request,
    response: Response,
    writer: ResponseWriter,
    done: boolean,
    owner: SwitchOwner,
  ): UpgradeAnswer;
}

/** The exchange as a connection that switched to WebSocket completes it. */
export interface SwitchOwner {
  /** Where the outcome goes (`"sent"` after a clean close handshake). */
  readonly info: { complete(outcome: "sent"): void };
  /** The WebSocket ended otherwise: req.signal aborts, the outcome is `"aborted"`. */
  cancel(reason: unknown): void;
}

/** server.timeout()'s reason: the application's own deadline passed before the response. */
export class ResponseDeadline extends Error {}

/**
 * The status a response that failed before its head gets: 503 for a
 * server.timeout() deadline (the server's own refusal to wait; see
 * Server.timeout), 500 for anything else (the handler failed).
 */
export function abortStatus(reason: unknown): number {
  return reason instanceof ResponseDeadline ? 503 : 500;
}
