// Layers: each one computes its output in `forward` and, right beside it, the gradient in `backward`.
//
// Conventions (examples are rows):  X: batch × in,  Z = X·W + b,  W: in × out,  b: 1 × out.
// `backward(dOut)` receives ∂L/∂(this layer's output) and returns ∂L/∂(its input); a layer with
// parameters also stores their gradients (dW, db). Gradients are overwritten by each backward, not summed.
// The 1/m of a batch average is inside the loss gradient (softmaxCrossEntropy gives (p − y)/m), so
// dW = Xᵀ·dZ here has no extra 1/m.
//
// Layers keep their output and gradient buffers and reuse them from batch to batch; a new buffer is made
// only for a batch size (or dtype) not among the last three used. The returned matrices are those buffers:
// the next forward/backward overwrites them, so clone() a result you want to keep.
import { Matrix, longLived, type DType } from "../core/matrix";
import { matmulBias, matmulBiasRelu, matmulTransA, matmulTransB, matmulTransBMask, sumRows } from "../core/ops";
import { Buffers } from "../core/buffers";
import { Random } from "../core/random";

/**
 * What a parameter is for. Weight decay (L2, L1) shrinks "weight"s only; "bias" (b, BatchNorm's β) and
 * "scale" (BatchNorm's γ) are left alone.
 */
export type ParamRole = "weight" | "bias" | "scale";

/** A learnable parameter and its gradient (same shape). */
export interface Param {
  name: string;
  value: Matrix;
  grad: Matrix;
  /** what it is for; see ParamRole */
  role: ParamRole;
}

/**
 * A plain description of a layer, enough to rebuild it without its weights: its type and its sizes and options,
 * e.g. { type: "dense", inputs: 784, outputs: 256 }. lib/nn/layer-config.ts builds a layer back from one.
 */
export interface LayerConfig {
  type: string;
  [option: string]: unknown;
}

export interface BackwardOptions {
  /** false: the caller needs no ∂L/∂input (default true) */
  inputGrad?: boolean;
}

/** Dense's backward can also go back through the ReLU before it (Sequential does this): dX = (dZ·Wᵀ) ⊙ 1[A > 0]. */
export interface DenseBackwardOptions extends BackwardOptions {
  /** the output A of the ReLU layer just before this one (the same shape as dX) */
  reluOutput?: Matrix;
}

export abstract class Layer {
  /** "Dense", "ReLU", …: used in summaries and error messages. */
  abstract readonly name: string;
  /** The layer's output for a batch x (one example a row). `training` is for layers that behave differently (Dropout, BatchNorm). */
  abstract forward(x: Matrix, training?: boolean): Matrix;
  /** Given ∂L/∂output, stores parameter gradients and returns ∂L/∂input. Call after forward. */
  abstract backward(dOut: Matrix): Matrix;
  /**
   * The same, but with `{ inputGrad: false }` a layer may skip ∂L/∂input and return null: a network passes it to
   * its first layer, whose input is the data, which needs no gradient (Dense then skips dX = dZ·Wᵀ).
   */
  abstract backward(dOut: Matrix, options: BackwardOptions): Matrix | null;
  abstract config(): LayerConfig;
  /** The learnable parameters with their gradients; none by default. */
  params(): Param[] {
    return [];
  }
  /**
   * What the layer keeps that is not learned by gradients but belongs to the trained model (BatchNorm's running
   * mean and variance): saved in model files beside the parameters. None by default.
   */
  state(): { name: string; value: Matrix }[] {
    return [];
  }
  /** The number of columns the input must have, or undefined when any width will do (an activation). */
  inputSize(): number | undefined {
    return undefined;
  }
  /** The number of columns of the output for an input of `inputs` columns (the same, by default). */
  outputSize(inputs: number): number {
    return inputs;
  }
  /** A short label with the sizes, e.g. "Dense(784→256)". */
  describe(): string {
    return this.name;
  }
}

// --- Dense -------------------------------------------------------------------------------------------

/**
 * How the initial weights are drawn (biases start at 0, except for "uniform"):
 * - "he":      normal, std √(2/in)            (for ReLU)
 * - "xavier":  uniform in ±√(6/(in+out)), i.e. variance 2/(in+out)   (Glorot; for sigmoid, tanh)
 * - "normal":  normal, std 0.01               (small random numbers)
 * - "uniform": uniform in (−0.5, 0.5), weights and biases alike  (as `np.random.rand(…) − 0.5`)
 */
export type Init = "he" | "xavier" | "normal" | "uniform";

export interface DenseOptions {
  /** default "he" */
  init?: Init;
  /** the generator to draw from (shared by a whole network); otherwise a new Random(seed) */
  rng?: Random;
  /** used when no rng is given; default 0, so a layer is reproducible even without a seed */
  seed?: number;
  /** default "float32" */
  dtype?: DType;
}

/** The parameters of a layer with a weight matrix and a bias row (Dense, Conv2D): W (weight) and b (bias). */
export function weightAndBias(W: Matrix, dW: Matrix, b: Matrix, db: Matrix): Param[] {
  return [
    { name: "W", value: W, grad: dW, role: "weight" },
    { name: "b", value: b, grad: db, role: "bias" },
  ];
}

