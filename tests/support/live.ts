/**
 * Test helpers shared by the interop tests: a server on 127.0.0.1, a raw
 * socket client, and a runner for external clients (curl, nghttp, h2load).
 * node:net and node:child_process run on both Deno and Bun.
 *
 * @module
 */
import net from "node:net";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { serve } from "../../mod.ts";
import { concat } from "./common.ts";
import type { Handler, ServeOptions, Server } from "../../mod.ts";

/** The bundled test certificate (localhost, 127.0.0.1, *.example.test). */
export const TLS = {
  cert: readFileSync(new URL("../fixtures/localhost.crt", import.meta.url), "utf8"),
  key: readFileSync(new URL("../fixtures/localhost.key", import.meta.url), "utf8"),
};

/** Path of the test CA/cert file, for clients that verify. */
export const CERT_PATH = new URL("../fixtures/localhost.crt", import.meta.url).pathname;

/** A running test server; `await using` shuts it down at the end of the block. */
export interface TestServer extends AsyncDisposable {
  /** The server handle. */
  server: Server;
  /** Its port. */
  port: number;
  /** http://127.0.0.1:PORT (or https). */
  base: string;
  /** Shuts it down. */
  close(): Promise<void>;
}

/** Starts a server on a free loopback port. */
export function start(handler: Handler, options: ServeOptions = {}): TestServer {
  const server = serve({ hostname: "127.0.0.1", port: 0, onListen() {}, ...options }, handler);
  const port = server.addr.port;
  const base = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  return {
    server,
    port,
    base,
    close: () => server.shutdown(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/**
 * Starts a server that records every path it serves: /good answers "ok",
 * anything else goes to `handler` (an attack test then sees any smuggled request).
 */
export function startRecording(
  handler: Handler,
  options: ServeOptions = {},
): TestServer & { paths: string[] } {
  const paths: string[] = [];
  const s = start((req, info) => {
    const path = new URL(req.url).pathname;
    paths.push(path);
    if (path === "/good") return new Response("ok");
    return handler(req, info);
  }, options);
  return Object.assign(s, { paths });
}

/** Result of a raw exchange. */
export interface RawResult {
  /** Everything the server sent, as latin1 text. */
  text: string;
  /** Raw bytes. */
  bytes: Uint8Array;
  /** True if the server closed the connection (as opposed to our timeout). */
  closedByServer: boolean;
}

/**
 * Sends raw bytes and collects the answer until the server closes or
 * `idleMs` passes without data.
 */
export function raw(
  port: number,
  data: string | Uint8Array | Array<string | Uint8Array>,
  opts: { idleMs?: number; gapMs?: number } = {},
): Promise<RawResult> {
  const idleMs = opts.idleMs ?? 1000;
  const parts = Array.isArray(data) ? data : [data];
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const sock = net.connect(port, "127.0.0.1");
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const bytes = concat(...chunks);
      resolve({ text: latin1(bytes), bytes, closedByServer });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), idleMs);
    };
    sock.on("connect", async () => {
      for (const p of parts) {
        if (done) return;
        sock.write(typeof p === "string" ? Buffer.from(p, "latin1") : p);
        if (opts.gapMs) await sleep(opts.gapMs);
      }
      arm();
    });
    sock.on("data", (d: Uint8Array) => {
      chunks.push(new Uint8Array(d));
      arm();
    });
    sock.on("end", () => finish(true));
    sock.on("close", () => finish(true));
    sock.on("error", () => finish(true));
  });
}

/** A connected raw socket with helpers to read what arrives. */
export class RawClient {
  /** The socket. */
  readonly socket: net.Socket;
  #buf: Uint8Array[] = [];
  #waiters: Array<() => void> = [];
  /** Set when the server closed. */
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (d: Uint8Array) => {
      this.#buf.push(new Uint8Array(d));
      this.#wake();
    });
    const end = () => {
      this.closed = true;
      this.#wake();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end);
  }

  /** Connects to 127.0.0.1:port. */
  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1", () => resolve(new RawClient(s)));
      s.once("error", reject);
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Sends bytes. */
  write(data: string | Uint8Array): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** All bytes received so far. */
  get received(): Uint8Array {
    return concat(...this.#buf);
  }

  /** Received bytes as latin1 text. */
  get text(): string {
    return latin1(this.received);
  }

  /** Waits until the received text satisfies `pred`, the server closes, or the timeout. */
  async until(pred: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.text)) {
      if (this.closed) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting; got: ${JSON.stringify(this.text)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.text;
  }

  /** Waits for the server to close the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    await this.until(() => this.closed, timeoutMs);
    if (!this.closed) throw new Error("server did not close");
  }

  /** Closes our side abruptly. */
  destroy(): void {
    this.socket.destroy();
  }
}

/** Result of running a command. */
export interface RunResult {
  /** Exit code (null if killed). */
  code: number | null;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs an external client with a time limit. */
export function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: "latin1" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Bytes as latin1 text. */
export function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode(...b.subarray(i, i + 8192));
  }
  return s;
}

/** Resolves after ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Deterministic pseudo-random bytes (for byte-exact body checks). */
export function pattern(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** SHA-256 hex of bytes, for comparing large bodies. */
export async function sha256(data: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The status lines found in a raw HTTP/1 response stream (for counting and ordering). */
export function statusLines(text: string): string[] {
  return [...text.matchAll(/HTTP\/1\.[01] \d{3} [^\r]*/g)].map((m) => m[0]);
}

/**
 * The command that runs a fixture script (tests/fixtures/<name>.ts) on the
 * test's own runtime: `deno run -A`, `bun`, or on Node the compiled .js that
 * scripts/build_tests.sh puts beside the compiled tests.
 *
 * @example
 * ```ts ignore
 * const [cmd, args] = fixtureCommand("shutdown_server", ["500"]);
 * spawn(cmd, args);
 * ```
 */
export function fixtureCommand(name: string, args: string[]): [string, string[]] {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  const node = g.Deno === undefined && g.Bun === undefined;
  const file = new URL(`../fixtures/${name}.${node ? "js" : "ts"}`, import.meta.url).pathname;
  return [process.execPath, g.Deno !== undefined ? ["run", "-A", file, ...args] : [file, ...args]];
}
