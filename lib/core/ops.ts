// Operations on matrices: products (A·B, Aᵀ·B, A·Bᵀ), adding a row vector to every row, sums over rows,
// element-wise maps, ReLU, row-wise softmax and argmax.
//
// Each operation checks shapes, states its formula, and makes one call to the kernels (lib/engine/kernels.ts),
// which do the arithmetic: the plain loops of lib/engine/kernels-js.ts, or faster ones chosen by lib/engine/backend.ts.
// Every operation takes an optional `out` matrix and writes into it, so a training loop can keep its
// buffers and allocate nothing per batch. A mismatch throws an error that names the operation and both
// shapes ("matmul: cannot multiply 64×784 by 256×10").
import { Matrix, type FloatArray } from "./matrix";
import { activeKernels } from "../engine/active";
import { overlaps, prepareOut, prepareBiasOut, prepareElementwiseOut, elementwise } from "./checks";
export { sharesMemory } from "./checks";

/** A·B.  A: m×k, B: k×n → m×n */
export function matmul(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`matmul: cannot multiply ${a.shape} by ${b.shape}`);
  const c = prepareOut("matmul", out, a.rows, b.cols, a, b, "A·B");
  activeKernels().matmul(a.data, b.data, c.data, a.rows, a.cols, b.cols); // C[i,j] = Σ_p A[i,p]·B[p,j]
  return c;
}

/**
 * A·B + b, b added to each row (a Dense layer's Z = X·W + b).  A: m×k, B: k×n, b: 1×n → m×n.  The same numbers as
 * matmul then addRowVector, in one call: the kernels may add b to each block of rows while it is in the cache.
 */
export function matmulBias(a: Matrix, b: Matrix, bias: Matrix, out?: Matrix): Matrix {
  const c = prepareBiasOut("matmulBias", a, b, bias, out, "A·B + b");
  activeKernels().matmulBias(a.data, b.data, bias.data, c.data, a.rows, a.cols, b.cols); // C[i,j] = Σ_p A[i,p]·B[p,j] + b[j]
  return c;
}

/**
 * max(0, A·B + b): a Dense layer and the ReLU after it in one call (the same numbers as matmulBias then relu; the kernels
 * may finish each block of rows while it is in the cache).  A: m×k, B: k×n, b: 1×n → m×n.
 */
export function matmulBiasRelu(a: Matrix, b: Matrix, bias: Matrix, out?: Matrix): Matrix {
  const c = prepareBiasOut("matmulBiasRelu", a, b, bias, out, "max(0, A·B + b)");
  activeKernels().matmulBiasRelu(a.data, b.data, bias.data, c.data, a.rows, a.cols, b.cols); // C[i,j] = max(0, Σ_p A[i,p]·B[p,j] + b[j])
  return c;
}

/** Aᵀ·B without building Aᵀ.  A: k×m, B: k×n → m×n */
export function matmulTransA(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  if (a.rows !== b.rows) {
    throw new Error(`matmulTransA: cannot multiply (${a.shape})ᵀ by ${b.shape}: Aᵀ·B needs A and B to have the same number of rows`);
  }
  const c = prepareOut("matmulTransA", out, a.cols, b.cols, a, b, "Aᵀ·B");
  activeKernels().matmulTransA(a.data, b.data, c.data, a.cols, a.rows, b.cols); // C[i,j] = Σ_p A[p,i]·B[p,j]
  return c;
}

/** A·Bᵀ without building Bᵀ.  A: m×k, B: n×k → m×n */
export function matmulTransB(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  if (a.cols !== b.cols) {
    throw new Error(`matmulTransB: cannot multiply ${a.shape} by (${b.shape})ᵀ: A·Bᵀ needs A and B to have the same number of columns`);
  }
  const c = prepareOut("matmulTransB", out, a.rows, b.rows, a, b, "A·Bᵀ");
  activeKernels().matmulTransB(a.data, b.data, c.data, a.rows, a.cols, b.rows); // C[i,j] = Σ_p A[i,p]·B[j,p]
  return c;
}

/**
 * (A·Bᵀ) ⊙ 1[M > 0]: the gradient back through a Dense layer and the ReLU before it, dZ = (dY·Wᵀ) ⊙ 1[A > 0], in one
 * call (the same numbers as matmulTransB then reluBackward).  A: m×k, B: n×k, M: m×n (the ReLU's output A) → m×n.
 */
