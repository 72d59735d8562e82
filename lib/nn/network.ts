// Sequential: a network is a list of layers applied one after another.
//   forward:  A⁰ = X,  Aˡ = layerˡ(Aˡ⁻¹)            (batch × units at every step)
//   backward: from the loss gradient back through every layer, last to first (the chain rule)
import { Matrix, type DType } from "../core/matrix";
import { argmaxRows } from "../core/ops";
import { Random } from "../core/random";
import { Layer, Dense, type Init, type LayerConfig, type Param, type DenseOptions } from "./layers";
import { Softmax } from "./activations";
import { layerFromConfig } from "./layer-config";
import { checkChain } from "./chain";
import type { LossFn } from "./losses";

/** Rows evaluated at once by predict, accuracy and evaluate: big enough to be fast, small enough to fit. */
export const EVAL_BATCH_SIZE = 1000;

export interface SequentialOptions {
  /** compute ∂L/∂X, the gradient for the input, in backward (default false: the input is data; true for a saliency map) */
  inputGrad?: boolean;
}

export class Sequential {
  readonly layers: Layer[];
  /** Whether backward computes ∂L/∂X for the input (passed to the first layer as { inputGrad }). */
  inputGrad: boolean;
  private readonly paramList: Param[];
  /** What the layers' buffers hold: the last forward (backward may follow), or an evaluation over other rows. */
  private buffersHold: "nothing" | "forward" | "evaluation" = "nothing";

  /** Checks that Dense sizes chain (each Dense takes as many inputs as the previous one gives outputs). */
  constructor(layers: Layer[], options: SequentialOptions = {}) {
    if (layers.length === 0) throw new Error("Sequential: a network needs at least one layer");
    checkChain(layers);
    this.layers = layers.slice();
    this.inputGrad = options.inputGrad ?? false;
    // every parameter, named by its layer's position: "0.W", "0.b", "2.W", …
    this.paramList = this.layers.flatMap((layer, i) =>
      layer.params().map((p) => ({ name: `${i}.${p.name}`, value: p.value, grad: p.grad, role: p.role ?? "weight" })),
    );
  }

  /**
   * The network's output for a batch x (batch × inputs): A⁰ = X, Aˡ = layerˡ(Aˡ⁻¹). Returns the last layer's
   * buffer, which the next forward overwrites. `training` is for layers that behave differently (Dropout).
   */
  forward(x: Matrix, training = false): Matrix {
    this.buffersHold = "forward";
    return this.run(x, training);
  }

  private run(x: Matrix, training: boolean): Matrix {
    let a = x;
    for (const layer of this.layers) a = layer.forward(a, training);
    return a;
  }

  /** A forward pass for predict and evaluate: afterwards the buffers hold these rows, not the last forward's. */
  private evaluationPass(x: Matrix): Matrix {
    this.buffersHold = "evaluation";
    return this.run(x, false);
  }

  /**
   * Backpropagation: dOut = ∂L/∂output (from the loss) goes through every layer from the last to the
   * first; each stores its parameters' gradients. Returns ∂L/∂X, or null when the first layer skips it.
   */
  backward(dOut: Matrix): Matrix | null {
    if (this.buffersHold !== "forward") {
      throw new Error(
        this.buffersHold === "nothing"
          ? "Sequential.backward: call forward first"
          : "Sequential.backward: the layers' buffers now hold an evaluation (predict, accuracy or evaluate ran after " +
              "the last forward, reusing them); call forward on the training batch again, then backward",
      );
    }
    let g = dOut;
    for (let i = this.layers.length - 1; i > 0; i--) g = this.layers[i].backward(g);
    return this.layers[0].backward(g, { inputGrad: this.inputGrad }); // null when the first layer skipped ∂L/∂X
  }

  /** Every learnable parameter, first layer first, named by position ("0.W", "0.b", "2.W", …); the same objects every call. */
  params(): Param[] {
    return this.paramList;
  }

  /** How many numbers the network learns. */
  parameterCount(): number {
    let n = 0;
    for (const p of this.params()) n += p.value.rows * p.value.cols;
    return n;
  }

  /** The predicted class of each row of x (argmax of the output), evaluated batchSize rows at a time. */
  predict(x: Matrix, batchSize = EVAL_BATCH_SIZE): Int32Array {
    checkBatchSize("predict", batchSize);
    const predictions = new Int32Array(x.rows);
    for (let start = 0; start < x.rows; start += batchSize) {
      const end = Math.min(start + batchSize, x.rows);
      const output = this.evaluationPass(x.rowRange(start, end)); // a view of rows start..end−1, no copy
      argmaxRows(output, predictions.subarray(start, end));
    }
    return predictions;
  }

  /** The fraction of rows whose predicted class equals the label, in [0, 1]. */
  accuracy(x: Matrix, labels: ArrayLike<number>, batchSize = EVAL_BATCH_SIZE): number {
    checkLabels("accuracy", x, labels);
    const predictions = this.predict(x, batchSize);
    let correct = 0;
    for (let i = 0; i < predictions.length; i++) if (predictions[i] === labels[i]) correct++;
    return x.rows === 0 ? 0 : correct / x.rows;
  }

