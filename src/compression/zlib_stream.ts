/**
 * The subset of a node:zlib stream that compression drives, in a module of its
 * own so that the encoders and the off-loop runner share it without importing
 * each other.
 *
 * @module
 */

/**
 * The node:zlib stream object we drive (the subset we use).
 */
export interface ZlibStream {
  write(chunk: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  flush(kind: number, callback: () => void): void;
  end(): void;
  destroy(error?: Error): void;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
}
