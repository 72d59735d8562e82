// Chapter 5 · The three optimizers: exercises.
import { registerExercises } from "./registry";
import { loadMnist } from "../../data/mnist";
import { shuffleDataset, splitDev } from "../../data/dataset";
import { mlp } from "../../nn/models";
import { gd } from "../../train/optimizers";
import { train } from "../../train/train";

type UpdatesPerEpoch = (n: number, batchSize: number | "full") => number;

registerExercises("5", [
  {
    id: "5.1",
    hint: "a short last batch is still an update: round up (Math.ceil); and a batch cannot be larger than the data",
    test: (f: UpdatesPerEpoch) => {
      if (typeof f !== "function") return "expected a function (n, batchSize) => number";
      const cases: [number, number | "full", number][] = [
        [5000, "full", 1], [5000, 1, 5000], [5000, 64, 79], [60000, 128, 469], [100, 100, 1], [100, 30, 4], [7, 500, 1],
      ];
      for (const [n, B, expected] of cases) {
        const got = f(n, B);
        if (got !== expected) return `updatesPerEpoch(${n}, ${JSON.stringify(B)}) gives ${got}`;
      }
      return true;
    },
  },
  {
    id: "5.2",
    hint: "E‖g_B − g‖² = σ²/B · (n − B)/(n − 1): put n = 5,000 and B = 2,500, and divide by σ²",
    test: (x: number) => {
      const want = (1 / 2500) * (5000 - 2500) / (5000 - 1);   // σ²/B · (n − B)/(n − 1), divided by σ²
      if (typeof x !== "number") return "expected a number";
      return Math.abs(x - want) <= 1e-3 * want || `${x} is not the fraction the formula gives`;
    },
  },
  {
    id: "5.3",
    hint: "try α between 0.1 and 2: a full batch gives the exact gradient, so it can afford a larger step",
    test: (lr: number) => {
      if (typeof lr !== "number" || !(lr > 0) || !Number.isFinite(lr)) return "the learning rate must be a positive number";
      // the 2,000 training images of the exercise, judged on a dev set held out from the training data
      const { train: data, dev } = splitDev(shuffleDataset(loadMnist("train", { limit: 3000 }), 5), 1000);
      const net = mlp([784, 64, 10], { seed: 1 });
      const h = train(net, { train: data, epochs: 50, batchSize: "full", optimizer: gd({ lr }), evaluateTrain: false });
      if (h.stopped) return `with α = ${lr} the loss diverged in epoch ${h.stopped.epoch}: too large`;
      const acc = net.accuracy(dev.images, dev.labels);
      return acc >= 0.8 || `with α = ${lr}, 50 full-batch updates reach ${(100 * acc).toFixed(1)}% on the dev set (the goal is 80%)`;
    },
  },
]);
