/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO of header fields
 * bounded by size, where an entry costs name octets + value octets + 32.
 *
 * @module
 */

/**
 * Per-entry overhead added to name and value lengths (RFC 7541 §4.1).
 */
export const ENTRY_OVERHEAD = 32;

/**
 * Default SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2).
 */
export const DEFAULT_TABLE_SIZE = 4096;

/**
 * Read-only view of a dynamic table, for inspection and tests.
 */
export interface ReadonlyDynamicTable {
  /** Current size: the sum of entry sizes (RFC 7541 §4.1). */
  readonly size: number;
  /** Current maximum size, as last set by a size update. */
  readonly maxSize: number;
  /** Number of entries. */
  readonly length: number;
  /** Entry `i`, 0 being the newest (HPACK index 62), or undefined if out of range. */
  get(i: number): [name: string, value: string] | undefined;
  /** All entries, newest first (the HPACK index order). */
  entries(): Array<[name: string, value: string]>;
}

/**
 * A dynamic table stored as a ring buffer of parallel name/value arrays,
 * newest entry last, so that insertion and eviction are O(1) and lookups by
 * index are one mask away.
 */
export class DynamicTable implements ReadonlyDynamicTable {
  /** Names by slot; the ring's capacity is a power of two. */
  protected names: string[];
  /** Values by slot. */
  protected values: string[];
  /** Capacity - 1. */
  protected mask: number;
  /** Slot of the oldest entry. */
  protected tail = 0;
  /** Number of live entries. */
  protected count = 0;
  /** Entries ever inserted; the newest has id `inserted - 1`. */
  protected inserted = 0;
  /** Sum of entry sizes. */
  protected bytes = 0;
  /** Maximum of `bytes`. */
  protected limit: number;

  /** Creates an empty table with the given maximum size. */
  constructor(maxSize: number = DEFAULT_TABLE_SIZE) {
    this.limit = maxSize;
    // Small at first (grown by doubling): most tables hold a few fields.
    this.names = new Array<string>(4).fill("");
    this.values = new Array<string>(4).fill("");
    this.mask = 3;
  }

  /** Current size (RFC 7541 §4.1). */
  get size(): number {
    return this.bytes;
  }

  /** Current maximum size. */
  get maxSize(): number {
    return this.limit;
  }

  /** Number of entries. */
  get length(): number {
    return this.count;
  }

  /** Name of entry `i` (0 = newest); the caller checks `i < length`. */
  nameAt(i: number): string {
    return this.names[(this.tail + this.count - 1 - i) & this.mask]!;
  }

  /** Value of entry `i` (0 = newest); the caller checks `i < length`. */
  valueAt(i: number): string {
    return this.values[(this.tail + this.count - 1 - i) & this.mask]!;
  }

  /** Entry `i` (0 = newest), or undefined if out of range. */
  get(i: number): [name: string, value: string] | undefined {
    if (!(i >= 0 && i < this.count)) return undefined;
    return [this.nameAt(i), this.valueAt(i)];
  }

  /** All entries, newest first. */
  entries(): Array<[name: string, value: string]> {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < this.count; i++) out.push([this.nameAt(i), this.valueAt(i)]);
    return out;
  }

  /**
   * Inserts a field, evicting the oldest entries to make room. A field larger
   * than the maximum size empties the table and is not inserted (§4.4).
   */
  add(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    if (size > this.limit) return this.clear();
    while (this.bytes + size > this.limit) this.evict();
    if (this.count === this.names.length) this.grow();
    const slot = (this.tail + this.count) & this.mask;
    this.names[slot] = name;
    this.values[slot] = value;
    this.count++;
    this.bytes += size;
    this.inserted++;
  }

  /** Evicts every entry. */
  clear(): void {
    while (this.count > 0) this.evict();
  }

  /** Changes the maximum size, evicting until the table fits (§4.3). */
  setMaxSize(maxSize: number): void {
    this.limit = maxSize;
    while (this.bytes > maxSize) this.evict();
  }

  /** Removes the oldest entry. Subclasses hook in to keep their indexes in step. */
  protected evict(): void {
    const slot = this.tail;
    const name = this.names[slot]!;
    const value = this.values[slot]!;
    this.names[slot] = "";
    this.values[slot] = "";
    this.tail = (slot + 1) & this.mask;
    this.count--;
    this.bytes -= name.length + value.length + ENTRY_OVERHEAD;
    this.evicted(name, value, this.inserted - 1 - this.count);
  }

  /** Called after an entry is evicted, with its insertion id. */
  protected evicted(_name: string, _value: string, _id: number): void {}

  /** Doubles the ring's capacity, unwrapping entries oldest first. */
  private grow(): void {
    const cap = this.names.length;
    const names = new Array<string>(cap * 2).fill("");
    const values = new Array<string>(cap * 2).fill("");
    for (let i = 0; i < this.count; i++) {
      names[i] = this.names[(this.tail + i) & this.mask]!;
      values[i] = this.values[(this.tail + i) & this.mask]!;
    }
    this.names = names;
    this.values = values;
    this.tail = 0;
    this.mask = cap * 2 - 1;
  }
}
