// The small products of attention, for every example and every head in one call: T × T scores from d-wide
// slices of Q and K. They are too small for the kernels' blocked products (T = 16, d = 16 in the chapter's
// transformer), so they are plain loops over the whole batch. Each head's slices (head h of token i of example b:
// columns h·d … h·d + d − 1 of row b·T + i) are first copied into small contiguous scratch arrays, so the inner
// loops run over consecutive numbers.
import type { FloatArray } from "../core/matrix";

let scratch = new Float64Array(0);

/** Scratch of at least n numbers (kept between calls: a training step allocates nothing). */
function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(n);
  return scratch;
}

/** dst[i·d + c] = src[(b·T + i)·D + col + c]: head slice → T × d contiguous. */
function gather(src: FloatArray, dst: Float64Array, off: number, b: number, T: number, D: number, col: number, d: number): void {
  for (let i = 0; i < T; i++) {
    const s = (b * T + i) * D + col, t = off + i * d;
    for (let c = 0; c < d; c++) dst[t + c] = src[s + c];
  }
}

/** The inverse of gather. */
function scatter(src: Float64Array, off: number, dst: FloatArray, b: number, T: number, D: number, col: number, d: number): void {
  for (let i = 0; i < T; i++) {
    const s = off + i * d, t = (b * T + i) * D + col;
    for (let c = 0; c < d; c++) dst[t + c] = src[s + c];
  }
}

/**
 * For each example b and head h (d = D/H, s = 1/√d):
 *   S = Q_h·K_hᵀ·s,  A = softmax_rows(S)  (into attn, row (b·H + h)·T + i),  O_h = A·V_h  (into out's columns of head h)
 */
export function headsForward(
  Q: FloatArray, K: FloatArray, V: FloatArray, attn: FloatArray, out: FloatArray,
  batch: number, T: number, D: number, H: number,
): void {
  const d = D / H, s = 1 / Math.sqrt(d), td = T * d;
  const w = scratchOf(4 * td + T); // q, k, v, o: T × d each; a row of A
  const q = 0, k = td, v = 2 * td, o = 3 * td, row = 4 * td;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < H; h++) {
      const col = h * d, a0 = (b * H + h) * T * T;
      gather(Q, w, q, b, T, D, col, d);
      gather(K, w, k, b, T, D, col, d);
      gather(V, w, v, b, T, D, col, d);
      for (let i = 0; i < T; i++) {
        const qi = q + i * d;
        let max = -Infinity;
        for (let j = 0; j < T; j++) { //                          S[i,j] = Σ_c Q[i,c]·K[j,c]/√d
          const kj = k + j * d;
          let dot = 0;
          for (let c = 0; c < d; c++) dot += w[qi + c] * w[kj + c];
          w[row + j] = dot * s;
          if (dot * s > max) max = dot * s;
        }
        let sum = 0; //                                           A[i,j] = exp(S[i,j] − max)/Σ_k exp(S[i,k] − max)
        for (let j = 0; j < T; j++) {
          const e = Math.exp(w[row + j] - max);
          w[row + j] = e;
          sum += e;
        }
        const oi = o + i * d;
        for (let c = 0; c < d; c++) w[oi + c] = 0;
        for (let j = 0; j < T; j++) { //                          O[i,c] = Σ_j A[i,j]·V[j,c]
          const a = w[row + j] / sum, vj = v + j * d;
          attn[a0 + i * T + j] = a;
          for (let c = 0; c < d; c++) w[oi + c] += a * w[vj + c];
        }
      }
      scatter(w, o, out, b, T, D, col, d);
    }
  }
}

/**
 * The gradients of headsForward, given dO (dOut, the heads' output gradient, laid out like out):
 *   dA = dO_h·V_hᵀ,  dV_h = Aᵀ·dO_h,  dS = A ⊙ (dA − rowsum(dA ⊙ A)),  dQ_h = dS·K_h·s,  dK_h = dSᵀ·Q_h·s
 * written over dQ, dK, dV (each laid out like Q).
 */
export function headsBackward(
  Q: FloatArray, K: FloatArray, V: FloatArray, attn: FloatArray, dOut: FloatArray,
  dQ: FloatArray, dK: FloatArray, dV: FloatArray,
  batch: number, T: number, D: number, H: number,
): void {
  const d = D / H, s = 1 / Math.sqrt(d), td = T * d;
  const w = scratchOf(7 * td + T); // q, k, v, dO, dQ, dK, dV: T × d each; a row of dA
  const q = 0, k = td, v = 2 * td, dO = 3 * td, dq = 4 * td, dk = 5 * td, dv = 6 * td, dA = 7 * td;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < H; h++) {
      const col = h * d, a0 = (b * H + h) * T * T;
      gather(Q, w, q, b, T, D, col, d);
      gather(K, w, k, b, T, D, col, d);
      gather(V, w, v, b, T, D, col, d);
      gather(dOut, w, dO, b, T, D, col, d);
      w.fill(0, dq, dA);
      for (let i = 0; i < T; i++) {
        const oi = dO + i * d, ai = a0 + i * T;
        let rowDot = 0;
        for (let j = 0; j < T; j++) {
          const vj = v + j * d, dvj = dv + j * d, a = attn[ai + j];
          let dot = 0; //                                         dA[i,j] = Σ_c dO[i,c]·V[j,c]
          for (let c = 0; c < d; c++) {
            dot += w[oi + c] * w[vj + c];
            w[dvj + c] += a * w[oi + c]; //                       dV[j,c] += A[i,j]·dO[i,c]
          }
          w[dA + j] = dot;
          rowDot += dot * a; //                                   Σ_k dA[i,k]·A[i,k]
        }
        const qi = q + i * d, dqi = dq + i * d;
        for (let j = 0; j < T; j++) {
          const dS = attn[ai + j] * (w[dA + j] - rowDot) * s; //  dS[i,j]/√d = A[i,j]·(dA[i,j] − Σ_k dA[i,k]·A[i,k])/√d
          const kj = k + j * d, dkj = dk + j * d;
          for (let c = 0; c < d; c++) {
            w[dqi + c] += dS * w[kj + c]; //                      dQ[i,c] += dS[i,j]·K[j,c]/√d
            w[dkj + c] += dS * w[qi + c]; //                      dK[j,c] += dS[i,j]·Q[i,c]/√d
          }
        }
      }
      scatter(w, dq, dQ, b, T, D, col, d);
      scatter(w, dk, dK, b, T, D, col, d);
      scatter(w, dv, dV, b, T, D, col, d);
    }
  }
}
