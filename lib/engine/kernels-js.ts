// The plain TypeScript kernels (jsKernels): every operation of lib/engine/kernels.ts's interface as a loop you can
// read. They run under the "js" backend, and every faster kernel is tested against them.
// (jsKernels is a Kernels by its shape; lib/engine/active.ts falls back to it when no backend was chosen.)
import type { FloatArray } from "./kernels";
import { blockedProducts, simpleProducts } from "./gemm";
import { convLoops } from "./kernels-js-conv";
import { gateLoops } from "./kernels-js-gates";
import { normLoops } from "./kernels-js-norm"; // issue 31: LayerNorm (chapter 15)

/** Whether all arrays are float32: then the products take the blocked loops, compiled for that one type. */
function allFloat32(a: FloatArray, b: FloatArray, c: FloatArray): boolean {
  return a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array;
}

function products(a: FloatArray, b: FloatArray, c: FloatArray): typeof simpleProducts {
  return allFloat32(a, b, c) ? blockedProducts : simpleProducts;
}

export const jsKernels = {
  name: "js",

  // C = A·B,  C = Aᵀ·B,  C = A·Bᵀ   (lib/engine/gemm.ts)
  matmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    products(a, b, c).matmul(a, b, c, m, k, n);
  },
  matmulTransA(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    products(a, b, c).matmulTransA(a, b, c, m, k, n);
  },
  matmulTransB(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    products(a, b, c).matmulTransB(a, b, c, m, k, n);
  },
  // C = A·B + b on each row: the product, then the bias
  matmulBias(a: FloatArray, b: FloatArray, bias: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    this.matmul(a, b, c, m, k, n); // (this: a kernel set made from these with its own matmul multiplies with that)
    this.addRowVector(c, bias, c, m, n);
  },
  // C = max(0, A·B + b): the product and the bias, then the ReLU
  matmulBiasRelu(a: FloatArray, b: FloatArray, bias: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    this.matmulBias(a, b, bias, c, m, k, n);
    const z = c.subarray(0, m * n);
    this.relu(z, z);
  },
  // C = (A·Bᵀ) ⊙ 1[M > 0]: the product, then the ReLU's backward
  matmulTransBMask(a: FloatArray, b: FloatArray, mask: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    this.matmulTransB(a, b, c, m, k, n);
    const g = c.subarray(0, m * n);
    this.reluBackward(g, mask, g);
  },

  // Y[i,j] = X[i,j] + b[j]
  addRowVector(x: FloatArray, b: FloatArray, y: FloatArray, m: number, n: number): void {
    for (let i = 0; i < m; i++) {
      const r = i * n;
      for (let j = 0; j < n; j++) y[r + j] = x[r + j] + b[j];
    }
  },

  // s[j] = Σ_i X[i,j]
  sumRows(x: FloatArray, s: FloatArray, m: number, n: number): void {
    s.fill(0, 0, n);
    for (let i = 0; i < m; i++) {
      const r = i * n;
      for (let j = 0; j < n; j++) s[j] += x[r + j];
    }
  },

  // A = max(0, Z)
  relu(z: FloatArray, a: FloatArray): void {
    // (Z + |Z|)/2 is max(0, Z) without a branch on the sign: random signs make a branch mispredict, 4× slower.
    // Only −∞ needs help ((−∞ + ∞)/2 is NaN): a test that is never true costs nothing.
    for (let i = 0; i < a.length; i++) {
      const v = z[i];
      a[i] = v === -Infinity ? 0 : (v + Math.abs(v)) * 0.5;
    }
  },

  // D = G ⊙ 1[A > 0]
  reluBackward(g: FloatArray, a: FloatArray, d: FloatArray): void {
    // +(A > 0) is the indicator as a number (1 or 0), again without a branch; + 0 turns −0 into 0
    for (let i = 0; i < d.length; i++) d[i] = g[i] * +(a[i] > 0) + 0;
  },

  // Y = X + s·Z
  addScaled(x: FloatArray, z: FloatArray, s: number, y: FloatArray): void {
    for (let i = 0; i < y.length; i++) y[i] = x[i] + s * z[i];
  },

  // Y = X + Z
  add(x: FloatArray, z: FloatArray, y: FloatArray): void {
    for (let i = 0; i < y.length; i++) y[i] = x[i] + z[i];
  },

  // Y = X − Z
  sub(x: FloatArray, z: FloatArray, y: FloatArray): void {
    for (let i = 0; i < y.length; i++) y[i] = x[i] - z[i];
  },

  // Y = X ⊙ Z
  hadamard(x: FloatArray, z: FloatArray, y: FloatArray): void {
    for (let i = 0; i < y.length; i++) y[i] = x[i] * z[i];
  },

  // Y = s·X
  scale(x: FloatArray, s: number, y: FloatArray): void {
    for (let i = 0; i < y.length; i++) y[i] = s * x[i];
  },

  // Y[j,i] = X[i,j]
  transpose(x: FloatArray, y: FloatArray, m: number, n: number): void {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) y[j * m + i] = x[i * n + j];
  },

  // plain memory: an ordinary array
  longLivedArray(length: number): Float32Array {
    return new Float32Array(length);
  },

  // im2col, col2im, the channel layouts, max-pooling (lib/engine/kernels-js-conv.ts)
  ...convLoops,
  // C_s = op(A_s)·op(B_s) for s = 0 … count − 1:  C_s[i,j] = Σ_p op(A_s)[i,p]·op(B_s)[p,j]
  matmulBatched(a: FloatArray, b: FloatArray, c: FloatArray, count: number, m: number, k: number, n: number,
                transA: boolean, transB: boolean): void {
    // op(A_s)[i,p] = a[aAt + i·ais + p·aps],  op(B_s)[p,j] = b[bAt + p·bps + j·bjs]
    const ais = transA ? 1 : k, aps = transA ? m : 1, bps = transB ? 1 : n, bjs = transB ? k : 1;
    for (let s = 0; s < count; s++) {
      const aAt = s * m * k, bAt = s * k * n, cAt = s * m * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let sum = 0;
          for (let p = 0; p < k; p++) sum += a[aAt + i * ais + p * aps] * b[bAt + p * bps + j * bjs];
          c[cAt + i * n + j] = sum;
        }
      }
    }
  },

  // Adam: g = dW + λ·W + λ₁·sign(W),  m ← β₁·m + (1−β₁)·g,  s ← β₂·s + (1−β₂)·g²,  W ← W − α·(m/c₁)/(√(s/c₂) + ε)
  adamUpdate(w: FloatArray, dw: FloatArray, m: FloatArray, s: FloatArray, lr: number, beta1: number, beta2: number,
             eps: number, c1: number, c2: number, l2: number, l1: number): void {
    for (let i = 0; i < w.length; i++) {
      const g = dw[i] + l2 * w[i] + l1 * Math.sign(w[i]);
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      s[i] = beta2 * s[i] + (1 - beta2) * g * g;
      w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(s[i] / c2) + eps);
    }
  },
  // the LSTM's gates, one time step forward and backward (lib/engine/kernels-js-gates.ts)
  ...gateLoops,
  // LayerNorm forward and backward (issue 31; lib/engine/kernels-js-norm.ts)
  ...normLoops,
};

