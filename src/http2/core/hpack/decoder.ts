/**
 * The HPACK decoder (RFC 7541 §3, §6).
 *
 * @module
 */

import {
  DEFAULT_TABLE_SIZE,
  DynamicTable,
  ENTRY_OVERHEAD,
  type ReadonlyDynamicTable,
} from "./dynamic_table.ts";
import { CompressionError, HeaderListTooLargeError } from "./errors.ts";
import { huffmanDecode, huffmanDecodedMaxLength } from "./huffman.ts";
import { type Cursor, decodeIntegerTail } from "./integer.ts";
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from "./static_table.ts";
import { isHuffman, stringLiteralLength } from "./string.ts";
import { decodeLatin1 } from "../../../bytes/latin1.ts";

/**
 * Default cap of a decoded header list: Σ(name + value + 32) octets (RFC 9113 §6.5.2).
 */
export const DEFAULT_MAX_HEADER_LIST_SIZE = 65536;

/**
 * Default cap of the number of fields in one decoded header list.
 */
export const DEFAULT_MAX_FIELDS = 1000;

/**
 * Decoder limits; every field is optional.
 */
export interface DecoderOptions {
  /**
   * The SETTINGS_HEADER_TABLE_SIZE we advertise: the largest dynamic table
   * size update the peer may send, and the table's initial maximum size.
   * Default 4096. A peer encodes against 4096 until it has seen our SETTINGS,
   * so a connection should start at 4096 or more and call
   * {@linkcode Decoder.setMaxTableSize} with a smaller value once acknowledged.
   */
  maxTableSize?: number;
  /** Cap of Σ(name + value + 32) over a block's fields. Default 65536. */
  maxHeaderListSize?: number;
  /** Cap of the number of fields in a block. Default 1000. */
  maxFields?: number;
}

const STATIC_NAMES: string[] = [""];
const STATIC_VALUES: string[] = [""];
for (const [name, value] of STATIC_TABLE) {
  STATIC_NAMES.push(name);
  STATIC_VALUES.push(value);
}
const FIRST_DYNAMIC = STATIC_TABLE_LENGTH + 1;
/** Huffman scratch larger than this (grown for one big literal) is not kept. */
const SCRATCH_KEEP = 65536;
/**
 * One Huffman scratch and one integer cursor for every decoder of the
 * process: decode() is synchronous and copies what it keeps into strings, so
 * no decoder needs its own (a 1 KiB buffer per connection held while idle).
 */
let scratch = new Uint8Array(1024);
const cursor: Cursor = { pos: 0 };

/**
 * Decodes header blocks of one direction of one connection. Sans-IO: it
 * takes whole blocks (HEADERS + CONTINUATION payloads joined by the caller)
 * and keeps the dynamic table between them.
 *
 * Limits: when a block's header list exceeds `maxHeaderListSize` or
 * `maxFields`, the block is still decoded to its end, so the dynamic table
 * stays in step with the peer's encoder, but fields past the cap are not
 * materialized or collected; then {@linkcode HeaderListTooLargeError} is
 * thrown. Malformed input throws {@linkcode CompressionError}, which takes
 * precedence. The never-indexed flag of decoded fields is not reported: a
 * server does not re-encode what it receives.
 */
export class Decoder {
  readonly #table: DynamicTable;
  #allowedTableSize: number;
  /** Smallest size advertised since the last block when it shrank below the table, else -1. */
  #requiredUpdate = -1;
  readonly #maxHeaderListSize: number;
  readonly #maxFields: number;

  /** Creates a decoder with an empty dynamic table. */
  constructor(options: DecoderOptions = {}) {
    const tableSize = options.maxTableSize ?? DEFAULT_TABLE_SIZE;
    checkSize(tableSize, "maxTableSize");
    this.#allowedTableSize = tableSize;
    this.#table = new DynamicTable(tableSize);
    this.#maxHeaderListSize = options.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE;
    this.#maxFields = options.maxFields ?? DEFAULT_MAX_FIELDS;
  }

