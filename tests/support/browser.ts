/**
 * A small headless-Chromium harness for interop tests: launches Debian's
 * Chromium with a throwaway profile, speaks the DevTools protocol over the
 * `ws` client (so it runs the same on Deno, Bun and Node), opens pages and
 * evaluates scripts in them. Every step is bounded in time and `await using`
 * closes the browser and removes its profile on every path.
 *
 * The test certificate is trusted by pinning its public key
 * (`--ignore-certificate-errors-spki-list`), not by ignoring all errors, so a
 * server presenting any other certificate still fails the handshake.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** How long launching the browser may take before the harness gives up. */
const LAUNCH_TIMEOUT_MS = 30_000;
/** How long one DevTools command may take (a page script has its own bound). */
const COMMAND_TIMEOUT_MS = 30_000;

/**
 * Why the browser tests cannot run here, or `false` when they can.
 *
 * @example
 * ```ts
 * it("opens a page", { skip: skipUnless(!chromiumMissing(), String(chromiumMissing())) }, () => {});
 * ```
 */
export function chromiumMissing(): string | false {
  if (!existsSync(CHROMIUM_PATH)) {
    return `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`;
  }
  return false;
}

/**
 * The base64 SHA-256 of a certificate's SubjectPublicKeyInfo, the form
 * Chromium's `--ignore-certificate-errors-spki-list` takes.
 *
 * @example
 * ```ts
 * const pin = spkiHash(readFileSync("tests/fixtures/localhost.crt", "utf8"));
 * ```
 */
export function spkiHash(pem: string): string {
  const der = new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("base64");
}

/** Options of launchChromium. */
export interface LaunchOptions {
  /** PEM certificates whose public keys the browser trusts (for our self-signed test cert). */
  trust?: string[];
  /** Origins ("host:port") forced onto QUIC (HTTP/3); QUIC is otherwise disabled. */
  forceQuic?: string[];
}

/**
 * Launches headless Chromium and connects to it over the DevTools protocol.
 *
 * @example
 * ```ts
 * await using browser = await launchChromium({ trust: [TLS.cert] });
 * await using page = await browser.open("https://127.0.0.1:8443/");
 * console.log(await page.evaluate("document.title"));
 * ```
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "h2serve-chromium-"));
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    ...(options.forceQuic?.length
      ? [
        "--enable-quic",
        `--origin-to-force-quic-on=${options.forceQuic.join(",")}`,
        // Without it Chromium tries ::1 first, where nothing listens on UDP, and reports
        // ERR_QUIC_HANDSHAKE_FAILED instead of falling back to 127.0.0.1.
        "--host-resolver-rules=MAP localhost 127.0.0.1",
      ]
      : ["--disable-quic"]),
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    `--user-data-dir=${profile}`,
    "--remote-debugging-port=0",
    "--remote-debugging-address=127.0.0.1",
  ];
  const pins = (options.trust ?? []).map(spkiHash);
  if (pins.length) args.push(`--ignore-certificate-errors-spki-list=${pins.join(",")}`);
  args.push("about:blank");
  // A process group of its own, so closing reaches the renderer and GPU helpers too.
  const proc = spawn(CHROMIUM_PATH, args, { detached: true, stdio: ["ignore", "ignore", "pipe"] });
  const cleanup = () => {
    killGroup(proc);
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const endpoint = await devtoolsEndpoint(proc);
    const cdp = await CdpConnection.connect(endpoint);
    return new Browser(proc, cdp, cleanup);
  } catch (e) {
    cleanup();
    throw e;
  }
}

function killGroup(proc: ChildProcess): void {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    process.kill(-proc.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

function devtoolsEndpoint(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(
      () => fail(new Error("Chromium did not start in time")),
      LAUNCH_TIMEOUT_MS,
    );
    const fail = (e: Error) => {
      clearTimeout(timer);
      proc.stderr?.removeAllListeners("data");
      reject(new Error(`${e.message}\n${err.slice(-2000)}`));
    };
    proc.once("error", fail);
    proc.once("exit", (code) => fail(new Error(`Chromium exited (${code}) before listening`)));
    proc.stderr!.setEncoding("utf8");
    proc.stderr!.on("data", (chunk: string) => {
      err += chunk;
      if (err.length > 65536) err = err.slice(-8192);
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        proc.removeAllListeners("exit");
        // Keep draining stderr so the browser never blocks on a full pipe.
        proc.stderr!.removeAllListeners("data");
        proc.stderr!.resume();
        resolve(m[1]!);
      }
    });
  });
}

type Json = Record<string, unknown>;
interface Pending {
  resolve(v: Json): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** One DevTools protocol connection (flat sessions). */
