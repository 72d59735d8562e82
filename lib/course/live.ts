// The live chart: trainingCurves (lib/course/curves.ts) drawn into the notebook while train() runs, and redrawn
// in place as epochs finish. LiveCurves.run(name) is a training callback (lib/train/callbacks.ts).
// This file and lib/course/plot.ts are the ones that know a notebook kernel exists.
import type { EpochRecord, History, StepInfo, TrainCallback } from "../train/callbacks";
import { trainingCurves, type CurveFigure, type CurveOptions, type Run } from "./curves";
import { formatCount } from "../format";
import { figureHtml, kernelRequire, keepKernelOutputFlowing } from "./plot";

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
 *   const h = train(net, { …, callbacks: [live.run("SGD")], stepEvery: 100 });
 *   live.finish({ "SGD": h });      // the final drawing (the one an executed notebook keeps)
 *
 * live.run(name) is the training callback of one run: after each epoch it adds the epoch's point, after
 * each step it only writes the progress into the title. Redraws are at least minIntervalMs apart, so the
 * browser keeps up however fast the epochs are.
 */
export class LiveCurves {
  private readonly runs = new Map<string, { records: EpochRecord[]; stopped: History["stopped"] }>();
  private readonly sink: HtmlSink | null;
  private readonly minIntervalMs: number;
  private readonly id: string;
  private lastDraw = -Infinity;
  private progress = ""; // the title's status line (after a step: made when the chart is drawn)
  private lastStep: { name: string; info: StepInfo } | null = null;
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

  /** The training callback of run `name`: its epochs go on the chart, its steps into the title. */
  run(name: string): TrainCallback {
    return {
      afterStep: (info) => {
        this.records(name);
        this.lastStep = { name, info };
        this.draw(false);
      },
      afterEpoch: (record, history) => {
        const run = this.records(name);
        run.records = history.epochs.slice(); // the history holds every epoch so far, this one included
        if (run.records[run.records.length - 1] !== record) run.records.push(record);
        this.setProgress(`${name}: epoch ${record.epoch} done`);
        this.draw(false);
      },
      afterFit: (history) => {
        const run = this.records(name);
        run.records = history.epochs.slice();
        run.stopped = history.stopped; // a diverged run says so in the legend at once
      },
    };
  }

  /** The final drawing: the histories (with where they stopped, if they diverged) replace what was recorded. */
  finish(histories?: Record<string, History>): CurveFigure {
    for (const name of Object.keys(histories ?? {})) {
      const h = (histories as Record<string, History>)[name];
      this.runs.set(name, { records: h.epochs.slice(), stopped: h.stopped });
    }
    this.setProgress("");
    this.draw(true);
    return this.figure();
  }

  /** The chart as it stands. */
  figure(): CurveFigure {
    const runs: Run[] = [];
    this.runs.forEach((r, name) => runs.push({ name, history: { epochs: r.records, stopped: r.stopped } }));
    const fig = trainingCurves(runs, this.options);
    const title = this.options.title ?? "";
    if (this.lastStep !== null) {
      const { name, info } = this.lastStep;
      this.setProgress(`${name}: epoch ${info.epoch}, update ${formatCount(info.step)} of ${formatCount(info.stepsPerEpoch)}, batch loss ${info.loss.toFixed(3)}`);
    }
    const status = this.progress ? `<span style="font-size:12px;color:#888">training ${this.progress}</span>` : "";
    fig.layout.title = { text: [title, status].filter((s) => s).join("<br>") };
    return fig;
  }

  private setProgress(text: string): void {
    this.progress = text;
    this.lastStep = null;
  }

  private records(name: string): { records: EpochRecord[]; stopped: History["stopped"] } {
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
