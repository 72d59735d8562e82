// The course's networks, built from typed layers: mlp (chapters 3–10) and mnistCnn (chapter 11).
//
//   mlp([784, 256, 10])   Dense(784→256), ReLU, Dense(256→10)                 (the output is logits)
//   with batchNorm and dropout, each hidden layer is   Dense, BatchNorm, activation, Dropout
//
//   mnistCnn()            X: N × 784 (1×28×28)
//                         Conv2D 5×5, F₁ filters  → F₁×24×24,  ReLU,  MaxPool2D 2×2 → F₁×12×12
//                         Conv2D 5×5, F₂ filters  → F₂×8×8,    ReLU,  MaxPool2D 2×2 → F₂×4×4
//                         Flatten (F₂·16 values), Dense → hidden, ReLU, Dense → 10 logits   (hidden = 0: straight to the logits)
import type { DType } from "../core/matrix";
import { Random } from "../core/random";
import { Layer, Dense, type Init } from "./layers";
import { ReLU, Sigmoid, Tanh, Softmax } from "./activations";
import { BatchNorm } from "./batchnorm";
import { Dropout } from "./dropout";
import { Conv2D } from "./conv";
import { MaxPool2D, Flatten } from "./pool";
import { Sequential } from "./sequential";

export type ActivationName = "relu" | "sigmoid" | "tanh";

const ACTIVATIONS: Record<ActivationName, () => Layer> = { relu: () => new ReLU(), sigmoid: () => new Sigmoid(), tanh: () => new Tanh() };

export interface MlpOptions {
  /** the activation after every hidden Dense; default "relu" */
  activation?: ActivationName;
  /** default "he" for relu, "xavier" for sigmoid and tanh */
  init?: Init;
  /** one generator with this seed draws every layer's weights; default 0 */
  seed?: number;
  /** default "float32" */
  dtype?: DType;
  /** end with a Softmax layer (for crossEntropy or mse on probabilities); default false: the output is logits */
  outputSoftmax?: boolean;
  /** a BatchNorm between every hidden Dense and its activation; default false */
  batchNorm?: boolean;
  /** a Dropout with this p after every hidden activation (its masks seeded from `seed`); default none */
  dropout?: number;
}

/**
 * A multilayer perceptron: mlp([784, 256, 10]) is Dense(784→256), ReLU, Dense(256→10).
 * No activation after the last Dense (its outputs are logits for softmaxCrossEntropy) unless outputSoftmax.
 */
export function mlp(sizes: number[], options: MlpOptions = {}): Sequential {
  if (sizes.length < 2) throw new Error(`mlp: needs at least two sizes (inputs and outputs), got [${sizes.join(", ")}]`);
  sizes.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 1) throw new Error(`mlp: size ${i} must be a whole number ≥ 1, got ${n}`);
  });
  const activation = options.activation ?? "relu";
  if (!Object.prototype.hasOwnProperty.call(ACTIVATIONS, activation)) {
    throw new Error(`mlp: unknown activation ${JSON.stringify(activation)}; expected "relu", "sigmoid" or "tanh"`);
  }
  const makeActivation = ACTIVATIONS[activation];
  const p = options.dropout;
  if (p !== undefined && !(typeof p === "number" && p >= 0 && p < 1)) throw new Error(`mlp: dropout must be a number in [0, 1), got ${p}`);
  const init = options.init ?? (activation === "relu" ? "he" : "xavier");
  const seed = options.seed ?? 0;
  const rng = new Random(seed);
  const dtype = options.dtype;
  const layers: Layer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    layers.push(new Dense(sizes[l], sizes[l + 1], { init, rng, dtype }));
    if (l + 2 === sizes.length) break; // the output layer: logits
    if (options.batchNorm) layers.push(new BatchNorm(sizes[l + 1], { dtype }));
    layers.push(makeActivation());
    if (p) layers.push(new Dropout(p, { seed: 1000 * seed + l + 1 }));
  }
  if (options.outputSoftmax) layers.push(new Softmax());
  return new Sequential(layers);
}

export interface CnnOptions {
  /** filters of the two convolutions; default [16, 32] */
  filters?: [number, number];
  /** units of the hidden dense layer; 0 for none; default 128 */
  hidden?: number;
  /** one generator with this seed draws every layer's weights; default 0 */
  seed?: number;
  /** default "float32" */
  dtype?: DType;
}

/** The two-convolution network above, for 1×28×28 images and 10 classes. */
export function mnistCnn(options: CnnOptions = {}): Sequential {
  const [f1, f2] = options.filters ?? [16, 32];
  const hidden = options.hidden ?? 128;
  for (const [what, n, min] of [["filters[0]", f1, 1], ["filters[1]", f2, 1], ["hidden", hidden, 0]] as const) {
    if (!Number.isInteger(n) || n < min) throw new Error(`mnistCnn: ${what} must be a whole number ≥ ${min}, got ${n}`);
  }
  const rng = new Random(options.seed ?? 0);
  const dtype = options.dtype;
  const layers: Layer[] = [
    new Conv2D({ inChannels: 1, outChannels: f1, kernel: 5, height: 28, width: 28, rng, dtype }), //  → f1×24×24
    new ReLU(),
    new MaxPool2D({ channels: f1, height: 24, width: 24, size: 2 }), //                                 → f1×12×12
    new Conv2D({ inChannels: f1, outChannels: f2, kernel: 5, height: 12, width: 12, rng, dtype }), // → f2×8×8
    new ReLU(),
    new MaxPool2D({ channels: f2, height: 8, width: 8, size: 2 }), //                                   → f2×4×4
    new Flatten(),
  ];
  if (hidden > 0) layers.push(new Dense(f2 * 16, hidden, { rng, dtype }), new ReLU(), new Dense(hidden, 10, { rng, dtype }));
  else layers.push(new Dense(f2 * 16, 10, { rng, dtype }));
  return new Sequential(layers);
}
