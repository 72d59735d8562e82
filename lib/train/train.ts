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
// Everything else plugs in: the options, their checks and defaults, and the divergence guard rail are in
// ./train-checks.ts; what the callbacks receive (EpochRecord, StepInfo, History) in ./callbacks.ts; early
// stopping (./early-stopping.ts) and the epoch lines (./log.ts) are callbacks; augmentation is a transform.
import type { Matrix } from "../core/matrix";
import { argmaxRows } from "../core/ops";
import type { Sequential } from "../nn/sequential";
import { batches, imagesShape } from "../data/dataset";
import { Random } from "../core/random";
import type { EpochRecord, History } from "./callbacks";
import { checkTrainOptions, divergence, type TrainOptions } from "./train-checks";
import { evaluateDataset, oneHotMatrix } from "./evaluate";

/**
 * Train `net` in place and return the history, one record per completed epoch.
 * Bad options throw before anything is touched (see checkTrainOptions; a callback's beforeFit may refuse too).
 * A loss that becomes NaN or infinite, or explodes past `maxLoss`, does not throw: training stops at once,
 * `history.stopped` says where and why, and the epochs completed so far are kept. A callback whose afterEpoch
 * returns "stop" ends training after that epoch. train() prints nothing (a logEpochs callback does).
 */
export function train(net: Sequential, options: TrainOptions): History {
  const plan = checkTrainOptions(net, options);
  const { train: data, test, optimizer, n, batchSize, epochs, classes, loss: lossFn, callbacks, transform } = plan;
  for (const c of callbacks) c.beforeFit?.({ net, epochs, test });
  const params = net.params();
  const { dtype } = imagesShape(data); // (a data set still held as bytes stays bytes: lib/data/images.ts)
  const trainY = oneHotMatrix(data.labels, classes, dtype); // Y: n × classes, for evaluation
  const testY = test ? oneHotMatrix(test.labels, classes, dtype) : null;
  const evaluation = (d: typeof data, targets: Matrix) => evaluateDataset(net, d, lossFn, { targets, batchSize: plan.evalBatchSize });
  // Every example once an epoch, reshuffled each epoch with the seed (lib/data/dataset.ts); the batch
  // buffers are reused. Full batch: the whole set in stored order (its images, or its bytes scaled once).
  const full = batchSize === n;
  const epochBatches = batches(data, batchSize, { rng: full ? undefined : new Random(plan.seed), classes });
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const predicted = new Int32Array(batchSize); // argmax of each row, for the running accuracy

  const history: History = { epochs: [], stopped: null };
  let updates = 0;
  let maxLoss = plan.maxLoss; // set from the first batch if not given
  const stop = (why: NonNullable<History["stopped"]>): History => {
    history.stopped = why;
    for (const c of callbacks) c.afterFit?.(history);
    return history;
  };

  for (let e = 0; e < epochs; e++) {
    const lr = plan.schedule ? plan.schedule(e, optimizer.lr as number) : optimizer.lr;
    if (lr !== undefined && (!Number.isFinite(lr) || lr < 0)) {
      throw new Error(`train: the schedule gave the learning rate ${lr} for epoch ${e + 1}; expected a finite number ≥ 0`);
    }
    let lossSum = 0, correct = 0, callbackMs = 0;
    const t0 = performance.now();

    for (const { x, y, labels, index: step } of epochBatches) {
      const out = net.forward(transform ? transform.apply(x) : x, true); // Ŷ = net(X)   X: B × 784 (transformed)
      const { loss, grad } = lossFn(out, y); //      L = loss(Ŷ, Y),  dŶ = ∂L/∂Ŷ   Y: B × 10 one-hot
      maxLoss ??= 1e4 * Math.max(1, loss);
      if (!(loss <= maxLoss)) return stop(divergence(e + 1, step + 1, updates, loss, maxLoss, lr)); // NaN, ∞, exploding
      net.backward(grad); //                        dW, db for every layer
      optimizer.step(params, lr); //                 W ← W − α·(…)
      updates++;

      if (!plan.evaluateTrain) {
        lossSum += loss * x.rows;
        correct += countCorrect(argmaxRows(out, out.rows === batchSize ? predicted : predicted.subarray(0, out.rows)), labels);
      }
      if (callbacks.length > 0 && (updates % plan.stepEvery === 0 || step === stepsPerEpoch - 1)) {
        const c0 = performance.now();
        for (const c of callbacks) c.afterStep?.({ epoch: e + 1, step: step + 1, stepsPerEpoch, updates, loss });
        callbackMs += performance.now() - c0;
      }
    }
    const seconds = (performance.now() - t0 - callbackMs) / 1000;

    const trained = plan.evaluateTrain ? evaluation(data, trainY) : { loss: lossSum / n, accuracy: correct / n };
    const record: EpochRecord = { epoch: e + 1, updates, seconds, trainLoss: trained.loss, trainAccuracy: trained.accuracy };
    if (test) {
      const r = evaluation(test, testY as Matrix);
      record.testLoss = r.loss;
      record.testAccuracy = r.accuracy;
    }
    if (lr !== undefined) record.lr = lr;
    if (!(record.trainLoss <= (maxLoss as number))) {
      // The last update of the epoch made the loss explode: keep the epochs before it.
      return stop(divergence(e + 1, stepsPerEpoch, updates, record.trainLoss, maxLoss as number, lr));
    }
    history.epochs.push(record);
    let stopAsked = false;
    for (const c of callbacks) if (c.afterEpoch?.(record, history) === "stop") stopAsked = true;
    if (stopAsked && e + 1 < epochs) {
      return stop({ epoch: e + 1, step: stepsPerEpoch, reason: `training stopped after epoch ${e + 1} of ${epochs}: a callback asked to stop`, by: "callback" });
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
