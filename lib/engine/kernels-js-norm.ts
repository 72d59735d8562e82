// The plain loops of LayerNorm's forward and backward, of the attention heads' softmax and of the rearrangements
// between token-major and head-major (chapter 15), and of the softmax cross-entropy loss, part of
// jsKernels (lib/engine/kernels-js.ts).
// `tokens` blocks of n numbers, one after another; each block (one token's features) is normalised on its own:
//   μ = (1/n)·Σⱼ xⱼ,  σ² = (1/n)·Σⱼ (xⱼ − μ)²,  invStd = 1/√(σ² + ε),  x̂ = (x − μ)·invStd,  y = γ ⊙ x̂ + β
// Backward, with dx̂ = dy ⊙ γ:  dβ = Σ dy,  dγ = Σ dy ⊙ x̂ (over every token),
//   dx = invStd·(dx̂ − (1/n)·Σₖ dx̂ₖ − x̂·(1/n)·Σₖ dx̂ₖ·x̂ₖ)
// Sums are taken in float64 (the arrays may be float32 or float64).
import type { FloatArray } from "./kernels";

export const normLoops = {
  layerNormForward(x: FloatArray, gamma: FloatArray, beta: FloatArray, xHat: FloatArray, y: FloatArray, invStd: FloatArray,
                   tokens: number, n: number, eps: number): void {
    for (let t = 0; t < tokens; t++) {
      const o = t * n;
      let sum = 0; //                                              μ = (1/n)·Σⱼ xⱼ
      for (let j = o; j < o + n; j++) sum += x[j];
      const mean = sum / n;
      let sq = 0; //                                               σ² = (1/n)·Σⱼ (xⱼ − μ)²
      for (let j = o; j < o + n; j++) {
        const d = x[j] - mean;
        sq += d * d;
      }
      const s = 1 / Math.sqrt(sq / n + eps);
      invStd[t] = s;
      for (let j = 0; j < n; j++) {
        xHat[o + j] = (x[o + j] - mean) * s; //                    x̂ = (x − μ)/√(σ² + ε)
        y[o + j] = gamma[j] * xHat[o + j] + beta[j]; //            y = γ ⊙ x̂ + β
      }
    }
  },

  layerNormBackward(dY: FloatArray, xHat: FloatArray, gamma: FloatArray, invStd: FloatArray, dX: FloatArray,
                    dGamma: FloatArray, dBeta: FloatArray, tokens: number, n: number): void {
    dGamma.fill(0, 0, n);
    dBeta.fill(0, 0, n);
    for (let t = 0; t < tokens; t++) {
      const o = t * n;
      let sumDxHat = 0, sumDxHatXHat = 0;
      for (let j = 0; j < n; j++) {
        const dxHat = dY[o + j] * gamma[j]; //                     dx̂ = dy ⊙ γ
        sumDxHat += dxHat;
        sumDxHatXHat += dxHat * xHat[o + j];
        dBeta[j] += dY[o + j]; //                                  dβ = Σ dy
        dGamma[j] += dY[o + j] * xHat[o + j]; //                   dγ = Σ dy ⊙ x̂
      }
      const meanDxHat = sumDxHat / n, meanDxHatXHat = sumDxHatXHat / n, s = invStd[t];
      for (let j = 0; j < n; j++) { //                             dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂))/√(σ² + ε)
        dX[o + j] = (dY[o + j] * gamma[j] - meanDxHat - xHat[o + j] * meanDxHatXHat) * s;
      }
    }
  },

  // In place, each of `rows` rows of n: A[j] = exp(s·(S[j] − max))/Σ_k exp(s·(S[k] − max)), max = max_k S[k]  (s > 0)
  attentionSoftmax(a: FloatArray, rows: number, n: number, s: number): void {
    const end = rows * n;
    for (let r = 0; r < end; r += n) {
      let max = a[r];
      for (let j = r + 1; j < r + n; j++) if (a[j] > max) max = a[j];
      let sum = 0;
      for (let j = r; j < r + n; j++) {
        const e = Math.exp(s * (a[j] - max));
        a[j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = r; j < r + n; j++) a[j] *= inv;
    }
  },

  // In place over dA, each row: dS[j] = s·A[j]·(dA[j] − Σ_k dA[k]·A[k])
  attentionSoftmaxBackward(a: FloatArray, dA: FloatArray, rows: number, n: number, s: number): void {
    const end = rows * n;
    for (let r = 0; r < end; r += n) {
      let rowDot = 0;
      for (let j = r; j < r + n; j++) rowDot += dA[j] * a[j];
      for (let j = r; j < r + n; j++) dA[j] = a[j] * (dA[j] - rowDot) * s;
    }
  },

  // out[(b·H + h)·T + i, c] = X[b·T + i, h·d + c]:  token-major (n·T) × (H·d) → head-major (n·H·T) × d
  splitHeads(x: FloatArray, out: FloatArray, n: number, T: number, H: number, d: number): void {
    const D = H * d;
    for (let b = 0; b < n; b++) {
      for (let h = 0; h < H; h++) {
        for (let i = 0; i < T; i++) {
          const from = (b * T + i) * D + h * d, to = ((b * H + h) * T + i) * d;
          for (let c = 0; c < d; c++) out[to + c] = x[from + c];
        }
      }
    }
  },

  // out[b·T + i, h·d + c] = X[(b·H + h)·T + i, c]:  head-major back to token-major
  mergeHeads(x: FloatArray, out: FloatArray, n: number, T: number, H: number, d: number): void {
    const D = H * d;
    for (let b = 0; b < n; b++) {
      for (let h = 0; h < H; h++) {
        for (let i = 0; i < T; i++) {
          const from = ((b * H + h) * T + i) * d, to = (b * T + i) * D + h * d;
          for (let c = 0; c < d; c++) out[to + c] = x[from + c];
        }
      }
    }
  },

  // Softmax cross-entropy (lib/nn/losses.ts), each row in float64: e^(zⱼ − max) once for the sum and for p.
  softmaxCrossEntropy(z: FloatArray, y: FloatArray, g: FloatArray, m: number, n: number): number {
    const e = expRow(n);
    let total = 0;
    for (let i = 0; i < m; i++) {
      const r = i * n;
      let max = -Infinity;
      for (let j = r; j < r + n; j++) if (z[j] > max) max = z[j];
      let sum = 0;
      for (let j = 0; j < n; j++) sum += e[j] = Math.exp(z[r + j] - max);
      const lse = max + Math.log(sum); // log Σⱼ e^(zⱼ)
      let loss = 0;
      for (let j = 0; j < n; j++) {
        const yj = y[r + j];
        if (yj !== 0) loss += yj * (lse - z[r + j]); // −yⱼ·log pⱼ,  log pⱼ = zⱼ − lse
        g[r + j] = (e[j] / sum - yj) / m; //          (pⱼ − yⱼ)/m
      }
      total += loss;
    }
    return total;
  },
};

let expScratch = new Float64Array(16);

/** A float64 scratch row of at least n numbers (kept between calls: a loss allocates nothing). */
function expRow(n: number): Float64Array {
  if (expScratch.length < n) expScratch = new Float64Array(n);
  return expScratch;
}
