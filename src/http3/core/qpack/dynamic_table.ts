/**
 * The QPACK dynamic table (RFC 9204 §3.2): a FIFO of entries addressed by
 * absolute index (0 for the first entry ever inserted), bounded by a capacity
 * in RFC size units (name + value + 32). Both sides keep one; the encoder's
 * also indexes names and pairs for lookup.
 *
 * @module
 */

import { ENTRY_OVERHEAD, type Field } from "./types.ts";

interface Entry {
  name: string;
  value: string;
  size: number;
}

/** Size of an entry in table units (RFC 9204 §3.2.1). */
export function entrySize(name: string, value: string): number {
  return name.length + value.length + ENTRY_OVERHEAD;
}

/** The dynamic table. Callers check capacity and evictability before changing it. */
export class DynamicTable {
  // entries[i] has absolute index dropped + i - head; the live part starts at head.
  #entries: Entry[] = [];
  #head = 0;
  #dropped = 0;
  #size = 0;
  #capacity = 0;
  // Encoder only: newest absolute index per "name\0value" and per name.
  readonly #pairs: Map<string, number> | undefined;
  readonly #names: Map<string, number> | undefined;

  /** With `indexed`, keeps the lookups {@linkcode findPair} and {@linkcode findName} need. */
  constructor(indexed = false) {
    if (indexed) {
      this.#pairs = new Map();
      this.#names = new Map();
    }
  }

  /** Current capacity. */
  get capacity(): number {
    return this.#capacity;
  }
  /** Sum of entry sizes. */
  get size(): number {
    return this.#size;
  }
  /** Total entries ever inserted: the absolute index the next insert gets. */
  get insertCount(): number {
    return this.#dropped + this.#entries.length - this.#head;
  }
  /** Absolute index of the oldest live entry (= number evicted). */
  get dropped(): number {
    return this.#dropped;
  }
  /** Number of live entries. */
  get length(): number {
    return this.#entries.length - this.#head;
  }

  /** Whether absolute index `abs` is live. */
  has(abs: number): boolean {
    return abs >= this.#dropped && abs < this.insertCount;
  }

  /** The entry at absolute index `abs`, or undefined if evicted or not yet inserted. */
  get(abs: number): Field | undefined {
    if (!this.has(abs)) return undefined;
    const e = this.#entries[this.#head + abs - this.#dropped]!;
    return [e.name, e.value];
  }

  /** Size of the live entry at `abs` (the caller checked {@linkcode has}). */
  sizeOf(abs: number): number {
    return this.#entries[this.#head + abs - this.#dropped]!.size;
  }

  /** Sets the capacity, evicting the oldest entries until the table fits. */
  setCapacity(capacity: number): void {
    this.#capacity = capacity;
    this.#evictTo(capacity);
  }

  /**
   * Inserts an entry, evicting the oldest until it fits. The caller checked
   * that `entrySize(name, value) <= capacity`. Returns its absolute index.
   */
  insert(name: string, value: string): number {
    const size = entrySize(name, value);
    this.#evictTo(this.#capacity - size);
    const abs = this.insertCount;
    this.#entries.push({ name, value, size });
    this.#size += size;
    this.#pairs?.set(name + "\0" + value, abs);
    this.#names?.set(name, abs);
    return abs;
  }

  /** Newest absolute index holding this exact pair, or -1 (indexed tables only). */
  findPair(name: string, value: string): number {
    return this.#pairs?.get(name + "\0" + value) ?? -1;
  }

  /** Newest absolute index holding this name, or -1 (indexed tables only). */
  findName(name: string): number {
    return this.#names?.get(name) ?? -1;
  }

  #evictTo(limit: number): void {
    while (this.#size > limit && this.length > 0) {
      const e = this.#entries[this.#head]!;
      this.#entries[this.#head] = undefined as unknown as Entry; // let it be collected
      this.#head++;
      const abs = this.#dropped++;
      this.#size -= e.size;
      const pair = e.name + "\0" + e.value;
      if (this.#pairs?.get(pair) === abs) this.#pairs.delete(pair);
      if (this.#names?.get(e.name) === abs) this.#names.delete(e.name);
    }
    // Compact once the dead prefix dominates, so memory follows the live entries.
    if (this.#head > 32 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
