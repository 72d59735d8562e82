// Chapter 5 · The three optimizers: exercises.
import { registerExercises } from "./registry";
import { Random } from "../../core/random";
import { loadMnist } from "../../data/mnist";
import { shuffleDataset, splitDev } from "../../data/dataset";
import { mlp } from "../../nn/models";
import { gd } from "../../train/optimizers";
import { train } from "../../train/train";

type UpdatesPerEpoch = (n: number, batchSize: number | "full") => number;

registerExercises("5", [
  {
    id: "5.1",
    answer: "updatesPerEpoch",
    hint: "a short last batch is still an update: round up (Math.ceil); and a batch cannot be larger than the data",
    expects: "(n, batchSize) => number",
    test: (f: UpdatesPerEpoch, rng: Random) => {
      const cases: [number, number | "full", number][] = [
        [5000, "full", 1], [5000, 1, 5000], [5000, 64, 79], [60000, 128, 469], [100, 100, 1], [100, 30, 4], [7, 500, 1],
      ];
      for (let k = 0; k < 5; k++) {
        const n = 1 + rng.int(100000), B = 1 + rng.int(2000);
        cases.push([n, B, B >= n ? 1 : Math.ceil(n / B)]);
      }
      for (const [n, B, expected] of cases) {
        const got = f(n, B);
        if (got !== expected) return `updatesPerEpoch(${n}, ${JSON.stringify(B)}) gives ${got}`;
      }
      return true;
    },
  },
  {
    id: "5.2",
    answer: "errorFraction",
    hint: "E‖g_B − g‖² = σ²/B · (n − B)/(n − 1): put n = 5,000 and B = 2,500, and divide by σ²",
    digest: "54c057246e7f59682ca5479d2b87a0931a75f3733cfee5cff62538d2826e15d6",
    tolerance: 1e-3,
  },
  {
    id: "5.3",
    answer: "FULL_BATCH_LR",
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
