// Figures for the notebooks: plain plotly figure objects { data, layout } to pass to show() (lib/plot.ts).
//
//   images  digitGrid (many digits with their labels), digitImage (one digit, pixel values written in),
//           weightImages (each hidden unit's 784 incoming weights as a 28×28 tile)
//   counts  histogram (binned here, so 47 million pixels cost one small bar chart), confusionMatrix + confusionHeatmap
//   charts  functionPlot (y = f(x) curves), barChart (one value per class), seriesPlot (lists of numbers, e.g. a loss per step)
//
// Titles and axis labels may use plotly's small HTML subset (<b>, <i>, <sub>, <span style="color:red">).
import type { Matrix } from "./matrix";
import type { Figure } from "./plot";

/** A plotly figure for show(): the Figure of lib/plot.ts, always with a layout. */
export type PlotlyFigure = Figure & { layout: Record<string, unknown> };

const INK = [[0, "#ffffff"], [1, "#000000"]]; // 0 = white paper, 1 = black ink
const DIVERGING = [[0, "#b2182b"], [0.5, "#f7f7f7"], [1, "#2166ac"]]; // negative red, 0 white, positive blue
const COUNTS = [[0, "#f7fbff"], [1, "#08306b"]]; // 0 white, many dark blue (plotly's own "Blues" runs the other way)

// ---------------------------------------------------------------------------------------------- images

export interface GridOptions {
  count?: number;            // how many images (default 16)
  cols?: number;             // tiles per row (default 8)
  start?: number;            // first row of `images` to show (default 0)
  indices?: ArrayLike<number>; // or exactly these rows (overrides start/count)
  titles?: string[];         // one per tile (default: the label, or the row index)
  title?: string;            // above the whole grid
  side?: number;             // image side in pixels (default √cols of the matrix: 28 for MNIST)
  range?: [number, number];  // colour range (default [0, 1], or [0, 255] if a value exceeds 1)
  tilePx?: number;           // drawn size of one tile in screen pixels (default 64)
}

/** A grid of digits (rows of `images`, n × 784), each titled with its label. */
export function digitGrid(images: Matrix, labels?: ArrayLike<number> | null, options: GridOptions = {}): PlotlyFigure {
  const side = options.side ?? squareSide(images.cols, "digitGrid");
  const rows = pickRows(images.rows, options, "digitGrid");
  const tiles = rows.map((r) => images.data.subarray(r * images.cols, (r + 1) * images.cols));
  const titles = options.titles ?? rows.map((r) => (labels ? `${labels[r]}` : `#${r}`));
  const max = maxOf(tiles);
  const range = options.range ?? [0, max > 1 ? 255 : 1];
  return tiledHeatmap(tiles, side, side, titles, {
    cols: options.cols ?? 8, title: options.title, tilePx: options.tilePx ?? 64,
    trace: { colorscale: INK, zmin: range[0], zmax: range[1], showscale: false, hovertemplate: "value %{z:.3f}<extra></extra>" },
  });
}

export interface WeightImageOptions {
  count?: number;            // how many units (columns of w) to show (default 16)
  cols?: number;             // tiles per row (default 8)
  start?: number;            // first unit (default 0)
  titles?: string[];         // default "unit j"
  title?: string;
  side?: number;             // default √(rows of w): 28 for a 784 × h matrix
  tilePx?: number;
}

/** Each column of w (784 × h, the Dense layer's weights) as a 28×28 image: what that hidden unit looks for. */
export function weightImages(w: Matrix, options: WeightImageOptions = {}): PlotlyFigure {
  const side = options.side ?? squareSide(w.rows, "weightImages");
  const units = pickRows(w.cols, options, "weightImages");
  const tiles = units.map((j) => {
    const tile = new Float64Array(w.rows);
    for (let i = 0; i < w.rows; i++) tile[i] = w.data[i * w.cols + j]; // column j of W
    return tile;
  });
  const titles = options.titles ?? units.map((j) => `unit ${j}`);
  const m = Math.max(maxAbs(tiles), 1e-12);
  return tiledHeatmap(tiles, side, side, titles, {
    cols: options.cols ?? 8, title: options.title ?? "Incoming weights of each hidden unit (red < 0 < blue)", tilePx: options.tilePx ?? 64,
    trace: {
      colorscale: DIVERGING, zmin: -m, zmax: m, showscale: true, colorbar: { title: { text: "weight" }, thickness: 12 },
      hovertemplate: "weight %{z:.4f}<extra></extra>",
    },
  });
}

