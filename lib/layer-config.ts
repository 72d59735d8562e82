// Layers from their configs: what a model file stores (Sequential.config()) is turned back into layers here.
import type { Layer, LayerConfig, DenseOptions } from "./layers";
import { Dense } from "./layers";
import { ReLU, Sigmoid, Tanh, Softmax } from "./activations";

/** A fresh layer from its config. Dense layers take their init, rng/seed and dtype from options. */
export function layerFromConfig(c: LayerConfig, options: DenseOptions = {}): Layer {
  switch (c.type) {
    case "dense":
      return new Dense(size(c, "inputs"), size(c, "outputs"), options);
    case "relu":
      return new ReLU();
    case "sigmoid":
      return new Sigmoid();
    case "tanh":
      return new Tanh();
    case "softmax":
      return new Softmax();
    default:
      throw new Error(`layerFromConfig: unknown layer type ${JSON.stringify(c.type)}`);
  }
}

/** A whole number ≥ 1 read from a config, or an error naming the layer type and the field. */
export function size(c: LayerConfig, field: string): number {
  const n = c[field];
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new Error(`layerFromConfig: a "${c.type}" layer needs ${field} as a whole number ≥ 1, found ${JSON.stringify(n)}`);
  }
  return n;
}
