/**
 * What the run happened on: CPU model, cores, memory, kernel, load and the
 * versions of every runtime and tool involved.
 *
 * @module
 */
import { run } from "./proc.ts";
import type { MachineInfo } from "./types.ts";

function read(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** The 1, 5 and 15 minute load averages. */
export function loadAvg(): string {
  return read("/proc/loadavg").split(" ").slice(0, 3).join(" ");
}

async function firstLine(argv: string[], pick: RegExp = /.+/): Promise<string> {
  const r = await run(argv, { timeoutMs: 10_000 });
  const text = `${r.stdout}\n${r.stderr}`;
  return pick.exec(text)?.[0]?.trim() ?? (r.code === 127 ? "missing" : "unknown");
}

/** Collects machine facts and tool versions. */
export async function machineInfo(
  tools: { deno: string; bun: string; node: string },
): Promise<MachineInfo> {
  const cpuinfo = read("/proc/cpuinfo");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length || navigator.hardwareConcurrency;
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(read("/proc/meminfo"))?.[1] ?? 0);
  const [deno, bun, node, wrk, h2load, curl, kernel] = await Promise.all([
    firstLine([tools.deno, "--version"], /^deno .+/m),
    firstLine([tools.bun, "--version"]),
    firstLine([tools.node, "--version"]),
    firstLine(["wrk", "-v"], /^wrk .+?(?= Copyright|$)/m),
    firstLine(["h2load", "--version"]),
    firstLine(["curl", "--version"], /^curl \S+/m),
    firstLine(["uname", "-r"]),
  ]);
  return {
    cpuModel: model.trim(),
    cores,
    memGiB: Math.round((memKiB / 2 ** 20) * 10) / 10,
    kernel,
    versions: { deno, bun, node, wrk, h2load, curl },
    loadAvgStart: loadAvg(),
  };
}
