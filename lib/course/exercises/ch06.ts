// Chapter 6 · Experiments: exercises.
import { registerExercises } from "./registry";
import { Random } from "../../core/random";
import { loadCsv } from "../../data/csv";
import { shuffleDataset, splitDev } from "../../data/dataset";
import { mlp } from "../../nn/models";
import { gd } from "../../train/optimizers";
import { train } from "../../train/train";
import type { History, EpochRecord } from "../../train/callbacks";

/** A made-up history: accuracies per epoch on the training data and on the dev set. */
function fakeHistory(train: number[], dev: number[], stopped = false): History {
  const epochs: EpochRecord[] = dev.map((d, e) => ({
    epoch: e + 1, updates: 10 * (e + 1), seconds: 0.1, trainLoss: 1 - train[e], trainAccuracy: train[e],
    testLoss: 1 - d, testAccuracy: d,
  }));
  return { epochs, stopped: stopped ? { epoch: dev.length + 1, step: 3, reason: "the loss became NaN" } : null };
}

registerExercises("6", [
  {
    id: "6.1",
    answer: "pickBest",
    hint: "look at each run's LAST epoch, and at its accuracy on the dev set (testAccuracy: the set train() evaluated on), not on the training data",
    expects: "(histories) => name",
    test: (f: (histories: Record<string, History>) => string) => {
      const runs: Record<string, History> = {
        "α = 0.3": fakeHistory([0.90, 0.95, 0.97], [0.89, 0.93, 0.91]),   // the best dev accuracy at any epoch, not at the end
        "α = 0.1": fakeHistory([0.88, 0.91, 0.93], [0.88, 0.90, 0.92]),   // the best at the end
        "α = 1": fakeHistory([0.93, 0.98, 0.995], [0.86, 0.89, 0.905]),   // the best on the training data
        "α = 10": fakeHistory([0.5], [0.95], true),                        // diverged after one epoch
      };
      const got = f(runs);
      if (got === "α = 1") return "that is the best run on the training data; the choice must be made on the dev set";
      if (got === "α = 0.3") return "that run was best in epoch 2, but you would keep the network as it is at the end";
      if (got === "α = 10") return "that run stopped (history.stopped): its network is no use";
      return got === "α = 0.1" || `it returns ${JSON.stringify(got)}`;
    },
  },
  {
    id: "6.2",
    answer: "parameterCount",
    offLimits: { why: "count the weights and biases yourself", layers: true, modules: ["nn/sequential", "nn/models", "nn/evaluate", "nn/chain", "nn/layer-config", "nn/persist"] },
    hint: "each Dense layer from a to b units has a·b weights and b biases",
    expects: "(sizes) => number",
    test: (f: (sizes: number[]) => number, rng: Random) => {
      const drawn = Array.from({ length: 2 + rng.int(3) }, () => 1 + rng.int(300));
      for (const sizes of [[784, 10, 10], [784, 256, 10], [784, 64, 10], [784, 512, 256, 10], [3, 1], drawn]) {
        const expected = mlp(sizes).parameterCount();
        if (f(sizes) !== expected) return `for [${sizes.join(", ")}] it gives ${f(sizes)}`;
      }
      return true;
    },
  },
  {
    id: "6.3",
    answer: "SEED4_LR",
    hint: "α = 0.1 is timid for this network; try values up to 1",
    test: (lr: number) => {
      if (typeof lr !== "number" || !(lr > 0) || !Number.isFinite(lr)) return "the learning rate must be a positive number";
      const rows = shuffleDataset(loadCsv("data/train-sample.csv"), 1);
      const { train: t, dev } = splitDev(rows, 1000);
      const net = mlp([784, 10, 10], { init: "uniform", seed: 1 });
      const h = train(net, { train: t, epochs: 100, batchSize: "full", optimizer: gd({ lr }), evaluateTrain: false });
      if (h.stopped) return `with α = ${lr} the loss diverged in epoch ${h.stopped.epoch}`;
      const acc = net.accuracy(dev.images, dev.labels);
      return acc >= 0.75 || `with α = ${lr}, 100 epochs reach ${(100 * acc).toFixed(1)}% (the goal is 75%)`;
    },
  },
]);