  /**
   * The mean loss and the accuracy over a whole data set, batchSize rows at a time (so 60,000 rows never
   * need 60,000-row buffers). Labels default to the argmax of each target row.
   */
  evaluate(
    x: Matrix,
    targets: Matrix,
    loss: LossFn,
    labels?: ArrayLike<number>,
    batchSize = EVAL_BATCH_SIZE,
  ): { loss: number; accuracy: number } {
    checkBatchSize("evaluate", batchSize);
    if (targets.rows !== x.rows) {
      throw new Error(`evaluate: x is ${x.shape} but targets are ${targets.shape}; expected one target row per example`);
    }
    const truth = labels ?? argmaxRows(targets);
    checkLabels("evaluate", x, truth);
    if (x.rows === 0) throw new Error("evaluate: the data set is empty (0 rows)");
    let totalLoss = 0;
    let correct = 0;
    let grad: Matrix | undefined; // the loss's gradient buffer, reused while the chunk size stays the same
    let predicted = new Int32Array(0);
    for (let start = 0; start < x.rows; start += batchSize) {
      const end = Math.min(start + batchSize, x.rows);
      const rows = end - start;
      const output = this.evaluationPass(x.rowRange(start, end));
      if (grad === undefined || grad.rows !== rows) grad = Matrix.zeros(rows, output.cols, output.dtype);
      totalLoss += loss(output, targets.rowRange(start, end), grad).loss * rows; // the loss is a mean: weight by rows
      if (predicted.length !== rows) predicted = new Int32Array(rows);
      argmaxRows(output, predicted);
      for (let i = 0; i < rows; i++) if (predicted[i] === truth[start + i]) correct++;
    }
    return { loss: totalLoss / x.rows, accuracy: correct / x.rows };
  }

  /** The layer configs: enough to rebuild the architecture with Sequential.fromConfig. */
  config(): LayerConfig[] {
    return this.layers.map((layer) => layer.config());
  }

  /** A network with fresh weights from configs; Dense layers share one generator (options.rng or seed). */
  static fromConfig(configs: LayerConfig[], options: DenseOptions = {}): Sequential {
    const rng = options.rng ?? new Random(options.seed ?? 0);
    return new Sequential(configs.map((c) => layerFromConfig(c, { ...options, rng })));
  }

  /** A table of the layers: index, layer, output shape and parameter count. */
  summary(): string {
    const rows: string[][] = [["#", "layer", "output", "parameters"]];
    let width = checkChain(this.layers).input; // undefined until a layer fixes the width
    let total = 0;
    this.layers.forEach((layer, i) => {
      if (width !== undefined) width = layer.outputSize(width);
      let count = 0;
      for (const p of layer.params()) count += p.value.rows * p.value.cols;
      total += count;
      rows.push([String(i), layer.describe(), `batch × ${width ?? "?"}`, count.toLocaleString("en-US")]);
    });
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    const line = (r: string[]) => r.map((cell, c) => (c === 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ");
    return [line(rows[0]), ...rows.slice(1).map(line), `total parameters: ${total.toLocaleString("en-US")}`].join("\n");
  }
}

function checkBatchSize(op: string, batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${op}: batchSize must be a whole number ≥ 1, got ${batchSize}`);
}

function checkLabels(op: string, x: Matrix, labels: ArrayLike<number>): void {
  if (labels.length !== x.rows) throw new Error(`${op}: x has ${x.rows} rows (${x.shape}) but there are ${labels.length} labels`);
}

export type ActivationName = "relu" | "sigmoid" | "tanh";

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
 * With batchNorm and dropout, each hidden layer is Dense, BatchNorm, activation, Dropout.
 */
export function mlp(sizes: number[], options: MlpOptions = {}): Sequential {
  if (sizes.length < 2) throw new Error(`mlp: needs at least two sizes (inputs and outputs), got [${sizes.join(", ")}]`);
  sizes.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 1) throw new Error(`mlp: size ${i} must be a whole number ≥ 1, got ${n}`);
  });
  const activation = options.activation ?? "relu";
  const init = options.init ?? (activation === "relu" ? "he" : "xavier");
  const rng = new Random(options.seed ?? 0);
  const layers: Layer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    layers.push(new Dense(sizes[l], sizes[l + 1], { init, rng, dtype: options.dtype }));
    if (l + 2 === sizes.length) break; // the output layer: logits
    if (options.batchNorm) layers.push(layerFromConfig({ type: "batchnorm", features: sizes[l + 1] }, { dtype: options.dtype }));
    layers.push(activationLayer(activation));
    if (options.dropout) layers.push(layerFromConfig({ type: "dropout", p: options.dropout, seed: 1000 * (options.seed ?? 0) + l + 1 }));
  }
  if (options.outputSoftmax) layers.push(new Softmax());
  return new Sequential(layers);
}

function activationLayer(name: ActivationName): Layer {
  if (name !== "relu" && name !== "sigmoid" && name !== "tanh") {
    throw new Error(`mlp: unknown activation ${JSON.stringify(name)}; expected "relu", "sigmoid" or "tanh"`);
  }
  return layerFromConfig({ type: name });
}