class CdpConnection {
  #ws: WebSocket;
  #next = 1;
  #pending = new Map<number, Pending>();
  #listeners = new Set<(method: string, params: Json, sessionId?: string) => void>();
  #closed = false;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on("message", (data) => this.#onMessage(String(data)));
    ws.on("close", () => this.#failAll(new Error("DevTools connection closed")));
    ws.on("error", (e) => this.#failAll(e));
  }

  static connect(url: string): Promise<CdpConnection> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 << 20 });
      ws.once("open", () => resolve(new CdpConnection(ws)));
      ws.once("error", reject);
    });
  }

  send(method: string, params: Json = {}, sessionId?: string, timeoutMs = COMMAND_TIMEOUT_MS) {
    if (this.#closed) return Promise.reject(new Error(`DevTools closed (${method})`));
    const id = this.#next++;
    return new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`DevTools ${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  /** Waits for one event; bounded. */
  waitFor(method: string, sessionId: string | undefined, timeoutMs: number): Promise<Json> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners.delete(l);
        reject(new Error(`no ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      const l = (m: string, params: Json, sid?: string) => {
        if (m !== method || sid !== sessionId) return;
        clearTimeout(timer);
        this.#listeners.delete(l);
        resolve(params);
      };
      this.#listeners.add(l);
    });
  }

  close(): void {
    this.#closed = true;
    this.#ws.terminate();
    this.#failAll(new Error("DevTools connection closed"));
  }

  #onMessage(text: string): void {
    const msg = JSON.parse(text) as {
      id?: number;
      result?: Json;
      error?: { message: string };
      method?: string;
      params?: Json;
      sessionId?: string;
    };
    if (msg.id !== undefined) {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(`DevTools: ${msg.error.message}`));
      else p.resolve(msg.result ?? {});
    } else if (msg.method) {
      for (const l of [...this.#listeners]) l(msg.method, msg.params ?? {}, msg.sessionId);
    }
  }

  #failAll(e: Error): void {
    this.#closed = true;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.#pending.clear();
  }
}

/**
 * A launched Chromium. `await using` closes it.
 *
 * @example
 * ```ts
 * await using browser = await launchChromium();
 * console.log(await browser.version());
 * ```
 */
export class Browser implements AsyncDisposable {
  #proc: ChildProcess;
  #cdp: CdpConnection;
  #cleanup: () => void;

  /** Use launchChromium. */
  constructor(proc: ChildProcess, cdp: CdpConnection, cleanup: () => void) {
    this.#proc = proc;
    this.#cdp = cdp;
    this.#cleanup = cleanup;
  }

  /** The browser's product string, e.g. "Chrome/156.0.8078.114". */
  async version(): Promise<string> {
    return String((await this.#cdp.send("Browser.getVersion")).product);
  }

  /** Opens a new tab at `url` and waits for its load event. */
  async open(url: string, timeoutMs = 20_000): Promise<Page> {
    const { targetId } = await this.#cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.#cdp.send("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const page = new Page(this.#cdp, String(targetId), String(sessionId));
    try {
      await this.#cdp.send("Page.enable", {}, page.sessionId);
      const loaded = this.#cdp.waitFor("Page.loadEventFired", page.sessionId, timeoutMs);
      const nav = await this.#cdp.send("Page.navigate", { url }, page.sessionId);
      if (nav.errorText) {
        loaded.catch(() => {});
        throw new Error(`Chromium could not load ${url}: ${nav.errorText}`);
      }
      await loaded;
      return page;
    } catch (e) {
      await page.close();
      throw e;
    }
  }

  /** Closes the browser, kills its process group and removes its profile. */
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) resolve();
      else this.#proc.once("exit", () => resolve());
    });
    await Promise.race([
      this.#cdp.send("Browser.close", {}, undefined, 2000).catch(() => {}),
      exited,
    ]);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    this.#cdp.close();
    this.#cleanup();
  }

  /** Same as close(). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * One tab. `await using` closes it.
 *
 * @example
 * ```ts
 * await using page = await browser.open(url);
 * const protocol = await page.evaluate<string>("performance.getEntries()[0].nextHopProtocol");
 * ```
 */
export class Page implements AsyncDisposable {
  #cdp: CdpConnection;
  #targetId: string;
  /** The DevTools session of this tab. */
  readonly sessionId: string;

  /** Use Browser.open. */
  constructor(cdp: CdpConnection, targetId: string, sessionId: string) {
    this.#cdp = cdp;
    this.#targetId = targetId;
    this.sessionId = sessionId;
  }

  /**
   * Evaluates `expression` in the page (awaiting a returned promise) and
   * returns its value as JSON. A thrown exception rejects with its text.
   */
  async evaluate<T>(expression: string, timeoutMs = 30_000): Promise<T> {
    const r = await this.#cdp.send(
      "Runtime.evaluate",
      {
        expression,
        awaitPromise: true,
        returnByValue: true,
        timeout: timeoutMs,
      },
      this.sessionId,
      timeoutMs + 5000,
    );
    const ex = r.exceptionDetails as
      | { text?: string; exception?: { description?: string; value?: unknown } }
      | undefined;
    if (ex) {
      const detail = ex.exception?.description ?? JSON.stringify(ex.exception?.value) ?? "";
      throw new Error(`page script failed: ${ex.text ?? ""} ${detail}`);
    }
    return (r.result as { value: T }).value;
  }

  /** Closes the tab. */
  async close(): Promise<void> {
    await this.#cdp.send("Target.closeTarget", { targetId: this.#targetId }, undefined, 5000)
      .catch(() => {});
  }

  /** Same as close(). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The bundled test certificate as PEM (trusted by pin in the browser tests). */
export const TEST_CERT_PEM = readFileSync(
  new URL("../fixtures/localhost.crt", import.meta.url),
  "utf8",
);
