// Training curves: what a History (lib/train/callbacks.ts) looks like, as plain plotly figures for show().
// Pure functions of recorded numbers: nothing here trains, evaluates or draws.
//
//   trainingCurves  loss and accuracy (train dotted, test solid) of one run or several, side by side,
//                   against epochs, parameter updates or wall-clock seconds of training
//   stepLossCurves  the loss of every update a StepLog (lib/course/probes.ts) recorded, raw and smoothed, to make
//                   the noise of small batches visible
//   (scheduleCurves, a learning-rate schedule α(epoch), is in schedule-curves.ts)
//   runsTable       the final numbers of several runs as a text table
// Elsewhere: LiveCurves (lib/course/live.ts) redraws trainingCurves while train() runs; readRun (lib/course/runs.ts)
// reads a run recorded by the command line.
//
// The x axes:  epoch   e = 1, 2, …  (one pass over the training set)
//              updates t = the number of parameter updates W ← W − α·dW so far
//              seconds the cumulative wall-clock time of the training steps (evaluation excluded);
//                      the only axis that changes from machine to machine and run to run.
import type { EpochRecord, History } from "../train/callbacks";
import type { Trace } from "./plot";
import { movingAverage, type StepLog } from "./probes";
import { formatCount, formatLoss, formatPercent, formatSeconds } from "../format";

/** A plotly figure for show(): like plot.ts's Figure, with the layout always present. */
export interface CurveFigure {
  data: Trace[];
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}

export type CurveMetric = "loss" | "accuracy";
export type CurveAxis = "epoch" | "updates" | "seconds";
export type CurveSplit = "train" | "test";

/** One training run to draw: a name for the legend and its history (or just its epoch records). */
export interface Run {
  name: string;
  history: History | EpochRecord[];
  /** A CSS colour; default: the run's place in the list picks one of ten. */
  color?: string;
}

/** Several runs: a list, or an object { name: history } (drawn in key order). */
export type Runs = Run[] | Record<string, History | EpochRecord[]>;

export interface CurveOptions {
  /** Panels, left to right (default ["loss", "accuracy"]). */
  metrics?: CurveMetric[];
  /** The x axis (default "epoch"). */
  x?: CurveAxis;
  /** Which curves of each run (default: "test" and "train" when the history has test values, else "train"). */
  splits?: CurveSplit[];
  title?: string;
  /** Logarithmic x axis: useful for "updates" and "seconds", where runs differ by orders of magnitude. */
  logX?: boolean;
  /** Logarithmic loss axis. */
  logLoss?: boolean;
  /** The loss panel's axis title (default "loss (cross-entropy)"). */
  lossTitle?: string;
  /** Accuracy axis range in percent, e.g. [80, 100] (default: fitted to the data). */
  accuracyRange?: [number, number];
  height?: number;
  /** What the held-out curves are called in the legend (default "test"; "dev" when they measure a dev set). */
  testLabel?: string;
}

/** Ten distinct colours; run i gets PALETTE[i % 10] (the same order as plotly's default). */
export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

/** A horizontal legend under the x-axis titles (plotly makes room for it). */
const LEGEND_BELOW = { orientation: "h", x: 0, xanchor: "left", y: -0.3, yanchor: "top" };

const AXIS_TITLES: Record<CurveAxis, string> = {
  epoch: "epoch (passes over the training set)",
  updates: "parameter updates (count)",
  seconds: "training time (s, wall clock)",
};

// ---------------------------------------------------------------------------------------------------
// Static curves

/** The runs as a list of { name, records, stopped, color }. */
export function normalizeRuns(runs: Runs): { name: string; records: EpochRecord[]; stopped: History["stopped"]; color: string }[] {
  const list: Run[] = Array.isArray(runs) ? runs : Object.keys(runs).map((name) => ({ name, history: runs[name] }));
  return list.map((r, i) => {
    if (!r || typeof r.name !== "string") throw new Error(`curves: run ${i} has no name; expected { name, history }`);
    const h = r.history as History | EpochRecord[] | undefined;
    const records = Array.isArray(h) ? h : h && Array.isArray(h.epochs) ? h.epochs : null;
    if (records === null) throw new Error(`curves: run "${r.name}" has no history; expected a History { epochs, stopped } or a list of epoch records`);
    const stopped = Array.isArray(h) ? null : (h as History).stopped ?? null;
    return { name: r.name, records, stopped, color: r.color ?? PALETTE[i % PALETTE.length] };
  });
}

