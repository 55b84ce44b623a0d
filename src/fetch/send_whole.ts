/**
 * Sending a response whose body is known in full (a string or bytes): the
 * one place that picks how the writer gets it. Long text is handed to a
 * writer that encodes it where it writes (HTTP/1.1: straight into its write
 * buffer); short ASCII text and bytes go out with the head in one piece;
 * anything else is encoded here and written as head and body.
 *
 * @module
 */
import { isShortAscii } from "../bytes/ascii.ts";
import type { WholeResponse } from "./light_send.ts";
import type { ResponseWriter } from "./writer.ts";

const encoder = new TextEncoder();
/** Text bodies longer than this are encoded by the writer, straight into its buffer. */
const TEXT_IN_PLACE = 1024;

/**
 * Writes `whole` (only its head, stating the length, with `isHead`).
 */
export function sendWhole(writer: ResponseWriter, whole: WholeResponse, isHead: boolean): void {
  const { status, headers, body: text } = whole;
  if (typeof text === "string" && text.length > TEXT_IN_PLACE && writer.wholeText !== undefined) {
    writer.wholeText(status, headers, text, isHead);
    return;
  }
  if (writer.whole !== undefined && (typeof text !== "string" || isShortAscii(text))) {
    writer.whole(status, headers, text, isHead);
    return;
  }
  const body = typeof text === "string" ? encoder.encode(text) : text;
  const empty = isHead || body.byteLength === 0;
  writer.head(status, headers, body.byteLength, empty);
  if (!empty) {
    writer.body(body);
    writer.end();
  }
}
