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
import {
  Matrix,
  matmul,
  matmulTransA,
  matmulTransB,
  addRowVector,
  sumRows,
  kernelsFor,
  type DType,
  type FloatArray,
} from "./matrix";
import { Random } from "./random";

/** A learnable parameter and its gradient (same shape). */
export interface Param {
  name: string;
  value: Matrix;
  grad: Matrix;
}

/** A plain description of a layer, enough to rebuild it (without its weights). */
export type LayerConfig =
  | { type: "dense"; inputs: number; outputs: number }
  | { type: "relu" }
  | { type: "sigmoid" }
  | { type: "tanh" }
  | { type: "softmax" };

export abstract class Layer {
  /** "Dense", "ReLU", …: used in summaries and error messages. */
  abstract readonly name: string;
  /** The layer's output for a batch x (one example a row). `training` is for layers that behave differently (none yet). */
  abstract forward(x: Matrix, training?: boolean): Matrix;
  /** Given ∂L/∂output, stores parameter gradients and returns ∂L/∂input. Call after forward. */
  abstract backward(dOut: Matrix): Matrix;
  abstract config(): LayerConfig;
  /** The learnable parameters with their gradients; none by default. */
  params(): Param[] {
    return [];
  }
  /** A short label with the sizes, e.g. "Dense(784→256)". */
  describe(): string {
    return this.name;
  }
}

/**
 * A layer's output or gradient buffer, reused from call to call. It keeps the last few shapes it was asked
 * for, so that training batches, the short last batch of an epoch and evaluation chunks, taking turns, do not
 * make a new matrix each time (a large one made every epoch would wait for the garbage collector).
 */
class Buffers {
  private readonly kept: Matrix[] = []; // most recently used first

  get(rows: number, cols: number, dtype: DType): Matrix {
    const kept = this.kept;
    for (let i = 0; i < kept.length; i++) {
      const m = kept[i];
      if (m.rows !== rows || m.cols !== cols || m.dtype !== dtype) continue;
      for (let j = i; j > 0; j--) kept[j] = kept[j - 1]; // to the front, without allocating
      kept[0] = m;
      return m;
    }
    if (kept.length === BUFFER_SHAPES) kept.pop();
    const m = Matrix.zeros(rows, cols, dtype, { resident: true });
    kept.unshift(m);
    return m;
  }
}
const BUFFER_SHAPES = 3;

/** Returned by Dense.backward when computeInputGrad is false: an empty 0×0 matrix, not a gradient. */
export const NO_INPUT_GRAD: Matrix = Matrix.zeros(0, 0);

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

/** Dense (fully connected) layer: Z = X·W + b.   X: batch × in,  W: in × out,  b: 1 × out. */
export class Dense extends Layer {
  readonly name = "Dense";
  readonly inputs: number;
  readonly outputs: number;
  readonly init: Init;
  weights: Matrix; // W: in × out
  bias: Matrix; // b: 1 × out
  dW: Matrix; // ∂L/∂W: in × out
  db: Matrix; // ∂L/∂b: 1 × out
  /** When false, backward skips dX = dZ·Wᵀ (Sequential sets it on the first layer, whose input is the data). */
  computeInputGrad = true;