  /** The dynamic table, read-only (for tests and diagnostics). */
  get table(): ReadonlyDynamicTable {
    return this.#table;
  }

  /**
   * Sets the SETTINGS_HEADER_TABLE_SIZE we advertise; call it when the peer
   * acknowledges the SETTINGS frame that carries it. Shrinking below the
   * table's current maximum obliges the peer to start its next block with a
   * size update no larger than the smallest value set meanwhile (RFC 7541
   * §4.2); a block that does not is a CompressionError.
   */
  setMaxTableSize(n: number): void {
    checkSize(n, "maxTableSize");
    this.#allowedTableSize = n;
    if (n < this.#table.maxSize && (this.#requiredUpdate < 0 || n < this.#requiredUpdate)) {
      this.#requiredUpdate = n;
    }
  }

  /**
   * Decodes one complete header block into `[name, value]` pairs, names and
   * values as latin1 strings (one character per octet).
   *
   * @throws {CompressionError} on malformed input: the connection must end.
   * @throws {HeaderListTooLargeError} when a limit is exceeded: the block was
   * consumed and the connection may continue.
   */
  decode(block: Uint8Array): Array<[name: string, value: string]> {
    const buf = block;
    const end = block.length;
    const table = this.#table;
    const out: Array<[string, string]> = [];
    const maxList = this.#maxHeaderListSize;
    const maxFields = this.#maxFields;
    let listSize = 0;
    let fields = 0;
    // The limit exceeded first, if any: from then on fields are decoded (the
    // table must stay in step) but no longer collected.
    let exceeded: "maxFields" | "maxHeaderListSize" | null = null;
    let pos = 0;
    if (scratch.length > SCRATCH_KEEP) scratch = new Uint8Array(1024);

    // Size updates may only lead the block (§4.2).
    let smallestUpdate = -1;
    while (pos < end && (buf[pos]! & 0xe0) === 0x20) {
      let size = buf[pos]! & 0x1f;
      pos++;
      if (size === 0x1f) {
        cursor.pos = pos;
        size = decodeIntegerTail(buf, cursor, end, 0x1f);
        pos = cursor.pos;
      }
      if (size > this.#allowedTableSize) {
        throw new CompressionError(
          `table size update to ${size} exceeds the advertised ${this.#allowedTableSize}`,
        );
      }
      if (smallestUpdate < 0 || size < smallestUpdate) smallestUpdate = size;
      table.setMaxSize(size);
    }
    if (this.#requiredUpdate >= 0) {
      if (smallestUpdate < 0 || smallestUpdate > this.#requiredUpdate) {
        throw new CompressionError(
          `expected a table size update to at most ${this.#requiredUpdate} at the block start`,
        );
      }
      this.#requiredUpdate = -1;
    }

    while (pos < end) {
      const b = buf[pos]!;
      if (b & 0x80) {
        // Indexed field (§6.1).
        let index = b & 0x7f;
        pos++;
        if (index === 0x7f) {
          cursor.pos = pos;
          index = decodeIntegerTail(buf, cursor, end, 0x7f);
          pos = cursor.pos;
        }
        let name: string;
        let value: string;
        if (index < FIRST_DYNAMIC) {
          if (index === 0) throw new CompressionError("index 0");
          name = STATIC_NAMES[index]!;
          value = STATIC_VALUES[index]!;
        } else {
          const i = index - FIRST_DYNAMIC;
          if (i >= table.length) throw new CompressionError(`index ${index} out of range`);
          name = table.nameAt(i);
          value = table.valueAt(i);
        }
        fields++;
        listSize += name.length + value.length + ENTRY_OVERHEAD;
        if (exceeded === null) {
          if (fields > maxFields) exceeded = "maxFields";
          else if (listSize > maxList) exceeded = "maxHeaderListSize";
          else out.push([name, value]);
        }
        continue;
      }

      // Literal field (§6.2): incremental indexing (01), without indexing
      // (0000) or never indexed (0001). A size update here is misplaced.
      let prefixMask: number;
      let indexing = false;
      if (b & 0x40) {
        prefixMask = 0x3f;
        indexing = true;
      } else if ((b & 0x20) === 0) {
        prefixMask = 0x0f;
      } else {
        throw new CompressionError("table size update after the start of the block");
      }
      let index = b & prefixMask;
      pos++;
      if (index === prefixMask) {
        cursor.pos = pos;
        index = decodeIntegerTail(buf, cursor, end, prefixMask);
        pos = cursor.pos;
      }

      // The name: from a table, or a literal whose octets are located now and
      // turned into a string only once we know it will be kept.
      let name = "";
      let nameSrc = buf;
      let nameStart = 0;
      let nameLen = 0;
      let scratchUsed = 0;
      if (index === 0) {
        const huffman = isHuffman(buf, pos, end);
        cursor.pos = pos;
        const len = stringLiteralLength(buf, cursor, end);
        pos = cursor.pos;
        if (huffman) {
          const scratch = scratchFor(huffmanDecodedMaxLength(len), 0);
          nameLen = huffmanDecode(buf, pos, pos + len, scratch, 0);
          nameSrc = scratch;
          scratchUsed = nameLen;
        } else {
          nameStart = pos;
          nameLen = len;
        }
        pos += len;
      } else if (index < FIRST_DYNAMIC) {
        name = STATIC_NAMES[index]!;
        nameLen = name.length;
      } else {
        const i = index - FIRST_DYNAMIC;
        if (i >= table.length) throw new CompressionError(`index ${index} out of range`);
        name = table.nameAt(i);
        nameLen = name.length;
      }

      // The value, likewise.
      const huffman = isHuffman(buf, pos, end);
      cursor.pos = pos;
      const len = stringLiteralLength(buf, cursor, end);
      pos = cursor.pos;
      let valueSrc = buf;
      let valueStart = pos;
      let valueLen = len;
      if (huffman) {
        const scratch = scratchFor(huffmanDecodedMaxLength(len), scratchUsed);
        if (nameSrc !== buf) nameSrc = scratch; // may have been reallocated
        valueStart = scratchUsed;
        valueLen = huffmanDecode(buf, pos, pos + len, scratch, scratchUsed) - scratchUsed;
        valueSrc = scratch;
      }
      pos += len;

      fields++;
      const size = nameLen + valueLen + ENTRY_OVERHEAD;
      listSize += size;
      if (exceeded === null) {
        if (fields > maxFields) exceeded = "maxFields";
        else if (listSize > maxList) exceeded = "maxHeaderListSize";
      }
      // Materialize only what is returned, or what the table keeps (which is
      // bounded by its size; a larger entry just empties the table).
      const keep = exceeded === null;
      if (keep || (indexing && size <= table.maxSize)) {
        if (index === 0) name = decodeLatin1(nameSrc, nameStart, nameStart + nameLen);
        const value = decodeLatin1(valueSrc, valueStart, valueStart + valueLen);
        if (indexing) table.add(name, value);
        if (keep) out.push([name, value]);
      } else if (indexing) {
        table.clear(); // what inserting an entry larger than the table does (§4.4)
      }
    }

    if (scratch.length > SCRATCH_KEEP) scratch = new Uint8Array(1024);
    if (exceeded !== null) {
      throw new HeaderListTooLargeError(
        exceeded,
        exceeded === "maxFields"
          ? `header block has ${fields} fields, more than the limit of ${maxFields}`
          : `header list of ${listSize} octets exceeds the limit of ${maxList}`,
      );
    }
    return out;
  }
}

/** The shared scratch buffer, grown (keeping its first `used` octets) to hold `used + extra`. */
function scratchFor(extra: number, used: number): Uint8Array {
  let s = scratch;
  if (s.length < used + extra) {
    const grown = new Uint8Array(Math.max(used + extra, s.length * 2));
    grown.set(s.subarray(0, used));
    scratch = s = grown;
  }
  return s;
}

function checkSize(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RangeError(`${what} must be an integer in 0..2^32-1, got ${n}`);
  }
}
