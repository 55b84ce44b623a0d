/**
 * The HPACK encoder (RFC 7541 §3, §6), tuned for a server's responses.
 *
 * @module
 */

import { DEFAULT_TABLE_SIZE, DynamicTable, ENTRY_OVERHEAD } from "./dynamic_table.ts";
import { encodeInteger } from "./integer.ts";
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from "./static_table.ts";
import { encodeString } from "./string.ts";

/**
 * A header field to encode. The optional third element overrides the
 * encoder's sensitivity rule for this field: `true` forces a never-indexed
 * literal (RFC 7541 §7.1.3), `false` allows indexing even for a name in
 * {@linkcode EncoderOptions.neverIndex}.
 */
export type HeaderField = readonly [name: string, value: string, sensitive?: boolean];

/**
 * Names encoded as never-indexed literals by default: credentials and
 * cookies, whose values must not be guessable through the compression
 * context (CRIME-style attacks) nor be cached by intermediaries' tables.
 */
export const DEFAULT_NEVER_INDEX: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
];

/**
 * Names encoded without indexing: their values change from message to
 * message, so adding them would only evict useful entries.
 */
const VOLATILE = new Set([
  ":path",
  "age",
  "content-length",
  "content-range",
  "etag",
  "if-modified-since",
  "if-none-match",
  "location",
]);

/**
 * Encoder settings; every field is optional.
 */
export interface EncoderOptions {
  /** The peer's initial SETTINGS_HEADER_TABLE_SIZE. Default 4096. */
  maxTableSize?: number;
  /**
   * The most dynamic table memory we are willing to use, whatever the peer
   * allows. Default 4096.
   */
  tableSizeLimit?: number;
  /** Use Huffman coding when it is shorter. Default true. */
  huffman?: boolean;
  /** Lowercase names always sent as never-indexed literals. Default {@linkcode DEFAULT_NEVER_INDEX}. */
  neverIndex?: Iterable<string>;
}

/** Static-table lookups by name: its first index and the index of each value. */
interface StaticName {
  index: number;
  values: Map<string, number>;
}

const STATIC_BY_NAME = new Map<string, StaticName>();
STATIC_TABLE.forEach(([name, value], i) => {
  let entry = STATIC_BY_NAME.get(name);
  if (!entry) STATIC_BY_NAME.set(name, entry = { index: i + 1, values: new Map() });
  if (!entry.values.has(value)) entry.values.set(value, i + 1);
});

/** The default never-indexed names, one set for every encoder that keeps them. */
const DEFAULT_NEVER_INDEX_SET: ReadonlySet<string> = new Set(DEFAULT_NEVER_INDEX);
/**
 * The block being encoded: one buffer for every encoder of the process, since
 * encoding is synchronous and callers copy the block (encode() slices it).
 */
let shared = new Uint8Array(1024);
/** A shared buffer grown past this (for one huge field) is not kept. */
const SHARED_KEEP = 65536;

/** Up to this many entries the table is searched directly; past it, through two maps. */
const SCAN_MAX = 16;

/**
 * The encoder's dynamic table, searchable by name and by name + value. A
 * small table (most connections: a few response fields) is scanned newest
 * first; past {@link SCAN_MAX} entries two maps are built and kept, so that a
 * match costs two lookups. Each map points at the id of the newest matching
 * entry; an id is dropped when that entry is evicted (older duplicates were
 * evicted before it, as the table is FIFO).
 */
class IndexedTable extends DynamicTable {
  #byName: Map<string, number> | null = null;
  #byField: Map<string, Map<string, number>> | null = null;

  /** HPACK index of the newest entry `name: value`, or 0. */
  fieldIndex(name: string, value: string): number {
    const byField = this.#byField;
    if (byField !== null) {
      const id = byField.get(name)?.get(value);
      return id === undefined ? 0 : STATIC_TABLE_LENGTH + this.inserted - id;
    }
    for (let i = 0; i < this.count; i++) {
      const slot = (this.tail + this.count - 1 - i) & this.mask;
      if (this.names[slot] === name && this.values[slot] === value) {
        return STATIC_TABLE_LENGTH + 1 + i;
      }
    }
    return 0;
  }