  private x: Matrix | null = null; // the input of the last forward, kept for backward
  private readonly zBuffers = new Buffers(); //  output Z: batch × out
  private readonly dXBuffers = new Buffers(); // input gradient dX: batch × in
  private readonly paramW: Param;
  private readonly paramB: Param;
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
    this.weights = Matrix.zeros(inputs, outputs, dtype, { resident: true });
    this.bias = Matrix.zeros(1, outputs, dtype, { resident: true });
    initialise(this.weights, this.bias, this.init, rng);
    this.dW = Matrix.zeros(inputs, outputs, dtype, { resident: true });
    this.db = Matrix.zeros(1, outputs, dtype, { resident: true });
    this.paramW = { name: "W", value: this.weights, grad: this.dW };
    this.paramB = { name: "b", value: this.bias, grad: this.db };
    this.paramList = [this.paramW, this.paramB];
  }

  get dtype(): DType {
    return this.weights.dtype;
  }

  forward(x: Matrix): Matrix {
    // Z = X·W + b
    if (x.cols !== this.inputs) {
      throw new Error(
        `${this.describe()}: input is ${x.shape} but W is ${this.weights.shape}, so the input needs ${this.inputs} columns`,
      );
    }
    this.x = x;
    const z = this.zBuffers.get(x.rows, this.outputs, this.dtype);
    matmul(x, this.weights, z);
    return addRowVector(z, this.bias, z);
  }

  backward(dZ: Matrix): Matrix {
    // dW = Xᵀ·dZ,  db = Σ_rows dZ,  dX = dZ·Wᵀ
    const x = this.x;
    if (x === null) throw new Error(`${this.describe()}.backward: call forward first`);
    if (dZ.rows !== x.rows || dZ.cols !== this.outputs) {
      throw new Error(`${this.describe()}.backward: dZ is ${dZ.shape} but the output Z was ${x.rows}×${this.outputs}`);
    }
    matmulTransA(x, dZ, this.dW);
    sumRows(dZ, this.db);
    if (!this.computeInputGrad) return NO_INPUT_GRAD;
    return matmulTransB(dZ, this.weights, this.dXBuffers.get(x.rows, this.inputs, this.dtype));
  }

  params(): Param[] {
    // the same list and Param objects every call (optimizers may key their state on them, and a training
    // step allocates nothing), pointing at the current matrices in case weights were replaced
    this.paramW.value = this.weights;
    this.paramW.grad = this.dW;
    this.paramB.value = this.bias;
    this.paramB.grad = this.db;
    return this.paramList;
  }

  config(): LayerConfig {
    return { type: "dense", inputs: this.inputs, outputs: this.outputs };
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

// --- Activations ---------------------------------------------------------------------------------------

/**
 * An activation applies a function to each row (A = f(Z)) and has no parameters. This base class keeps
 * the output A and the gradient buffer dZ, and checks shapes; each subclass writes the two formulas.
 */
export abstract class Activation extends Layer {
  protected a: Matrix | null = null; // output A of the last forward: batch × units
  private readonly aBuffers = new Buffers();
  private readonly dZBuffers = new Buffers(); // gradient dZ: batch × units

  /** The output buffer for input z (same shape and dtype), reused from call to call. */
  protected outputFor(z: Matrix): Matrix {
    this.a = this.aBuffers.get(z.rows, z.cols, z.dtype);
    return this.a;
  }

  /** The saved output A, after checking dA has its shape. */
  protected savedOutput(dA: Matrix): Matrix {
    const a = this.a;
    if (a === null) throw new Error(`${this.name}.backward: call forward first`);
    if (dA.rows !== a.rows || dA.cols !== a.cols) {
      throw new Error(`${this.name}.backward: dA is ${dA.shape} but the output A was ${a.shape}`);
    }
    return a;
  }

  /** The buffer dZ is written into (the shape of A). */
  protected gradFor(a: Matrix): Matrix {
    return this.dZBuffers.get(a.rows, a.cols, a.dtype);
  }
}

/** ReLU: A = max(0, Z). */
export class ReLU extends Activation {
  readonly name = "ReLU";

  forward(z: Matrix): Matrix {
    // A = max(0, Z)
    const a = this.outputFor(z), Z = z.data, A = a.data;
    if (kernelsFor(z, a, a).reluForward?.(Z as Float32Array, A as Float32Array)) return a; // the same, in WebAssembly SIMD
    // (Z + |Z|)/2 is max(0, Z) without a branch on the sign: random signs make a branch mispredict, 4× slower.
    // Only −∞ needs help ((−∞ + ∞)/2 is NaN): a test that is never true costs nothing.
    for (let i = 0; i < A.length; i++) {
      const v = Z[i];
      A[i] = v === -Infinity ? 0 : (v + Math.abs(v)) * 0.5;
    }
    return a;
  }

  backward(dA: Matrix): Matrix {
    // dZ = dA ⊙ 1[Z > 0]        (A > 0 exactly where Z > 0; the derivative at 0 is taken as 0)
    const a = this.savedOutput(dA), dZ = this.gradFor(a);
    const A = a.data, G = dA.data, D = dZ.data;
    if (kernelsFor(dA, a, dZ).reluBackward?.(G as Float32Array, A as Float32Array, D as Float32Array)) return dZ;
    // +(A > 0) is the indicator as a number (1 or 0), again without a branch; + 0 turns −0 into 0
    for (let i = 0; i < D.length; i++) D[i] = G[i] * +(A[i] > 0) + 0;
    return dZ;
  }

  config(): LayerConfig {
    return { type: "relu" };
  }
}

/** Sigmoid: A = σ(Z) = 1 / (1 + e^(−Z)). */
export class Sigmoid extends Activation {
  readonly name = "Sigmoid";

  forward(z: Matrix): Matrix {
    // A = 1 / (1 + e^(−Z))
    const a = this.outputFor(z), Z = z.data, A = a.data;
    for (let i = 0; i < A.length; i++) A[i] = 1 / (1 + Math.exp(-Z[i]));
    return a;
  }

  backward(dA: Matrix): Matrix {
    // dZ = dA ⊙ A ⊙ (1 − A)
    const a = this.savedOutput(dA), dZ = this.gradFor(a);
    const A = a.data, G = dA.data, D = dZ.data;
    for (let i = 0; i < D.length; i++) D[i] = G[i] * A[i] * (1 - A[i]);
    return dZ;
  }

  config(): LayerConfig {
    return { type: "sigmoid" };
  }
}

/** Tanh: A = tanh(Z). */
export class Tanh extends Activation {
  readonly name = "Tanh";

  forward(z: Matrix): Matrix {
    // A = tanh(Z)
    const a = this.outputFor(z), Z = z.data, A = a.data;
    for (let i = 0; i < A.length; i++) A[i] = Math.tanh(Z[i]);
    return a;
  }

  backward(dA: Matrix): Matrix {
    // dZ = dA ⊙ (1 − A²)
    const a = this.savedOutput(dA), dZ = this.gradFor(a);
    const A = a.data, G = dA.data, D = dZ.data;
    for (let i = 0; i < D.length; i++) D[i] = G[i] * (1 - A[i] * A[i]);
    return dZ;
  }

  config(): LayerConfig {
    return { type: "tanh" };
  }
}

/**
 * Softmax over each row: p_j = e^(z_j) / Σ_k e^(z_k), computed as e^(z_j − max z) / Σ_k e^(z_k − max z)
 * so that large logits do not overflow. Its backward is the full Jacobian-vector product, so it works
 * under any loss (MSE, cross-entropy on probabilities). For training, softmaxCrossEntropy on the logits
 * (no Softmax layer) is faster and more accurate.
 */
export class Softmax extends Activation {
  readonly name = "Softmax";

  forward(z: Matrix): Matrix {
    // p_ij = e^(z_ij − max_k z_ik) / Σ_k e^(z_ik − max_k z_ik)
    return softmaxRows(z, this.outputFor(z));
  }

  backward(dP: Matrix): Matrix {
    // dz_ij = p_ij·(g_ij − Σ_k g_ik·p_ik)      (g = dP; the Jacobian ∂p_j/∂z_i = p_j(δ_ij − p_i), times g)
    const p = this.savedOutput(dP), dZ = this.gradFor(p);
    const P = p.data, G = dP.data, D = dZ.data, n = p.cols;
    for (let i = 0; i < p.rows; i++) {
      const r = i * n;
      let gp = 0;
      for (let j = 0; j < n; j++) gp += G[r + j] * P[r + j];
      for (let j = 0; j < n; j++) D[r + j] = P[r + j] * (G[r + j] - gp);
    }
    return dZ;
  }

  config(): LayerConfig {
    return { type: "softmax" };
  }
}

/** Softmax of each row of z, written into out (default: a new matrix). Subtracts the row max first. */
export function softmaxRows(z: Matrix, out?: Matrix): Matrix {
  const p = out ?? Matrix.zeros(z.rows, z.cols, z.dtype);
  if (p.rows !== z.rows || p.cols !== z.cols) throw new Error(`softmaxRows: out is ${p.shape} but z is ${z.shape}`);
  const Z = z.data, P = p.data, n = z.cols;
  for (let i = 0; i < z.rows; i++) {
    const r = i * n;
    const max = rowMax(Z, r, n);
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(Z[r + j] - max);
      P[r + j] = e;
      sum += e;
    }
    for (let j = 0; j < n; j++) P[r + j] /= sum;
  }
  return p;
}

/** The largest of x[start], …, x[start + n − 1]. */
export function rowMax(x: FloatArray, start: number, n: number): number {
  let max = -Infinity;
  for (let j = start; j < start + n; j++) if (x[j] > max) max = x[j];
  return max;
}

/** A fresh layer from its config. Dense layers take their init, rng/seed and dtype from options. */
export function layerFromConfig(c: LayerConfig, options: DenseOptions = {}): Layer {
  switch (c.type) {
    case "dense":
      return new Dense(c.inputs, c.outputs, options);
    case "relu":
      return new ReLU();
    case "sigmoid":
      return new Sigmoid();
    case "tanh":
      return new Tanh();
    case "softmax":
      return new Softmax();
    default:
      throw new Error(`layerFromConfig: unknown layer type ${JSON.stringify((c as { type: unknown }).type)}`);
  }
}
