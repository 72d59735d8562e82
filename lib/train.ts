// The training loop: one algorithm, three names.
//
// Each epoch visits every training example once, in batches of B rows:
//   for each batch (X: B × 784, Y: B × 10 one-hot):
//     Ŷ = net(X);  L = loss(Ŷ, Y);  dŶ = ∂L/∂Ŷ;  backpropagate;  W ← update(W, dW)   (one update)
// The batch size is the only difference between the three classic methods:
//   B = n (the whole training set)  →  full-batch gradient descent: 1 update per epoch
//   1 < B < n (e.g. 64)             →  mini-batch gradient descent: ⌈n/B⌉ updates per epoch
//   B = 1                           →  stochastic gradient descent: n updates per epoch
// Because every loss is a mean over the batch, each update follows an unbiased estimate of the same
// gradient, the mean over all n examples; a smaller B gives noisier but many more updates per epoch.
import { Matrix, longLived } from "./matrix";
import type { DType } from "./matrix";
import type { Layer, LayerConfig } from "./layers";
import type { LossFn } from "./losses";
import { crossEntropy, mse, softmaxCrossEntropy } from "./losses";
import type { Sequential } from "./network";
import type { Dataset } from "./data/mnist";
import { batches, oneHot } from "./data/mnist";
import { Random } from "./random";
import type { Optimizer, Schedule } from "./optimizers";

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
  onEpoch?: (record: EpochRecord, history: History) => void;
  /** Called every `stepEvery` updates (default every update) with the loss of that batch. */
  onStep?: (info: StepInfo) => void;
  stepEvery?: number;
  /**
   * true (default): after each epoch, evaluate loss and accuracy over the whole training set (in chunks).
   * false: report the running mean over the epoch's batches instead (free, but measured while the
   * weights were still moving; for full-batch GD it is the loss before the epoch's update).
   */
  evaluateTrain?: boolean;
  /** Rows per evaluation chunk (default 1000). */
  evalBatchSize?: number;
  /**
   * Stop when a batch's loss exceeds this (the updates are exploding, even if the loss is still finite:
   * a stable softmax cross-entropy rarely reaches ∞, dead ReLUs keep it finite). Default: 10⁴ × the
   * first batch's loss (at least 10⁴); null: stop only on NaN or ±∞.
   */
  maxLoss?: number | null;
  /** true: a line per epoch to the console; a function: lines go to it; false: silent.
   *  Left out: silent except the divergence message (console.warn). */
  log?: boolean | ((line: string) => void);
}

export interface StepInfo {
  epoch: number; // 1-based
  step: number; // 1-based, within the epoch
  stepsPerEpoch: number;
  updates: number; // so far, all epochs
  loss: number; // of this batch
}

export interface History {
  epochs: EpochRecord[];
  /** null when all epochs ran; otherwise where and why training stopped (the loss diverged). */
  stopped: null | { epoch: number; step: number; reason: string };
}

/**
 * Train `net` in place and return the history, one record per completed epoch.
 * Bad options throw before anything is touched (see checkTrainOptions). A loss that becomes NaN or
 * infinite, or explodes past `maxLoss`, does not throw: training stops at once, `history.stopped` says
 * where and why (also sent to `log`), and the epochs completed so far are kept.
 */
