// Training curves: what a History (lib/train.ts) looks like, as plain plotly figures for show().
//
//   trainingCurves  loss and accuracy (train dotted, test solid) of one run or several, side by side,
//                   against epochs, parameter updates or wall-clock seconds of training
//   StepLog         records the loss of every update (train's onStep); stepLossCurves draws it, raw and
//                   smoothed, to make the noise of small batches visible
//   scheduleCurves  a learning-rate schedule α(epoch)
//   LiveCurves      the same chart as trainingCurves, redrawn in place while train() runs
//   runsTable       the final numbers of several runs as a text table
//   readRun         a run recorded by the command line (`npm run train -- … --json results/x.json`)
//
// The x axes:  epoch   e = 1, 2, …  (one pass over the training set)
//              updates t = the number of parameter updates W ← W − α·dW so far
//              seconds the cumulative wall-clock time of the training steps (evaluation excluded);
//                      the only axis that changes from machine to machine and run to run.
import * as fs from "fs";
import { evaluateDataset, type EpochRecord, type History, type StepInfo } from "./train";
import type { Sequential } from "./network";
import type { Dataset } from "./data/mnist";
import type { Schedule } from "./optimizers";
import { figureHtml, kernelRequire, keepKernelOutputFlowing, type Trace } from "./plot";

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

