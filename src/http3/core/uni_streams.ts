/**
 * The peer's unidirectional streams (RFC 9114 §6.2): the first varint says
 * what a stream is. Control, QPACK encoder and QPACK decoder streams are
 * critical and unique; a push stream from a client is an error; any other
 * type is refused with STOP_SENDING and its bytes dropped.
 *
 * @module
 */
import { H3Code } from "./errors.ts";

/**
 * Unidirectional stream types.
 */
export const UniType = {
  CONTROL: 0x0,
  PUSH: 0x1,
  QPACK_ENCODER: 0x2,
  QPACK_DECODER: 0x3,
} as const;

/**
 * What to do with a new unidirectional stream of a given type: take it as
 * one of the three critical roles, ignore it, or fail the connection.
 */
export type UniVerdict =
  | { role: "control" | "encoder" | "decoder" }
  | { ignore: true }
  | { error: number; reason: string };

const ROLES: Record<number, "control" | "encoder" | "decoder"> = {
  [UniType.CONTROL]: "control",
  [UniType.QPACK_ENCODER]: "encoder",
  [UniType.QPACK_DECODER]: "decoder",
};

/**
 * Judges a stream type against the roles already taken.
 */
export function judgeUniType(type: number, taken: ReadonlySet<string>): UniVerdict {
  const role = ROLES[type];
  if (role !== undefined) {
    if (taken.has(role)) {
      return { error: H3Code.STREAM_CREATION_ERROR, reason: `a second ${role} stream` };
    }
    return { role };
  }
  if (type === UniType.PUSH) {
    return { error: H3Code.STREAM_CREATION_ERROR, reason: "a client opened a push stream" };
  }
  return { ignore: true };
}
