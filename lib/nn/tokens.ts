// Tokens: a batch of sequences is a Matrix with one example a row, its tokens side by side (token-major):
// row b = [x_{b,0} | x_{b,1} | … | x_{b,T−1}], each x_{b,t} a block of `dim` values. The same numbers read as a
// (batch·T) × dim matrix have one token a row, so a layer applied to every token alike (a Dense shared by all
// tokens, LayerNorm) is one product over all tokens of the batch: no copy, only another view of the array.
import { Matrix, type DType } from "../core/matrix";
import { Random } from "../core/random";
import { Layer, Dense, type LayerConfig, type Param, type BackwardOptions } from "./layers";

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
 * every token of the batch), so it is a Dense given another view of its input and output arrays. The patch
 * embedding is one: each 7×7 patch (49 pixels) → a dim-vector.
 */
export class TokenDense extends Layer {
  readonly name = "TokenDense";
  readonly tokens: number;
  readonly inputs: number;
  readonly outputs: number;
  private readonly dense: Dense; // W: in × out,  b: 1 × out, applied to X: (batch·T) × in
  private batch: number | null = null; // the rows of the last input
  private readonly views = new Views();

  constructor(options: TokenDenseOptions) {
    super();
    const { tokens, inputs, outputs } = options;
    for (const [what, n] of [["tokens", tokens], ["inputs", inputs], ["outputs", outputs]] as const) checkSize("TokenDense", what, n);
    this.tokens = tokens;
    this.inputs = inputs;
    this.outputs = outputs;
    const init = options.init ?? "he";
    if (init !== "he" && init !== "xavier") throw new Error(`TokenDense: unknown init ${JSON.stringify(init)}; expected "he" or "xavier"`);
    this.dense = new Dense(inputs, outputs, { init, rng: options.rng ?? new Random(options.seed ?? 0), dtype: options.dtype });
  }

  get weights(): Matrix { return this.dense.weights; }
  get bias(): Matrix { return this.dense.bias; }
  get dtype(): DType { return this.dense.dtype; }

  forward(x: Matrix): Matrix {
    checkTokens(this.describe(), x, this.tokens, this.inputs);
    this.batch = x.rows;
    const z = this.dense.forward(this.views.of(x, x.rows * this.tokens, this.inputs)); // Z = X·W + b,  X: (batch·T) × in
    return this.views.of(z, x.rows, this.tokens * this.outputs);
  }

  backward(dOut: Matrix): Matrix;
  backward(dOut: Matrix, options: BackwardOptions): Matrix | null;
  backward(dOut: Matrix, options: BackwardOptions = {}): Matrix | null {
    if (this.batch === null) throw new Error(`${this.describe()}.backward: call forward first`);
    if (dOut.rows !== this.batch || dOut.cols !== this.tokens * this.outputs) {
      throw new Error(`${this.describe()}.backward: dZ is ${dOut.shape} but the output was ${this.batch}×${this.tokens * this.outputs}`);
    }
    const dZ = this.views.of(dOut, dOut.rows * this.tokens, this.outputs);
    const dX = this.dense.backward(dZ, options); //                  dW = Xᵀ·dZ,  db = Σ_rows dZ,  dX = dZ·Wᵀ
    return dX === null ? null : this.views.of(dX, dOut.rows, this.tokens * this.inputs);
  }

  params(): Param[] {
    return this.dense.params();
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
    throw new Error(`TokenDense: unknown init ${JSON.stringify(init)}; expected "he" or "xavier"`);
  }
}