export interface DigitImageOptions {
  title?: string;
  side?: number;             // default √length
  showValues?: boolean;      // write each non-zero pixel's value in its cell (default true)
  decimals?: number;         // digits after the point for the written values (default: 0 for 0..255 data, 2 for [0,1])
  sizePx?: number;           // drawn size (default 600)
}

/** One digit as a heatmap, each pixel's value written in its cell (x: column, y: row, as in the file). */
export function digitImage(pixels: ArrayLike<number>, options: DigitImageOptions = {}): PlotlyFigure {
  const side = options.side ?? squareSide(pixels.length, "digitImage");
  let max = 0;
  for (let i = 0; i < pixels.length; i++) max = Math.max(max, pixels[i]);
  const decimals = options.decimals ?? (max > 1 ? 0 : 2);
  const z: number[][] = [];
  const text: string[][] = [];
  for (let r = 0; r < side; r++) {
    const zr: number[] = [];
    const tr: string[] = [];
    for (let c = 0; c < side; c++) {
      const v = pixels[r * side + c];
      zr.push(v);
      tr.push(v === 0 ? "" : v.toFixed(decimals));
    }
    z.push(zr);
    text.push(tr);
  }
  const show = options.showValues ?? true;
  const size = options.sizePx ?? 600;
  return {
    data: [{
      type: "heatmap", z, text, texttemplate: show ? "%{text}" : "", textfont: { size: decimals > 0 ? 7 : 8 },
      colorscale: INK, zmin: 0, zmax: max > 1 ? 255 : 1, colorbar: { title: { text: "pixel value" }, thickness: 12 },
      hovertemplate: "row %{y}, column %{x}: %{z}<extra></extra>", xgap: 0, ygap: 0,
    }],
    layout: {
      title: { text: options.title ?? "One digit, pixel by pixel" },
      width: size + 130, height: size + 110, margin: { l: 80, r: 20, t: 60, b: 60 },
      xaxis: { title: { text: "column c (pixel)" }, constrain: "domain", dtick: 4, showgrid: false, zeroline: false },
      yaxis: { title: { text: "row r (pixel)" }, autorange: "reversed", scaleanchor: "x", dtick: 4, showgrid: false, zeroline: false },
    },
  };
}

interface TileStyle { cols: number; title?: string; tilePx: number; trace: Record<string, unknown> }

/** Lays tiles (each h·w values, row-major) out on one heatmap, gaps as null, titles as annotations above each tile. */
function tiledHeatmap(tiles: ArrayLike<number>[], h: number, w: number, titles: string[], style: TileStyle): PlotlyFigure {
  const cols = Math.max(1, Math.min(style.cols, tiles.length));
  const gridRows = Math.ceil(tiles.length / cols);
  const gapX = Math.max(1, Math.round(w / 14));
  const gapY = Math.round(h / 3); // room for a title above each tile
  const height = gridRows * (h + gapY);
  const width = cols * (w + gapX) - gapX;
  const z: (number | null)[][] = [];
  for (let y = 0; y < height; y++) z.push(new Array<number | null>(width).fill(null));
  const annotations: Record<string, unknown>[] = [];
  tiles.forEach((tile, k) => {
    const top = Math.floor(k / cols) * (h + gapY) + gapY;
    const left = (k % cols) * (w + gapX);
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) z[top + r][left + c] = tile[r * w + c];
    annotations.push({
      text: titles[k] ?? "", x: left + (w - 1) / 2, y: top - 0.6, xref: "x", yref: "y",
      xanchor: "center", yanchor: "bottom", showarrow: false, font: { size: 15 },
    });
  });
  const scale = style.tilePx / w; // screen pixels per image pixel
  const colorbar = style.trace.showscale ? 90 : 0;
  return {
    data: [{ type: "heatmap", z, ...style.trace }],
    layout: {
      title: style.title ? { text: style.title } : undefined,
      width: Math.round(width * scale) + 40 + colorbar,
      height: Math.round(height * scale) + (style.title ? 70 : 30),
      margin: { l: 20, r: 20 + colorbar, t: style.title ? 60 : 20, b: 10 },
      xaxis: { visible: false, range: [-0.5, width - 0.5], constrain: "domain" },
      yaxis: { visible: false, range: [height - 0.5, -0.5], scaleanchor: "x" },
      annotations, plot_bgcolor: "rgba(0,0,0,0)",
    },
  };
}

// ---------------------------------------------------------------------------------------------- counts

export interface HistogramSeries { name: string; values: ArrayLike<number> }