export function train(net: Sequential, options: TrainOptions): History {
  const plan = checkTrainOptions(net, options);
  const { train: data, test, optimizer, n, batchSize, epochs } = plan;
  const say = logger(options.log);
  const params = net.params();
  const lossFn = resolveLoss(options.loss, net);
  const schedule = options.schedule;
  const stepEvery = options.stepEvery ?? 1;
  const evaluateTrain = options.evaluateTrain ?? true;
  const evalRows = options.evalBatchSize ?? 1000;
  const dtype = data.images.dtype;

  // Targets as one-hot rows for evaluation, built once: Y: n × classes.
  const trainY = oneHotMatrix(data.labels, plan.classes, dtype);
  const testY = test ? oneHotMatrix(test.labels, plan.classes, dtype) : null;

  // The epoch's batches (lib/data/mnist.ts): every example once, reshuffled each epoch with the seed;
  // their buffers are reused from batch to batch. Full batch: the whole set in stored order, no copy.
  const full = batchSize === n;
  const epochBatches = batches(data, batchSize, { rng: full ? undefined : new Random(options.seed ?? 1), classes: plan.classes });
  const stepsPerEpoch = Math.ceil(n / batchSize);

  const history: History = { epochs: [], stopped: null };
  let updates = 0;
  let maxLoss = options.maxLoss === null ? Infinity : options.maxLoss; // set from the first batch if not given

  for (let e = 0; e < epochs; e++) {
    const lr = schedule ? schedule(e, optimizer.lr as number) : optimizer.lr;
    if (lr !== undefined && (!Number.isFinite(lr) || lr < 0)) {
      throw new Error(`train: the schedule gave the learning rate ${lr} for epoch ${e + 1}; expected a finite number ≥ 0`);
    }
    let lossSum = 0, correct = 0, callbackMs = 0;
    const t0 = performance.now();

    for (const { x, y, labels, index: step } of epochBatches) {
      const out = net.forward(x, true); //          Ŷ = net(X)             X: B × 784
      const { loss, grad } = lossFn(out, y); //      L = loss(Ŷ, Y),  dŶ = ∂L/∂Ŷ   Y: B × 10 one-hot
      maxLoss ??= 1e4 * Math.max(1, loss);
      if (!(loss <= maxLoss)) { // NaN, ∞, or exploding
        history.stopped = divergence(e + 1, step + 1, updates, loss, maxLoss, lr);
        say(history.stopped.reason, true);
        return history;
      }
      net.backward(grad); //                        dW, db for every layer
      optimizer.step(params, lr); //                 W ← W − α·(…)
      updates++;

      if (!evaluateTrain) {
        lossSum += loss * x.rows;
        correct += countCorrect(out, labels);
      }
      if (options.onStep && (updates % stepEvery === 0 || step === stepsPerEpoch - 1)) {
        const c0 = performance.now();
        options.onStep({ epoch: e + 1, step: step + 1, stepsPerEpoch, updates, loss });
        callbackMs += performance.now() - c0;
      }
    }
    const seconds = (performance.now() - t0 - callbackMs) / 1000;

    const trained = evaluateTrain
      ? evaluateDataset(net, data, lossFn, { targets: trainY, batchSize: evalRows })
      : { loss: lossSum / n, accuracy: correct / n };
    const record: EpochRecord = { epoch: e + 1, updates, seconds, trainLoss: trained.loss, trainAccuracy: trained.accuracy };
    if (test) {
      const r = evaluateDataset(net, test, lossFn, { targets: testY as Matrix, batchSize: evalRows });
      record.testLoss = r.loss;
      record.testAccuracy = r.accuracy;
    }
    if (lr !== undefined) record.lr = lr;
    if (!(record.trainLoss <= (maxLoss as number))) {
      // The last update of the epoch made the loss explode: keep the epochs before it.
      history.stopped = divergence(e + 1, stepsPerEpoch, updates, record.trainLoss, maxLoss as number, lr);
      say(history.stopped.reason, true);
      return history;
    }
    history.epochs.push(record);
    say(formatRecord(record, epochs), false);
    options.onEpoch?.(record, history);
  }
  return history;
}

function divergence(epoch: number, step: number, updates: number, loss: number, maxLoss: number, lr: number | undefined): NonNullable<History["stopped"]> {
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

/** How many rows of `out` have their argmax at the true label. */
function countCorrect(out: Matrix, labels: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < out.rows; i++) if (argmaxRow(out, i) === labels[i]) correct++;
  return correct;
}

function argmaxRow(m: Matrix, i: number): number {
  const d = m.data, k = m.cols, o = i * k;
  let best = 0;
  for (let j = 1; j < k; j++) if (d[o + j] > d[o + best]) best = j;
  return best;
}

/**
 * Mean loss and accuracy of `net` over a whole dataset, evaluated in chunks of `batchSize` rows
 * (default 1000) without training: Sequential.evaluate with the loss train() would use.
 */
export function evaluateDataset(
  net: Sequential,
  data: Dataset,
  loss: "ce" | "mse" | LossFn = "ce",
  options: { batchSize?: number; targets?: Matrix } = {},
): { loss: number; accuracy: number } {
  const lossFn = typeof loss === "function" ? loss : resolveLoss(loss, net);
  const targets = options.targets ?? oneHotMatrix(data.labels, outputWidth(net) ?? 10, data.images.dtype);
  return net.evaluate(data.images, targets, lossFn, data.labels, options.batchSize ?? 1000);
}

// ---------------------------------------------------------------------------------------------
// Losses with reused gradient buffers.

/** The loss function train() uses for "ce" / "mse" on this network (see TrainOptions.loss). */
export function resolveLoss(loss: "ce" | "mse" | LossFn | undefined, net: Sequential): LossFn {
  if (typeof loss === "function") return loss;
  const which = loss ?? "ce";
  if (which === "mse") return withGradBuffer(mse);
  if (which === "ce") {
    const lastLayer = net.layers[net.layers.length - 1];
    const endsWithSoftmax = lastLayer !== undefined && lastLayer.config().type === "softmax";
    return withGradBuffer(endsWithSoftmax ? crossEntropy : softmaxCrossEntropy);
  }
  throw new Error(`train: unknown loss ${JSON.stringify(which)}; expected "ce", "mse" or a loss function`);
}

/** Wrap a loss so that, unless given a buffer, its gradient goes into one kept per batch size (no allocation per batch). */
function withGradBuffer(f: LossFn): LossFn {
  const buffers = new Map<number, Matrix>();
  return (output, targets, gradOut) => {
    let g = gradOut ?? buffers.get(output.rows);
    if (g === undefined || g.cols !== output.cols || g.dtype !== output.dtype) {
      g = longLived(output.rows, output.cols, output.dtype);
      buffers.set(output.rows, g);
    }
    return f(output, targets, g);
  };
}

