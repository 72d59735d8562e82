// Inverted dropout (Srivastava et al., 2014): during training each unit is kept with probability 1 − p and
// scaled by 1/(1 − p), or set to 0; in evaluation the layer is the identity. Scaling at training time keeps
// the expected value of every unit the same in both modes: E[y] = (1 − p)·x/(1 − p) = x.
//
//   training:    M_ij = 1/(1 − p) with probability 1 − p, else 0;   Y = X ⊙ M;   dX = dY ⊙ M
//   evaluation:  Y = X;   dX = dY
//
// The masks come from the layer's own seeded generator: the same seed gives the same masks, batch after batch.
import type { Matrix } from "../core/matrix";
import { Layer, type LayerConfig } from "./layers";
import { Buffers } from "../core/buffers";
import { Random } from "../core/random";

export interface DropoutOptions {
  /** seeds the masks; default 0 */
  seed?: number;
}

export class Dropout extends Layer {
  readonly name = "Dropout";
  /** the probability of dropping a unit, in [0, 1) */
  readonly p: number;
  readonly seed: number;
  private rng: Random;
  private mask: Matrix | null = null; // M of the last training forward; null after an evaluation forward
  private readonly maskBuffers = new Buffers();
  private readonly yBuffers = new Buffers();
  private readonly dXBuffers = new Buffers();
  private shape = ""; // the shape of the last forward's output, for backward's check

  constructor(p: number, options: DropoutOptions = {}) {
    super();
    if (!(typeof p === "number" && p >= 0 && p < 1)) throw new Error(`Dropout: p (the drop probability) must be a number in [0, 1), got ${p}`);
    const seed = options.seed ?? 0;
    if (!Number.isFinite(seed)) throw new Error(`Dropout: seed must be a finite number, got ${seed}`);
    this.p = p;
    this.seed = seed;
    this.rng = new Random(seed);
  }

  forward(x: Matrix, training = false): Matrix {
    this.shape = x.shape;
    if (!training || this.p === 0) {
      this.mask = null;
      return x; //                                             evaluation: Y = X
    }
    const mask = this.maskBuffers.get(x.rows, x.cols, x.dtype), y = this.yBuffers.get(x.rows, x.cols, x.dtype);
    const M = mask.data, X = x.data, Y = y.data, keep = 1 - this.p, scale = 1 / keep;
    for (let k = 0; k < M.length; k++) {
      M[k] = this.rng.next() < keep ? scale : 0; //            M = 1/(1 − p) with probability 1 − p, else 0
      Y[k] = X[k] * M[k]; //                                   Y = X ⊙ M
    }
    this.mask = mask;
    return y;
  }

  backward(dY: Matrix): Matrix {
    if (this.shape === "") throw new Error(`${this.describe()}.backward: call forward first`);
    if (dY.shape !== this.shape) throw new Error(`${this.describe()}.backward: dY is ${dY.shape} but the output was ${this.shape}`);
    const mask = this.mask;
    if (mask === null) return dY; //                            evaluation: dX = dY
    const dX = this.dXBuffers.get(dY.rows, dY.cols, dY.dtype), D = dX.data, G = dY.data, M = mask.data;
    for (let k = 0; k < D.length; k++) D[k] = G[k] * M[k]; //   dX = dY ⊙ M
    return dX;
  }

  /** Start the masks again from the seed (two runs from a reset layer draw the same masks). */
  reset(): void {
    this.rng = new Random(this.seed);
  }

  config(): LayerConfig {
    return { type: "dropout", p: this.p, seed: this.seed };
  }

  describe(): string {
    return `Dropout(p=${this.p})`;
  }
}
