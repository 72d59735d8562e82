// The chapter's convolutional network for 28 × 28 digits (LeNet's shape, smaller):
//
//   X: N × 784 (1×28×28)
//   Conv2D 5×5, F₁ filters  → F₁×24×24,  ReLU,  MaxPool2D 2×2 → F₁×12×12
//   Conv2D 5×5, F₂ filters  → F₂×8×8,    ReLU,  MaxPool2D 2×2 → F₂×4×4
//   Flatten (F₂·16 values), Dense → hidden, ReLU, Dense → 10 logits   (hidden = 0: straight to the logits)
import type { DType } from "../core/matrix";
import { Random } from "../core/random";
import { Layer, Dense } from "./layers";
import { ReLU } from "./activations";
import { Conv2D } from "./conv";
import { MaxPool2D, Flatten } from "./pool";
import { Sequential } from "./network";

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
