// The oracle the product tests share (test/wasm.test.ts, test/wasm-sparse.test.ts): op(A)·op(B) summed in float64,
// and the classic bound on a float32 sum's rounding error.

export type ProductOp = "matmul" | "matmulTransA" | "matmulTransB";

/** Entry (i, j) of op(A)·op(B) summed exactly enough (float64), and Σ_p |A(i,p)|·|B(p,j)|, the scale of its rounding error. */
export function exact(op: ProductOp, a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number) {
  const value = new Float64Array(m * n), scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, t = 0;
      for (let p = 0; p < k; p++) {
        const x = op === "matmulTransA" ? a[p * m + i] : a[i * k + p];
        const y = op === "matmulTransB" ? b[j * k + p] : b[p * n + j];
        s += x * y;
        t += Math.abs(x * y);
      }
      value[i * n + j] = s;
      scale[i * n + j] = t;
    }
  }
  return { value, scale };
}

/**
 * Throws unless every entry of c (= op(A)·op(B), A and B stored as op needs them) is within the rounding of a float32
 * sum of k products, about k·2⁻²⁴·Σ|a·b| of the exact sum (the classic bound); 2k units are allowed.
 */
export function expectNearExact(what: string, op: ProductOp, a: ArrayLike<number>, b: ArrayLike<number>, c: ArrayLike<number>,
                                m: number, k: number, n: number): void {
  const { value, scale } = exact(op, a, b, m, k, n);
  const u = 2 ** -24;
  for (let i = 0; i < m * n; i++) {
    const bound = 2 * Math.max(k, 1) * u * scale[i] + 1e-30;
    if (!(Math.abs(c[i] - value[i]) <= bound)) {
      throw new Error(`${what} ${op} ${m}×${k}×${n}: entry ${i} is ${c[i]}, exact ${value[i]}, allowed error ${bound}`);
    }
  }
}