  /** HPACK index of the newest entry named `name`, or 0. */
  nameIndex(name: string): number {
    const byName = this.#byName;
    if (byName !== null) {
      const id = byName.get(name);
      return id === undefined ? 0 : STATIC_TABLE_LENGTH + this.inserted - id;
    }
    for (let i = 0; i < this.count; i++) {
      if (this.names[(this.tail + this.count - 1 - i) & this.mask] === name) {
        return STATIC_TABLE_LENGTH + 1 + i;
      }
    }
    return 0;
  }

  override add(name: string, value: string): void {
    super.add(name, value);
    if (name.length + value.length + ENTRY_OVERHEAD > this.limit) return;
    if (this.#byName !== null) this.#index(name, value, this.inserted - 1);
    else if (this.count > SCAN_MAX) {
      this.#byName = new Map();
      this.#byField = new Map();
      // Oldest first, so that the newest duplicate wins.
      const first = this.inserted - this.count;
      for (let i = 0; i < this.count; i++) {
        const slot = (this.tail + i) & this.mask;
        this.#index(this.names[slot]!, this.values[slot]!, first + i);
      }
    }
  }

  #index(name: string, value: string, id: number): void {
    this.#byName!.set(name, id);
    const byField = this.#byField!;
    let values = byField.get(name);
    if (!values) byField.set(name, values = new Map());
    values.set(value, id);
  }

  protected override evicted(name: string, value: string, id: number): void {
    const byName = this.#byName;
    if (byName === null) return;
    if (byName.get(name) === id) byName.delete(name);
    const byField = this.#byField!;
    const values = byField.get(name);
    if (values && values.get(value) === id) {
      values.delete(value);
      if (values.size === 0) byField.delete(name);
    }
  }
}

/**
 * Encodes header lists for one direction of one connection, keeping the
 * dynamic table between blocks. Sans-IO: it returns the block; the caller
 * splits it into HEADERS / CONTINUATION frames.
 *
 * Strategy: exact static or dynamic matches become one indexed field (e.g.
 * `:status: 200` is the single octet 0x88); other fields are literals with a
 * name index where one exists, added to the table unless sensitive, volatile
 * or larger than 3/4 of the table. Strings are Huffman-coded only when that
 * is shorter. Names are expected in lowercase, as HTTP/2 requires.
 */
export class Encoder {
  readonly #table: IndexedTable;
  readonly #limit: number;
  readonly #huffman: boolean;
  readonly #neverIndex: ReadonlySet<string>;
  /** Smallest table size the peer allowed since the last block, or -1 if unchanged. */
  #pendingMin = -1;
  /** Table size to announce at the start of the next block, or -1. */
  #pendingSize = -1;