/** Y: n × classes, one-hot rows of the labels. */
function oneHotMatrix(labels: ArrayLike<number>, classes: number, dtype: DType): Matrix {
  return oneHot(labels, classes, Matrix.zeros(labels.length, classes, dtype));
}

// ---------------------------------------------------------------------------------------------
// Guard rails: refuse, before touching anything, what cannot work.

export interface TrainPlan {
  train: Dataset;
  test?: Dataset;
  optimizer: Optimizer;
  n: number;
  batchSize: number;
  epochs: number;
  classes: number;
}

/** Check every option of train(); throws an Error saying what was expected, what was found, where. */
export function checkTrainOptions(net: Sequential, options: TrainOptions): TrainPlan {
  if (options === null || typeof options !== "object") throw new Error("train: expected an options object { train, epochs, batchSize, optimizer, … }");
  const { train: data, test, optimizer } = options;
  if (!net || !Array.isArray(net.layers) || net.layers.length === 0) throw new Error("train: expected a Sequential network with at least one layer");
  const widths = checkChain(net.layers);

  checkDataset(data, "training set", widths);
  if (test !== undefined) checkDataset(test, "test set", widths);
  const n = data.images.rows;

  if (!optimizer || typeof optimizer.step !== "function") throw new Error("train: expected an optimizer (gd, momentum, adam …) with a step(params, lr) method");
  if (optimizer.lr !== undefined && (typeof optimizer.lr !== "number" || !Number.isFinite(optimizer.lr) || optimizer.lr <= 0)) {
    throw new Error(`train: the learning rate must be a positive finite number, found ${optimizer.lr} (optimizer ${optimizer.name})`);
  }
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
  const loss = options.loss;
  if (loss !== undefined && loss !== "ce" && loss !== "mse" && typeof loss !== "function") {
    throw new Error(`train: loss must be "ce", "mse" or a loss function, found ${show(loss)}`);
  }
  const classes = widths.output;
  if (classes === undefined) throw new Error("train: cannot tell the network's output width (it has no Dense layer)");
  checkLabels(data, "training set", classes);
  if (test !== undefined) checkLabels(test, "test set", classes);
  return { train: data, test, optimizer, n, batchSize, epochs, classes };
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function describeLayer(c: LayerConfig): string {
  return c.type === "dense" ? `dense ${c.inputs}→${c.outputs}` : c.type;
}

/** Walk the layers: each Dense must take as many inputs as the previous Dense gives outputs. */
function checkChain(layers: Layer[]): { input?: number; output?: number } {
  const configs = layers.map((l) => l.config());
  let input: number | undefined, width: number | undefined;
  configs.forEach((c, i) => {
    if (c.type !== "dense") return;
    if (width === undefined) input = Number(c.inputs);
    else if (c.inputs !== width) {
      throw new Error(
        `train: layer ${i + 1} (${describeLayer(c)}) expects ${c.inputs} inputs but the layer before gives ${width} ` +
          `(layers: ${configs.map(describeLayer).join(", ")})`,
      );
    }
    width = Number(c.outputs);
  });
  return { input, output: width };
}

function checkDataset(d: Dataset | undefined, what: string, widths: { input?: number }): void {
  if (!d || !d.images || !d.labels) throw new Error(`train: the ${what} must be a Dataset { images, labels }, found ${show(d)}`);
  const rows = d.images.rows;
  if (rows === 0) throw new Error(`train: the ${what} is empty (0 rows)`);
  if (d.labels.length !== rows) {
    throw new Error(`train: the ${what} has ${rows} image rows but ${d.labels.length} labels; expected one label per row`);
  }
  if (widths.input !== undefined && d.images.cols !== widths.input) {
    throw new Error(
      `train: the ${what}'s images have ${d.images.cols} columns but the first layer (dense ${widths.input}→…) expects ${widths.input} inputs`,
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

/** The width of the network's output (the last Dense layer's outputs). */
export function outputWidth(net: Sequential): number | undefined {
  return checkChain(net.layers).output;
}

// ---------------------------------------------------------------------------------------------
// Lines for people.

function logger(log: TrainOptions["log"]): (line: string, warning: boolean) => void {
  if (typeof log === "function") return (line) => log(line);
  if (log === true) return (line, warning) => (warning ? console.warn(line) : console.log(line));
  if (log === false) return () => {};
  return (line, warning) => {
    if (warning) console.warn(line);
  };
}

/** "epoch  3/10  train loss 0.1234 acc 96.12%  test loss 0.1100 acc 96.50%  2.31 s" */
export function formatRecord(r: EpochRecord, epochs?: number): string {
  const pad = epochs ? String(epochs).length : 1;
  const head = `epoch ${String(r.epoch).padStart(pad)}${epochs ? `/${epochs}` : ""}`;
  const pct = (a: number) => `${(100 * a).toFixed(2)}%`;
  const test = r.testLoss !== undefined && r.testAccuracy !== undefined ? `  test loss ${r.testLoss.toFixed(4)} acc ${pct(r.testAccuracy)}` : "";
  return `${head}  train loss ${r.trainLoss.toFixed(4)} acc ${pct(r.trainAccuracy)}${test}  ${r.seconds.toFixed(2)} s`;
}