/** The plain kernels with the simple (unblocked) product loops for every dtype: a baseline for benchmarks. */
export const simpleKernels = { ...jsKernels, name: "simple", ...simpleProducts };

/**
 * A quick check that other kernels (WebAssembly) work here: the three products on a small odd-sized case,
 * against the loops above. Small integers make every sum exact, so the two must agree exactly.
 * Returns null if they do, else what differs.
 */
export function agreesWithLoops(k: Pick<typeof jsKernels, "matmul" | "matmulTransA" | "matmulTransB">): string | null {
  const m = 7, inner = 13, n = 10;
  const a = new Float32Array(m * inner), b = new Float32Array(inner * n);
  for (let i = 0; i < a.length; i++) a[i] = ((i * 7) % 11) - 5;
  for (let i = 0; i < b.length; i++) b[i] = ((i * 5) % 9) - 4;
  const want = new Float32Array(m * n), got = new Float32Array(m * n);
  for (const op of ["matmul", "matmulTransA", "matmulTransB"] as const) {
    jsKernels[op](a, b, want, m, inner, n);
    k[op](a, b, got, m, inner, n);
    for (let i = 0; i < want.length; i++) {
      if (want[i] !== got[i]) return `self-test of ${op} failed: entry ${i} is ${got[i]}, expected ${want[i]}`;
    }
  }
  return null;
}
