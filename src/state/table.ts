/**
 * The one shape of every state machine in h2serve: a table of
 * (state, event) → value rows over small integer enums, looked up in a flat
 * array. Every table is total: a pair without a row is a programming error
 * (`MissingTransitionError`), never a silent default, so the answer to bad
 * peer input is always an explicit row. Each table's test walks every pair
 * through {@linkcode StateTable.missing}.
 *
 * @module
 */

/** A (state, event) pair that has no row: a bug in the table or its caller. */
export class MissingTransitionError extends Error {
  /** The table's name. */
  readonly table: string;
  /** The state the machine was in. */
  readonly state: number;
  /** The event that had no row. */
  readonly event: number;
  constructor(table: string, state: number, event: number, names?: string) {
    super(`${table}: no row for ${names ?? `(${state}, ${event})`}`);
    this.name = "MissingTransitionError";
    this.table = table;
    this.state = state;
    this.event = event;
  }
}

/**
 * A total (state, event) → value table. `V` is the next state, or a record of
 * the next state and an action.
 */
export class StateTable<S extends number, E extends number, V> {
  /** Its name in error messages. */
  readonly name: string;
  /** The rows as written. */
  readonly rows: ReadonlyArray<readonly [S, E, V]>;
  readonly #cells: Array<V | undefined>;
  readonly #events: number;
  readonly #states: number;
  readonly #stateNames: Record<number, string> | undefined;
  readonly #eventNames: Record<number, string> | undefined;

  /**
   * @param name the machine's name, for errors
   * @param states how many states (values 0 … states - 1)
   * @param events how many events (values 0 … events - 1)
   * @param rows one row per pair; a pair given twice is refused
   * @param names the enums, so that errors name states and events
   */
  constructor(
    name: string,
    states: number,
    events: number,
    rows: ReadonlyArray<readonly [S, E, V]>,
    names?: { states?: Record<number, string>; events?: Record<number, string> },
  ) {
    this.name = name;
    this.rows = rows;
    this.#states = states;
    this.#events = events;
    this.#stateNames = names?.states;
    this.#eventNames = names?.events;
    this.#cells = new Array<V | undefined>(states * events).fill(undefined);
    for (const [s, e, v] of rows) {
      if (s < 0 || s >= states || e < 0 || e >= events) {
        throw new RangeError(`${name}: row ${this.#pair(s, e)} is out of range`);
      }
      const i = s * events + e;
      if (this.#cells[i] !== undefined) {
        throw new Error(`${name}: two rows for ${this.#pair(s, e)}`);
      }
      this.#cells[i] = v;
    }
  }

  /** The row's value; throws {@linkcode MissingTransitionError} when the pair has none. */
  next(state: S, event: E): V {
    const v = this.#cells[state * this.#events + event];
    if (v === undefined) {
      throw new MissingTransitionError(this.name, state, event, this.#pair(state, event));
    }
    return v;
  }

  /** Whether the pair has a row. */
  has(state: S, event: E): boolean {
    return this.#cells[state * this.#events + event] !== undefined;
  }

  /** Every pair without a row, named (empty for a total table): what the every-pair tests assert. */
  missing(): string[] {
    const out: string[] = [];
    for (let s = 0; s < this.#states; s++) {
      for (let e = 0; e < this.#events; e++) {
        if (this.#cells[s * this.#events + e] === undefined) out.push(this.#pair(s, e));
      }
    }
    return out;
  }

  #pair(s: number, e: number): string {
    return `(${this.#stateNames?.[s] ?? s}, ${this.#eventNames?.[e] ?? e})`;
  }
}
