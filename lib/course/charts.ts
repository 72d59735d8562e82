// Charts of numbers for the notebooks: plain plotly figure objects { data, layout } to pass to show() (lib/course/plot.ts).
//
//   counts  histogram (binned here, so 47 million pixels cost one small bar chart), confusionMatrix + confusionHeatmap
//   charts  functionPlot (y = f(x) curves), barChart (one value per class), seriesPlot (lists of numbers, e.g. a loss per step)
//
// Titles and axis labels may use plotly's small HTML subset (<b>, <i>, <sub>, <span style="color:red">).
import type { PlotlyFigure } from "./figures";

const COUNTS = [[0, "#f7fbff"], [1, "#08306b"]]; // 0 white, many dark blue (plotly's own "Blues" runs the other way)

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

function isSeriesList(v: ArrayLike<number> | HistogramSeries[]): v is HistogramSeries[] {
  return Array.isArray(v) && v.length > 0 && typeof v[0] === "object" && v[0] !== null && "values" in v[0];
}
