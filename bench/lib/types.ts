/**
 * Shared shapes of the benchmark harness: protocols, peers, scenarios and the
 * results written to latest.json.
 *
 * @module
 */

/** The wire protocols a cell can use. "h2" is HTTP/2 over TLS (ALPN). */
export type Proto = "h1" | "h2c" | "h2";

/** All protocols, in table order. */
export const PROTOS: readonly Proto[] = ["h1", "h2c", "h2"];

/** How a protocol is shown to humans. */
export const PROTO_LABEL: Record<Proto, string> = {
  h1: "HTTP/1.1",
  h2c: "h2c",
  h2: "h2 (TLS)",
};

/** Outcome of a cell: measured, not applicable (protocol not spoken), or failed. */
export type CellStatus = "ok" | "n/a" | "error";

/** Whether a bigger primary value is better (req/s) or a smaller one (CPU %, KiB/conn). */
export type Better = "higher" | "lower";

/** One measurement of one cell. */
export interface RunSample {
  /** The primary metric (req/s, MB/s, KiB per connection or CPU %). */
  value: number;
  /** Median request latency in ms, when the tool reports it. */
  p50Ms?: number;
  /** 99th percentile request latency in ms, when the tool reports it. */
  p99Ms?: number;
  /** Requests completed in the measured window (for CPU per request). */
  requests?: number;
  /** Server CPU seconds (user + system) spent during the measured window. */
  cpuSeconds: number;
  /** Secondary, scenario-specific metric (CPU s per 10k requests, per GiB, ...). */
  cpuMetric?: number;
  /** Anything worth noting (errors seen by the load tool, events received). */
  note?: string;
  /** Set when further runs are pointless (e.g. a download cut off for slowness). */
  last?: boolean;
}

/** The aggregated result of one (scenario, protocol, server) cell. */
export interface CellResult {
  scenario: string;
  proto: Proto;
  server: string;
  status: CellStatus;
  /** Why the cell is n/a or error. */
  reason?: string;
  /** Unit of `value`, e.g. "req/s". */
  unit: string;
  better: Better;
  /** Median of the runs' primary values. */
  value?: number;
  /** (max - min) / median of the runs, in percent. */
  spreadPct?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Unit of cpuMetric, e.g. "CPU s/10k req". */
  cpuUnit: string;
  /** Median of the runs' cpuMetric. */
  cpuMetric?: number;
  /** Peak resident set (VmHWM) of the server process(es), KiB. */
  peakRssKiB?: number;
  /** Every run, in order. */
  runs: RunSample[];
}

/** A ratio of ours to a peer in the same run. */
export interface RatioResult {
  scenario: string;
  proto: Proto;
  ours: string;
  peer: string;
  /** ours.value / peer.value. */
  value?: number;
  /** ours.cpuMetric / peer.cpuMetric (lower is better for ours). */
  cpu?: number;
}

/** The machine and tool versions a run happened on. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memGiB: number;
  kernel: string;
  versions: Record<string, string>;
  loadAvgStart: string;
  loadAvgEnd?: string;
}

/** Everything latest.json holds. */
export interface BenchReport {
  date: string;
  machine: MachineInfo;
  settings: {
    runs: number;
    durationS: number;
    quick: boolean;
    serverCpu: number;
    loadCpu: number;
    idleConns: number;
    sseStreams: number;
    /** WebSocket connections of the `ws` scenario (absent in older reports). */
    wsConns?: number;
    downloadMiB: number;
    latencySource: string;
  };
  cells: CellResult[];
  ratios: RatioResult[];
  /** bench/zlib_ceiling.ts per runtime, when a compression row ran. */
  zlib?: ZlibCeiling[];
  elapsedS: number;
}

/** What zlib alone does on the server's core (bench/zlib_ceiling.ts). */
export interface ZlibCeiling {
  runtime: string;
  /** gzipSync level 6 of the 100 KB JSON per second. */
  perSec: number;
  /** Per body size: µs the loop is blocked by gzipSync, and the loop's µs per asynchronous gzip. */
  rows: { bytes: number; syncUs: number; asyncLoopUs: number; asyncWallUs: number }[];
}
