// From an image to tokens and back to one vector: the layers around a vision transformer's blocks.
//   Patches      the image cut into P×P squares, each a token of P·P pixels (28×28, P = 7: 16 tokens of 49)
//   Positions    a learned vector added to each token:  y_t = x_t + p_t   (the only place a token learns where it is)
//   MeanTokens   the mean of the tokens:  y = (1/T)·Σ_t x_t   (one vector per example, for the classifier)
import { Matrix, longLived, type DType } from "../core/matrix";
import { addRowVector, sumRows } from "../core/ops";
import { Buffers } from "../core/buffers";
import { Random } from "../core/random";
import { Layer, type LayerConfig, type Param, type BackwardOptions } from "./layers";
import { checkTokens, checkSize } from "./tokens";

/**
 * Patches({ height, width, patch }): a row of height·width pixels (row by row) becomes (height/patch)·(width/patch)
 * tokens, patch by patch in reading order, each the patch's patch·patch pixels row by row. No parameters: it moves
 * numbers, and its backward moves the gradient back.
 */
export class Patches extends Layer {
  readonly name = "Patches";
  readonly height: number;
  readonly width: number;
  readonly patch: number;
  private readonly source: Int32Array; // output column k comes from input column source[k]
  private readonly yBuffers = new Buffers();
  private readonly dXBuffers = new Buffers();
  private rows = -1;
  private dtype: DType = "float32";

  constructor(options: { height: number; width: number; patch: number }) {
    super();
    const { height, width, patch } = options;
    for (const [what, n] of [["height", height], ["width", width], ["patch", patch]] as const) checkSize("Patches", what, n);
    if (height % patch !== 0 || width % patch !== 0) throw new Error(`Patches: a ${height}×${width} image does not divide into ${patch}×${patch} patches`);
    this.height = height;
    this.width = width;
    this.patch = patch;
    this.source = new Int32Array(height * width);
    let k = 0;
    for (let pr = 0; pr < height; pr += patch) {
      for (let pc = 0; pc < width; pc += patch) {
        for (let r = 0; r < patch; r++) for (let c = 0; c < patch; c++) this.source[k++] = (pr + r) * width + pc + c;
      }
    }
  }

  get tokens(): number {
    return (this.height / this.patch) * (this.width / this.patch);
  }

  forward(x: Matrix): Matrix {
    const n = this.height * this.width;
    if (x.cols !== n) throw new Error(`${this.describe()}: input is ${x.shape}, but a row must hold a ${this.height}×${this.width} image (${n} columns)`);
    const y = this.yBuffers.get(x.rows, n, x.dtype), X = x.data, Y = y.data, src = this.source;
    for (let i = 0; i < x.rows; i++) for (let k = 0, o = i * n; k < n; k++) Y[o + k] = X[o + src[k]]; // token t, pixel p ← image pixel
    this.rows = x.rows;
    this.dtype = x.dtype;
    return y;
  }

  backward(dY: Matrix): Matrix;
  backward(dY: Matrix, options: BackwardOptions): Matrix | null;
  backward(dY: Matrix, options: BackwardOptions = {}): Matrix | null {
    if (this.rows < 0) throw new Error(`${this.describe()}.backward: call forward first`);
    const n = this.height * this.width;
    if (dY.rows !== this.rows || dY.cols !== n) throw new Error(`${this.describe()}.backward: dY is ${dY.shape} but the output was ${this.rows}×${n}`);
    if (options.inputGrad === false) return null;
    const dX = this.dXBuffers.get(dY.rows, n, this.dtype), G = dY.data, D = dX.data, src = this.source;
    for (let i = 0; i < dY.rows; i++) for (let k = 0, o = i * n; k < n; k++) D[o + src[k]] = G[o + k]; // each pixel is in one patch
    return dX;
  }

  config(): LayerConfig {
    return { type: "patches", height: this.height, width: this.width, patch: this.patch };
  }

  inputSize(): number {
    return this.height * this.width;
  }

  describe(): string {
    return `Patches(${this.height}×${this.width} → ${this.tokens}×${this.patch * this.patch})`;
  }
}

/** Positions({ tokens, dim }): y_t = x_t + p_t, P (1 × tokens·dim, "positions") learned, drawn from N(0, 0.02²). */
export class Positions extends Layer {
  readonly name = "Positions";
  readonly tokens: number;
  readonly dim: number;
  readonly positions: Matrix; // P: 1 × (T·D), token-major like the input
  readonly dP: Matrix;
  private readonly yBuffers = new Buffers();
  private rows = -1;
  private readonly paramList: Param[];

