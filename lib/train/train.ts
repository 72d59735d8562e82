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
//
// The options, their checks, the divergence guard rail and the log lines are in ./train-checks.ts;
// what the callbacks receive (EpochRecord, StepInfo, History) is in ./callbacks.ts.
import { Matrix, longLived, type DType } from "../core/matrix";
import { argmaxRows } from "../core/ops";
import { crossEntropy, mse, softmaxCrossEntropy, type LossFn } from "../nn/losses";
import { EVAL_BATCH_SIZE } from "../nn/evaluate";
import type { Sequential } from "../nn/sequential";
import { CLASSES, batches, oneHot, type Dataset } from "../data/dataset";
import { Random } from "../core/random";
import { outputWidth } from "../nn/chain";
import type { EpochRecord, History } from "./callbacks";
import { checkTrainOptions, divergence, formatRecord, logger, type TrainOptions } from "./train-checks";
import { Augmenter } from "../data/augment";
import { EarlyStopping } from "./early-stopping";

/**
 * Train `net` in place and return the history, one record per completed epoch.
 * Bad options throw before anything is touched (see checkTrainOptions). A loss that becomes NaN or
 * infinite, or explodes past `maxLoss`, does not throw: training stops at once, `history.stopped` says
 * where and why (also sent to `log`), and the epochs completed so far are kept. A callback whose
 * afterEpoch returns "stop" ends training after that epoch.
 */
export function train(net: Sequential, options: TrainOptions): History {
  const { train: data, test, optimizer, n, batchSize, epochs, classes } = checkTrainOptions(net, options);
  const say = logger(options.log);
  const callbacks = options.callbacks?.slice() ?? [];
  if (options.earlyStopping !== undefined) callbacks.push(new EarlyStopping(net, options.earlyStopping)); // keeps the best weights
  // New training images each batch (small random shifts and rotations), seeded from the run's seed
  const augmenter = options.augment === undefined || options.augment === false ? null
    : options.augment instanceof Augmenter ? options.augment
    : new Augmenter({ seed: options.seed ?? 1, ...(options.augment === true ? {} : options.augment) });
  const params = net.params();
  const lossFn = resolveLoss(options.loss, net);
  const stepEvery = options.stepEvery ?? 1;
  const evaluateTrain = options.evaluateTrain ?? true;
  const evalRows = options.evalBatchSize ?? EVAL_BATCH_SIZE;
  const trainY = oneHotMatrix(data.labels, classes, data.images.dtype); // Y: n × classes, for evaluation
  const testY = test ? oneHotMatrix(test.labels, classes, data.images.dtype) : null;
  // Every example once an epoch, reshuffled each epoch with the seed (lib/data/dataset.ts); the batch
  // buffers are reused. Full batch: the whole set in stored order, no copy.
  const full = batchSize === n;
  const epochBatches = batches(data, batchSize, { rng: full ? undefined : new Random(options.seed ?? 1), classes });
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const predicted = new Int32Array(batchSize); // argmax of each row, for the running accuracy

  const history: History = { epochs: [], stopped: null };
  let updates = 0;
  let maxLoss = options.maxLoss === null ? Infinity : options.maxLoss; // set from the first batch if not given
  const stop = (why: NonNullable<History["stopped"]>, warning: boolean): History => {
    history.stopped = why;
    say(why.reason, warning);
    for (const c of callbacks) c.afterFit?.(history);
    return history;
  };

  for (let e = 0; e < epochs; e++) {
    const lr = options.schedule ? options.schedule(e, optimizer.lr as number) : optimizer.lr;
    if (lr !== undefined && (!Number.isFinite(lr) || lr < 0)) {
      throw new Error(`train: the schedule gave the learning rate ${lr} for epoch ${e + 1}; expected a finite number ≥ 0`);
    }
    let lossSum = 0, correct = 0, callbackMs = 0;
    const t0 = performance.now();

    for (const { x, y, labels, index: step } of epochBatches) {
      const out = net.forward(augmenter ? augmenter.apply(x) : x, true); // Ŷ = net(X)   X: B × 784 (augmented)
      const { loss, grad } = lossFn(out, y); //      L = loss(Ŷ, Y),  dŶ = ∂L/∂Ŷ   Y: B × 10 one-hot
      maxLoss ??= 1e4 * Math.max(1, loss);
      if (!(loss <= maxLoss)) return stop(divergence(e + 1, step + 1, updates, loss, maxLoss, lr), true); // NaN, ∞, exploding
      net.backward(grad); //                        dW, db for every layer
      optimizer.step(params, lr); //                 W ← W − α·(…)
      updates++;

      if (!evaluateTrain) {
        lossSum += loss * x.rows;
        correct += countCorrect(argmaxRows(out, out.rows === batchSize ? predicted : predicted.subarray(0, out.rows)), labels);
      }
      if (callbacks.length > 0 && (updates % stepEvery === 0 || step === stepsPerEpoch - 1)) {
        const c0 = performance.now();
        for (const c of callbacks) c.afterStep?.({ epoch: e + 1, step: step + 1, stepsPerEpoch, updates, loss });
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
      return stop(divergence(e + 1, stepsPerEpoch, updates, record.trainLoss, maxLoss as number, lr), true);
    }
    history.epochs.push(record);
    say(formatRecord(record, epochs), false);
    let stopAsked = false;
    for (const c of callbacks) if (c.afterEpoch?.(record, history) === "stop") stopAsked = true;
    if (stopAsked && e + 1 < epochs) {
      return stop({ epoch: e + 1, step: stepsPerEpoch, reason: `training stopped after epoch ${e + 1} of ${epochs}: a callback asked to stop`, by: "callback" }, false);
    }
  }
  for (const c of callbacks) c.afterFit?.(history);
  return history;
}

/** How many predicted classes equal the labels. */
function countCorrect(predicted: Int32Array, labels: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct;
}

/**
 * Mean loss and accuracy of `net` over a whole dataset, evaluated in chunks of `batchSize` rows
 * (default EVAL_BATCH_SIZE) without training: Sequential.evaluate with the loss train() would use.
 */
export function evaluateDataset(
  net: Sequential,
  data: Dataset,
  loss: "ce" | "mse" | LossFn = "ce",
  options: { batchSize?: number; targets?: Matrix } = {},
): { loss: number; accuracy: number } {
  const lossFn = typeof loss === "function" ? loss : resolveLoss(loss, net);
  const targets = options.targets ?? oneHotMatrix(data.labels, outputWidth(net) ?? CLASSES, data.images.dtype);
  return net.evaluate(data.images, targets, lossFn, data.labels, options.batchSize ?? EVAL_BATCH_SIZE);
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
