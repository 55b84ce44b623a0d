/**
 * One request stream's receive side: frames through the request table, and
 * the parts held while its field section is blocked.
 *
 * @module
 */
import { type FrameLimits, FrameReader } from "./frame_reader.ts";
import { frameClass, FrameType } from "./frame_types.ts";
import { type ReqInput, ReqState, requestStep } from "./request_rules.ts";
import { H3Code, H3ConnectionError, H3StreamError } from "./errors.ts";

/**
 * What the request table let through, in order.
 */
export type ReqPart =
  | { kind: "headers" | "trailers"; block: Uint8Array }
  | { kind: "data"; bytes: Uint8Array }
  | { kind: "end" }
  | { kind: "useless" };

/**
 * The receive side of a request stream.
 */
export class RequestIn {
  readonly id: number;
  #state = ReqState.AWAIT_HEADERS;
  readonly #reader: FrameReader;
  /** content-length, -1 when absent (checked by the connection as DATA is delivered). */
  declared = -1;
  /** DATA bytes delivered. */
  received = 0;
  /** Parts held while the field section waits on the encoder stream (null: not blocked). */
  held: ReqPart[] | null = null;
  /** DATA bytes among the held parts. */
  heldBytes = 0;

  constructor(id: number, limits: FrameLimits) {
    this.id = id;
    this.#reader = new FrameReader(limits);
  }

  /** The table state. */
  get state(): ReqState {
    return this.#state;
  }

  /**
   * Feeds bytes (and the FIN); throws H3ConnectionError / H3StreamError.
   * The parts come in wire order; the caller holds those that follow a
   * blocked field section.
   */
  push(bytes: Uint8Array, fin: boolean): ReqPart[] {
    const out: ReqPart[] = [];
    for (const ev of this.#reader.push(bytes)) {
      if (ev.kind === "start") {
        const step = this.#step(frameClass(ev.type));
        if (step === "none") out.push({ kind: "useless" });
      } else if (ev.kind === "data") {
        out.push({ kind: "data", bytes: ev.bytes });
      } else if (ev.kind === "error") {
        throw new H3ConnectionError(ev.code, ev.reason);
      } else if (ev.type === FrameType.HEADERS) {
        // The table has already moved: BODY after the first HEADERS, AFTER_TRAILERS after the second.
        const kind = this.#state === ReqState.BODY ? "headers" : "trailers";
        out.push({ kind, block: ev.payload });
      }
    }
    if (fin) {
      if (!this.#reader.atBoundary) {
        throw new H3ConnectionError(H3Code.FRAME_ERROR, "stream ended inside a frame");
      }
      this.#step("FIN");
      out.push({ kind: "end" });
    }
    return out;
  }

  #step(input: ReqInput): "none" | "ok" {
    const step = requestStep(this.#state, input);
    if ("error" in step) {
      const why = `${input} in ${this.#state}`;
      if (step.scope === "stream") throw new H3StreamError(this.id, step.error, why);
      throw new H3ConnectionError(step.error, `${why} on stream ${this.id}`);
    }
    this.#state = step.next;
    return step.emit === "none" ? "none" : "ok";
  }
}
