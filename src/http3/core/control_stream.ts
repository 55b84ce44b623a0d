/**
 * The peer's control stream: frames through the control table, SETTINGS
 * applied once, the push-id rules (MAX_PUSH_ID never decreases; CANCEL_PUSH
 * within it) and the peer's GOAWAY (its id never increases).
 *
 * @module
 */
import { FrameReader } from "./frame_reader.ts";
import { frameClass, FrameType } from "./frame_types.ts";
import { ControlState, controlStep } from "./control_rules.ts";
import { H3Code, H3ConnectionError } from "./errors.ts";
import { parseSettings, type PeerSettings } from "./settings.ts";
import { readVarint } from "./varint.ts";

/**
 * What a control-stream chunk produced.
 */
export type ControlEvent =
  | { type: "settings"; settings: PeerSettings }
  | { type: "goaway"; id: number }
  | { type: "useless" };

/**
 * The control stream's reader and state.
 */
export class ControlIn {
  #state = ControlState.AWAIT_SETTINGS;
  readonly #reader = new FrameReader({ maxHeadersPayload: 4096 });
  #maxPushId = -1;
  #goaway = Infinity;

  /** The table state (for tests and diagnostics). */
  get state(): ControlState {
    return this.#state;
  }

  /** Feeds bytes; throws H3ConnectionError on any rule broken. */
  push(bytes: Uint8Array): ControlEvent[] {
    const out: ControlEvent[] = [];
    for (const ev of this.#reader.push(bytes)) {
      if (ev.kind === "start") {
        const step = controlStep(this.#state, frameClass(ev.type));
        if ("error" in step) {
          throw new H3ConnectionError(
            step.error,
            `frame 0x${ev.type.toString(16)} on the control stream in ${this.#state}`,
          );
        }
        this.#state = step.next;
        if (step.act === "ignore") out.push({ type: "useless" });
      } else if (ev.kind === "frame") {
        this.#apply(ev.type, ev.payload, out);
      } else if (ev.kind === "error") {
        throw new H3ConnectionError(ev.code, ev.reason);
      }
    }
    return out;
  }

  #apply(type: number, payload: Uint8Array, out: ControlEvent[]): void {
    if (type === FrameType.SETTINGS) {
      out.push({ type: "settings", settings: parseSettings(payload) });
      return;
    }
    const id = oneVarint(payload);
    if (type === FrameType.GOAWAY) {
      if (id > this.#goaway) throw new H3ConnectionError(H3Code.ID_ERROR, "GOAWAY id increased");
      this.#goaway = id;
      out.push({ type: "goaway", id });
      return;
    }
    if (type === FrameType.MAX_PUSH_ID) {
      if (id < this.#maxPushId) {
        throw new H3ConnectionError(H3Code.ID_ERROR, "MAX_PUSH_ID decreased");
      }
      this.#maxPushId = id;
    } else if (id > this.#maxPushId) {
      throw new H3ConnectionError(H3Code.ID_ERROR, "CANCEL_PUSH beyond MAX_PUSH_ID");
    }
    // We never push, so push-id frames change nothing: they count toward the flood budget.
    out.push({ type: "useless" });
  }
}

/** The payload of GOAWAY / MAX_PUSH_ID / CANCEL_PUSH: exactly one varint. */
function oneVarint(payload: Uint8Array): number {
  const r = readVarint(payload, 0);
  if (r === null || r[1] !== payload.length) {
    throw new H3ConnectionError(H3Code.FRAME_ERROR, "malformed id frame");
  }
  return r[0];
}
