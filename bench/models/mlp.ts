// The MLP of chapters 3–10 in `npm run bench -- models`: 784 → 256 → ReLU → 10, plain gradient descent
// (α = 0.1, as bench/train.ts and bench/reference.py), mini-batches of 64. Reference: reference_mlp.py.
import { mlp, gd } from "../../lib/index";
import type { ModelEntry } from "./entry";

const LR = 0.1;

export const mlpEntry: ModelEntry = {
  name: "MLP",
  describe: `784 → 256 → ReLU → 10, gradient descent α = ${LR}, batches of 64`,
  network: () => mlp([784, 256, 10], { seed: 1 }),
  optimizer: () => gd({ lr: LR }),
  batch: 64,
  paramFiles: ["W1", "b1", "W2", "b2"],
  reference: "reference_mlp.py",
  referenceArgs: [String(LR)],
};
