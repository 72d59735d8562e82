// Tokens: a batch of sequences is a Matrix with one example a row, its tokens side by side (token-major):
// row b = [x_{b,0} | x_{b,1} | … | x_{b,T−1}], each x_{b,t} a block of `dim` values. The same numbers read as a
// (batch·T) × dim matrix have one token a row, so a layer applied to every token alike (a Dense shared by all
// tokens, LayerNorm) is one product over all tokens of the batch: no copy, only another view of the array.
import { Matrix, longLived, type DType } from "../core/matrix";
import { matmul, matmulTransA, matmulTransB, addRowVector, sumRows } from "../core/ops";
import { Buffers } from "../core/buffers";
import { Random } from "../core/random";
import { Layer, type LayerConfig, type Param, type BackwardOptions } from "./layers";

/**
 * The same array seen with another shape (rows·cols unchanged), kept for reuse: a view is made the first time an
 * array is seen and found again afterwards, so a training loop makes no new Matrix objects per batch.
 */
export class Views {
  private readonly kept: Matrix[] = [];
  of(m: Matrix, rows: number, cols: number): Matrix {
    for (const v of this.kept) if (v.data === m.data && v.rows === rows && v.cols === cols) return v;
    if (this.kept.length === 12) this.kept.pop(); // a few shapes of each of a few arrays (input, output, gradients)
    const v = new Matrix(rows, cols, m.data);
    this.kept.unshift(v);
    return v;
  }
}

/** Throws unless x has tokens·dim columns, naming the layer. */
export function checkTokens(where: string, x: Matrix, tokens: number, dim: number): void {
  if (x.cols !== tokens * dim) {
    throw new Error(`${where}: input is ${x.shape}, but a row must hold ${tokens} tokens of ${dim} values (${tokens * dim} columns)`);
  }
}

export function checkSize(where: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${where}: ${what} must be a whole number ≥ 1, got ${n}`);
}

export interface TokenDenseOptions {
  tokens: number;
  inputs: number;
  outputs: number;
  /** "he" (normal, std √(2/in), for a ReLU after it) or "xavier" (uniform ±√(6/(in+out))); default "he" */
  init?: "he" | "xavier";
  rng?: Random;
  seed?: number;
  dtype?: DType;
}

/**
 * One Dense applied to every token, its W and b shared by all tokens:  z_t = x_t·W + b  for each token t.
 * As a (batch·T) × in matrix X:  Z = X·W + b,  dW = Xᵀ·dZ,  db = Σ_rows dZ,  dX = dZ·Wᵀ  (Dense's formulas, over
 * every token of the batch). The patch embedding is one: each 7×7 patch (49 pixels) → a dim-vector.
 */
export class TokenDense extends Layer {
  readonly name = "TokenDense";
  readonly tokens: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly weights: Matrix; // W: in × out
  readonly bias: Matrix; //    b: 1 × out
  readonly dW: Matrix;
  readonly db: Matrix;
  private x: Matrix | null = null; // the last input, as (batch·T) × in
  private readonly zBuffers = new Buffers();
  private readonly dXBuffers = new Buffers();
  private readonly views = new Views();
  private readonly paramList: Param[];

  constructor(options: TokenDenseOptions) {
    super();
    const { tokens, inputs, outputs } = options;
    for (const [what, n] of [["tokens", tokens], ["inputs", inputs], ["outputs", outputs]] as const) checkSize("TokenDense", what, n);
    this.tokens = tokens;
    this.inputs = inputs;
    this.outputs = outputs;
    const dtype = options.dtype ?? "float32";
    const rng = options.rng ?? new Random(options.seed ?? 0);
    this.weights = longLived(inputs, outputs, dtype);
    this.bias = longLived(1, outputs, dtype);
    this.dW = longLived(inputs, outputs, dtype);
    this.db = longLived(1, outputs, dtype);
    initWeights(this.weights, options.init ?? "he", rng);
    this.paramList = [
      { name: "W", value: this.weights, grad: this.dW, role: "weight" },
      { name: "b", value: this.bias, grad: this.db, role: "bias" },
    ];
  }

  get dtype(): DType {
    return this.weights.dtype;
  }

  forward(x: Matrix): Matrix {
    checkTokens(this.describe(), x, this.tokens, this.inputs);
    const rows = x.rows * this.tokens;
    this.x = this.views.of(x, rows, this.inputs); //               X: (batch·T) × in
    const z = this.zBuffers.get(rows, this.outputs, this.dtype);
    addRowVector(matmul(this.x, this.weights, z), this.bias, z); // Z = X·W + b
    return this.views.of(z, x.rows, this.tokens * this.outputs);
  }

  backward(dOut: Matrix): Matrix;
  backward(dOut: Matrix, options: BackwardOptions): Matrix | null;
  backward(dOut: Matrix, options: BackwardOptions = {}): Matrix | null {
    const x = this.x;
    if (x === null) throw new Error(`${this.describe()}.backward: call forward first`);
    if (dOut.rows * this.tokens !== x.rows || dOut.cols !== this.tokens * this.outputs) {
      throw new Error(`${this.describe()}.backward: dZ is ${dOut.shape} but the output was ${x.rows / this.tokens}×${this.tokens * this.outputs}`);
    }
    const dZ = this.views.of(dOut, x.rows, this.outputs);
    matmulTransA(x, dZ, this.dW); //                                dW = Xᵀ·dZ
    sumRows(dZ, this.db); //                                        db = Σ_rows dZ
    if (options.inputGrad === false) return null;
    const dX = this.dXBuffers.get(x.rows, this.inputs, this.dtype);
    matmulTransB(dZ, this.weights, dX); //                          dX = dZ·Wᵀ
    return this.views.of(dX, dOut.rows, this.tokens * this.inputs);
  }

  params(): Param[] {
    return this.paramList;
  }

  config(): LayerConfig {
    return { type: "tokendense", tokens: this.tokens, inputs: this.inputs, outputs: this.outputs };
  }

  inputSize(): number {
    return this.tokens * this.inputs;
  }

  outputSize(): number {
    return this.tokens * this.outputs;
  }

  describe(): string {
    return `TokenDense(${this.tokens}×${this.inputs}→${this.tokens}×${this.outputs})`;
  }
}

/** he: normal with std √(2/in);  xavier: uniform in ±√(6/(in+out)). */
export function initWeights(w: Matrix, init: "he" | "xavier", rng: Random): void {
  const W = w.data;
  if (init === "he") {
    const std = Math.sqrt(2 / w.rows);
    for (let i = 0; i < W.length; i++) W[i] = rng.normal(0, std);
  } else if (init === "xavier") {
    const limit = Math.sqrt(6 / (w.rows + w.cols));
    for (let i = 0; i < W.length; i++) W[i] = rng.uniform(-limit, limit);
  } else {
    throw new Error(`initWeights: unknown init ${JSON.stringify(init)}; expected "he" or "xavier"`);
  }
}
