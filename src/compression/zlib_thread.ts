/**
 * Deno only: whole-body compression on a thread of its own. Deno 2.9 runs
 * node:zlib's callback API on the calling thread (off_loop.ts), so a large
 * body compressed there holds the event loop; a web Worker compressing with
 * the *Sync functions does not. Measured (gzip 6, 96 KB JSON): the same
 * ~0.4–0.5 ms per body on the worker as on the loop; starting the worker
 * costs about 40 ms of CPU and 40–200 ms before its first answer.
 *
 * So the worker is started on the first large body and used once it has
 * answered a first message; until then (and if it cannot start) callers
 * compress on the loop as before. It is stopped after IDLE_MS without work:
 * a live Worker keeps a Deno process alive (it has no unref), so this bounds
 * how long an otherwise finished process lingers after its last compression.
 *
 * @module
 */

/** The codings the thread compresses; the same options as encoders.ts. */
export type ThreadCoding = "gzip" | "br" | "zstd";

/** How long the thread lives without work. */
export const IDLE_MS = 2000;

const SOURCE = `import zlib from "node:zlib";
const C = zlib.constants;
self.onmessage = (e) => {
  const { id, coding, level, data } = e.data;
  if (id === 0) { self.postMessage({ id: 0 }); return; }
  try {
    const out = coding === "gzip"
      ? zlib.gzipSync(data, { level })
      : coding === "br"
      ? zlib.brotliCompressSync(data, { params: { [C.BROTLI_PARAM_QUALITY]: level, [C.BROTLI_PARAM_SIZE_HINT]: data.byteLength } })
      : zlib.zstdCompressSync(data, { params: { [C.ZSTD_c_compressionLevel]: level } });
    const whole = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
    const own = whole ? new Uint8Array(out.buffer) : new Uint8Array(out);
    self.postMessage({ id, out: own }, [own.buffer]);
  } catch (err) {
    self.postMessage({ id, error: String(err && err.message || err) });
  }
};`;

interface Job {
  resolve(out: Uint8Array<ArrayBuffer>): void;
  reject(error: Error): void;
}

type State = "off" | "starting" | "ready" | "failed";

let state: State = "off";
let worker: Worker | null = null;
let url: string | null = null;
const jobs = new Map<number, Job>();
let nextId = 1;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

const CAN_START = "Deno" in globalThis && typeof Worker === "function";

/**
 * True when the thread has answered and can take a body now. The first call
 * starts it (its first body goes the loop's way meanwhile).
 */
export function threadReady(): boolean {
  if (state === "ready") return true;
  if (state === "off" && CAN_START) start();
  return false;
}

/** Compresses `data` on the thread; only after threadReady() said true. */
export function onThread(
  coding: ThreadCoding,
  level: number,
  data: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  clearTimeout(idleTimer);
  const id = nextId++;
  // A copy the thread may own: the caller's bytes may be a view into something still in use.
  const copy = data.slice();
  return new Promise((resolve, reject) => {
    jobs.set(id, { resolve, reject });
    worker!.postMessage({ id, coding, level, data: copy }, [copy.buffer]);
  });
}

/** Stops the thread now (tests; a process that wants to exit at once). */
export function stopZlibThread(): void {
  clearTimeout(idleTimer);
  idleTimer = undefined;
  worker?.terminate();
  worker = null;
  const error = new Error("zlib thread stopped");
  for (const job of jobs.values()) job.reject(error);
  jobs.clear();
  if (state !== "failed") state = "off";
}

function start(): void {
  state = "starting";
  try {
    url ??= URL.createObjectURL(new Blob([SOURCE], { type: "application/javascript" }));
    const w = new Worker(url, { type: "module" });
    worker = w;
    w.onmessage = (e: MessageEvent) => settle(e.data);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      fail(w, new Error(`zlib thread failed: ${e.message}`));
    };
    w.postMessage({ id: 0 });
    armIdle();
  } catch {
    // No Worker here (permissions, an embedder): the loop's way stays.
    state = "failed";
    worker = null;
  }
}

function settle(msg: { id: number; out?: Uint8Array<ArrayBuffer>; error?: string }): void {
  if (msg.id === 0) {
    if (state === "starting") state = "ready";
    return;
  }
  const job = jobs.get(msg.id);
  if (job === undefined) return;
  jobs.delete(msg.id);
  if (msg.out !== undefined) job.resolve(msg.out);
  else job.reject(new Error(msg.error ?? "compression failed"));
  if (jobs.size === 0) armIdle();
}

/** The worker died: its jobs fail, and the next body starts a new one. */
function fail(w: Worker, error: Error): void {
  if (worker !== w) return;
  w.terminate();
  worker = null;
  state = "off";
  for (const job of jobs.values()) job.reject(error);
  jobs.clear();
}

function armIdle(): void {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (jobs.size === 0) stopZlibThread();
  }, IDLE_MS);
}
