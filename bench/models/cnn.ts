// The CNN of chapter 11 (`npm run train -- --preset cnn`) in `npm run bench -- models`: conv 5×5×16 → ReLU →
// pool 2 → conv 5×5×32 → ReLU → pool 2 → dense 128 → ReLU → dense 10, Adam (α = 0.002, as the preset),
// mini-batches of 64. Reference: reference_cnn.py.
import { mnistCnn, adam } from "../../lib/index";
import type { ModelEntry } from "./entry";

const LR = 0.002, FILTERS: [number, number] = [16, 32], HIDDEN = 128;

export const cnnEntry: ModelEntry = {
  name: "CNN",
  describe: `conv 5×5×${FILTERS[0]}, pool 2, conv 5×5×${FILTERS[1]}, pool 2, dense ${HIDDEN}, dense 10; Adam α = ${LR}, batches of 64`,
  network: () => mnistCnn({ filters: FILTERS, hidden: HIDDEN, seed: 1 }),
  optimizer: () => adam({ lr: LR }),
  batch: 64,
  paramFiles: ["c1W", "c1b", "c2W", "c2b", "d0W", "d0b", "d1W", "d1b"],
  reference: "reference_cnn.py",
  referenceArgs: [String(FILTERS[0]), String(FILTERS[1]), String(HIDDEN), String(LR)],
};
