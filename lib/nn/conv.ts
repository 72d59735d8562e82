// Conv2D: a 2-D convolution layer, computed as one matrix product per batch (im2col, lib/nn/im2col.ts).
//
// Images are rows: X is N × (C·H·W), channel-major (NCHW flattened). F filters of C × k × k weights each:
//   W: F × (C·k·k), row f = filter f in the same order (channel, then row, then column),   b: 1 × F.
// Output: Z is N × (F·OH·OW), channel-major too, with (cross-correlation, as every framework computes it)
//   Z[n, f, oy, ox] = b[f] + Σ_{c, ky, kx} W[f, c, ky, kx] · X[n, c, oy·s − p + ky, ox·s − p + kx].
// As matrices (cols = im2col(X), one k×k window of all channels a row; Z' the output one window position a row):
//   forward:   Z' = cols·Wᵀ,       Z = Z' rearranged channel-first, + b
//              (one input channel, stride 1, no padding: Z summed directly from X (convDirect); cols made in backward)
//   backward:  dW = dZ'ᵀ·cols,     db = Σ_rows dZ',     dcols = dZ'·W,     dX = col2im(dcols)
// The three products run on the library's kernels (WebAssembly and threads when available).
import { longLived, type DType, type Matrix } from "../core/matrix";
import { matmul, matmulTransA, matmulTransB, sumRows } from "../core/ops";
import { Layer, weightAndBias, type BackwardOptions, type LayerConfig, type Param } from "./layers";
import { Buffers } from "../core/buffers";
import { Random } from "../core/random";
import { convGeometry, im2col, col2im, channelsFirst, channelsLast, convDirect, imageFloats, windowPositions, type ConvGeometry } from "./im2col";

export interface Conv2DOptions {
  inChannels: number; //  C
  outChannels: number; // F, the number of filters
  kernel: number; //      k: each filter is k × k (per input channel)
  stride?: number; //     default 1
  padding?: number; //    zeros around each border, default 0
  height: number; //      H of the input images
  width: number; //       W of the input images
  /** default "float32" */
  dtype?: DType;
  /** the generator for the initial weights (shared by a whole network); otherwise a new Random(seed) */
  rng?: Random;
  /** used when no rng is given; default 0 */
  seed?: number;
}

/** Conv2D: F filters of C×k×k slid over C×H×W images (see the top of this file). He initialisation, b = 0. */
export class Conv2D extends Layer {
  readonly name = "Conv2D";
  readonly geometry: ConvGeometry;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly weights: Matrix; // W: F × (C·k·k)
  readonly bias: Matrix; //    b: 1 × F
  readonly dW: Matrix; //      ∂L/∂W: F × (C·k·k)
  readonly db: Matrix; //      ∂L/∂b: 1 × F

  private cols: Matrix | null = null; // im2col of the last forward's input, kept for backward
  private input: Matrix | null = null; // the last forward's input, when cols is made in backward (one channel)
  private readonly colsBuffers = new Buffers(); //  cols:  (N·OH·OW) × (C·k·k)
  private readonly zTBuffers = new Buffers(); //    Z':    (N·OH·OW) × F
  private readonly zBuffers = new Buffers(); //     Z:     N × (F·OH·OW)
  private readonly dZTBuffers = new Buffers(); //   dZ':   (N·OH·OW) × F
  private readonly dColsBuffers = new Buffers(); // dcols: (N·OH·OW) × (C·k·k)
  private readonly dXBuffers = new Buffers(); //    dX:    N × (C·H·W)
  private readonly paramList: Param[];

  constructor(options: Conv2DOptions) {
    super();
    const o = options;
    if (o === null || typeof o !== "object") throw new Error("Conv2D: expected options { inChannels, outChannels, kernel, height, width, … }");
    if (!Number.isInteger(o.outChannels) || o.outChannels < 1) throw new Error(`Conv2D: outChannels must be a whole number ≥ 1, got ${o.outChannels}`);
    this.geometry = convGeometry("Conv2D", { channels: o.inChannels, height: o.height, width: o.width, kernel: o.kernel, stride: o.stride, padding: o.padding });
    this.inChannels = o.inChannels;
    this.outChannels = o.outChannels;
    const dtype = o.dtype ?? "float32";
    const fanIn = o.inChannels * o.kernel * o.kernel;
    this.weights = longLived(o.outChannels, fanIn, dtype);
    this.bias = longLived(1, o.outChannels, dtype);
    this.dW = longLived(o.outChannels, fanIn, dtype);
    this.db = longLived(1, o.outChannels, dtype);
    const rng = o.rng ?? new Random(o.seed ?? 0);
    const std = Math.sqrt(2 / fanIn); // He: each output sums C·k·k inputs
    for (let i = 0; i < this.weights.data.length; i++) this.weights.data[i] = rng.normal(0, std);
    this.paramList = weightAndBias(this.weights, this.dW, this.bias, this.db);
  }

