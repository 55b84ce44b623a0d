/**
 * The streams of one connection: the live ones by id, the count that
 * MAX_CONCURRENT_STREAMS limits, the highest ids seen and accepted, and the
 * closed-stream memory. Every §5.1 state change of a live stream goes
 * through {@link StreamStore.setState}, so the count cannot drift.
 *
 * @module
 */
import { ClosedStreams } from "./closed_streams.ts";
import { H2Stream } from "./stream.ts";
import { isActiveState, StreamState } from "./stream_table.ts";

/** The live map of every connection with no live stream; never written (see create, drop). */
const NO_STREAMS = new Map<number, H2Stream>();

/**
 * Live and remembered streams.
 */
export class StreamStore {
  /** Live streams by id: a shared empty map while there is none (an idle connection holds no map). */
  live: ReadonlyMap<number, H2Stream> = NO_STREAMS;
  /** How recently closed streams closed. */
  readonly closed: ClosedStreams;
  /** Streams in open or half-closed states, both directions. */
  open = 0;
  /** Of those, the ones we initiated (what the peer's MAX_CONCURRENT_STREAMS counts). */
  openOutbound = 0;
  /** Highest stream id the peer initiated or promised (lower unused ids are implicitly closed, §5.1.1). */
  highestSeen = 0;
  /** Highest peer-initiated stream id we accepted (what a GOAWAY reports). */
  highestAccepted = 0;
  /** Parity of the ids we initiate: 1 on a client, 0 on a server (pushes). */
  readonly localParity: number;
  /** The next id we may initiate (lower ones of our parity are used or implicitly closed). */
  nextLocal: number;

  /**
   * @param closedMemory how many closed streams to remember.
   * @param client whether we are the client (we initiate odd ids, the peer even ones).
   */
  constructor(closedMemory: number, client = false) {
    this.closed = new ClosedStreams(closedMemory);
    this.localParity = client ? 1 : 0;
    this.nextLocal = client ? 1 : 2;
  }

  /** Whether `id` is of the parity we initiate. */
  isLocal(id: number): boolean {
    return (id & 1) === this.localParity;
  }

  /** Creates a live stream (state IDLE until {@link setState}). */
  create(id: number, recvWindow: number, sendWindow: number): H2Stream {
    const s = new H2Stream(id, recvWindow, sendWindow);
    let live = this.live as Map<number, H2Stream>;
    if (live === NO_STREAMS) this.live = live = new Map();
    live.set(id, s);
    return s;
  }

  /** Moves a live stream to `next`, keeping the open count. */
  setState(s: H2Stream, next: StreamState): void {
    const was = isActiveState(s.state);
    const now = isActiveState(next);
    if (was !== now) {
      this.open += now ? 1 : -1;
      if ((s.id & 1) === this.localParity) this.openOutbound += now ? 1 : -1;
    }
    s.state = next;
  }

  /** The state of a stream with no live object: idle, how it closed, or forgotten. */
  stateOfUnknown(id: number): StreamState {
    if ((id & 1) === this.localParity ? id >= this.nextLocal : id > this.highestSeen) {
      return StreamState.IDLE;
    }
    return this.closed.state(id) ?? StreamState.FORGOTTEN;
  }

  /** Drops a closed live stream and remembers how it closed, with its send window. */
  drop(s: H2Stream): void {
    const live = this.live as Map<number, H2Stream>;
    if (live.delete(s.id) && live.size === 0) this.live = NO_STREAMS;
    this.closed.remember(s.id, s.state, s.send.window);
  }

  /** Records how a stream with no live object closed (window null: no longer tracked). */
  remember(id: number, state: StreamState, window: number | null): void {
    this.closed.remember(id, state, window);
  }
}
