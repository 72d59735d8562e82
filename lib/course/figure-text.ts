// A chart for readers who do not see it (lib/course/plot.ts's figureHtml uses this): its title and a caption
// that says what it shows and what to notice, and its data as an HTML table.
//
//   chartTitleHtml(layout)      the title, with plotly's small HTML subset reduced to <b>, <i>, <sub>, <sup>, <br>
//   describeFigure(fig)         "Line chart of loss against epoch. SGD: from 2.30 to 0.31 (lowest 0.29 at epoch 9)."
//   figureDataTable(fig)        <table>s of the traces' numbers (long series sampled evenly, big images summarised)
//
// Pure functions of the figure as plotly.js receives it (after prepareFigure): nothing here draws.

type Layout = Record<string, unknown>;
type TraceData = Record<string, unknown>;

/** Most rows a series table keeps (evenly spaced, first and last included); cells an image table writes in full. */
const MAX_ROWS = 60;
const MAX_CELLS = 900;

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Text without plotly's tags (<br> becomes a space), entities kept as they are. */
export function plainText(s: string): string {
  return s.replace(/<br\s*\/?>/gi, " ").replace(/<[^>]*>/g, "").replace(/\s+/g, " ").trim();
}

/** A title as safe HTML: plotly's <b>, <i>, <sub>, <sup>, <br> kept, every other tag dropped (its text kept). */
export function safeInlineHtml(s: string): string {
  const parts = s.split(/(<[^>]*>)/);
  return parts
    .map((p) => {
      const tag = /^<(\/?)(b|i|sub|sup|br)\s*\/?>$/i.exec(p);
      if (tag) return tag[2].toLowerCase() === "br" ? "<br>" : `<${tag[1]}${tag[2].toLowerCase()}>`;
      if (/^<[^>]*>$/.test(p)) return "";
      return escapeHtml(p.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e] ?? ""));
    })
    .join("");
}

function titleText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { text?: unknown }).text === "string") return (value as { text: string }).text;
  return "";
}

export function chartTitleHtml(layout: Layout): string {
  return safeInlineHtml(titleText(layout.title));
}

/** A number as a reader says it: 3 significant digits, no exponent between 0.001 and 10⁶. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) return "–";
  if (typeof v !== "number") return plainText(String(v));
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The axis title of a trace's x or y axis ("x2" → layout.xaxis2). */
function axisTitle(layout: Layout, trace: TraceData, which: "x" | "y"): string {
  const ref = typeof trace[`${which}axis`] === "string" ? (trace[`${which}axis`] as string) : which;
  const axis = layout[`${which}axis${ref.slice(1)}`] as Layout | undefined;
  return plainText(titleText(axis?.title));
}

function traceName(trace: TraceData, i: number): string {
  return typeof trace.name === "string" && trace.name !== "" ? plainText(trace.name) : `series ${i + 1}`;
}

function isHeatmap(t: TraceData): boolean {
  return t.type === "heatmap" || t.type === "image" || t.type === "contour";
}

function numbers(v: unknown[]): number[] {
  return v.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
}

function gridStats(z: unknown[]): { rows: number; cols: number; min: number; max: number; mean: number; count: number } {
  let min = Infinity, max = -Infinity, sum = 0, count = 0, cols = 0;
  for (const row of z) {
    const r = list(row);
    cols = Math.max(cols, r.length);
    for (const v of numbers(r)) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      count++;
    }
  }
  return { rows: z.length, cols, min, max, mean: count ? sum / count : NaN, count };
}

/** One sentence per series: where it starts and ends ("y at x"), and its extremes where they lie in between. */
function seriesSentence(trace: TraceData, i: number, kind: "line" | "bar"): string {
  const xs = list(trace.x), ys = list(trace.y);
  const points = ys.map((y, k) => [xs.length ? xs[k] : k, y] as [unknown, unknown]).filter((p) => typeof p[1] === "number" && Number.isFinite(p[1] as number));
  const name = traceName(trace, i);
  if (points.length === 0) return `${name}: no values.`;
  let lo = points[0], hi = points[0];
  for (const p of points) {
    if ((p[1] as number) < (lo[1] as number)) lo = p;
    if ((p[1] as number) > (hi[1] as number)) hi = p;
  }
  const v = (p: [unknown, unknown]) => `${formatValue(p[1])} at ${formatValue(p[0])}`;
  if (kind === "bar") return `${name}: highest ${v(hi)}, lowest ${v(lo)}.`;
  const first = points[0], last = points[points.length - 1];
  if (points.length === 1) return `${name}: ${v(first)}.`;
  const inside = (p: [unknown, unknown]) => p !== first && p !== last;
  const extremes = [inside(lo) ? `lowest ${v(lo)}` : "", inside(hi) ? `highest ${v(hi)}` : ""].filter((e) => e);
  return `${name}: ${v(first)} to ${v(last)}${extremes.length ? `; ${extremes.join(", ")}` : ""}.`;
}

/**
 * What the chart shows, in words, from its data: the kind of chart, its axes, and for each series where it
 * starts, ends and peaks (bars: the highest and lowest; images: their size and value range).
 */