export function matmulTransBMask(a: Matrix, b: Matrix, mask: Matrix, out?: Matrix): Matrix {
  if (a.cols !== b.cols) {
    throw new Error(`matmulTransBMask: cannot multiply ${a.shape} by (${b.shape})ᵀ: A·Bᵀ needs A and B to have the same number of columns`);
  }
  if (mask.rows !== a.rows || mask.cols !== b.rows) {
    throw new Error(`matmulTransBMask: the mask is ${mask.shape} but A·Bᵀ is ${a.rows}×${b.rows}; they must have the same shape`);
  }
  const c = prepareOut("matmulTransBMask", out, a.rows, b.rows, a, b, "A·Bᵀ");
  if (overlaps(c.data, mask.data)) throw new Error(`matmulTransBMask: out (${c.shape}) shares memory with the mask; pass a separate output matrix`);
  activeKernels().matmulTransBMask(a.data, b.data, mask.data, c.data, a.rows, a.cols, b.rows); // C[i,j] = Σ_p A[i,p]·B[j,p] · 1[M[i,j] > 0]
  return c;
}

/**
 * `count` products at once (attention's heads): A is a stack of count matrices A_0 … A_{count−1} one under another,
 * and so are B and the result.  C_s = A_s·B_s  ("A·B": A_s m×k, B_s k×n),  A_sᵀ·B_s  ("Aᵀ·B": A_s stored k×m),
 * or A_s·B_sᵀ  ("A·Bᵀ": B_s stored n×k).  Result: (count·m) × n.
 */
export function matmulBatched(a: Matrix, b: Matrix, count: number, form: "A·B" | "Aᵀ·B" | "A·Bᵀ", out?: Matrix): Matrix {
  const transA = form === "Aᵀ·B", transB = form === "A·Bᵀ";
  if (!Number.isInteger(count) || count < 1 || a.rows % count !== 0 || b.rows % count !== 0) {
    throw new Error(`matmulBatched: a count of ${count} products must divide the rows of A (${a.shape}) and B (${b.shape})`);
  }
  const m = transA ? a.cols : a.rows / count, k = transA ? a.rows / count : a.cols;
  const n = transB ? b.rows / count : b.cols, bk = transB ? b.cols : b.rows / count;
  if (k !== bk) throw new Error(`matmulBatched (${form}): cannot multiply each ${a.rows / count}×${a.cols} block of A by each ${b.rows / count}×${b.cols} block of B`);
  const c = prepareOut("matmulBatched", out, count * m, n, a, b, `${count} products ${form}`);
  activeKernels().matmulBatched(a.data, b.data, c.data, count, m, k, n, transA, transB); // C_s[i,j] = Σ_p op(A_s)[i,p]·op(B_s)[p,j]
  return c;
}

/** Aᵀ:  Aᵀ[j,i] = A[i,j] */
export function transpose(a: Matrix, out?: Matrix): Matrix {
  const t = prepareOut("transpose", out, a.cols, a.rows, a, a, "Aᵀ");
  activeKernels().transpose(a.data, t.data, a.rows, a.cols);
  return t;
}

/** Each row of A plus the row vector b:  Z[i,j] = A[i,j] + b[j].  b: 1×cols.  out may be A itself. */
export function addRowVector(a: Matrix, rowVec: Matrix, out?: Matrix): Matrix {
  if (rowVec.rows !== 1 || rowVec.cols !== a.cols) {
    throw new Error(`addRowVector: cannot add ${rowVec.shape} to each row of ${a.shape}: expected a 1×${a.cols} row vector`);
  }
  const z = prepareElementwiseOut("addRowVector", out, a, rowVec);
  activeKernels().addRowVector(a.data, rowVec.data, z.data, a.rows, a.cols);
  return z;
}

/** The sum over rows, a 1×cols row vector:  s[j] = Σ_i A[i,j] */
export function sumRows(a: Matrix, out?: Matrix): Matrix {
  const s = prepareOut("sumRows", out, 1, a.cols, a, a, "Σ_rows A");
  activeKernels().sumRows(a.data, s.data, a.rows, a.cols);
  return s;
}

/** ReLU of every entry:  A = max(0, Z).  out may be Z itself. */
export function relu(z: Matrix, out?: Matrix): Matrix {
  const a = prepareElementwiseOut("relu", out, z, z);
  activeKernels().relu(z.data, a.data);
  return a;
}

/** ReLU's backward pass:  dZ = dA ⊙ 1[A > 0], from the output A of relu (A > 0 exactly where Z > 0). */
export function reluBackward(dA: Matrix, a: Matrix, out?: Matrix): Matrix {
  const dZ = elementwise("reluBackward", dA, a, out);
  activeKernels().reluBackward(dA.data, a.data, dZ.data);
  return dZ;
}

/** f applied to every entry:  out[i,j] = f(A[i,j], i, j).  out may be A itself. */
export function map(a: Matrix, f: (v: number, i: number, j: number) => number, out?: Matrix): Matrix {
  const y = prepareElementwiseOut("map", out, a, a);
  const n = a.cols, x = a.data, d = y.data;
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < n; j++) d[i * n + j] = f(x[i * n + j], i, j);
  return y;
}

/** A + B, entry by entry.  out may be A or B. */
export function add(a: Matrix, b: Matrix, out?: Matrix): Matrix { return entryByEntry("add", a, b, out); }

