// Max pooling and Flatten, for batches of images stored as rows (N × (C·H·W), channel-major: NCHW flattened).
//
// MaxPool2D with window s × s and stride s (the windows tile the image without overlapping):
//   forward:   Y[n, c, oy, ox] = max over the window { X[n, c, oy·s + i, ox·s + j] : 0 ≤ i, j < s }
//   backward:  dX = dY routed to where each maximum was (the first one on a tie), 0 everywhere else
// (the max passes its input straight through, so its derivative is 1 for the winner and 0 for the others).
// Rows or columns left over when H or W is not a multiple of s are dropped, as in every framework.
import type { DType, Matrix } from "../core/matrix";
import { Layer, type LayerConfig } from "./layers";
import { Buffers } from "../core/buffers";
import { convGeometry, imageFloats, windowPositions, type ConvGeometry } from "./im2col";
import { activeKernels } from "../engine/active";

export interface MaxPool2DOptions {
  channels: number; // C
  height: number; //   H of the input images
  width: number; //    W of the input images
  size: number; //     s: windows of s × s, stride s
  /** accepted for symmetry with the other layers: the output has the input's dtype */
  dtype?: DType;
}

export class MaxPool2D extends Layer {
  readonly name = "MaxPool2D";
  readonly geometry: ConvGeometry;
  private winners = new Int32Array(0); // for each output, the index in X's data of its maximum (last forward)
  private rows = -1; // N of the last forward
  private readonly yBuffers = new Buffers(); //  Y:  N × (C·OH·OW)
  private readonly dXBuffers = new Buffers(); // dX: N × (C·H·W)

  constructor(options: MaxPool2DOptions) {
    super();
    const o = options;
    if (o === null || typeof o !== "object") throw new Error("MaxPool2D: expected options { channels, height, width, size }");
    this.geometry = convGeometry("MaxPool2D", { channels: o.channels, height: o.height, width: o.width, kernel: o.size, stride: o.size });
  }

  forward(x: Matrix): Matrix {
    // Y = the max of each s×s window
    const { channels: C, height: H, width: W, outHeight: OH, outWidth: OW } = this.geometry;
    if (x.cols !== this.inputSize()) {
      throw new Error(`${this.describe()}: input is ${x.shape} but images of ${C}×${H}×${W} need ${this.inputSize()} columns`);
    }
    const N = x.rows;
    const y = this.yBuffers.get(N, C * OH * OW, x.dtype);
    if (this.winners.length < y.data.length) this.winners = activeKernels().longLivedIndices(y.data.length); // grows, never shrinks
    // Y[n, c, oy, ox] = max_{0 ≤ i, j < s} X[n, c, oy·s + i, ox·s + j],  winners = where each max is in X
    activeKernels().maxPool(x.data, y.data, this.winners, N, this.geometry);
    this.rows = N;
    return y;
  }

  backward(dY: Matrix): Matrix {
    // dX[winner] = dY, 0 elsewhere
    if (this.rows < 0) throw new Error(`${this.describe()}.backward: call forward first`);
    const out = this.outputSize();
    if (dY.rows !== this.rows || dY.cols !== out) {
      throw new Error(`${this.describe()}.backward: dY is ${dY.shape} but the output Y was ${this.rows}×${out}`);
    }
    const dX = this.dXBuffers.get(dY.rows, this.inputSize(), dY.dtype);
    activeKernels().maxPoolBackward(dY.data, this.winners, dX.data); // dX = 0;  dX[winner] += dY
    return dX;
  }

  config(): LayerConfig {
    const g = this.geometry;
    return { type: "maxpool2d", channels: g.channels, height: g.height, width: g.width, size: g.kernel };
  }

  inputSize(): number {
    return imageFloats(this.geometry); //                         C·H·W
  }

  outputSize(): number {
    return this.geometry.channels * windowPositions(this.geometry); // C·OH·OW
  }

  describe(): string {
    const g = this.geometry;
    return `MaxPool2D(${g.channels}×${g.height}×${g.width} → ${g.channels}×${g.outHeight}×${g.outWidth}, ${g.kernel}×${g.kernel})`;
  }
}

/**
 * Flatten: images (C·H·W values a row) to plain feature vectors for a Dense layer. Our images are already
 * rows of C·H·W numbers in channel-major order, so it is the identity, forward and backward; it is there so
 * that a network reads as the frameworks write it (…, MaxPool2D, Flatten, Dense).
 */
export class Flatten extends Layer {
  readonly name = "Flatten";

  forward(x: Matrix): Matrix {
    return x; // Y = X
  }

  backward(dY: Matrix): Matrix {
    return dY; // dX = dY
  }

  config(): LayerConfig {
    return { type: "flatten" };
  }
}
