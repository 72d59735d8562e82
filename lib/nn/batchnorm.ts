// Batch normalisation (Ioffe & Szegedy, 2015): each feature (column) is brought to mean 0 and variance 1 over
// the batch, then scaled and shifted by learned γ and β.
//
//   training:    μ = (1/m)·Σᵢ xᵢ,   σ² = (1/m)·Σᵢ (xᵢ − μ)²   (the biased variance: divide by the batch size m)
//                x̂ = (x − μ)/√(σ² + ε),   y = γ·x̂ + β
//                running μ ← momentum·running μ + (1 − momentum)·μ   (the same for σ²)
//   evaluation:  x̂ = (x − running μ)/√(running σ² + ε),   y = γ·x̂ + β   (each example on its own)
//
// Backward (training mode), per feature, with dx̂ = dy·γ:
//   dβ = Σᵢ dyᵢ,   dγ = Σᵢ dyᵢ·x̂ᵢ,   dxᵢ = (1/√(σ² + ε))·(dx̂ᵢ − (1/m)·Σⱼ dx̂ⱼ − x̂ᵢ·(1/m)·Σⱼ dx̂ⱼ·x̂ⱼ)
// In evaluation mode μ and σ² are constants, so dxᵢ = dx̂ᵢ/√(running σ² + ε).
import { Matrix, longLived, type DType } from "../core/matrix";
import { type LayerConfig } from "./layers";
import { Normalisation } from "./normalisation";

export interface BatchNormOptions {
  /** added to the variance before the square root; default 1e-5 */
  eps?: number;
  /** the weight of the old running average in each update, in [0, 1); default 0.9 */
  momentum?: number;
  /** default "float32" */
  dtype?: DType;
}

/** BatchNorm over the columns of a batch × features input; γ (gamma) starts at 1, β (beta) at 0. */
export class BatchNorm extends Normalisation {
  readonly name = "BatchNorm";
  readonly momentum: number;
  readonly runningMean: Matrix; // 1 × features, starts at 0
  readonly runningVar: Matrix; //  1 × features, starts at 1

  private readonly invStd: Matrix; // 1/√(σ² + ε) of the last forward: 1 × features
  private trainingMode = false; // the mode of the last forward (backward needs it)

  constructor(features: number, options: BatchNormOptions = {}) {
    super("BatchNorm", features, options.eps, options.dtype);
    const momentum = options.momentum ?? 0.9;
    if (!(typeof momentum === "number" && momentum >= 0 && momentum < 1)) {
      throw new Error(`BatchNorm: momentum must be a number in [0, 1), got ${momentum}`);
    }
    this.momentum = momentum;
    const dtype = this.dtype;
    this.runningMean = longLived(1, features, dtype);
    this.runningVar = longLived(1, features, dtype).fill(1);
    this.invStd = Matrix.zeros(1, features, "float64");
  }

  forward(x: Matrix, training = false): Matrix {
    if (x.cols !== this.features) {
      throw new Error(`${this.describe()}: input is ${x.shape} but the layer normalises ${this.features} features, so it needs ${this.features} columns`);
    }
    if (x.rows === 0) throw new Error(`${this.describe()}: the batch is empty (0 rows)`);
    const m = x.rows, n = this.features, X = x.data;
    const xHat = this.xHatBuffers.get(m, n, this.dtype), y = this.yBuffers.get(m, n, this.dtype);
    const H = xHat.data, Y = y.data, inv = this.invStd.data, g = this.gamma.data, b = this.beta.data;
    const runMean = this.runningMean.data, runVar = this.runningVar.data;
    for (let j = 0; j < n; j++) {
      let mean: number, variance: number;
      if (training) {
        let sum = 0; //                                        μ = (1/m)·Σᵢ xᵢ
        for (let i = 0; i < m; i++) sum += X[i * n + j];
        mean = sum / m;
        let sq = 0; //                                         σ² = (1/m)·Σᵢ (xᵢ − μ)²
        for (let i = 0; i < m; i++) sq += (X[i * n + j] - mean) ** 2;
        variance = sq / m;
        runMean[j] = this.momentum * runMean[j] + (1 - this.momentum) * mean; // running μ ← momentum·running μ + (1 − momentum)·μ
        runVar[j] = this.momentum * runVar[j] + (1 - this.momentum) * variance;
      } else {
        mean = runMean[j];
        variance = runVar[j];
      }
      inv[j] = 1 / Math.sqrt(variance + this.eps);
      for (let i = 0; i < m; i++) {
        const k = i * n + j;
        H[k] = (X[k] - mean) * inv[j]; //                       x̂ = (x − μ)/√(σ² + ε)
        Y[k] = g[j] * H[k] + b[j]; //                           y = γ·x̂ + β
      }
    }
    this.xHat = xHat;
    this.trainingMode = training;
    return y;
  }

  backward(dY: Matrix): Matrix {
    const xHat = this.savedXHat(dY);
    const m = xHat.rows, n = this.features, G = dY.data, H = xHat.data, inv = this.invStd.data, g = this.gamma.data;
    const dX = this.dXBuffers.get(m, n, this.dtype), D = dX.data, dG = this.dGamma.data, dB = this.dBeta.data;
    for (let j = 0; j < n; j++) {
      let sumDy = 0, sumDyXHat = 0; //                         dβ = Σᵢ dyᵢ,  dγ = Σᵢ dyᵢ·x̂ᵢ
      for (let i = 0; i < m; i++) {
        const k = i * n + j;
        sumDy += G[k];
        sumDyXHat += G[k] * H[k];
      }
      dB[j] = sumDy;
      dG[j] = sumDyXHat;
      if (!this.trainingMode) {
        for (let i = 0; i < m; i++) D[i * n + j] = G[i * n + j] * g[j] * inv[j]; // dx = dy·γ/√(running σ² + ε)
        continue;
      }
      // with dx̂ = dy·γ:  Σ dx̂ = γ·Σ dy,  Σ dx̂·x̂ = γ·Σ dy·x̂
      const meanDxHat = (g[j] * sumDy) / m, meanDxHatXHat = (g[j] * sumDyXHat) / m;
      for (let i = 0; i < m; i++) {
        const k = i * n + j; //                                 dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))/√(σ² + ε)
        D[k] = (g[j] * G[k] - meanDxHat - H[k] * meanDxHatXHat) * inv[j];
      }
    }
    return dX;
  }

  /** The running averages, used in evaluation mode: saved in model files beside γ and β. */
  state(): { name: string; value: Matrix }[] {
    return [
      { name: "runningMean", value: this.runningMean },
      { name: "runningVar", value: this.runningVar },
    ];
  }

  config(): LayerConfig {
    return { type: "batchnorm", features: this.features, eps: this.eps, momentum: this.momentum };
  }

  inputSize(): number {
    return this.features;
  }

  describe(): string {
    return `BatchNorm(${this.features})`;
  }
}