/** A − B, entry by entry.  out may be A or B. */
export function sub(a: Matrix, b: Matrix, out?: Matrix): Matrix { return entryByEntry("sub", a, b, out); }

/** A ⊙ B (Hadamard product), entry by entry.  out may be A or B. */
export function hadamard(a: Matrix, b: Matrix, out?: Matrix): Matrix { return entryByEntry("hadamard", a, b, out); }

/** The kernel `op` on A and B entry by entry (add, sub, hadamard), after checking they have one shape. */
function entryByEntry(op: "add" | "sub" | "hadamard", a: Matrix, b: Matrix, out?: Matrix): Matrix {
  const y = elementwise(op, a, b, out);
  activeKernels()[op](a.data, b.data, y.data);
  return y;
}

/** s·A.  out may be A itself. */
export function scale(a: Matrix, s: number, out?: Matrix): Matrix {
  const y = prepareElementwiseOut("scale", out, a, a);
  activeKernels().scale(a.data, s, y.data);
  return y;
}

/** A + s·B (the update W ← W − α·dW is addScaled(W, dW, −α, W)).  out may be A or B. */
export function addScaled(a: Matrix, b: Matrix, s: number, out?: Matrix): Matrix {
  const y = elementwise("addScaled", a, b, out);
  activeKernels().addScaled(a.data, b.data, s, y.data);
  return y;
}

/**
 * Adam's update of W in place, with its moments m and s (each W's shape), step t's bias corrections c₁ = 1 − β₁ᵗ
 * and c₂ = 1 − β₂ᵗ, and weight decay λ (L2) and λ₁ (L1):
 *   g = dW + λ·W + λ₁·sign(W),  m ← β₁·m + (1−β₁)·g,  s ← β₂·s + (1−β₂)·g²,  W ← W − α·(m/c₁)/(√(s/c₂) + ε)
 */
export function adamUpdate(w: Matrix, dw: Matrix, m: Matrix, s: Matrix, lr: number, beta1: number, beta2: number,
                           eps: number, c1: number, c2: number, l2: number, l1: number): void {
  sameShape("adamUpdate", w, dw, "dW");
  sameShape("adamUpdate", w, m, "m");
  sameShape("adamUpdate", w, s, "s");
  activeKernels().adamUpdate(w.data, dw.data, m.data, s.data, lr, beta1, beta2, eps, c1, c2, l2, l1);
}

/** Throws unless x (named `name`) has W's shape. */
function sameShape(op: string, w: Matrix, x: Matrix, name: string): void {
  if (x.rows !== w.rows || x.cols !== w.cols) throw new Error(`${op}: W is ${w.shape} but ${name} is ${x.shape}`);
}

/** A copy of A written into out (same shape). */
export function copy(a: Matrix, out?: Matrix): Matrix {
  const y = prepareElementwiseOut("copy", out, a, a);
  if (y !== a) y.data.set(a.data);
  return y;
}

/** The column index of the largest entry of each row (the first one on a tie). */
export function argmaxRows(a: Matrix, out?: Int32Array): Int32Array {
  if (out !== undefined && out.length !== a.rows) {
    throw new Error(`argmaxRows: out has ${out.length} entries but ${a.shape} has ${a.rows} rows`);
  }
  if (a.cols === 0) throw new Error(`argmaxRows: a ${a.shape} matrix has no columns to choose from`);
  const result = out ?? new Int32Array(a.rows);
  const n = a.cols, x = a.data;
  for (let i = 0; i < a.rows; i++) {
    const r = i * n;
    let best = 0;
    let bestValue = x[r];
    for (let j = 1; j < n; j++) {
      if (x[r + j] > bestValue) {
        bestValue = x[r + j];
        best = j;
      }
    }
    result[i] = best;
  }
  return result;
}

/** Softmax of each row of z, written into out (default: a new matrix). Subtracts the row max first. */
export function softmaxRows(z: Matrix, out?: Matrix): Matrix {
  const p = out ?? Matrix.zeros(z.rows, z.cols, z.dtype);
  if (p.rows !== z.rows || p.cols !== z.cols) throw new Error(`softmaxRows: out is ${p.shape} but z is ${z.shape}`);
  const Z = z.data, P = p.data, n = z.cols;
  for (let i = 0; i < z.rows; i++) {
    const r = i * n;
    const max = rowMax(Z, r, n);
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(Z[r + j] - max);
      P[r + j] = e;
      sum += e;
    }
    for (let j = 0; j < n; j++) P[r + j] /= sum;
  }
  return p;
}

/** The largest of x[start], …, x[start + n − 1]. */
export function rowMax(x: FloatArray, start: number, n: number): number {
  let max = -Infinity;
  for (let j = start; j < start + n; j++) if (x[j] > max) max = x[j];
  return max;
}