export function describeFigure(fig: { data: unknown[]; layout: Layout }): string {
  const traces = fig.data.filter((t): t is TraceData => t !== null && typeof t === "object");
  if (traces.length === 0) return "An empty chart.";
  const sentences: string[] = [];
  const heatmaps = traces.filter(isHeatmap);
  if (heatmaps.length > 0) {
    const tiles = list(fig.layout.annotations).map((a) => plainText(titleText(a) || String((a as Layout)?.text ?? ""))).filter((s) => s);
    for (const t of heatmaps) {
      const s = gridStats(list(t.z));
      const axes = [axisTitle(fig.layout, t, "y"), axisTitle(fig.layout, t, "x")];
      if (tiles.length > 1) {
        sentences.push(`${tiles.length} images side by side, titled ${tiles.slice(0, 24).join(", ")}${tiles.length > 24 ? ", …" : ""}; values from ${formatValue(s.min)} to ${formatValue(s.max)}.`);
      } else {
        const over = axes[0] && axes[1] ? ` (rows: ${axes[0]}, columns: ${axes[1]})` : "";
        sentences.push(`A ${s.rows} × ${s.cols} grid of values${over}, from ${formatValue(s.min)} to ${formatValue(s.max)}, mean ${formatValue(s.mean)}.`);
      }
    }
  }
  const rest = traces.filter((t) => !isHeatmap(t));
  const panels = new Map<string, TraceData[]>();
  for (const t of rest) {
    const key = `${t.xaxis ?? "x"}/${t.yaxis ?? "y"}`;
    panels.set(key, [...(panels.get(key) ?? []), t]);
  }
  panels.forEach((group) => {
    const kind = group.every((t) => t.type === "bar" || t.type === "histogram") ? "bar" : "line";
    const x = axisTitle(fig.layout, group[0], "x"), y = axisTitle(fig.layout, group[0], "y");
    const what = kind === "bar" ? "Bar chart" : "Line chart";
    sentences.push(`${what}${y ? ` of ${y}` : ""}${x ? ` against ${x}` : ""}, ${group.length} series.`);
    group.slice(0, 8).forEach((t) => sentences.push(seriesSentence(t, rest.indexOf(t), kind)));
    if (group.length > 8) sentences.push(`And ${group.length - 8} more series (see the table).`);
  });
  return sentences.join(" ");
}

/** Evenly spaced indices of 0..n−1, at most `max`, the first and last included. */
function sample(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out = new Set<number>();
  for (let k = 0; k < max; k++) out.add(Math.round((k * (n - 1)) / (max - 1)));
  return [...out];
}

function table(headers: string[], rows: string[][], caption: string, rowHeaders = true): string {
  const head = `<tr>${headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("")}</tr>`;
  const body = rows
    .map((r) => `<tr>${r.map((c, j) => (j === 0 && rowHeaders ? `<th scope="row">${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join("")}</tr>`)
    .join("");
  return `<table><caption>${escapeHtml(caption)}</caption><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

/** The chart's numbers as HTML tables: series sharing their x values in one table; an image's values, or their summary. */
export function figureDataTable(fig: { data: unknown[]; layout: Layout }): string {
  const traces = fig.data.filter((t): t is TraceData => t !== null && typeof t === "object");
  const out: string[] = [];
  traces.filter(isHeatmap).forEach((t, i) => {
    const z = list(t.z);
    const s = gridStats(z);
    const name = traceName(t, i);
    if (s.rows * s.cols <= MAX_CELLS && s.rows > 0) {
      const xs = list(t.x), ys = list(t.y);
      const colNames = Array.from({ length: s.cols }, (_, c) => (xs.length > c ? formatValue(xs[c]) : String(c)));
      const corner = [axisTitle(fig.layout, t, "y"), axisTitle(fig.layout, t, "x")].filter((a) => a).join(" \\ ") || "row \\ column";
      const rows = z.map((row, r) => [ys.length > r ? formatValue(ys[r]) : String(r), ...list(row).map(formatValue)]);
      out.push(table([corner, ...colNames], rows, `${name}: ${s.rows} × ${s.cols} values`));
    } else {
      const tiles = list(fig.layout.annotations).map((a) => plainText(String((a as Layout)?.text ?? ""))).filter((x) => x);
      const rows = [["rows × columns", `${s.rows} × ${s.cols}`], ["smallest value", formatValue(s.min)], ["largest value", formatValue(s.max)], ["mean value", formatValue(s.mean)]];
      if (tiles.length > 1) rows.push(["images, in order", tiles.join(", ")]);
      out.push(table(["quantity", "value"], rows, `${name}: too many values to list (${s.count}), summarised`));
    }
  });
  // Line and bar series: grouped by identical x values, one column each.
  const groups: Array<{ x: unknown[]; xTitle: string; traces: TraceData[] }> = [];
  for (const t of traces.filter((t) => !isHeatmap(t))) {
    const ys = list(t.y);
    const x = list(t.x).length ? list(t.x) : ys.map((_, k) => k);
    const xTitle = axisTitle(fig.layout, t, "x") || "x";
    const same = groups.find((g) => g.xTitle === xTitle && g.x.length === x.length && g.x.every((v, k) => v === x[k]));
    if (same) same.traces.push(t);
    else groups.push({ x, xTitle, traces: [t] });
  }
  for (const g of groups) {
    const idx = sample(g.x.length, MAX_ROWS);
    const names = g.traces.map((t) => {
      const y = axisTitle(fig.layout, t, "y");
      const n = traceName(t, traces.indexOf(t));
      return g.traces.length === 1 && y ? `${n} (${y})` : n;
    });
    const rows = idx.map((k) => [formatValue(g.x[k]), ...g.traces.map((t) => formatValue(list(t.y)[k]))]);
    const note = idx.length < g.x.length ? `, ${idx.length} of ${g.x.length} points, evenly spaced` : "";
    out.push(table([g.xTitle, ...names], rows, `${names.join(", ")} against ${g.xTitle}${note}`));
  }
  return out.join("\n");
}
