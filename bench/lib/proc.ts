/**
 * Process plumbing for the harness: pinned spawns in their own process group,
 * commands with deadlines, /proc sampling and port readiness.
 *
 * @module
 */

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Wraps argv so it runs in a new session (its pid is the process group id, so
 * the whole tree can be killed), with as many open files as the hard limit
 * allows, pinned to `cpu`. setsid, bash and taskset all exec, so the returned
 * child's pid is the pid of the real program.
 */
export function pinnedArgv(cpu: number | string, argv: string[]): string[] {
  return [
    "setsid",
    "bash",
    "-c",
    // 65536 when permitted (root with CAP_SYS_RESOURCE), else the hard limit.
    'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec taskset -c "$0" "$@"',
    String(cpu),
    ...argv,
  ];
}

/** A long-running pinned process (a server or a connection client). */
export interface Spawned {
  pid: number;
  child: Deno.ChildProcess;
  /** Lines of stdout as they arrive (the last 1000 are kept until read). */
  lines: AsyncIterator<string>;
  /** The tail of stderr. */
  stderr: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  /** True once the process has exited. */
  dead: () => boolean;
}

const STDERR_CAP = 16_384;
const LINES_CAP = 1000;

/** Starts argv pinned to `cpu` in its own process group, with `env` added. */
export function spawnPinned(
  cpu: number | string,
  argv: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Spawned {
  const [cmd, ...args] = pinnedArgv(cpu, argv);
  const child = new Deno.Command(cmd!, {
    args,
    env,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  live.add(child.pid);
  let err = "";
  (async () => {
    try {
      for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
        err = (err + text).slice(-STDERR_CAP);
      }
    } catch { /* the process is gone */ }
  })();
  // stdout is always drained, so a chatty process never blocks on a full pipe.
  const queue: string[] = [];
  const waiter: { wake?: () => void } = {};
  let ended = false;
  (async () => {
    let buf = "";
    try {
      for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
        buf += text;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          queue.push(buf.slice(0, nl));
          if (queue.length > LINES_CAP) queue.shift();
          buf = buf.slice(nl + 1);
        }
        waiter.wake?.();
      }
    } catch { /* gone */ }
    if (buf) queue.push(buf);
    ended = true;
    waiter.wake?.();
  })();
  const lines: AsyncIterator<string> = {
    async next() {
      while (!queue.length && !ended) await new Promise<void>((r) => (waiter.wake = r));
      waiter.wake = undefined;
      return queue.length
        ? { value: queue.shift()!, done: false }
        : { value: undefined, done: true };
    },
  };
  let dead = false;
  const exited = child.status.then((s) => {
    dead = true;
    live.delete(child.pid);
    return s.code;
  });
  return { pid: child.pid, child, lines, stderr: () => err, exited, dead: () => dead };
}

/** Process groups started by spawnPinned and not yet reaped, for cleanup on Ctrl-C. */
export const live: Set<number> = new Set();

/** SIGKILLs every process group this harness started that is still running. */
export function killAllStarted(): void {
  for (const pid of live) {
    try {
      Deno.kill(-pid, "SIGKILL");
    } catch { /* gone */ }
  }
}

/**
 * Ends a process group: SIGTERM, then SIGKILL after `graceMs` if it lingers.
 * Only the group we started is signalled (its id is the pid setsid gave it).
 */
export async function killGroup(p: Spawned, graceMs = 2000): Promise<void> {
  const signal = (sig: Deno.Signal) => {
    try {
      Deno.kill(-p.pid, sig);
    } catch { /* already gone */ }
  };
  signal("SIGTERM");
  const done = await Promise.race([p.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    signal("SIGKILL");
    await Promise.race([p.exited, sleep(graceMs)]);
  }
  // Sweep stragglers of the group (children that outlived the leader).
  signal("SIGKILL");
}

/** Output of a finished command. */
export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs argv (pinned to `cpu` when given) and collects its output; after
 * `timeoutMs` its process group is killed and `timedOut` is set.
 */
export async function run(
  argv: string[],
  opts: { cpu?: number; timeoutMs: number; env?: Record<string, string>; cwd?: string },
): Promise<CmdResult> {
  const full = opts.cpu === undefined ? ["setsid", ...argv] : pinnedArgv(opts.cpu, argv);
  const [cmd, ...args] = full;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd!, {
      args,
      env: opts.env,
      cwd: opts.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    return { code: 127, stdout: "", stderr: String(e), timedOut: false };
  }
  live.add(child.pid);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch { /* gone */ }
  }, opts.timeoutMs);
  const out = await child.output();
  clearTimeout(timer);
  live.delete(child.pid);
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    timedOut,
  };
}

/** Clock ticks per second for /proc/PID/stat (`getconf CLK_TCK`, 100 on Linux). */
export async function clockTicks(): Promise<number> {
  const r = await run(["getconf", "CLK_TCK"], { timeoutMs: 5000 });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
}

/** utime + stime of a process (all its threads), in clock ticks; null if it is gone. */
export function cpuTicks(pid: number): number | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // comm may hold spaces; fields after ") " start at field 3 (state).
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return null;
  }
}

/** VmRSS and VmHWM (peak) of a process in KiB; null if it is gone. */
export function memory(pid: number): { rssKiB: number; hwmKiB: number } | null {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1]);
    return { rssKiB: field("VmRSS"), hwmKiB: field("VmHWM") };
  } catch {
    return null;
  }
}

/** The command name of a process (for diagnostics). */
export function comm(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
  } catch {
    return "?";
  }
}

/** Polls until something accepts TCP connections on 127.0.0.1:port, or the deadline passes. */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  alive: () => boolean = () => true,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      return true;
    } catch {
      await sleep(50);
    }
  }
  return false;
}

/** A TCP port nobody listens on right now (the kernel's pick). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** True when `cmd` is found on PATH (or is an existing path). */
export async function have(cmd: string): Promise<boolean> {
  const r = await run(["bash", "-c", 'command -v "$0"', cmd], { timeoutMs: 5000 });
  return r.code === 0;
}
