// train()'s options and everything around the algorithm: the checks that refuse bad options before anything is
// touched and fill in every default (checkTrainOptions → TrainPlan), and the guard rail that stops a diverging run
// (divergence). The algorithm itself is in ./train.ts; the lines for people in ./log.ts.
import type { Sequential } from "../nn/sequential";
import type { LossFn } from "../nn/losses";
import type { Optimizer, Schedule } from "./optimizers";
import { imagesShape, pixelBytes, type Dataset } from "../data/images";
import type { BatchTransform, History, TrainCallback } from "./callbacks";
import { checkChain } from "../nn/chain";
import { EVAL_BATCH_SIZE } from "../nn/evaluate";
import { checkLearningRate } from "./optimizer-checks";
import { resolveLoss } from "./evaluate";

export interface TrainOptions {
  train: Dataset;
  /** Evaluated after each epoch (the test set, or a dev set held out from the training data). */
  test?: Dataset;
  epochs: number;
  /** Rows per update: "full" (or n) = full-batch GD, 1 = SGD, anything between = mini-batch GD. */
  batchSize: number | "full";
  optimizer: Optimizer;
  /**
   * "ce" (default): cross-entropy. On logits with the fused, stable softmaxCrossEntropy when the
   *   network ends with a Dense layer; on probabilities (crossEntropy) when it ends with Softmax.
   * "mse": mean squared error between the network's output and the one-hot targets, whatever the
   *   output is (end the network with Softmax to compare probabilities with one-hot rows, as seed
   *   system 3 does; mlp(…, { outputSoftmax: true }) builds that).
   * Accuracy is the argmax of the output either way (softmax does not change the argmax).
   */
  loss?: "ce" | "mse" | LossFn;
  /** Seeds the per-epoch shuffle (default 1). Same seed → same history, number for number. */
  seed?: number;
  /** α for epoch e (0-based) from the optimizer's base rate; default constant. */
  schedule?: Schedule;
  /** Told about the training as it runs (lib/train/callbacks.ts): the live chart, probes, EarlyStopping, logEpochs … */
  callbacks?: TrainCallback[];
  /**
   * Applied to every training batch's inputs before the forward pass, e.g. new shifted and rotated images:
   * transform: new Augmenter({ seed: 1 }) (lib/data/augment.ts). Default none.
   */
  transform?: BatchTransform;
  /** Call the callbacks' afterStep every `stepEvery` updates (default 1: every update) and at each epoch's end. */
  stepEvery?: number;
  /**
   * true (default): after each epoch, evaluate loss and accuracy over the whole training set (in chunks).
   * false: report the running mean over the epoch's batches instead (free, but measured while the
   * weights were still moving; for full-batch GD it is the loss before the epoch's update).
   */
  evaluateTrain?: boolean;
  /** Rows per evaluation chunk (default EVAL_BATCH_SIZE, 1000). */
  evalBatchSize?: number;
  /**
   * Stop when a batch's loss exceeds this (the updates are exploding, even if the loss is still finite:
   * a stable softmax cross-entropy rarely reaches ∞, dead ReLUs keep it finite). Default: 10⁴ × the
   * first batch's loss (at least 10⁴); null: stop only on NaN or ±∞.
   */
  maxLoss?: number | null;
}

// ---------------------------------------------------------------------------------------------
// Guard rails: refuse, before touching anything, what cannot work.

/** train()'s options checked, with every default filled in: what train() runs. */
export interface TrainPlan {
  train: Dataset;
  test?: Dataset;
  optimizer: Optimizer;
  n: number;
  batchSize: number;
  epochs: number;
  classes: number;
  loss: LossFn;
  seed: number;
  schedule?: Schedule;
  callbacks: TrainCallback[];
  transform?: BatchTransform;
  stepEvery: number;
  evaluateTrain: boolean;
  evalBatchSize: number;
  /** stop when a batch's loss exceeds this; undefined: 10⁴ × the first batch's loss (at least 10⁴) */
  maxLoss?: number;
}

const CALLBACKS_DO_THAT = "callbacks do that: callbacks: [{ afterStep(info) {…}, afterEpoch(record, history) {…} }] " +
  "(a LiveCurves: live.run(name); a Probe or a StepLog: itself)";
/** Options train() had once, and what does their work now. */
const REPLACED: Record<string, string> = {
  onStep: CALLBACKS_DO_THAT,
  onEpoch: CALLBACKS_DO_THAT,
  earlyStopping: "early stopping is a callback: callbacks: [new EarlyStopping({ patience: 3 })]",
  augment: "augmentation is a transform of the training batches: transform: new Augmenter({ seed: 1 })",
  log: "the epoch lines come from a callback: callbacks: [logEpochs()] (or logEpochs((line) => …)); train() prints nothing, and a diverged run's reason is in history.stopped",
};