/** x values of the records on the chosen axis: epochs, cumulative updates, or cumulative seconds. */
export function xValues(records: EpochRecord[], axis: CurveAxis): number[] {
  if (axis === "epoch") return records.map((r) => r.epoch);
  if (axis === "updates") return records.map((r) => r.updates);
  if (axis === "seconds") {
    let t = 0;
    return records.map((r) => (t += r.seconds));
  }
  throw new Error(`curves: unknown x axis ${JSON.stringify(axis)}; expected "epoch", "updates" or "seconds"`);
}

/** y values: the loss as recorded, the accuracy in percent; undefined when the history lacks them. */
export function yValues(records: EpochRecord[], metric: CurveMetric, split: CurveSplit): (number | null)[] {
  return records.map((r) => {
    const v = metric === "loss" ? (split === "train" ? r.trainLoss : r.testLoss) : split === "train" ? r.trainAccuracy : r.testAccuracy;
    if (v === undefined || !Number.isFinite(v)) return null;
    return metric === "accuracy" ? 100 * v : v;
  });
}

/** The legend name of a run: its name, and where it stopped if it diverged or a callback stopped it. */
export function runLabel(name: string, stopped: History["stopped"]): string {
  if (!stopped) return name;
  return stopped.by === "callback" ? `${name} (stopped after epoch ${stopped.epoch})` : `${name} (diverged in epoch ${stopped.epoch}, stopped)`;
}

/**
 * Loss and accuracy of one or several runs, one panel per metric, against epochs, updates or seconds.
 * Test curves are solid, train curves dotted; a run keeps its colour in every panel.
 */
export function trainingCurves(runs: Runs, options: CurveOptions = {}): CurveFigure {
  const list = normalizeRuns(runs);
  const metrics = options.metrics ?? ["loss", "accuracy"];
  if (metrics.length === 0) throw new Error("trainingCurves: metrics is empty; expected [\"loss\"], [\"accuracy\"] or both");
  const axis = options.x ?? "epoch";
  const hasTest = list.some((r) => r.records.some((e) => e.testLoss !== undefined));
  const splits = options.splits ?? (hasTest ? ["test", "train"] : ["train"]);
  const many = splits.length > 1;

  const data: Trace[] = [];
  metrics.forEach((metric, p) => {
    const suffix = p === 0 ? "" : String(p + 1);
    for (const run of list) {
      const x = xValues(run.records, axis);
      for (const split of splits) {
        const y = yValues(run.records, metric, split);
        const label = split === "test" ? options.testLabel ?? "test" : split;
        if (run.records.length > 0 && y.every((v) => v === null)) continue; // e.g. no test set in this run
        data.push({
          type: "scatter",
          mode: run.records.length <= 30 ? "lines+markers" : "lines",
          name: many ? `${runLabel(run.name, run.stopped)} · ${label}` : runLabel(run.name, run.stopped),
          legendgroup: `${run.name} · ${label}`,
          showlegend: p === 0,
          x,
          y,
          xaxis: `x${suffix}`,
          yaxis: `y${suffix}`,
          line: { color: run.color, width: split === "test" ? 2.5 : 1.5, dash: split === "train" && many ? "dot" : "solid" },
          marker: { size: 5 },
          hovertemplate: `${run.name} · ${label}<br>${axis} %{x}<br>${metric} %{y:.4f}<extra></extra>`,
        });
      }
    }
  });
  const lastEpoch = Math.max(0, ...list.map((r) => (r.records.length ? r.records[r.records.length - 1].epoch : 0)));
  return { data, layout: panelLayout(metrics, axis, options, axis === "epoch" && lastEpoch <= 10 ? 1 : undefined) };
}

function panelLayout(metrics: CurveMetric[], axis: CurveAxis, o: CurveOptions, dtick?: number): Record<string, unknown> {
  const n = metrics.length, gap = 0.1, width = (1 - gap * (n - 1)) / n;
  const layout: Record<string, unknown> = {
    title: { text: o.title ?? "" },
    height: o.height ?? 460,
    margin: { t: 60, b: 40, l: 80, r: 30 },
    legend: LEGEND_BELOW,
    hovermode: "closest",
  };
  metrics.forEach((metric, p) => {
    const suffix = p === 0 ? "" : String(p + 1);
    const lo = p * (width + gap);
    layout[`xaxis${suffix}`] = {
      domain: [lo, lo + width],
      anchor: `y${suffix}`,
      title: { text: AXIS_TITLES[axis] },
      type: o.logX ? "log" : "linear",
      zeroline: false,
      dtick, // one tick per epoch when there are few (no "epoch 1.5")
    };
    const yaxis: Record<string, unknown> =
      metric === "loss"
        ? { title: { text: o.lossTitle ?? "loss (cross-entropy)" }, type: o.logLoss ? "log" : "linear" }
        : { title: { text: "accuracy (%)" }, range: o.accuracyRange };
    layout[`yaxis${suffix}`] = { ...yaxis, anchor: `x${suffix}`, zeroline: false };
  });
  return layout;
}

