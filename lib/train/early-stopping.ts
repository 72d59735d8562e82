// Early stopping: watch the loss on the dev set after every epoch, remember the weights of the best epoch, stop
// once `patience` epochs in a row have brought no new best, and put the best weights back.
//
//   after epoch e:  if L_dev(e) < best − minDelta:  best ← L_dev(e),  keep a copy of the weights,  waited ← 0
//                   else:                           waited ← waited + 1;  stop when waited = patience
//   at the end:     the weights ← the copy kept at the best epoch
//
// It is a training callback (lib/train/callbacks.ts): train(net, { test: dev, callbacks: [new EarlyStopping({ patience: 3 })] }).
// It learns which network to watch from beforeFit, so one EarlyStopping can serve one run after another.
import type { Matrix } from "../core/matrix";
import type { EpochRecord, FitStart, History, TrainCallback } from "./callbacks";

export interface EarlyStoppingOptions {
  /** how many epochs in a row without a new lowest dev loss end training (≥ 1) */
  patience: number;
  /** an epoch counts as better only if its dev loss is lower by more than this; default 0 */
  minDelta?: number;
  /** put back the weights of the best epoch when training ends; default true */
  restoreBest?: boolean;
}

export class EarlyStopping implements TrainCallback {
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBest: boolean;
  /** the epoch (1-based) with the lowest dev loss so far, and that loss; 0 and ∞ before the first epoch */
  bestEpoch = 0;
  bestLoss = Infinity;
  /** the epoch after which it asked train() to stop, or null */
  stoppedEpoch: number | null = null;
  private waited = 0;
  private kept: Matrix[] = []; // the values of the best epoch: every parameter, then every layer's state
  private live: Matrix[] = []; // the network's matrices those values belong to

  constructor(options: EarlyStoppingOptions) {
    if (options === null || typeof options !== "object" || "layers" in options) {
      throw new Error("EarlyStopping: expected options { patience, minDelta?, restoreBest? }, e.g. new EarlyStopping({ patience: 3 }); the network is not passed, train() gives it");
    }
    const { patience, minDelta = 0, restoreBest = true } = options;
    if (!Number.isInteger(patience) || patience < 1) throw new Error(`EarlyStopping: patience must be a whole number of epochs ≥ 1, found ${patience}`);
    if (!(typeof minDelta === "number" && minDelta >= 0)) throw new Error(`EarlyStopping: minDelta must be a number ≥ 0, found ${minDelta}`);
    this.patience = patience;
    this.minDelta = minDelta;
    this.restoreBest = restoreBest;
  }

  /** Refuses a run without a dev set; otherwise starts afresh, watching this network's parameters and state. */
  beforeFit({ net, test }: FitStart): void {
    if (test === undefined) throw new Error("EarlyStopping watches the dev loss, so it needs a dev set: give train() one as its `test` option");
    this.bestEpoch = 0;
    this.bestLoss = Infinity;
    this.stoppedEpoch = null;
    this.waited = 0;
    this.live = [...net.params().map((p) => p.value), ...net.layers.flatMap((l) => l.state().map((s) => s.value))];
    this.kept = this.live.map((m) => m.clone());
  }

  afterEpoch(record: EpochRecord, _history: History): void | "stop" {
    const loss = record.testLoss;
    if (loss === undefined) throw new Error("EarlyStopping: it watches the dev loss, but train() was given no dev set (its `test` option)");
    if (loss < this.bestLoss - this.minDelta) {
      this.bestLoss = loss;
      this.bestEpoch = record.epoch;
      this.waited = 0;
      this.live.forEach((m, k) => this.kept[k].data.set(m.data)); // keep a copy of the best weights
      return;
    }
    this.waited++;
    if (this.waited >= this.patience) {
      this.stoppedEpoch = record.epoch;
      return "stop";
    }
  }

  afterFit(history: History): void {
    if (this.stoppedEpoch !== null && history.stopped?.by === "callback") {
      history.stopped.reason = `early stopping after epoch ${this.stoppedEpoch}: the dev loss has not gone below its best ` +
        `(${this.bestLoss.toFixed(4)}, epoch ${this.bestEpoch}) for ${this.patience} epochs` +
        (this.restoreBest ? `; the weights of epoch ${this.bestEpoch} are restored` : "");
    }
    const last = history.epochs[history.epochs.length - 1];
    if (!this.restoreBest || this.bestEpoch === 0 || last === undefined || last.epoch === this.bestEpoch) return;
    this.live.forEach((m, k) => m.data.set(this.kept[k].data)); // the weights ← those of the best epoch
  }
}