  constructor(options: { tokens: number; dim: number; rng?: Random; seed?: number; dtype?: DType }) {
    super();
    checkSize("Positions", "tokens", options.tokens);
    checkSize("Positions", "dim", options.dim);
    this.tokens = options.tokens;
    this.dim = options.dim;
    const dtype = options.dtype ?? "float32", rng = options.rng ?? new Random(options.seed ?? 0);
    this.positions = longLived(1, this.tokens * this.dim, dtype);
    for (let i = 0; i < this.positions.data.length; i++) this.positions.data[i] = rng.normal(0, 0.02);
    this.dP = longLived(1, this.tokens * this.dim, dtype);
    // not decayed: a position vector is an offset, like a bias
    this.paramList = [{ name: "positions", value: this.positions, grad: this.dP, role: "bias" }];
  }

  forward(x: Matrix): Matrix {
    checkTokens(this.describe(), x, this.tokens, this.dim);
    this.rows = x.rows;
    return addRowVector(x, this.positions, this.yBuffers.get(x.rows, x.cols, this.positions.dtype)); // y = x + P
  }

  backward(dY: Matrix): Matrix {
    if (this.rows < 0) throw new Error(`${this.describe()}.backward: call forward first`);
    if (dY.rows !== this.rows || dY.cols !== this.tokens * this.dim) throw new Error(`${this.describe()}.backward: dY is ${dY.shape} but the output was ${this.rows}×${this.tokens * this.dim}`);
    sumRows(dY, this.dP); //                                        dP = Σ_rows dY,  dX = dY
    return dY;
  }

  params(): Param[] {
    return this.paramList;
  }

  config(): LayerConfig {
    return { type: "positions", tokens: this.tokens, dim: this.dim };
  }

  inputSize(): number {
    return this.tokens * this.dim;
  }

  describe(): string {
    return `Positions(${this.tokens}×${this.dim})`;
  }
}

/** MeanTokens({ tokens, dim }): y = (1/T)·Σ_t x_t (batch × dim);  backward: dx_t = dy/T for every token. */
export class MeanTokens extends Layer {
  readonly name = "MeanTokens";
  readonly tokens: number;
  readonly dim: number;
  private readonly yBuffers = new Buffers();
  private readonly dXBuffers = new Buffers();
  private rows = -1;
  private dtype: DType = "float32";

  constructor(options: { tokens: number; dim: number }) {
    super();
    checkSize("MeanTokens", "tokens", options.tokens);
    checkSize("MeanTokens", "dim", options.dim);
    this.tokens = options.tokens;
    this.dim = options.dim;
  }

  forward(x: Matrix): Matrix {
    checkTokens(this.describe(), x, this.tokens, this.dim);
    const T = this.tokens, D = this.dim, y = this.yBuffers.get(x.rows, D, x.dtype), X = x.data, Y = y.data;
    for (let i = 0; i < x.rows; i++) {
      for (let c = 0; c < D; c++) {
        let sum = 0; //                                             y = (1/T)·Σ_t x_t
        for (let t = 0; t < T; t++) sum += X[(i * T + t) * D + c];
        Y[i * D + c] = sum / T;
      }
    }
    this.rows = x.rows;
    this.dtype = x.dtype;
    return y;
  }

  backward(dY: Matrix): Matrix {
    const T = this.tokens, D = this.dim;
    if (this.rows < 0) throw new Error(`${this.describe()}.backward: call forward first`);
    if (dY.rows !== this.rows || dY.cols !== D) throw new Error(`${this.describe()}.backward: dY is ${dY.shape} but the output was ${this.rows}×${D}`);
    const dX = this.dXBuffers.get(dY.rows, T * D, this.dtype), G = dY.data, R = dX.data;
    for (let i = 0; i < dY.rows; i++) for (let t = 0; t < T; t++) for (let c = 0; c < D; c++) R[(i * T + t) * D + c] = G[i * D + c] / T; // dx_t = dy/T
    return dX;
  }

  config(): LayerConfig {
    return { type: "meantokens", tokens: this.tokens, dim: this.dim };
  }

  inputSize(): number {
    return this.tokens * this.dim;
  }

  outputSize(): number {
    return this.dim;
  }

  describe(): string {
    return `MeanTokens(${this.tokens}×${this.dim} → ${this.dim})`;
  }
}