export interface HistogramOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;           // default "count"
  bins?: number;             // default 50
  range?: [number, number];  // default: the smallest and largest value of all series
  logY?: boolean;            // log-scaled counts (useful when one bin, like the zero pixels, dwarfs the rest)
  fraction?: boolean;        // plot each series' counts as fractions of its size (default false)
}

/** Counts per bin: bin i covers [lo + i·width, lo + (i+1)·width), the last bin also includes hi; values outside are skipped. */
export function histogramCounts(values: ArrayLike<number>, bins: number, range: [number, number]): { edges: number[]; counts: number[] } {
  if (!(bins >= 1) || !Number.isInteger(bins)) throw new Error(`histogram: bins must be a positive integer, found ${bins}`);
  const [lo, hi] = range;
  if (!(hi > lo)) throw new Error(`histogram: range must have hi > lo, found [${lo}, ${hi}]`);
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  return { edges, counts };
}

/** A histogram of many values (or several named series overlaid), binned here so only the bars travel to the browser. */
export function histogram(values: ArrayLike<number> | HistogramSeries[], options: HistogramOptions = {}): PlotlyFigure {
  const series: HistogramSeries[] = isSeriesList(values) ? values : [{ name: "values", values }];
  const bins = options.bins ?? 50;
  let range = options.range;
  if (!range) {
    let lo = Infinity, hi = -Infinity;
    for (const s of series) for (let i = 0; i < s.values.length; i++) { const v = s.values[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
    range = hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5];
  }
  const data = series.map((s) => {
    const { edges, counts } = histogramCounts(s.values, bins, range!);
    const y = options.fraction ? counts.map((c) => c / Math.max(1, s.values.length)) : counts;
    return {
      type: "bar", name: s.name, x: edges.slice(0, -1).map((e, i) => (e + edges[i + 1]) / 2), y,
      width: edges[1] - edges[0], opacity: series.length > 1 ? 0.6 : 1,
      hovertemplate: "[%{x}] %{y}<extra>" + s.name + "</extra>",
    };
  });
  return {
    data,
    layout: {
      title: { text: options.title ?? "Histogram" }, barmode: "overlay", bargap: 0, showlegend: series.length > 1,
      xaxis: { title: { text: options.xTitle ?? "value" } },
      yaxis: {
        title: { text: options.yTitle ?? (options.fraction ? "fraction" : "count") },
        ...(options.logY ? { type: "log", dtick: 1 } : {}), // log: one tick per power of ten
      },
      height: 380, margin: { t: 50, b: 50 },
    },
  };
}

/** cm[t][p] = how many examples of true class t were predicted as p. */
export function confusionMatrix(pred: ArrayLike<number>, labels: ArrayLike<number>, classes = 10): number[][] {
  if (pred.length !== labels.length)
    throw new Error(`confusionMatrix: ${pred.length} predictions but ${labels.length} labels; they must pair up one to one`);
  const cm = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < pred.length; i++) {
    const t = labels[i], p = pred[i];
    if (!(t >= 0 && t < classes && p >= 0 && p < classes && Number.isInteger(t) && Number.isInteger(p)))
      throw new Error(`confusionMatrix: example ${i} has label ${t} and prediction ${p}; both must be integers in 0..${classes - 1}`);
    cm[t][p]++;
  }
  return cm;
}

export interface ConfusionOptions { title?: string; classNames?: string[] }

/** The confusion matrix as a heatmap: rows the true class, columns the predicted class, counts written in. */
export function confusionHeatmap(cm: number[][], options: ConfusionOptions = {}): PlotlyFigure {
  const names = options.classNames ?? cm.map((_, i) => String(i));
  const total = cm.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
  const right = cm.reduce((s, r, i) => s + (r[i] ?? 0), 0);
  return {
    data: [{
      type: "heatmap", z: cm, x: names, y: names, text: cm.map((r) => r.map(String)), texttemplate: "%{text}",
      colorscale: COUNTS, zmin: 0, colorbar: { title: { text: "examples" }, thickness: 12 },
      hovertemplate: "true %{y}, predicted %{x}: %{z}<extra></extra>",
    }],
    layout: {
      title: { text: options.title ?? `Confusion matrix (${right} of ${total} right, ${(100 * right / Math.max(1, total)).toFixed(1)}%)` },
      xaxis: { title: { text: "predicted class" }, type: "category", side: "bottom" },
      yaxis: { title: { text: "true class" }, type: "category", autorange: "reversed", scaleanchor: "x" },
      width: 560, height: 520, margin: { t: 60 },
    },
  };
}

