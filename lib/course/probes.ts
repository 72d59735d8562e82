// Watching training update by update: StepLog keeps the loss of every update; Probe also evaluates the
// network now and then (at update counts spaced evenly on a log scale), so runs with very different
// numbers of updates can be compared. Both are training callbacks (lib/train/callbacks.ts); stepLossCurves and
// trainingCurves (lib/course/curves.ts) draw what they recorded.
import { evaluateDataset } from "../train/evaluate";
import type { Sequential } from "../nn/sequential";
import type { Dataset } from "../data/dataset";
import type { EpochRecord, History, StepInfo, TrainCallback } from "../train/callbacks";

/**
 * Records the loss of every update it is told about. A training callback:
 *   const steps = new StepLog("SGD");  train(net, { …, callbacks: [steps] });
 * (with `stepEvery: k` in the options, every k-th update is recorded).
 */
export class StepLog implements TrainCallback {
  readonly updates: number[] = [];
  /** Epochs as a fraction: epoch − 1 + step / stepsPerEpoch (1.0 = the end of the first pass). */
  readonly epochs: number[] = [];
  readonly losses: number[] = [];
  constructor(readonly name: string) {}
  afterStep(info: StepInfo): void {
    this.record(info);
  }
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
 *   const h = train(net, { …, callbacks: [probe] });      // every update: stepEvery 1 (the default)
 *   show(trainingCurves([{ name: "SGD", history: probe.history(h) }], { x: "updates", logX: true }));
 *
 * The evaluations run inside afterStep, so train() leaves them out of its timing.
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
