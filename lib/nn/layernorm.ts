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
  private invStd: Float64Array = new Float64Array(0); // 1/√(σ² + ε) of each token of the last forward

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
    if (this.invStd.length < tokens) this.invStd = new Float64Array(tokens);
    const X = x.data, H = xHat.data, Y = y.data, g = this.gamma.data, b = this.beta.data, inv = this.invStd, eps = this.eps;
    for (let t = 0; t < tokens; t++) {
      const o = t * n;
      let sum = 0; //                                              μ = (1/n)·Σⱼ xⱼ
      for (let j = 0; j < n; j++) sum += X[o + j];
      const mean = sum / n;
      let sq = 0; //                                               σ² = (1/n)·Σⱼ (xⱼ − μ)²
      for (let j = 0; j < n; j++) {
        const d = X[o + j] - mean;
        sq += d * d;
      }
      const s = 1 / Math.sqrt(sq / n + eps);
      inv[t] = s;
      for (let j = 0; j < n; j++) {
        H[o + j] = (X[o + j] - mean) * s; //                       x̂ = (x − μ)/√(σ² + ε)
        Y[o + j] = g[j] * H[o + j] + b[j]; //                      y = γ ⊙ x̂ + β
      }
    }
    this.xHat = xHat;
    return y;
  }

  backward(dY: Matrix): Matrix {
    const xHat = this.savedXHat(dY);
    const n = this.features, tokens = (xHat.rows * xHat.cols) / n;
    const dX = this.dXBuffers.get(xHat.rows, xHat.cols, this.dtype);
    const G = dY.data, H = xHat.data, D = dX.data, g = this.gamma.data, dG = this.dGamma.data, dB = this.dBeta.data, inv = this.invStd;
    dG.fill(0);
    dB.fill(0);
    for (let t = 0; t < tokens; t++) {
      const o = t * n;
      let sumDxHat = 0, sumDxHatXHat = 0;
      for (let j = 0; j < n; j++) {
        const dxHat = G[o + j] * g[j]; //                          dx̂ = dy ⊙ γ
        sumDxHat += dxHat;
        sumDxHatXHat += dxHat * H[o + j];
        dB[j] += G[o + j]; //                                      dβ = Σ dy
        dG[j] += G[o + j] * H[o + j]; //                           dγ = Σ dy ⊙ x̂
      }
      const meanDxHat = sumDxHat / n, meanDxHatXHat = sumDxHatXHat / n;
      for (let j = 0; j < n; j++) { //                             dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂))/√(σ² + ε)
        D[o + j] = (G[o + j] * g[j] - meanDxHat - H[o + j] * meanDxHatXHat) * inv[t];
      }
    }
    return dX;
  }

  config(): LayerConfig {
    return { type: "layernorm", features: this.features, eps: this.eps };
  }

  describe(): string {
    return `LayerNorm(${this.features})`;
  }
}
