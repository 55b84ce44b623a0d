/**
 * File-system access for the static file handler: the one module above the
 * transports that touches the runtime's file APIs. node:fs/promises behaves
 * the same on Deno and Bun, so it is the single implementation.
 *
 * @module
 */
import { open, readdir, realpath, stat as fsStat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";

/**
 * What the static handler needs to know about a path.
 */
export interface FileInfo {
  /** Size in bytes. */
  readonly size: number;
  /** Last modification time, or null where the platform has none. */
  readonly mtime: Date | null;
  /** A regular file. */
  readonly isFile: boolean;
  /** A directory. */
  readonly isDirectory: boolean;
}

/**
 * One directory entry, for listings.
 */
export interface DirEntry {
  /** The entry's name (not a path). */
  readonly name: string;
  /** True for directories (symlinks to directories too). */
  readonly isDirectory: boolean;
}

/**
 * An open file; reads go through the handle, so a rename after open cannot swap the bytes.
 */
export interface OpenFile {
  /** Size and times at open. */
  readonly info: FileInfo;
  /**
   * Streams bytes start..end (inclusive) in fresh chunks, read only when the
   * consumer pulls, and closes the file at the end or on cancel. Call once.
   */
  stream(start: number, end: number): ReadableStream<Uint8Array>;
  /** Closes the file without streaming (304, HEAD, errors). Idempotent. */
  close(): Promise<void>;
}

/**
 * Read size per pull: large enough for throughput, small enough to bound memory.
 */
export const READ_CHUNK = 64 * 1024;

/**
 * Bytes read from files by openFile() streams since start-up. Tests use it to
 * prove that a slow client does not make us read a whole file ahead.
 */
export const fileCounters = { bytesRead: 0 };

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP" || code === "ENAMETOOLONG";
}

function toInfo(
  s: { size: number; mtime: Date | null; isFile(): boolean; isDirectory(): boolean },
) {
  return {
    size: s.size,
    mtime: s.mtime instanceof Date && !Number.isNaN(s.mtime.getTime()) ? s.mtime : null,
    isFile: s.isFile(),
    isDirectory: s.isDirectory(),
  };
}

/**
 * Stats a path, following symlinks; null when it does not exist.
 */
export async function stat(path: string): Promise<FileInfo | null> {
  try {
    return toInfo(await fsStat(path));
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/**
 * The canonical path (symlinks resolved); null when it does not exist.
 */
export async function realPath(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/**
 * Lists a directory.
 */
export async function readDir(path: string): Promise<DirEntry[]> {
  const entries = await readdir(path, { withFileTypes: true });
  const out: DirEntry[] = [];
  for (const e of entries) {
    let isDirectory = e.isDirectory();
    if (e.isSymbolicLink()) isDirectory = (await stat(`${path}/${e.name}`))?.isDirectory ?? false;
    out.push({ name: e.name, isDirectory });
  }
  return out;
}

/**
 * Opens a file for reading; null when it does not exist.
 */
export async function openFile(path: string): Promise<OpenFile | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  try {
    return new NodeOpenFile(handle, toInfo(await handle.stat()));
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}

class NodeOpenFile implements OpenFile {
  readonly info: FileInfo;
  #handle: FileHandle;
  #closed = false;

  constructor(handle: FileHandle, info: FileInfo) {
    this.#handle = handle;
    this.info = info;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return this.#handle.close().catch(() => {});
  }

  stream(start: number, end: number): ReadableStream<Uint8Array> {
    let position = start;
    // highWaterMark 0: nothing is read until the server asks for the next chunk.
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const left = end + 1 - position;
        if (left <= 0) {
          await this.close();
          controller.close();
          return;
        }
        // A fresh buffer per chunk: the server may still hold earlier ones in its write queue.
        const buf = new Uint8Array(Math.min(READ_CHUNK, left));
        let n: number;
        try {
          ({ bytesRead: n } = await this.#handle.read(buf, 0, buf.byteLength, position));
        } catch (error) {
          await this.close();
          throw error;
        }
        if (n === 0) {
          // The file shrank under us: fail rather than send a short body.
          await this.close();
          throw new Error(`file ended at ${position}, expected ${end + 1} bytes`);
        }
        position += n;
        fileCounters.bytesRead += n;
        controller.enqueue(n === buf.byteLength ? buf : buf.subarray(0, n));
        if (position > end) {
          await this.close();
          controller.close();
        }
      },
      cancel: () => this.close(),
    }, { highWaterMark: 0 });
  }
}