/** The legend name of a run: its name, and where it stopped if it diverged. */
export function runLabel(name: string, stopped: History["stopped"]): string {
  return stopped ? `${name} (diverged in epoch ${stopped.epoch}, stopped)` : name;
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
        if (run.records.length > 0 && y.every((v) => v === null)) continue; // e.g. no test set in this run
        data.push({
          type: "scatter",
          mode: run.records.length <= 30 ? "lines+markers" : "lines",
          name: many ? `${runLabel(run.name, run.stopped)} · ${split}` : runLabel(run.name, run.stopped),
          legendgroup: `${run.name} · ${split}`,
          showlegend: p === 0,
          x,
          y,
          xaxis: `x${suffix}`,
          yaxis: `y${suffix}`,
          line: { color: run.color, width: split === "test" ? 2.5 : 1.5, dash: split === "train" && many ? "dot" : "solid" },
          marker: { size: 5 },
          hovertemplate: `${run.name} · ${split}<br>${axis} %{x}<br>${metric} %{y:.4f}<extra></extra>`,
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
  const pct = (v: number | undefined) => (v === undefined ? "—" : `${(100 * v).toFixed(2)}%`);
  const num = (v: number | undefined) => (v === undefined ? "—" : v.toFixed(4));
  const rows = [["run", "epochs", "updates", "train s", "train loss", "train acc", "test loss", "test acc"]];
  for (const r of list) {
    const last = r.records[r.records.length - 1];
    const seconds = r.records.reduce((s, e) => s + e.seconds, 0);
    rows.push([
      runLabel(r.name, r.stopped),
      String(r.records.length),
      last ? last.updates.toLocaleString("en-US") : "0",
      seconds.toFixed(2),
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

/**
 * Records the loss of every update it is told about. Pass `onStep` to train():
 *   const steps = new StepLog("SGD");  train(net, { …, onStep: steps.onStep });
 * (with `stepEvery: k` in the options, every k-th update is recorded).
 */
export class StepLog {
  readonly updates: number[] = [];
  /** Epochs as a fraction: epoch − 1 + step / stepsPerEpoch (1.0 = the end of the first pass). */
  readonly epochs: number[] = [];
  readonly losses: number[] = [];
  constructor(readonly name: string) {}
  /** For train()'s onStep (a bound function: pass it as it is). */
  readonly onStep = (info: StepInfo): void => this.record(info);
  record(info: StepInfo): void {
    this.updates.push(info.updates);
    this.epochs.push(info.epoch - 1 + info.step / info.stepsPerEpoch);
    this.losses.push(info.loss);
  }
}

export interface ProbeOptions {
  /** Evaluated at each probe (keep it small: a few thousand images). */
  test?: Dataset;
  /** Also evaluated at each probe, if given (a subset of the training set). */
  train?: Dataset;
  /** Probes per doubling of the update count (default 2: after updates 1, 2, 3, 5, 8, 12, 17, 25, 36, …);
   *  there is also a probe at the end of every epoch. */
  perDoubling?: number;
}

/**
 * A StepLog that also evaluates the network at update counts spaced evenly on a log scale (and at the end of
 * each epoch), so runs with
 * very different numbers of updates per epoch (full batch: 1, SGD: n) can be compared at the same update
 * count, or at the same second of training:
 *
 *   const probe = new Probe("SGD", net, { test: testSubset });
 *   const h = train(net, { …, onStep: probe.onStep });     // every update: stepEvery 1 (the default)
 *   show(trainingCurves([{ name: "SGD", history: probe.history(h) }], { x: "updates", logX: true }));
 *
 * The evaluations run inside onStep, so train() leaves them out of its timing.
 */
export class Probe extends StepLog {
  /** One record per probe: epoch is fractional, seconds is filled in by history(). */
  readonly records: EpochRecord[] = [];
  private next = 1;

  constructor(name: string, readonly net: Sequential, readonly options: ProbeOptions = {}) {
    super(name);
    if (!options.test && !options.train) throw new Error(`Probe "${name}": give a test and/or a train data set to evaluate`);
    const k = options.perDoubling ?? 2;
    if (!(k > 0)) throw new Error(`Probe "${name}": perDoubling must be a positive number, found ${k}`);
  }

  record(info: StepInfo): void {
    super.record(info);
    const epochEnd = info.step === info.stepsPerEpoch;
    if (info.updates < this.next && !epochEnd) return;
    const factor = Math.pow(2, 1 / (this.options.perDoubling ?? 2));
    while (this.next <= info.updates) this.next = Math.max(this.next + 1, Math.ceil(this.next * factor));
    const r: EpochRecord = { epoch: info.epoch - 1 + info.step / info.stepsPerEpoch, updates: info.updates, seconds: 0, trainLoss: NaN, trainAccuracy: NaN };
    if (this.options.train) {
      const e = evaluateDataset(this.net, this.options.train);
      r.trainLoss = e.loss;
      r.trainAccuracy = e.accuracy;
    }
    if (this.options.test) {
      const e = evaluateDataset(this.net, this.options.test);
      r.testLoss = e.loss;
      r.testAccuracy = e.accuracy;
    }
    this.records.push(r);
  }

  /**
   * The probes as a History. With the history train() returned, each probe also gets its time: the
   * training seconds of the epochs before it plus its fraction of its own epoch's (records hold the time
   * since the previous probe, as epoch records do).
   */
  history(trained?: History): History {
    const epochs = trained?.epochs ?? [];
    let previous = 0;
    const records = this.records.map((r) => {
      const whole = Math.floor(r.epoch - 1e-9);
      let at = 0;
      for (let e = 0; e < whole && e < epochs.length; e++) at += epochs[e].seconds;
      if (whole < epochs.length) at += (r.epoch - whole) * epochs[whole].seconds;
      const out = { ...r, seconds: Math.max(0, at - previous) };
      previous = at;
      return out;
    });
    return { epochs: records, stopped: trained?.stopped ?? null };
  }
}

/** Mean of each window of `w` consecutive values ending at i (shorter at the start). */
export function movingAverage(values: ArrayLike<number>, w: number): number[] {
  if (!Number.isInteger(w) || w < 1) throw new Error(`movingAverage: the window must be a whole number ≥ 1, found ${w}`);
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= w) sum -= values[i - w];
    out.push(sum / Math.min(i + 1, w));
  }
  return out;
}

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
    layout: {
      title: { text: options.title ?? "" },
      height: options.height ?? 460,
      margin: { t: 60, b: 60, l: 70, r: 30 },
      legend: LEGEND_BELOW,
      xaxis: { title: { text: axis === "epoch" ? AXIS_TITLES.epoch : AXIS_TITLES.updates }, zeroline: false },
      yaxis: { title: { text: "loss of the batch (cross-entropy)" }, type: options.logY ? "log" : "linear", range: options.yRange, zeroline: false },
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Learning-rate schedules

/**
 * α of each schedule over `epochs` epochs, from the base rate α₀ = baseLr: a step per epoch, epoch e (0-based)
 * drawn from x = e to x = e + 1, so the x axis reads as training progress in epochs.
 */
export function scheduleCurves(schedules: { name: string; schedule: Schedule }[], epochs: number, baseLr: number, options: { title?: string; height?: number } = {}): CurveFigure {
  const dashes = ["solid", "dash", "dot", "dashdot"];
  const data: Trace[] = schedules.map((s, i) => {
    const y = Array.from({ length: epochs }, (_, e) => s.schedule(e, baseLr));
    return {
      type: "scatter", mode: "lines", name: s.name,
      x: Array.from({ length: epochs + 1 }, (_, e) => e), y: [...y, y[epochs - 1]],
      line: { color: PALETTE[i % PALETTE.length], shape: "hv", width: 3, dash: dashes[i % dashes.length] },
      hovertemplate: `${s.name}<br>α %{y:.3g}<extra></extra>`,
    };
  });
  return {
    data,
    layout: {
      title: { text: options.title ?? "" },
      height: options.height ?? 380,
      margin: { t: 60, b: 60, l: 100, r: 30 },
      xaxis: { title: { text: "training progress (epochs)" }, dtick: epochs <= 20 ? 1 : undefined, range: [0, epochs] },
      yaxis: { title: { text: "learning rate α" }, rangemode: "tozero", exponentformat: "none" },
      legend: { x: 0.01, xanchor: "left", y: 0.04, yanchor: "bottom", bgcolor: "rgba(255,255,255,0.8)" }, // schedules start high: the bottom left is free
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Recorded runs

/**
 * A run recorded by the command line (`npm run train -- … --json results/x.json`, which writes
 * { options, history: [epoch records], stopped, final }), or any JSON holding a History.
 * The name defaults to the file's name without ".json".
 */
export function readRun(path: string, name?: string): Run & { history: History; options?: Record<string, unknown> } {
  if (!fs.existsSync(path)) throw new Error(`readRun: no such file: ${path} (record one with \`npm run train -- … --json ${path}\`)`);
  let parsed: any;
  try {
    parsed = JSON.parse(fs.readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`readRun: ${path} is not JSON: ${(e as Error).message}`);
  }
  const h = parsed?.history;
  const epochs: EpochRecord[] | null = Array.isArray(parsed?.epochs) ? parsed.epochs : Array.isArray(h) ? h : Array.isArray(h?.epochs) ? h.epochs : null;
  if (epochs === null) throw new Error(`readRun: ${path} holds no history (expected { history: [epoch records] } or { epochs: [...] })`);
  const stopped = parsed?.stopped ?? h?.stopped ?? null;
  return {
    name: name ?? (typeof parsed.name === "string" ? parsed.name : path.replace(/^.*[\\/]/, "").replace(/\.json$/, "")),
    history: { epochs, stopped },
    options: parsed.options ?? parsed.config,
  };
}

/** readRun, or null when the file is not there (yet): for notebooks that show a recording if one was made. */
export function readRunIfPresent(path: string, name?: string): (Run & { history: History; options?: Record<string, unknown> }) | null {
  return fs.existsSync(path) ? readRun(path, name) : null;
}

// ---------------------------------------------------------------------------------------------------
// HTML for the kernel

/** Where a LiveCurves draws: `update` false for the first drawing, true to replace it. */
export type HtmlSink = (html: string, update: boolean) => void;

/** A sink that draws into one output of the current notebook cell and replaces it later; null outside the kernel. */
export function kernelSink(): HtmlSink | null {
  const req = kernelRequire();
  if (req === null) return null;
  keepKernelOutputFlowing();
  let display: { html(s: string): void };
  try {
    display = req("tslab").newDisplay(); // a display id: its later outputs replace the first
  } catch {
    return null;
  }
  return (html) => {
    try {
      display.html(html);
    } catch {
      // The chart is a view: never let drawing stop training.
    }
  };
}

// ---------------------------------------------------------------------------------------------------
// Live curves

export interface LiveOptions extends CurveOptions {
  /** The runs to come, in order: fixes their colours (and legend order) before they start. */
  runs?: string[];
  /** Redraw at most this often while training runs (default 250 ms); finish() always draws. */
  minIntervalMs?: number;
  /** Where to draw (default: the notebook, via tslab; nowhere outside the kernel). For tests. */
  sink?: HtmlSink | null;
}

let liveCount = 0;

/**
 * The chart of trainingCurves, drawn when it is created and redrawn while train() runs:
 *
 *   const live = new LiveCurves({ runs: ["full batch", "SGD"], x: "epoch" });
 *   const h = train(net, { …, onEpoch: live.onEpoch("SGD"), onStep: live.onStep("SGD"), stepEvery: 100 });
 *   live.finish({ "SGD": h });      // the final drawing (the one an executed notebook keeps)
 *
 * onEpoch adds the epoch's point; onStep only writes the progress into the title. Redraws are at least
 * minIntervalMs apart, so the browser keeps up however fast the epochs are.
 */
export class LiveCurves {
  private readonly runs = new Map<string, { records: EpochRecord[]; stopped: History["stopped"] }>();
  private readonly sink: HtmlSink | null;
  private readonly minIntervalMs: number;
  private readonly id: string;
  private lastDraw = -Infinity;
  private progress = "";
  private drawn = 0;

  constructor(readonly options: LiveOptions = {}) {
    for (const name of options.runs ?? []) this.runs.set(name, { records: [], stopped: null });
    this.sink = options.sink !== undefined ? options.sink : kernelSink();
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.id = `live-curves-${process.pid}-${Date.now().toString(36)}-${++liveCount}`;
    this.draw(true);
  }

  /** How many times the chart was drawn (the first drawing included). */
  get draws(): number {
    return this.drawn;
  }

  /** A callback for train()'s onEpoch that adds each epoch of run `name` to the chart. */
  onEpoch(name: string): (record: EpochRecord, history: History) => void {
    return (record, history) => {
      const run = this.run(name);
      run.records = history.epochs.slice(); // the history holds every epoch so far, this one included
      if (run.records[run.records.length - 1] !== record) run.records.push(record);
      this.progress = `${name}: epoch ${record.epoch} done`;
      this.draw(false);
    };
  }

  /**
   * A callback for train()'s onStep that shows the progress of run `name` in the title, and passes each
   * step on to `also` if given (e.g. a StepLog, to keep every update's loss).
   */
  onStep(name: string, also?: StepLog | ((info: StepInfo) => void)): (info: StepInfo) => void {
    const pass = also === undefined ? null : also instanceof StepLog ? also.onStep : also;
    return (info) => {
      if (pass) pass(info);
      this.run(name);
      this.progress = `${name}: epoch ${info.epoch}, update ${info.step.toLocaleString("en-US")} of ${info.stepsPerEpoch.toLocaleString("en-US")}, batch loss ${info.loss.toFixed(3)}`;
      this.draw(false);
    };
  }

  /** The final drawing: the histories (with where they stopped, if they diverged) replace what was recorded. */
  finish(histories?: Record<string, History>): CurveFigure {
    for (const name of Object.keys(histories ?? {})) {
      const h = (histories as Record<string, History>)[name];
      this.runs.set(name, { records: h.epochs.slice(), stopped: h.stopped });
    }
    this.progress = "";
    this.draw(true);
    return this.figure();
  }

  /** The chart as it stands. */
  figure(): CurveFigure {
    const runs: Run[] = [];
    this.runs.forEach((r, name) => runs.push({ name, history: { epochs: r.records, stopped: r.stopped } }));
    const fig = trainingCurves(runs, this.options);
    const title = this.options.title ?? "";
    const status = this.progress ? `<span style="font-size:12px;color:#888">training ${this.progress}</span>` : "";
    fig.layout.title = { text: [title, status].filter((s) => s).join("<br>") };
    return fig;
  }

  private run(name: string): { records: EpochRecord[]; stopped: History["stopped"] } {
    let run = this.runs.get(name);
    if (!run) {
      run = { records: [], stopped: null };
      this.runs.set(name, run);
    }
    return run;
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < this.minIntervalMs) return;
    this.lastDraw = now;
    this.drawn++;
    if (this.sink) this.sink(figureHtml(this.figure(), `${this.id}-${this.drawn}`), this.drawn > 1);
  }
}
