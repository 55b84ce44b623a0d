/**
 * Types shared by the QPACK encoder and decoder.
 *
 * @module
 */

/**
 * A field line: name and value as latin1 strings, one character per octet,
 * so any octet sequence round-trips (as in HPACK).
 */
export type Field = [name: string, value: string];

/** Per-entry overhead in table and field-section sizes (RFC 9204 §3.2.1, RFC 9114 §4.2.2). */
export const ENTRY_OVERHEAD = 32;