// ---------------------------------------------------------------------------------------------- charts

export interface ChartOptions { title?: string; xTitle?: string; yTitle?: string; height?: number; yRange?: [number, number] }

export interface FunctionSeries { name: string; f: (x: number) => number; dash?: "solid" | "dash" | "dot" | "dashdot" }

/** Curves y = f(x) sampled at `points` points of [lo, hi]. */
export function functionPlot(series: FunctionSeries[], domain: [number, number], options: ChartOptions & { points?: number } = {}): PlotlyFigure {
  const n = options.points ?? 201;
  const xs = Array.from({ length: n }, (_, i) => domain[0] + (i * (domain[1] - domain[0])) / (n - 1));
  const data = series.map((s) => ({ type: "scatter", mode: "lines", name: s.name, x: xs, y: xs.map(s.f), line: { dash: s.dash ?? "solid" } }));
  return { data, layout: chartLayout(options, "x", "y") };
}

/** One bar per class (or per label): probabilities, counts, scores. */
export function barChart(values: ArrayLike<number>, options: ChartOptions & { labels?: string[]; text?: boolean } = {}): PlotlyFigure {
  const y = Array.from(values);
  const x = options.labels ?? y.map((_, i) => String(i));
  return {
    data: [{
      type: "bar", x, y, text: options.text === false ? undefined : y.map((v) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(3) : v.toExponential(1))),
      textposition: "outside", cliponaxis: false,
    }],
    layout: { ...chartLayout(options, "class", "value"), xaxis: { title: { text: options.xTitle ?? "class" }, type: "category" } },
  };
}

export interface Series { name: string; y: ArrayLike<number>; x?: ArrayLike<number>; dash?: "solid" | "dash" | "dot" | "dashdot" }

/** Lines through lists of numbers (x defaults to 0, 1, 2, …), markers on each point. */
export function seriesPlot(series: Series[], options: ChartOptions & { logX?: boolean; logY?: boolean } = {}): PlotlyFigure {
  const data = series.map((s) => ({
    type: "scatter", mode: "lines+markers", name: s.name, y: Array.from(s.y), line: { dash: s.dash ?? "solid" },
    x: s.x ? Array.from(s.x) : Array.from({ length: s.y.length }, (_, i) => i),
  }));
  const layout = chartLayout(options, "step", "value");
  if (options.logX) (layout.xaxis as Record<string, unknown>).type = "log";
  if (options.logY) (layout.yaxis as Record<string, unknown>).type = "log";
  return { data, layout };
}

function chartLayout(o: ChartOptions, x: string, y: string): Record<string, unknown> {
  return {
    title: { text: o.title ?? "" }, height: o.height ?? 380, margin: { t: 50, b: 50 },
    xaxis: { title: { text: o.xTitle ?? x }, zeroline: true },
    yaxis: { title: { text: o.yTitle ?? y }, zeroline: true, range: o.yRange },
  };
}

// ---------------------------------------------------------------------------------------------- helpers

function squareSide(n: number, where: string): number {
  const side = Math.round(Math.sqrt(n));
  if (side * side !== n) throw new Error(`${where}: ${n} values per image is not a square; pass options.side`);
  return side;
}

function pickRows(available: number, o: { count?: number; start?: number; indices?: ArrayLike<number> }, where: string): number[] {
  if (o.indices) {
    const rows = Array.from(o.indices);
    for (const r of rows) if (!(Number.isInteger(r) && r >= 0 && r < available))
      throw new Error(`${where}: index ${r} is outside 0..${available - 1}`);
    return rows;
  }
  const start = o.start ?? 0;
  const count = Math.min(o.count ?? 16, available - start);
  if (!(start >= 0 && count >= 1)) throw new Error(`${where}: nothing to show from ${start} (there are ${available})`);
  return Array.from({ length: count }, (_, i) => start + i);
}

function maxOf(tiles: ArrayLike<number>[]): number {
  let m = -Infinity;
  for (const t of tiles) for (let i = 0; i < t.length; i++) if (t[i] > m) m = t[i];
  return m;
}

function maxAbs(tiles: ArrayLike<number>[]): number {
  let m = 0;
  for (const t of tiles) for (let i = 0; i < t.length; i++) m = Math.max(m, Math.abs(t[i]));
  return m;
}

function isSeriesList(v: ArrayLike<number> | HistogramSeries[]): v is HistogramSeries[] {
  return Array.isArray(v) && v.length > 0 && typeof v[0] === "object" && v[0] !== null && "values" in v[0];
}
