// Layer normalisation (Ba, Kiros & Hinton, 2016): each token is brought to mean 0 and variance 1 over its own
// features, then scaled and shifted by learned γ and β. Unlike BatchNorm nothing is averaged over the batch,
// so training and evaluation compute the same thing and there are no running averages.
//
// A row holds tokens·features values, token-major; each consecutive block of `features` values (one token, x) is
// normalised on its own, with n = features:
//   μ = (1/n)·Σⱼ xⱼ,   σ² = (1/n)·Σⱼ (xⱼ − μ)²   (the biased variance),   x̂ = (x − μ)/√(σ² + ε),   y = γ ⊙ x̂ + β
// Backward, per token, with dx̂ = dy ⊙ γ (summed over every token of the batch for γ and β):
//   dβ = Σ dy,   dγ = Σ dy ⊙ x̂,   dxⱼ = (1/√(σ² + ε))·(dx̂ⱼ − (1/n)·Σₖ dx̂ₖ − x̂ⱼ·(1/n)·Σₖ dx̂ₖ·x̂ₖ)
// the same formula as BatchNorm's, taken along the features of one token instead of down the batch.
import { type Matrix, type DType } from "../core/matrix";
import { Buffers } from "../core/buffers";
import { activeKernels } from "../engine/active";
import { type LayerConfig } from "./layers";
import { Normalisation } from "./normalisation";

export interface LayerNormOptions {
  /** the values normalised together (one token's features) */
  features: number;
  /** added to the variance before the square root; default 1e-5 */
  eps?: number;
  /** default "float32" */
  dtype?: DType;
}

/** LayerNorm over each block of `features` values of a row; γ (gamma) starts at 1, β (beta) at 0. */
export class LayerNorm extends Normalisation {
  readonly name = "LayerNorm";
  private invStd: Matrix | null = null; // 1/√(σ² + ε) of each token of the last forward (tokens × 1)
  private readonly invStdBuffers = new Buffers();

  constructor(options: LayerNormOptions) {
    super("LayerNorm", options.features, options.eps, options.dtype);
  }

  forward(x: Matrix): Matrix {
    const n = this.features;
    if (x.cols % n !== 0) {
      throw new Error(`${this.describe()}: input is ${x.shape}, but a row must hold whole tokens of ${n} features (a multiple of ${n} columns)`);
    }
    const tokens = (x.rows * x.cols) / n;
    const xHat = this.xHatBuffers.get(x.rows, x.cols, this.dtype), y = this.yBuffers.get(x.rows, x.cols, this.dtype);
    const inv = (this.invStd = this.invStdBuffers.get(tokens, 1, this.dtype));
    // one kernel call for every token (lib/engine/kernels-js-norm.ts): μ, σ², x̂ = (x − μ)/√(σ² + ε), y = γ ⊙ x̂ + β
    activeKernels().layerNormForward(x.data, this.gamma.data, this.beta.data, xHat.data, y.data, inv.data, tokens, n, this.eps);
    this.xHat = xHat;
    return y;
  }

  backward(dY: Matrix): Matrix {
    const xHat = this.savedXHat(dY), inv = this.invStd;
    if (inv === null) throw new Error(`${this.describe()}.backward: call forward first`);
    const n = this.features, tokens = (xHat.rows * xHat.cols) / n;
    const dX = this.dXBuffers.get(xHat.rows, xHat.cols, this.dtype);
    // dβ = Σ dy,  dγ = Σ dy ⊙ x̂,  dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂))/√(σ² + ε),  dx̂ = dy ⊙ γ
    activeKernels().layerNormBackward(dY.data, xHat.data, this.gamma.data, inv.data, dX.data, this.dGamma.data, this.dBeta.data, tokens, n);
    return dX;
  }

  config(): LayerConfig {
    return { type: "layernorm", features: this.features, eps: this.eps };
  }

  describe(): string {
    return `LayerNorm(${this.features})`;
  }
}