  /** Creates an encoder with an empty dynamic table. */
  constructor(options: EncoderOptions = {}) {
    this.#limit = options.tableSizeLimit ?? DEFAULT_TABLE_SIZE;
    const size = Math.min(options.maxTableSize ?? DEFAULT_TABLE_SIZE, this.#limit);
    // The peer's decoder starts at 4096 (RFC 9113 §6.5.2): announce any other size.
    this.#table = new IndexedTable(DEFAULT_TABLE_SIZE);
    if (size !== DEFAULT_TABLE_SIZE) this.setMaxTableSize(size);
    this.#huffman = options.huffman ?? true;
    this.#neverIndex = options.neverIndex === undefined
      ? DEFAULT_NEVER_INDEX_SET
      : new Set(options.neverIndex);
  }

  /** Size of the dynamic table, as the peer's decoder will see it after the last block. */
  get tableSize(): number {
    return this.#table.size;
  }

  /** Current maximum size of the dynamic table. */
  get maxTableSize(): number {
    return this.#pendingSize >= 0 ? this.#pendingSize : this.#table.maxSize;
  }

  /**
   * Applies the peer's SETTINGS_HEADER_TABLE_SIZE (capped by
   * `tableSizeLimit`). The size update is emitted at the start of the next
   * block, preceded by the smallest intermediate size if it shrank meanwhile
   * (RFC 7541 §4.2).
   */
  setMaxTableSize(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`invalid table size ${n}`);
    const size = Math.min(n, this.#limit);
    if (size === this.maxTableSize && this.#pendingSize < 0) return;
    if (this.#pendingMin < 0 || size < this.#pendingMin) this.#pendingMin = size;
    this.#pendingSize = size;
  }

  /**
   * Encodes one header list into a complete header block (a fresh array the
   * caller may keep).
   *
   * @throws {TypeError} if a name or value has a character above U+00FF. The
   * encoder stays usable: its next block resets the peer's dynamic table.
   */
  encode(headers: ReadonlyArray<HeaderField>): Uint8Array {
    return this.encodeShared(headers).slice();
  }

  /**
   * Like {@link encode}, but returns a view of a buffer every encoder of the
   * process shares, valid only until the next call on any encoder: for a
   * caller that copies the block at once (saves an allocation per response,
   * and a buffer per connection held while idle).
   */
  encodeShared(headers: ReadonlyArray<HeaderField>): Uint8Array {
    const table = this.#table;
    if (shared.length > SHARED_KEEP) shared = new Uint8Array(1024);
    const buf = shared;
    let pos = 0;

    if (this.#pendingSize >= 0) {
      if (this.#pendingMin < this.#pendingSize) {
        pos = encodeInteger(buf, pos, this.#pendingMin, 5, 0x20);
        table.setMaxSize(this.#pendingMin);
      }
      pos = encodeInteger(buf, pos, this.#pendingSize, 5, 0x20);
      table.setMaxSize(this.#pendingSize);
      this.#pendingSize = this.#pendingMin = -1;
    }

    try {
      pos = this.#fields(headers, pos);
    } catch (e) {
      // The table may hold entries of a block the peer will never see. Empty
      // it, and make the next block empty the peer's too: 0, then the size.
      this.#pendingSize = table.maxSize;
      this.#pendingMin = 0;
      table.clear();
      throw e;
    }
    return shared.subarray(0, pos);
  }

  /** Appends the fields to the block in the shared buffer from `pos`; returns the end. */
  #fields(headers: ReadonlyArray<HeaderField>, pos: number): number {
    const table = this.#table;
    let buf = shared;
    for (let h = 0; h < headers.length; h++) {
      const field = headers[h]!;
      const name = field[0];
      const value = field[1];
      const sensitive = field[2] ?? this.#neverIndex.has(name);

      // Worst case: a literal with a new name, two raw strings and their lengths.
      const need = pos + name.length + value.length + 16;
      if (need > buf.length) {
        const grown = new Uint8Array(Math.max(need, buf.length * 2));
        grown.set(buf.subarray(0, pos));
        shared = buf = grown;
      }

      const stat = STATIC_BY_NAME.get(name);
      let nameIndex = 0;
      if (stat !== undefined) {
        if (!sensitive) {
          const index = stat.values.get(value);
          if (index !== undefined) {
            pos = encodeInteger(buf, pos, index, 7, 0x80);
            continue;
          }
        }
        nameIndex = stat.index;
      }
      if (!sensitive) {
        const index = table.fieldIndex(name, value);
        if (index !== 0) {
          pos = encodeInteger(buf, pos, index, 7, 0x80);
          continue;
        }
      }
      if (nameIndex === 0) nameIndex = table.nameIndex(name);

      if (sensitive) {
        pos = encodeInteger(buf, pos, nameIndex, 4, 0x10);
      } else if (
        !VOLATILE.has(name) &&
        (name.length + value.length + ENTRY_OVERHEAD) * 4 <= table.maxSize * 3
      ) {
        pos = encodeInteger(buf, pos, nameIndex, 6, 0x40);
        table.add(name, value);
      } else {
        pos = encodeInteger(buf, pos, nameIndex, 4, 0x00);
      }
      if (nameIndex === 0) pos = encodeString(buf, pos, name, this.#huffman);
      pos = encodeString(buf, pos, value, this.#huffman);
    }
    return pos;
  }
}
