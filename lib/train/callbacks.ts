// What training tells the code that watches it: a callback, in the manner of fast.ai's, is an object
// with any of the methods below; train(net, { …, callbacks: [live.run("SGD"), probe] }) calls each
// callback's methods in list order. The live chart (lib/course/live.ts), the probes and step logs
// (lib/course/probes.ts), the command line's progress bar, the epoch lines (logEpochs, ./log.ts) and early
// stopping (EarlyStopping, ./early-stopping.ts) are all callbacks.
//
// The time callbacks take is left out of the epoch's `seconds`.
import type { Matrix } from "../core/matrix";
import type { Sequential } from "../nn/sequential";
import type { Dataset } from "../data/dataset";

/** One epoch of training, as History keeps it. */
export interface EpochRecord {
  epoch: number; // 1-based
  updates: number; // parameter updates so far, all epochs included
  seconds: number; // wall-clock time of this epoch's training alone (no evaluation, no callbacks)
  trainLoss: number;
  trainAccuracy: number; // fraction in [0, 1]
  testLoss?: number;
  testAccuracy?: number;
  lr?: number; // the learning rate used in this epoch
}

/** One update, as afterStep sees it. */
export interface StepInfo {
  epoch: number; // 1-based
  step: number; // 1-based, within the epoch
  stepsPerEpoch: number;
  updates: number; // so far, all epochs
  loss: number; // of this batch
}

export interface History {
  epochs: EpochRecord[];
  /**
   * null when all epochs ran; otherwise where and why training stopped: the loss diverged (no `by`), or
   * a callback's afterEpoch asked to stop (`by: "callback"`, after the epoch `epoch`, which is kept).
   */
  stopped: null | { epoch: number; step: number; reason: string; by?: "callback" };
}

/** What beforeFit is told: the network about to be trained, for how many epochs, and the dev/test set if any. */
export interface FitStart {
  net: Sequential;
  epochs: number;
  test?: Dataset;
}

/** Called by train(); every method is optional. */
export interface TrainCallback {
  /**
   * Once, after train() has checked its options and before the first update. A callback may refuse the run here
   * by throwing (EarlyStopping does without a dev set): nothing has been touched yet.
   */
  beforeFit?(start: FitStart): void;
  /**
   * After an update, every `stepEvery` updates (train's option, default 1) and after each epoch's last;
   * `info.loss` is the loss of that batch, measured before the update.
   */
  afterStep?(info: StepInfo): void;
  /**
   * After each completed epoch, once its record is in `history`. Return "stop" to end training there:
   * the other callbacks still see this epoch, then train() returns with history.stopped set.
   */
  afterEpoch?(record: EpochRecord, history: History): void | "stop";
  /** Once, when train() returns: all epochs done, diverged, or stopped by a callback. */
  afterFit?(history: History): void;
}

/**
 * A change made to every training batch's inputs before the forward pass, e.g. new shifted and rotated images
 * (an Augmenter, lib/data/augment.ts): train(net, { …, transform: new Augmenter({ seed: 1 }) }). It returns the
 * batch to train on (a buffer of its own, or x itself); evaluation never sees it.
 */
export interface BatchTransform {
  apply(x: Matrix): Matrix;
}