/** Check every option of train(); throws an Error saying what was expected, what was found, where. */
export function checkTrainOptions(net: Sequential, options: TrainOptions): TrainPlan {
  if (options === null || typeof options !== "object") throw new Error("train: expected an options object { train, epochs, batchSize, optimizer, … }");
  const old = Object.keys(REPLACED).filter((k) => k in options);
  if (old.length > 0) throw new Error(`train: there is no option ${old.join(" or ")}; ${Array.from(new Set(old.map((k) => REPLACED[k]))).join("; ")}`);
  const { train: data, test, optimizer } = options;
  if (!net || !Array.isArray(net.layers) || net.layers.length === 0) throw new Error("train: expected a Sequential network with at least one layer");
  const widths = checkChain(net.layers, "train");

  checkDataset(data, "training set", widths);
  if (test !== undefined) checkDataset(test, "test set", widths);
  const n = data.labels.length;

  if (!optimizer || typeof optimizer.step !== "function") throw new Error("train: expected an optimizer (gd, momentum, adam …) with a step(params, lr) method");
  if (optimizer.lr !== undefined) checkLearningRate(optimizer.lr, "train", ` (optimizer ${optimizer.name})`);
  if (options.schedule !== undefined && optimizer.lr === undefined) {
    throw new Error(`train: a schedule needs the optimizer's base learning rate, but optimizer ${optimizer.name} has no lr`);
  }

  const epochs = options.epochs;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`train: epochs must be a positive integer, found ${show(epochs)}`);

  const bs = options.batchSize;
  const batchSize = bs === "full" ? n : bs;
  if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > n) {
    throw new Error(`train: batchSize must be "full" or an integer from 1 to ${n} (the number of training examples), found ${show(bs)}`);
  }
  const stepEvery = options.stepEvery;
  if (stepEvery !== undefined && (!Number.isInteger(stepEvery) || stepEvery < 1)) throw new Error(`train: stepEvery must be a positive integer, found ${show(stepEvery)}`);
  const evalRows = options.evalBatchSize;
  if (evalRows !== undefined && (!Number.isInteger(evalRows) || evalRows < 1)) throw new Error(`train: evalBatchSize must be a positive integer, found ${show(evalRows)}`);
  const maxLoss = options.maxLoss;
  if (maxLoss !== undefined && maxLoss !== null && !(typeof maxLoss === "number" && maxLoss > 0)) throw new Error(`train: maxLoss must be a positive number or null, found ${show(maxLoss)}`);
  if (options.seed !== undefined && !Number.isFinite(options.seed)) throw new Error(`train: seed must be a number, found ${show(options.seed)}`);
  const transform = options.transform;
  if (transform !== undefined && (transform === null || typeof transform.apply !== "function")) {
    throw new Error(`train: transform must be an object with apply(x) → x', such as an Augmenter, found ${show(transform)}`);
  }
  checkCallbacks(options.callbacks);
  const loss = options.loss;
  if (loss !== undefined && loss !== "ce" && loss !== "mse" && typeof loss !== "function") {
    throw new Error(`train: loss must be "ce", "mse" or a loss function, found ${show(loss)}`);
  }
  const classes = widths.output;
  if (classes === undefined) throw new Error("train: cannot tell the network's output width (it has no Dense layer)");
  checkLabels(data, "training set", classes);
  if (test !== undefined) checkLabels(test, "test set", classes);
  return {
    train: data, test, optimizer, n, batchSize, epochs, classes, loss: resolveLoss(loss, net),
    seed: options.seed ?? 1, schedule: options.schedule, callbacks: options.callbacks?.slice() ?? [], transform,
    stepEvery: stepEvery ?? 1, evaluateTrain: options.evaluateTrain ?? true, evalBatchSize: evalRows ?? EVAL_BATCH_SIZE,
    maxLoss: maxLoss === null ? Infinity : maxLoss,
  };
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function checkCallbacks(callbacks: TrainCallback[] | undefined): void {
  if (callbacks === undefined) return;
  if (!Array.isArray(callbacks)) throw new Error(`train: callbacks must be a list of callback objects, found ${show(callbacks)}`);
  const methods = ["beforeFit", "afterStep", "afterEpoch", "afterFit"] as const;
  callbacks.forEach((c, i) => {
    if (c === null || typeof c !== "object") throw new Error(`train: callbacks[${i}] must be an object with beforeFit, afterStep, afterEpoch or afterFit, found ${show(c)}`);
    for (const m of methods) {
      if (c[m] !== undefined && typeof c[m] !== "function") throw new Error(`train: callbacks[${i}].${m} must be a function, found ${show(c[m])}`);
    }
  });
}

function checkDataset(d: Dataset | undefined, what: string, widths: { input?: number }): void {
  if (!d || !(pixelBytes(d) ?? d.images) || !d.labels) throw new Error(`train: the ${what} must be a Dataset { images, labels }, found ${show(d)}`);
  const { rows, cols } = imagesShape(d); // without reading images that are still bytes
  if (rows === 0) throw new Error(`train: the ${what} is empty (0 rows)`);
  if (d.labels.length !== rows) {
    throw new Error(`train: the ${what} has ${rows} image rows but ${d.labels.length} labels; expected one label per row`);
  }
  if (widths.input !== undefined && cols !== widths.input) {
    throw new Error(
      `train: the ${what}'s images have ${cols} columns but the first layer (dense ${widths.input}→…) expects ${widths.input} inputs`,
    );
  }
}

function checkLabels(d: Dataset, what: string, classes: number): void {
  for (let i = 0; i < d.labels.length; i++) {
    const y = d.labels[i];
    if (!(Number.isInteger(y) && y >= 0 && y < classes)) {
      throw new Error(`train: the ${what}'s label at row ${i} is ${y}, but the network has ${classes} outputs (classes 0..${classes - 1})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The guard rail: a loss that became NaN or ∞, or exploded.

export function divergence(epoch: number, step: number, updates: number, loss: number, maxLoss: number, lr: number | undefined): NonNullable<History["stopped"]> {
  const what = Number.isFinite(loss)
    ? `the loss exploded to ${loss.toExponential(2)} (above ${maxLoss.toExponential(2)})`
    : `the loss became ${loss}`;
  const rate = lr === undefined ? "" : ` with learning rate ${lr}`;
  const smaller = lr === undefined ? "" : ` (e.g. ${Number((lr / 10).toPrecision(3))})`;
  return {
    epoch,
    step,
    reason:
      `training stopped: ${what} at epoch ${epoch}, step ${step} (after ${updates} updates)${rate}; ` +
      `the updates overshoot — try a smaller learning rate${smaller}`,
  };
}
