/**
 * What the HTTP/3 core tells its driver: events about requests (from the
 * bytes it was given) and actions on the wire (bytes for our three
 * unidirectional streams, resets, STOP_SENDING, the connection's close).
 *
 * @module
 */
import type { Field } from "./qpack_port.ts";

/**
 * Request-level events, in order per stream.
 *
 * - `request`: a valid request field section (pseudo-headers first).
 * - `headers-too-large`: the section passed maxFieldSectionSize; answer 431.
 * - `data`, `trailers`, `end`: the body, its trailer section, the FIN.
 * - `stream-error`: the core reset the stream (its action is queued).
 * - `connection-error`: the core closed the connection (its action is queued).
 * - `blocked` / `unblocked`: the field section waits on the encoder stream;
 *   the driver may stop reading the stream meanwhile.
 * - `rejected`: a request stream opened after our GOAWAY (reset queued).
 * - `goaway`: the peer's GOAWAY.
 */
export type H3Event =
  | { type: "request"; id: number; fields: Field[] }
  | { type: "headers-too-large"; id: number }
  | { type: "data"; id: number; bytes: Uint8Array }
  | { type: "trailers"; id: number; fields: Field[] }
  | { type: "end"; id: number }
  | { type: "stream-error"; id: number; code: number; reason: string }
  | { type: "connection-error"; code: number; reason: string }
  | { type: "blocked"; id: number }
  | { type: "unblocked"; id: number }
  | { type: "rejected"; id: number }
  | { type: "goaway"; id: number };

/**
 * Wire actions the driver carries out, in order.
 *
 * - `uni`: bytes for our control, QPACK encoder or QPACK decoder stream.
 * - `reset`: RESET_STREAM and STOP_SENDING on request stream `id`.
 * - `stop`: STOP_SENDING on the peer's unidirectional stream `id`.
 * - `close`: CONNECTION_CLOSE with `code`.
 */
export type H3Action =
  | { type: "uni"; stream: "control" | "encoder" | "decoder"; bytes: Uint8Array }
  | { type: "reset"; id: number; code: number }
  | { type: "stop"; id: number; code: number }
  | { type: "close"; code: number; reason: string };