/** Dense (fully connected) layer: Z = X·W + b.   X: batch × in,  W: in × out,  b: 1 × out. */
export class Dense extends Layer {
  readonly name = "Dense";
  readonly inputs: number;
  readonly outputs: number;
  readonly init: Init;
  readonly weights: Matrix; // W: in × out
  readonly bias: Matrix; // b: 1 × out
  readonly dW: Matrix; // ∂L/∂W: in × out
  readonly db: Matrix; // ∂L/∂b: 1 × out

  private x: Matrix | null = null; // the input of the last forward, kept for backward
  private readonly zBuffers = new Buffers(); //  output Z: batch × out
  private readonly dXBuffers = new Buffers(); // input gradient dX: batch × in
  private readonly paramList: Param[];

  constructor(inputs: number, outputs: number, options: DenseOptions = {}) {
    super();
    for (const [what, n] of [["inputs", inputs], ["outputs", outputs]] as const) {
      if (!Number.isInteger(n) || n < 1) throw new Error(`Dense: ${what} must be a whole number ≥ 1, got ${n}`);
    }
    this.inputs = inputs;
    this.outputs = outputs;
    this.init = options.init ?? "he";
    const dtype = options.dtype ?? "float32";
    const rng = options.rng ?? new Random(options.seed ?? 0);
    this.weights = longLived(inputs, outputs, dtype);
    this.bias = longLived(1, outputs, dtype);
    initialise(this.weights, this.bias, this.init, rng);
    this.dW = longLived(inputs, outputs, dtype);
    this.db = longLived(1, outputs, dtype);
    this.paramList = weightAndBias(this.weights, this.dW, this.bias, this.db);
  }

  get dtype(): DType {
    return this.weights.dtype;
  }

  /**
   * Z = X·W + b. With { relu: true }, A = max(0, X·W + b): this layer and a ReLU after it in one pass over the output
   * (Sequential does this for a Dense layer followed by a ReLU; the same numbers as the two layers one after the other).
   */
  forward(x: Matrix, _training = false, options: { relu?: boolean } = {}): Matrix {
    // Z = X·W + b
    if (x.cols !== this.inputs) {
      throw new Error(
        `${this.describe()}: input is ${x.shape} but W is ${this.weights.shape}, so the input needs ${this.inputs} columns`,
      );
    }
    this.x = x;
    const z = this.zBuffers.get(x.rows, this.outputs, this.dtype);
    if (options.relu === true) return matmulBiasRelu(x, this.weights, this.bias, z); //   and max(0, ·), in the same call
    return matmulBias(x, this.weights, this.bias, z); // the product and the bias in one call (lib/core/ops.ts)
  }

  backward(dZ: Matrix): Matrix;
  backward(dZ: Matrix, options: DenseBackwardOptions): Matrix | null;
  backward(dZ: Matrix, options: DenseBackwardOptions = {}): Matrix | null {
    // dW = Xᵀ·dZ,  db = Σ_rows dZ,  dX = dZ·Wᵀ   (with reluOutput A: dX = (dZ·Wᵀ) ⊙ 1[A > 0], back through that ReLU too)
    const x = this.x;
    if (x === null) throw new Error(`${this.describe()}.backward: call forward first`);
    if (dZ.rows !== x.rows || dZ.cols !== this.outputs) {
      throw new Error(`${this.describe()}.backward: dZ is ${dZ.shape} but the output Z was ${x.rows}×${this.outputs}`);
    }
    matmulTransA(x, dZ, this.dW);
    sumRows(dZ, this.db);
    if (options.inputGrad === false) return null; // the data needs no gradient
    const dX = this.dXBuffers.get(x.rows, this.inputs, this.dtype);
    if (options.reluOutput !== undefined) return matmulTransBMask(dZ, this.weights, options.reluOutput, dX);
    return matmulTransB(dZ, this.weights, dX);
  }

  params(): Param[] {
    return this.paramList; // the same objects every call: optimizers keep their state per parameter
  }

  config(): LayerConfig {
    return { type: "dense", inputs: this.inputs, outputs: this.outputs };
  }

  inputSize(): number {
    return this.inputs;
  }

  outputSize(): number {
    return this.outputs;
  }

  describe(): string {
    return `Dense(${this.inputs}→${this.outputs})`;
  }
}

function initialise(w: Matrix, b: Matrix, init: Init, rng: Random): void {
  const fanIn = w.rows, fanOut = w.cols;
  const W = w.data;
  switch (init) {
    case "he": {
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < W.length; i++) W[i] = rng.normal(0, std);
      return;
    }
    case "xavier": {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < W.length; i++) W[i] = rng.uniform(-limit, limit);
      return;
    }
    case "normal":
      for (let i = 0; i < W.length; i++) W[i] = rng.normal(0, 0.01);
      return;
    case "uniform":
      for (let i = 0; i < W.length; i++) W[i] = rng.uniform(-0.5, 0.5);
      for (let j = 0; j < b.data.length; j++) b.data[j] = rng.uniform(-0.5, 0.5);
      return;
    default:
      throw new Error(`Dense: unknown init ${JSON.stringify(init)}; expected "he", "xavier", "normal" or "uniform"`);
  }
}

