/**
 * Parsers for the load tools' text output (wrk, h2load, curl) and the small
 * statistics the report needs.
 *
 * @module
 */

/** What a load tool measured in one run. */
export interface LoadOutput {
  reqPerSec: number;
  /** Completed requests (wrk: all responses; h2load: succeeded). */
  requests: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Failures the tool saw: socket errors, non-2xx, failed streams. */
  errors: number;
  errorText?: string;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** "1.23ms" / "850.00us" / "1.02s" → milliseconds. */
export function durationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** Parses `wrk --latency` output. Throws when the summary is missing. */
export function parseWrk(out: string): LoadOutput {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (!rps || !total) throw new Error(`unparseable wrk output: ${out.slice(0, 300)}`);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(out);
    return m ? durationMs(m[1]!) : undefined;
  };
  let errors = 0;
  const texts: string[] = [];
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (sock) {
    const n = [1, 2, 3, 4].reduce((a, i) => a + Number(sock[i]), 0);
    if (n) {
      errors += n;
      texts.push(sock[0]);
    }
  }
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx) {
    errors += Number(non2xx[1]);
    texts.push(non2xx[0]);
  }
  return {
    reqPerSec: Number(rps[1]),
    requests: Number(total[1]),
    p50Ms: pct("50"),
    p99Ms: pct("99"),
    errors,
    errorText: texts.join("; ") || undefined,
  };
}

/**
 * Parses h2load's summary. Latency percentiles come from its --log-file (see logPercentiles).
 * `expect` is the application protocol asked for: h2 (default; h2c counts) or http/1.1 (--h1).
 */
export function parseH2load(out: string, expect: "h2" | "http/1.1" = "h2"): LoadOutput {
  const fin = /finished in ([\d.]+\w+), ([\d.]+) req\/s/.exec(out);
  const req =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/
      .exec(out);
  if (!fin || !req) throw new Error(`unparseable h2load output: ${out.slice(-400)}`);
  const failed = Number(req[5]) + Number(req[6]) + Number(req[7]);
  const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  const bad = status ? Number(status[3]) + Number(status[4]) : 0;
  const texts = [];
  if (failed) texts.push(`${req[5]} failed, ${req[6]} errored, ${req[7]} timeout`);
  if (bad) texts.push(`${bad} 4xx/5xx`);
  const proto = /Application protocol: (\S+)/.exec(out)?.[1];
  const ok = expect === "h2" ? proto === "h2" || proto === "h2c" : proto === expect;
  if (proto && !ok) texts.push(`negotiated ${proto}`);
  return {
    reqPerSec: Number(fin[2]),
    requests: Number(req[4]),
    errors: failed + bad + (texts.some((t) => t.startsWith("negotiated")) ? 1 : 0),
    errorText: texts.join("; ") || undefined,
  };
}

/**
 * p50 and p99 of h2load's per-request log (tab-separated: start µs, status,
 * duration µs), in ms. Returns {} for an empty log.
 */
export function logPercentiles(log: string): { p50Ms?: number; p99Ms?: number } {
  const d: number[] = [];
  let i = 0;
  while (i < log.length) {
    let nl = log.indexOf("\n", i);
    if (nl < 0) nl = log.length;
    const tab = log.lastIndexOf("\t", nl);
    if (tab > i) {
      const v = Number(log.slice(tab + 1, nl));
      if (Number.isFinite(v)) d.push(v);
    }
    i = nl + 1;
  }
  if (!d.length) return {};
  const a = Float64Array.from(d).sort();
  return { p50Ms: quantile(a, 0.5) / 1000, p99Ms: quantile(a, 0.99) / 1000 };
}

/** Nearest-rank quantile of a sorted array. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx]!;
}

/** What `curl -w "%{http_code} %{http_version} %{size_download} %{speed_download} %{time_total}"` printed. */
export interface CurlOutput {
  status: number;
  httpVersion: string;
  bytes: number;
  bytesPerSec: number;
  totalS: number;
}

/** The -w format parseCurl expects. */
export const CURL_WRITE_OUT =
  "%{http_code} %{http_version} %{size_download} %{speed_download} %{time_total}";

/** Parses the CURL_WRITE_OUT line. */
export function parseCurl(out: string): CurlOutput {
  const [status, httpVersion, bytes, speed, total] = out.trim().split(/\s+/);
  return {
    status: Number(status),
    httpVersion: httpVersion ?? "",
    bytes: Number(bytes),
    bytesPerSec: Number(speed),
    totalS: Number(total),
  };
}

/** Median (mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** (max - min) / median, in percent: the noise across runs. */
export function spreadPct(xs: number[]): number {
  if (xs.length < 2) return 0;
  const med = median(xs);
  return med ? ((Math.max(...xs) - Math.min(...xs)) / Math.abs(med)) * 100 : 0;
}
