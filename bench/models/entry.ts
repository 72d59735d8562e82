// One model of `npm run bench -- models` (bench/models.ts): how to build and train ours, and the PyTorch script
// that trains the same network from the same start. Each model is one small module beside this file
// (mlp.ts, cnn.ts, …) with its reference_<name>.py; bench/models.ts lists them.
import type { Optimizer, Sequential } from "../../lib/index";

export interface ModelEntry {
  /** short name, as printed */
  name: string;
  /** one line: the layers and the training */
  describe: string;
  /** the network, the same starting weights at every call (seeded) */
  network(): Sequential;
  /** a new optimizer (its state starts empty) */
  optimizer(): Optimizer;
  /** mini-batch size */
  batch: number;
  /** the file name of each of network().params() in order, where the reference reads the starting weights */
  paramFiles: string[];
  /** the reference script, in bench/models/ */
  reference: string;
  /** its model-specific arguments, after IMAGES LABELS INIT_DIR THREADS */
  referenceArgs: string[];
}