  get dtype(): DType {
    return this.weights.dtype;
  }

  forward(x: Matrix): Matrix {
    // cols = im2col(X);  Z' = cols·Wᵀ;  Z = Z' channel-first + b
    const g = this.geometry, F = this.outChannels, P = g.outHeight * g.outWidth, N = x.rows;
    if (x.cols !== this.inputSize()) {
      throw new Error(`${this.describe()}: input is ${x.shape} but images of ${g.channels}×${g.height}×${g.width} need ${this.inputSize()} columns`);
    }
    if (g.channels === 1 && g.stride === 1 && g.padding === 0) { // a thin product (k·k terms): summed directly, no im2col
      this.cols = null;
      this.input = x;
      return convDirect(x, this.weights, this.bias, g, this.zBuffers.get(N, F * P, this.dtype));
    }
    const cols = im2col(x, g, this.colsBuffers.get(N * P, this.weights.cols, this.dtype));
    this.cols = cols;
    this.input = null;
    const zT = matmulTransB(cols, this.weights, this.zTBuffers.get(N * P, F, this.dtype));
    return channelsFirst(zT, this.bias, this.zBuffers.get(N, F * P, this.dtype));
  }

  backward(dZ: Matrix): Matrix;
  backward(dZ: Matrix, options: BackwardOptions): Matrix | null;
  backward(dZ: Matrix, options: BackwardOptions = {}): Matrix | null {
    // dW = dZ'ᵀ·cols,  db = Σ_rows dZ',  dcols = dZ'·W,  dX = col2im(dcols)
    const cols = this.savedCols();
    if (cols === null) throw new Error(`${this.describe()}.backward: call forward first`);
    const g = this.geometry, F = this.outChannels, P = g.outHeight * g.outWidth, N = cols.rows / P;
    if (dZ.rows !== N || dZ.cols !== F * P) {
      throw new Error(`${this.describe()}.backward: dZ is ${dZ.shape} but the output Z was ${N}×${F * P}`);
    }
    const dZT = channelsLast(dZ, F, this.dZTBuffers.get(N * P, F, this.dtype));
    matmulTransA(dZT, cols, this.dW);
    sumRows(dZT, this.db);
    if (options.inputGrad === false) return null; // the first layer's input is the data: no dX needed
    const dCols = matmul(dZT, this.weights, this.dColsBuffers.get(N * P, cols.cols, this.dtype));
    return col2im(dCols, g, this.dXBuffers.get(N, this.inputSize(), this.dtype));
  }

  params(): Param[] {
    return this.paramList; // the same objects every call: optimizers keep their state per parameter
  }

  config(): LayerConfig {
    const g = this.geometry;
    return {
      type: "conv2d", inChannels: g.channels, outChannels: this.outChannels, kernel: g.kernel,
      stride: g.stride, padding: g.padding, height: g.height, width: g.width,
    };
  }

  /** The last forward's cols: kept, or made now from its input where the forward summed directly. */
  private savedCols(): Matrix | null {
    const x = this.input;
    if (x === null) return this.cols;
    return im2col(x, this.geometry, this.colsBuffers.get(x.rows * windowPositions(this.geometry), this.weights.cols, this.dtype));
  }

  inputSize(): number {
    return imageFloats(this.geometry); //                    C·H·W
  }

  outputSize(): number {
    return this.outChannels * windowPositions(this.geometry); // F·OH·OW
  }

  describe(): string {
    const g = this.geometry;
    const extra = (g.stride !== 1 ? `, stride ${g.stride}` : "") + (g.padding !== 0 ? `, padding ${g.padding}` : "");
    return `Conv2D(${g.channels}×${g.height}×${g.width} → ${this.outChannels}×${g.outHeight}×${g.outWidth}, ${g.kernel}×${g.kernel}${extra})`;
  }
}
