/**
 * h2serve/http2: the HTTP/2 protocol stack as a sans-IO library, in the
 * shape of python-hyper's h2. An {@link H2Connection} (server or client side)
 * takes the bytes you read and returns events; you act on them and write out
 * {@link H2Connection.dataToSend}. It is the same core `serve()` runs.
 *
 * ```ts
 * import { H2Connection } from "./http2.ts";
 * const conn = new H2Connection({ side: "client" });
 * conn.initiateConnection();
 * const id = conn.getNextAvailableStreamId();
 * conn.sendHeaders(id, [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "localhost"]], { endStream: true });
 * const bytes = conn.dataToSend(); // preface, SETTINGS, HEADERS: write them to the socket
 * ```
 *
 * See docs/sans-io.md for the event loop, flow control and the client side.
 *
 * @module
 */
export { H2Connection } from "./src/http2/api/connection.ts";
export type {
  ConnectionTerminated,
  DataReceived,
  H2Event,
  HeaderField,
  HeaderList,
  HeadersTooLarge,
  InformationalResponseReceived,
  PingAckReceived,
  PingReceived,
  PushPromiseReceived,
  RemoteSettingsChanged,
  RequestReceived,
  ResponseReceived,
  SettingsAcknowledged,
  StreamEnded,
  StreamReset,
  TrailersReceived,
  WindowUpdated,
} from "./src/http2/api/events.ts";
export type {
  H2ConnectionOptions,
  H2Limits,
  LocalSettingsInit,
  SettingsUpdate,
} from "./src/http2/api/options.ts";
export {
  ConnectionClosingError,
  FlowControlError,
  FrameTooLargeError,
  H2ProtocolError,
  StreamClosedError,
  TooManyStreamsError,
} from "./src/http2/core/misuse.ts";
export { ErrorCode } from "./src/http2/core/errors.ts";
export type { Settings } from "./src/http2/core/settings.ts";