/** The last record's numbers of each run, as an aligned text table (for console.log). */
export function runsTable(runs: Runs): string {
  const list = normalizeRuns(runs);
  const pct = (v: number | undefined) => (v === undefined ? "—" : formatPercent(v));
  const num = (v: number | undefined) => (v === undefined ? "—" : formatLoss(v));
  const rows = [["run", "epochs", "updates", "train s", "train loss", "train acc", "test loss", "test acc"]];
  for (const r of list) {
    const last = r.records[r.records.length - 1];
    const seconds = r.records.reduce((s, e) => s + e.seconds, 0);
    rows.push([
      runLabel(r.name, r.stopped),
      String(r.records.length),
      last ? formatCount(last.updates) : "0",
      formatSeconds(seconds),
      num(last?.trainLoss),
      pct(last?.trainAccuracy),
      num(last?.testLoss),
      pct(last?.testAccuracy),
    ]);
  }
  const widths = rows[0].map((_, j) => Math.max(...rows.map((row) => row[j].length)));
  return rows.map((row) => row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join("  ")).join("\n");
}

// ---------------------------------------------------------------------------------------------------
// Per-update losses

export interface StepCurveOptions {
  /** x axis: "updates" (default) or "epoch" (fractional epochs, so runs with different batch sizes line up). */
  x?: "updates" | "epoch";
  /** Window of the moving average drawn over the raw losses (default 50; 1 = none). */
  smooth?: number;
  /** At most this many raw points per run are drawn (every k-th); the average uses them all. Default 4000. */
  maxPoints?: number;
  title?: string;
  logY?: boolean;
  height?: number;
  /** Loss axis range, e.g. [0, 3]. */
  yRange?: [number, number];
  /** Draw only the updates up to this x value: an epoch (e.g. 1, the first pass) or an update count, per `x`. */
  until?: number;
}

/** The loss of each update, thin and pale, with its moving average on top: the noise of small batches. */
export function stepLossCurves(logs: StepLog[], options: StepCurveOptions = {}): CurveFigure {
  const axis = options.x ?? "updates";
  const w = options.smooth ?? 50;
  const maxPoints = options.maxPoints ?? 4000;
  const data: Trace[] = [];
  logs.forEach((log, i) => {
    const color = PALETTE[i % PALETTE.length];
    let count = log.losses.length;
    const all = axis === "epoch" ? log.epochs : log.updates;
    if (options.until !== undefined) while (count > 0 && all[count - 1] > options.until + 1e-9) count--;
    const xs = all.slice(0, count);
    const every = Math.max(1, Math.ceil(count / maxPoints));
    const pick = <T>(a: T[]) => a.slice(0, count).filter((_, j) => j % every === 0);
    data.push({
      type: "scatter", mode: "lines", name: `${log.name} · each update`, legendgroup: log.name,
      x: pick(xs), y: pick(log.losses), line: { color, width: 1 }, opacity: 0.35,
    });
    if (w > 1) {
      const avg = movingAverage(log.losses.slice(0, count), w);
      data.push({
        type: "scatter", mode: "lines", name: `${log.name} · mean of last ${w}`, legendgroup: log.name,
        x: pick(xs), y: pick(avg), line: { color, width: 2.5 },
      });
    }
  });
  return {
    data,
    layout: lineLayout(options.title, options.height ?? 460, 70, LEGEND_BELOW,
      { title: { text: axis === "epoch" ? AXIS_TITLES.epoch : AXIS_TITLES.updates }, zeroline: false },
      { title: { text: "loss of the batch (cross-entropy)" }, type: options.logY ? "log" : "linear", range: options.yRange, zeroline: false }),
  };
}

/** The layout of a one-panel line chart: a title, its height, room on the left for the y axis's numbers. */
export function lineLayout(title: string | undefined, height: number, left: number, legend: object, xaxis: object, yaxis: object): Record<string, unknown> {
  return { title: { text: title ?? "" }, height, margin: { t: 60, b: 60, l: left, r: 30 }, legend, xaxis, yaxis };
}
