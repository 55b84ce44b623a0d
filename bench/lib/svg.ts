/**
 * A dependency-free SVG bar chart: one small panel per (scenario, protocol)
 * with its own scale, one bar per server.
 *
 * @module
 */

/** One bar. `value` undefined draws the status text instead. */
export interface Bar {
  /** Legend label (picks the colour). */
  server: string;
  /** Axis label. */
  short: string;
  value?: number;
  /** Smallest and largest run, drawn as a whisker. */
  min?: number;
  max?: number;
  status: string;
}

/** One panel of the chart. */
export interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
}

const PALETTE = ["#1f77b4", "#6baed6", "#d62728", "#ff9896", "#2ca02c", "#9467bd", "#8c564b"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

/** 123456 → "123k", 1234 → "1.23k", 12.3 → "12.3". */
export function short(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  return v.toPrecision(3);
}

/** Renders panels in a grid with a shared legend. */
export function barChart(
  title: string,
  subtitle: string,
  servers: string[],
  panels: Panel[],
): string {
  const cols = 3;
  const pw = 330, ph = 220, gap = 20, top = 90;
  const rows = Math.max(1, Math.ceil(panels.length / cols));
  const width = cols * pw + (cols + 1) * gap;
  const height = top + rows * (ph + gap) + gap;
  const color = (s: string) => PALETTE[servers.indexOf(s) % PALETTE.length]!;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${gap}" y="26" font-size="17" font-weight="600">${esc(title)}</text>`,
    `<text x="${gap}" y="46" fill="#555">${esc(subtitle)}</text>`,
  );
  // Legend.
  let lx = gap;
  for (const s of servers) {
    out.push(
      `<rect x="${lx}" y="60" width="12" height="12" fill="${color(s)}"/>`,
      `<text x="${lx + 16}" y="70">${esc(s)}</text>`,
    );
    lx += 24 + s.length * 6.5;
  }
  panels.forEach((p, i) => {
    const x0 = gap + (i % cols) * (pw + gap);
    const y0 = top + Math.floor(i / cols) * (ph + gap);
    const plotTop = y0 + 34, plotBottom = y0 + ph - 26, plotH = plotBottom - plotTop;
    const max = Math.max(0, ...p.bars.map((b) => Math.max(b.value ?? 0, b.max ?? 0))) || 1;
    out.push(
      `<rect x="${x0}" y="${y0}" width="${pw}" height="${ph}" fill="#fafafa" stroke="#ddd"/>`,
      `<text x="${x0 + 8}" y="${y0 + 18}" font-weight="600">${esc(p.title)}</text>`,
      `<text x="${x0 + pw - 8}" y="${y0 + 18}" text-anchor="end" fill="#777">${esc(p.unit)}</text>`,
      `<line x1="${x0 + 8}" x2="${
        x0 + pw - 8
      }" y1="${plotBottom}" y2="${plotBottom}" stroke="#999"/>`,
    );
    const n = Math.max(1, p.bars.length);
    const slot = (pw - 16) / n;
    const bw = Math.min(44, slot * 0.7);
    p.bars.forEach((b, j) => {
      const cx = x0 + 8 + slot * j + slot / 2;
      if (b.value === undefined) {
        out.push(
          `<text x="${cx}" y="${plotBottom - 6}" text-anchor="middle" fill="#999">${
            esc(b.status)
          }</text>`,
        );
      } else {
        const h = Math.max(1, (b.value / max) * (plotH - 14));
        out.push(
          `<rect x="${cx - bw / 2}" y="${plotBottom - h}" width="${bw}" height="${h}" fill="${
            color(b.server)
          }">` +
            `<title>${esc(`${b.server}: ${b.value.toFixed(1)} ${p.unit}`)}</title></rect>`,
        );
        let labelY = plotBottom - h - 3;
        if (b.min !== undefined && b.max !== undefined && b.max > b.min) {
          const y = (v: number) => plotBottom - Math.max(1, (v / max) * (plotH - 14));
          out.push(
            `<path d="M${cx} ${y(b.min)}V${y(b.max)}M${cx - 4} ${y(b.max)}H${cx + 4}M${cx - 4} ${
              y(b.min)
            }H${cx + 4}" ` +
              `stroke="#333" stroke-width="1" fill="none"/>`,
          );
          labelY = Math.min(labelY, y(b.max) - 3);
        }
        out.push(`<text x="${cx}" y="${labelY}" text-anchor="middle">${short(b.value)}</text>`);
      }
      out.push(
        `<text x="${cx}" y="${plotBottom + 14}" text-anchor="middle" fill="#555" font-size="9">` +
          `${esc(b.short)}</text>`,
      );
    });
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
