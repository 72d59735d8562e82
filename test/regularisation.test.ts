// Chapter 10's remedies in the library: L1 decay in every optimizer, early stopping (a callback, keeping the best
// weights), augmentation (a transform) and dropout inside train() (seeded: same seed, same history),
// mlp's batchNorm/dropout options, and model files that keep BatchNorm's running averages.
import { beforeAll, describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import type { Param } from "../lib/nn/layers";
import { gd, momentum, adam } from "../lib/train/optimizers";
import { mlp } from "../lib/nn/models";
import type { Sequential } from "../lib/nn/sequential";
import { train } from "../lib/train/train";
import { evaluateDataset } from "../lib/train/evaluate";
import { EarlyStopping } from "../lib/train/early-stopping";
import { Augmenter } from "../lib/data/augment";
import { loadMnist } from "../lib/data/mnist";
import type { Dataset } from "../lib/data/dataset";
import { modelFromJson, modelToJson } from "../lib/nn/persist";
import { BatchNorm } from "../lib/nn/batchnorm";
import { Dropout } from "../lib/nn/dropout";
import type { EpochRecord, History } from "../lib/train/callbacks";

function param(values: number[], grad: number[], role: Param["role"] = "weight"): Param {
  return { name: role === "weight" ? "W" : "b", value: Matrix.fromRows([values], "float64"), grad: Matrix.fromRows([grad], "float64"), role };
}

describe("L1 decay", () => {
  it("gd: W ← W − α·(dW + λ₁·sign W), with sign 0 = 0, and biases untouched", () => {
    const w = param([2, -3, 0], [0.1, 0.1, 0.1]), b = param([2, -3], [0.1, 0.1], "bias");
    gd({ lr: 0.5, l1: 0.2 }).step([w, b]);
    // [2 − 0.5·(0.1 + 0.2), −3 − 0.5·(0.1 − 0.2), 0 − 0.5·0.1]
    expect(Array.from(w.value.data).map((v) => +v.toFixed(12))).toEqual([1.85, -2.95, -0.05]);
    expect(Array.from(b.value.data).map((v) => +v.toFixed(12))).toEqual([1.95, -3.05]);
  });

  it("momentum and Adam see g = dW + λ·W + λ₁·sign W: the same as plain ones given that gradient", () => {
    for (const make of [(o: object) => momentum({ lr: 0.1, ...o }), (o: object) => adam({ lr: 0.01, ...o })]) {
      const a = param([1.5, -0.5, 0.25], [0.3, -0.2, 0.1]);
      const g = Array.from(a.grad.data).map((d, i) => d + 0.01 * a.value.data[i] + 0.05 * Math.sign(a.value.data[i]));
      const b = param(Array.from(a.value.data), g);
      make({ weightDecay: 0.01, l1: 0.05 }).step([a]);
      make({}).step([b]);
      Array.from(a.value.data).forEach((v, i) => expect(v).toBeCloseTo(b.value.data[i], 14));
    }
  });

  it("refuses a negative or non-finite l1, naming it", () => {
    expect(() => adam({ lr: 0.1, l1: -1 })).toThrow(/adam: l1 must be a finite number ≥ 0, found -1/);
    expect(() => gd({ lr: 0.1, l1: NaN })).toThrow(/gd: l1 must be/);
  });
});

let small: Dataset, dev: Dataset;
beforeAll(() => {
  const all = loadMnist("train", { dir: "data/mnist-sample" });
  small = { images: all.images.rowRange(0, 300), labels: all.labels.subarray(0, 300) };
  dev = { images: all.images.rowRange(300, 500), labels: all.labels.subarray(300, 500) };
});

describe("EarlyStopping", () => {
  const record = (epoch: number, testLoss: number): EpochRecord => ({ epoch, updates: epoch, seconds: 0, trainLoss: 0, trainAccuracy: 0, testLoss });
  const history: History = { epochs: [], stopped: null };

  it("stops after `patience` epochs without a new lowest dev loss, and remembers the best epoch", () => {
    const es = new EarlyStopping({ patience: 2 });
    es.beforeFit({ net: mlp([4, 3, 2]), epochs: 6, test: dev });
    const answers = [0.9, 0.7, 0.75, 0.69, 0.7, 0.71].map((l, i) => es.afterEpoch(record(i + 1, l), history));
    expect(answers).toEqual([undefined, undefined, undefined, undefined, undefined, "stop"]);
    expect([es.bestEpoch, es.bestLoss, es.stoppedEpoch]).toEqual([4, 0.69, 6]);
  });

  it("train(…, { callbacks: [new EarlyStopping(…)] }) stops early and restores the best epoch's weights: the dev loss is the best one recorded", () => {
    const net = mlp([784, 64, 10], { seed: 3 });
    const h = train(net, { train: small, test: dev, epochs: 40, batchSize: 30, seed: 1, optimizer: adam({ lr: 0.01 }), callbacks: [new EarlyStopping({ patience: 3 })] });
    expect(h.stopped?.by).toBe("callback");
    expect(h.epochs.length).toBeLessThan(40);
    const losses = h.epochs.map((r) => r.testLoss as number);
    const best = Math.min(...losses);
    expect(h.stopped?.reason).toContain(`epoch ${losses.indexOf(best) + 1}`);
    expect(evaluateDataset(net, dev).loss).toBeCloseTo(best, 6);
    expect(losses[losses.length - 1]).toBeGreaterThan(best); // the last epoch was worse: the weights really went back
  });

  it("refuses early stopping without a dev set, and a patience of 0", () => {
    const net = mlp([784, 10]), before = Array.from(net.params()[0].value.data);
    expect(() => train(net, { train: small, epochs: 2, batchSize: 30, optimizer: gd({ lr: 0.1 }), callbacks: [new EarlyStopping({ patience: 2 })] }))
      .toThrow(/EarlyStopping watches the dev loss, so it needs a dev set/);
    expect(Array.from(net.params()[0].value.data)).toEqual(before); // refused before the first update
    expect(() => new EarlyStopping({ patience: 0 })).toThrow(/patience must be a whole number of epochs ≥ 1, found 0/);
  });
});

describe("augmentation (a transform) and dropout in train()", () => {
  const run = (seed: number, options: { augment?: boolean; dropout?: number }) => {
    const net = mlp([784, 32, 10], { seed: 2, dropout: options.dropout });
    const transform = options.augment ? new Augmenter({ seed }) : undefined;
    return train(net, { train: small, test: dev, epochs: 2, batchSize: 50, seed, optimizer: adam({ lr: 0.003 }), transform })
      .epochs.map((r) => [r.trainLoss, r.testLoss]);
  };

  it("the same seed gives the same history, number for number; augmentation and dropout change it", () => {
    const plain = run(1, {}), aug = run(1, { augment: true }), drop = run(1, { dropout: 0.3 });
    expect(run(1, { augment: true })).toEqual(aug);
    expect(run(1, { dropout: 0.3 })).toEqual(drop);
    expect(aug).not.toEqual(plain);
    expect(drop).not.toEqual(plain);
    expect(run(2, { augment: true })).not.toEqual(aug); // another seed, other images
  });

  it("mlp builds Dense, BatchNorm, activation, Dropout for each hidden layer", () => {
    const net = mlp([784, 100, 50, 10], { batchNorm: true, dropout: 0.2, seed: 4 });
    expect(net.layers.map((l) => l.describe())).toEqual([
      "Dense(784→100)", "BatchNorm(100)", "ReLU", "Dropout(p=0.2)", "Dense(100→50)", "BatchNorm(50)", "ReLU", "Dropout(p=0.2)", "Dense(50→10)",
    ]);
    expect(() => mlp([784, 10, 10], { dropout: 1 })).toThrow(/dropout/);
  });
});

describe("model files with BatchNorm and Dropout", () => {
  it("keep the running averages: the loaded network predicts exactly as the trained one", () => {
    const net: Sequential = mlp([784, 32, 10], { batchNorm: true, dropout: 0.25, seed: 5 });
    train(net, { train: small, epochs: 2, batchSize: 50, seed: 1, optimizer: adam({ lr: 0.003 }) });
    const bn = net.layers[1] as BatchNorm;
    expect(bn.runningMean.data.some((v) => v !== 0)).toBe(true);
    const loaded = modelFromJson(modelToJson(net));
    expect(loaded.layers[3]).toBeInstanceOf(Dropout);
    expect(Array.from((loaded.layers[1] as BatchNorm).runningVar.data)).toEqual(Array.from(bn.runningVar.data));
    expect(Array.from(loaded.forward(dev.images).data)).toEqual(Array.from(net.forward(dev.images).data));
  });
});
