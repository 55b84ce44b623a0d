/**
 * Writers for the results: the markdown report, the JSON file and the SVG
 * chart, all from one BenchReport.
 *
 * @module
 */
import { barChart, type Panel, short } from "./svg.ts";
import { type BenchReport, type CellResult, type Proto, PROTO_LABEL } from "./types.ts";

/** Labels needed to render: server id → label, scenario id → title. */
export interface Labels {
  servers: { id: string; label: string }[];
  scenarios: { id: string; title: string; unit: string; better: string; cpuUnit: string }[];
}

function fmt(v: number | undefined, digits = 1): string {
  if (v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 10_000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(digits);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

function cellText(c: CellResult | undefined): string {
  if (!c) return "";
  if (c.status === "ok") {
    const spread = c.runs.length > 1 ? ` ±${(c.spreadPct ?? 0).toFixed(0)}%` : "";
    return `${fmt(c.value)}${spread}${c.reason ? " †" : ""}`;
  }
  return c.status === "n/a" ? "n/a" : "**error**";
}

/** Groups of (scenario, proto) in report order, with their cells. */
function groups(
  r: BenchReport,
  labels: Labels,
): { sc: Labels["scenarios"][number]; proto: Proto; cells: CellResult[] }[] {
  const out = [];
  for (const sc of labels.scenarios) {
    for (const proto of ["h1", "h2c", "h2"] as Proto[]) {
      const cells = r.cells.filter((c) => c.scenario === sc.id && c.proto === proto);
      if (cells.length) out.push({ sc, proto, cells });
    }
  }
  return out;
}

/** Renders latest.md. */
export function markdown(r: BenchReport, labels: Labels): string {
  const m = r.machine;
  const servers = labels.servers.filter((s) => r.cells.some((c) => c.server === s.id));
  const L: string[] = [];
  const label = (id: string) => labels.servers.find((s) => s.id === id)?.label ?? id;
  L.push(`# h2serve benchmark${r.settings.quick ? " (quick run)" : ""}`, "");
  L.push(`- **Date:** ${r.date}`);
  L.push(
    `- **Machine:** ${m.cpuModel}, ${m.cores} cores, ${m.memGiB} GiB RAM, Linux ${m.kernel}; ` +
      `server pinned to CPU ${r.settings.serverCpu}, load generator to CPU ${r.settings.loadCpu} (taskset)`,
  );
  L.push(`- **Versions:** ${Object.entries(m.versions).map(([k, v]) => `${k}: ${v}`).join("; ")}`);
  L.push(
    `- **Method:** ${r.settings.runs} run(s) per cell, median reported, ±spread = (max−min)/median; ` +
      `load steps ${r.settings.durationS} s (h2load: by count, the last rate × that); all peers of a row run side by side, runs interleaved. ` +
      `Latency: wrk --latency (h1); ${r.settings.latencySource} (h2).`,
  );
  const spreads = r.cells.filter((c) => c.status === "ok" && c.runs.length > 1).map((c) =>
    c.spreadPct ?? 0
  );
  const noise = spreads.length
    ? `median spread ${[...spreads].sort((a, b) => a - b)[spreads.length >> 1]!.toFixed(1)}%, ` +
      `worst ${Math.max(...spreads).toFixed(1)}%`
    : "single run, no spread measured";
  L.push(
    `- **Noise:** ${noise}; load average ${m.loadAvgStart} at start, ${
      m.loadAvgEnd ?? "?"
    } at end. ` +
      `Total time ${(r.elapsedS / 60).toFixed(1)} min.`,
  );
  L.push("");

  // Summary matrix.
  L.push("## Summary (median ±spread)", "");
  L.push(`| Scenario | Protocol | Unit | ${servers.map((s) => s.label).join(" | ")} |`);
  L.push(`|---|---|---|${servers.map(() => "---:").join("|")}|`);
  for (const g of groups(r, labels)) {
    const better = g.sc.better === "lower" ? " (lower is better)" : "";
    L.push(
      `| ${g.sc.title} | ${PROTO_LABEL[g.proto]} | ${g.sc.unit}${better} | ` +
        servers.map((s) => cellText(g.cells.find((c) => c.server === s.id))).join(" | ") + " |",
    );
  }
  L.push("");

  // Ratios.
  const pairs = [...new Set(r.ratios.map((x) => `${x.ours}|${x.peer}`))];
  if (pairs.length) {
    L.push("## Ratios ours/peer, same run", "");
    L.push(
      "Primary metric ratio, then server CPU per unit of work in parentheses " +
        "(below 1.0× means ours spends less CPU). For CPU % and KiB/conn rows lower is better.",
      "",
    );
    L.push(
      `| Scenario | Protocol | ${
        pairs.map((p) => p.split("|").map(label).join(" / ")).join(" | ")
      } |`,
    );
    L.push(`|---|---|${pairs.map(() => "---:").join("|")}|`);
    for (const g of groups(r, labels)) {
      const row = pairs.map((p) => {
        const [ours, peer] = p.split("|");
        const x = r.ratios.find((q) =>
          q.scenario === g.sc.id && q.proto === g.proto && q.ours === ours && q.peer === peer
        );
        if (!x || x.value === undefined) return "–";
        return `${x.value.toFixed(2)}×` +
          (x.cpu !== undefined ? ` (cpu ${x.cpu.toFixed(2)}×)` : "");
      });
      if (row.some((t) => t !== "–")) {
        L.push(`| ${g.sc.title} | ${PROTO_LABEL[g.proto]} | ${row.join(" | ")} |`);
      }
    }
    L.push("");
  }
  if (r.cells.some((c) => c.status === "ok" && c.reason)) {
    L.push("† measured, with a caveat: see the notes under Details.", "");
  }
  compressionSection(r, label, L);

  // Details.
  L.push("## Details", "");
  const notes: string[] = [];
  for (const sc of labels.scenarios) {
    const cells = r.cells.filter((c) => c.scenario === sc.id);
    if (!cells.length) continue;
    L.push(`### ${sc.title}`, "");
    L.push(
      `| Protocol | Server | ${sc.unit} | spread | p50 ms | p99 ms | ${sc.cpuUnit} | peak RSS MiB | runs |`,
    );
    L.push("|---|---|---:|---:|---:|---:|---:|---:|---|");
    for (const c of cells) {
      let status = c.status === "ok" ? fmt(c.value) : c.status;
      if (c.reason) {
        notes.push(`${sc.title} / ${PROTO_LABEL[c.proto]} / ${label(c.server)}: ${c.reason}`);
        status += ` [${notes.length}]`;
      }
      const runs = c.runs.map((x) => short(x.value) + (x.note ? ` (${x.note})` : "")).join(", ");
      L.push(
        `| ${PROTO_LABEL[c.proto]} | ${label(c.server)} | ${status} | ` +
          `${
            c.status === "ok" && c.runs.length > 1 ? `${(c.spreadPct ?? 0).toFixed(1)}%` : "–"
          } | ${fmt(c.p50Ms, 2)} | ${fmt(c.p99Ms, 2)} | ` +
          `${fmt(c.cpuMetric, 3)} | ${
            c.peakRssKiB ? (c.peakRssKiB / 1024).toFixed(0) : "–"
          } | ${runs} |`,
      );
    }
    L.push("");
  }
  if (notes.length) {
    L.push("### Notes", "");
    notes.forEach((n, i) => L.push(`${i + 1}. ${n.replace(/\s+/g, " ")}`));
    L.push("");
  }
  return L.join("\n");
}

/** The compression rows against their anchors: the zlib ceiling, nginx, and identity beside. */
function compressionSection(r: BenchReport, label: (id: string) => string, L: string[]): void {
  const cell = (sc: string, server: string) =>
    r.cells.find((c) =>
      c.scenario === sc && c.proto === "h1" && c.server === server && c.status === "ok"
    );
  const servers = [...new Set(r.cells.map((c) => c.server))];
  const busy = servers.filter((s) => cell("busy-gzip", s) && cell("busy-identity", s));
  if (!r.zlib?.length && !busy.length) return;
  L.push("## Compression anchors", "");
  if (r.zlib?.length) {
    L.push(
      "zlib ceiling: `gzipSync` of the 100 KB JSON at level 6 on the server's core " +
        "(bench/zlib_ceiling.ts), and each HTTP/1.1 `json-gzip` cell as a share of it:",
      "",
    );
    L.push("| runtime | zlib compressions/s | server | json-gzip req/s | share of ceiling |");
    L.push("|---|---:|---|---:|---:|");
    const of: Record<string, string[]> = {
      deno: ["h2serve-deno", "h2serve-deno-before"],
      bun: ["h2serve-bun", "h2serve-bun-before"],
      node: ["h2serve-node", "h2serve-node-before", "nginx"],
    };
    for (const z of r.zlib) {
      const rt = z.runtime.split(" ")[0]!;
      const rows = (of[rt] ?? []).map((s) => [s, cell("json-gzip", s)] as const)
        .filter(([, c]) => c);
      if (!rows.length) L.push(`| ${z.runtime} | ${fmt(z.perSec)} | – | – | – |`);
      for (const [s, c] of rows) {
        L.push(
          `| ${z.runtime} | ${fmt(z.perSec)} | ${label(s)} | ${fmt(c!.value)} | ${
            ((c!.value! / z.perSec) * 100).toFixed(0)
          }% |`,
        );
      }
    }
    L.push("", "(nginx links the system zlib, as Node's figure here does.)", "");
  }
  if (busy.length) {
    L.push(
      "Hello p99 beside 100 KB JSON responses on other connections, gzip against identity " +
        "(target: gzip within ±20% of identity):",
      "",
    );
    L.push("| server | p99 beside gzip (ms) | p99 beside identity (ms) | gzip / identity |");
    L.push("|---|---:|---:|---:|");
    for (const s of busy) {
      const g = cell("busy-gzip", s)!.value!;
      const i = cell("busy-identity", s)!.value!;
      L.push(`| ${label(s)} | ${fmt(g)} | ${fmt(i)} | ${(g / i).toFixed(2)}× |`);
    }
    L.push("");
  }
}

/** Renders latest.svg: req/s and MB/s per scenario and server. */
export function svg(r: BenchReport, labels: Labels): string {
  const servers = labels.servers.filter((s) => r.cells.some((c) => c.server === s.id));
  const panels: Panel[] = [];
  for (const g of groups(r, labels)) {
    if (g.sc.better !== "higher") continue;
    panels.push({
      title: `${g.sc.title} · ${PROTO_LABEL[g.proto]}`,
      unit: g.sc.unit,
      bars: servers.map((s) => {
        const c = g.cells.find((x) => x.server === s.id);
        return {
          server: s.label,
          short: s.id.replace("h2serve-", "ours/"),
          value: c?.status === "ok" ? c.value : undefined,
          min: c?.status === "ok" ? Math.min(...c.runs.map((x) => x.value)) : undefined,
          max: c?.status === "ok" ? Math.max(...c.runs.map((x) => x.value)) : undefined,
          status: c?.status ?? "",
        };
      }),
    });
  }
  const m = r.machine;
  return barChart(
    `h2serve vs Deno.serve, Bun.serve, Node — ${r.date.slice(0, 10)}${
      r.settings.quick ? " (quick)" : ""
    }`,
    `${m.cpuModel}, ${m.cores} cores; server on 1 pinned core, load on another; ` +
      `median of ${r.settings.runs} run(s), whiskers min–max`,
    servers.map((s) => s.label),
    panels,
  );
}
