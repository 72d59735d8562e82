// The Matrix type and the few operations every layer is built from: products (A·B, Aᵀ·B, A·Bᵀ), adding a
// row vector to every row, sums over rows, element-wise maps, argmax per row. The loops of the three
// products are in lib/gemm.ts.
//
// A Matrix is `rows × cols` numbers stored row by row (row-major) in one typed array:
// entry (i, j) lives at data[i·cols + j]. Examples are rows: a batch X is `batch × 784`.
//
// Every kernel takes an optional `out` matrix and writes into it, so a training loop can keep its
// buffers and allocate nothing per batch. Shapes are checked and a mismatch throws an error that names
// the operation and both shapes ("matmul: cannot multiply 64×784 by 256×10").

import { simpleKernels, activeKernels, type GemmKernels } from "./gemm";

// the product kernels and their plug point live in lib/gemm.ts; they are part of this module's API
export { jsKernels, simpleKernels, useKernels, activeKernels, type GemmKernels } from "./gemm";

export type DType = "float32" | "float64";
export type FloatArray = Float32Array | Float64Array;

/** A dense row-major matrix of float32 (default) or float64 numbers. */
export class Matrix {
  /**
   * How many Matrix objects have ever been constructed (views included). Tests read it before and after
   * a training step to prove that the step allocated no new matrices. Nothing else should use it.
   */
  static created = 0;

  readonly rows: number;
  readonly cols: number;
  readonly data: FloatArray;

  constructor(rows: number, cols: number, data: FloatArray) {
    checkDimension("Matrix", "rows", rows);
    checkDimension("Matrix", "cols", cols);
    if (data.length !== rows * cols) {
      throw new Error(
        `Matrix: a ${rows}×${cols} matrix needs ${rows * cols} numbers, but the data array has ${data.length}`,
      );
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
    Matrix.created++;
  }

  /**
   * A rows × cols matrix of zeros. `resident: true` is for a matrix that will be kept and multiplied again and
   * again (a data set, weights, a layer's buffers): under the wasm backend it is made in WebAssembly memory,
   * where the kernels read it without copying (see lib/wasm/heap.ts). Other matrices are ordinary arrays.
   */
  static zeros(rows: number, cols: number, dtype: DType = "float32", options: { resident?: boolean } = {}): Matrix {
    checkDimension("Matrix.zeros", "rows", rows);
    checkDimension("Matrix.zeros", "cols", cols);
    return new Matrix(rows, cols, allocate(dtype, rows * cols, options.resident ?? false));
  }

  /** A matrix from nested arrays, one inner array a row: fromRows([[1, 2], [3, 4]]) is 2×2. */
  static fromRows(rows: number[][], dtype: DType = "float32"): Matrix {
    const m = rows.length;
    const n = m > 0 ? rows[0].length : 0;
    const out = Matrix.zeros(m, n, dtype);
    for (let i = 0; i < m; i++) {
      if (rows[i].length !== n) {
        throw new Error(`Matrix.fromRows: row 0 has ${n} numbers but row ${i} has ${rows[i].length}; rows must be equally long`);
      }
      out.data.set(rows[i], i * n);
    }
    return out;
  }

  /** A rows × cols matrix holding a copy of `values` (row-major). */
  static fromArray(values: ArrayLike<number>, rows: number, cols: number, dtype: DType = "float32"): Matrix {
    if (values.length !== rows * cols) {
      throw new Error(`Matrix.fromArray: a ${rows}×${cols} matrix needs ${rows * cols} values, got ${values.length}`);
    }
    const out = Matrix.zeros(rows, cols, dtype);
    out.data.set(values);
    return out;
  }

  get dtype(): DType {
    return this.data instanceof Float64Array ? "float64" : "float32";
  }

  /** "rows×cols", the way errors and summaries print a shape. */
  get shape(): string {
    return `${this.rows}×${this.cols}`;
  }

  get(i: number, j: number): number {
    this.checkIndex("get", i, j);
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, v: number): void {
    this.checkIndex("set", i, j);
    this.data[i * this.cols + j] = v;
  }

  /** Row i as a view (subarray) of the data: writing to it writes to the matrix. */
  row(i: number): FloatArray {
    if (!Number.isInteger(i) || i < 0 || i >= this.rows) {
      throw new Error(`Matrix.row: row ${i} is outside a ${this.shape} matrix`);
    }
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  /** Rows start..end−1 as a Matrix sharing this one's data (no copy). */
  rowRange(start: number, end: number): Matrix {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > this.rows || start > end) {
      throw new Error(`Matrix.rowRange: rows ${start}..${end} do not fit in a ${this.shape} matrix`);
    }
    return new Matrix(end - start, this.cols, this.data.subarray(start * this.cols, end * this.cols));
  }

  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  /** A copy in the other precision (or a plain copy when the dtype is already `dtype`). */
  astype(dtype: DType): Matrix {
    const out = Matrix.zeros(this.rows, this.cols, dtype);
    out.data.set(this.data);
    return out;
  }

  /** Sets every entry to `value`; returns this matrix. */
  fill(value: number): this {
    this.data.fill(value);
    return this;
  }

  toRows(): number[][] {
    const rows: number[][] = [];
    for (let i = 0; i < this.rows; i++) rows.push(Array.from(this.row(i)));
    return rows;
  }

  /** A readable print-out; large matrices show their corners only. */
  toString(): string {
    const show = (i: number) =>
      cornerIndices(this.cols).map((j) => (j < 0 ? "…" : formatNumber(this.data[i * this.cols + j]))).join("  ");
    const lines = cornerIndices(this.rows).map((i) => (i < 0 ? "  ⋮" : `  ${show(i)}`));
    return `Matrix ${this.shape} ${this.dtype}\n${lines.join("\n")}`;
  }

  private checkIndex(op: string, i: number, j: number): void {
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= this.rows || j >= this.cols) {
      throw new Error(`Matrix.${op}: index (${i}, ${j}) is outside a ${this.shape} matrix`);
    }
  }
}

function checkDimension(where: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${where}: ${what} must be a whole number ≥ 0, got ${n}`);
}

/**
 * A zero-filled array for a matrix of `length` numbers. A resident float32 one goes where the active kernels
 * read it in place, if they have such a place (the wasm backend: WebAssembly memory); otherwise an ordinary array.
 */
export function allocate(dtype: DType, length: number, resident = false): FloatArray {
  if (dtype === "float32") return (resident ? activeKernels().allocate?.(length) : null) ?? new Float32Array(length);
  if (dtype === "float64") return new Float64Array(length);
  throw new Error(`Matrix: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
}

function cornerIndices(n: number): number[] {
  if (n <= 8) return Array.from({ length: n }, (_, i) => i);
  return [0, 1, 2, -1, n - 3, n - 2, n - 1];
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

// ---------------------------------------------------------------------------------------------------
// Matrix-level functions: check shapes, allocate `out` if absent, refuse an `out` that overlaps an input
// (the products read their inputs after writing out), then dispatch.
// ---------------------------------------------------------------------------------------------------

/** A·B.  A: m×k, B: k×n → m×n */
export function matmul(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`matmul: cannot multiply ${a.shape} by ${b.shape}`);
  const c = prepareOut("matmul", out, a.rows, b.cols, a, b, "A·B");
  kernelsFor(a, b, c).matmul(a.data as Float32Array, b.data as Float32Array, c.data as Float32Array, a.rows, a.cols, b.cols);
  return c;
}

/** Aᵀ·B without building Aᵀ.  A: k×m, B: k×n → m×n */
export function matmulTransA(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  if (a.rows !== b.rows) {
    throw new Error(`matmulTransA: cannot multiply (${a.shape})ᵀ by ${b.shape}: Aᵀ·B needs A and B to have the same number of rows`);
  }
  const c = prepareOut("matmulTransA", out, a.cols, b.cols, a, b, "Aᵀ·B");
  kernelsFor(a, b, c).matmulTransA(a.data as Float32Array, b.data as Float32Array, c.data as Float32Array, a.cols, a.rows, b.cols);
  return c;
}

/** A·Bᵀ without building Bᵀ.  A: m×k, B: n×k → m×n */
export function matmulTransB(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  if (a.cols !== b.cols) {
    throw new Error(`matmulTransB: cannot multiply ${a.shape} by (${b.shape})ᵀ: A·Bᵀ needs A and B to have the same number of columns`);
  }
  const c = prepareOut("matmulTransB", out, a.rows, b.rows, a, b, "A·Bᵀ");
  kernelsFor(a, b, c).matmulTransB(a.data as Float32Array, b.data as Float32Array, c.data as Float32Array, a.rows, a.cols, b.rows);
  return c;
}

/** Aᵀ: Aᵀ[j,i] = A[i,j] */
export function transpose(a: Matrix, out?: Matrix): Matrix {
  const t = prepareOut("transpose", out, a.cols, a.rows, a, a, "Aᵀ");
  const m = a.rows, n = a.cols, x = a.data, y = t.data;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) y[j * m + i] = x[i * n + j];
  return t;
}

/** Each row of A plus the row vector b:  Z[i,j] = A[i,j] + b[j].  b: 1×cols.  out may be A itself. */
export function addRowVector(a: Matrix, rowVec: Matrix, out?: Matrix): Matrix {
  if (rowVec.rows !== 1 || rowVec.cols !== a.cols) {
    throw new Error(`addRowVector: cannot add ${rowVec.shape} to each row of ${a.shape}: expected a 1×${a.cols} row vector`);
  }
  const z = prepareElementwiseOut("addRowVector", out, a, rowVec);
  const m = a.rows, n = a.cols, x = a.data, b = rowVec.data, y = z.data;
  const k = kernelsFor(a, rowVec, z);
  if (k.addRowVector?.(x as Float32Array, b as Float32Array, y as Float32Array, m, n)) return z; // the same sums, in WebAssembly SIMD
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) y[r + j] = x[r + j] + b[j];
  }
  return z;
}

/** The sum over rows, a 1×cols row vector:  s[j] = Σ_i A[i,j] */
export function sumRows(a: Matrix, out?: Matrix): Matrix {
  const s = prepareOut("sumRows", out, 1, a.cols, a, a, "Σ_rows A");
  const m = a.rows, n = a.cols, x = a.data, y = s.data;
  if (kernelsFor(a, a, s).sumRows?.(x as Float32Array, y as Float32Array, m, n)) return s; // the same sums, in WebAssembly SIMD
  y.fill(0);
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) y[j] += x[r + j];
  }
  return s;
}

/** f applied to every entry:  out[i,j] = f(A[i,j], i, j).  out may be A itself. */
export function map(a: Matrix, f: (v: number, i: number, j: number) => number, out?: Matrix): Matrix {
  const y = prepareElementwiseOut("map", out, a, a);
  const n = a.cols, x = a.data, d = y.data;
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < n; j++) d[i * n + j] = f(x[i * n + j], i, j);
  return y;
}

/** A + B, entry by entry.  out may be A or B. */
export function add(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  const y = elementwise("add", a, b, out);
  const x = a.data, z = b.data, d = y.data;
  for (let i = 0; i < d.length; i++) d[i] = x[i] + z[i];
  return y;
}

/** A − B, entry by entry.  out may be A or B. */
export function sub(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  const y = elementwise("sub", a, b, out);
  const x = a.data, z = b.data, d = y.data;
  for (let i = 0; i < d.length; i++) d[i] = x[i] - z[i];
  return y;
}

/** A ⊙ B (Hadamard product), entry by entry.  out may be A or B. */
export function hadamard(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  const y = elementwise("hadamard", a, b, out);
  const x = a.data, z = b.data, d = y.data;
  for (let i = 0; i < d.length; i++) d[i] = x[i] * z[i];
  return y;
}

/** s·A.  out may be A itself. */
export function scale(a: Matrix, s: number, out?: Matrix): Matrix {
  const y = prepareElementwiseOut("scale", out, a, a);
  const x = a.data, d = y.data;
  for (let i = 0; i < d.length; i++) d[i] = s * x[i];
  return y;
}

/** A + s·B (the update W ← W − α·dW is addScaled(W, dW, −α, W)).  out may be A or B. */
export function addScaled(a: Matrix, b: Matrix, s: number, out?: Matrix): Matrix {
  const y = elementwise("addScaled", a, b, out);
  const x = a.data, z = b.data, d = y.data;
  const k = kernelsFor(a, b, y);
  if (k.addScaled !== undefined && d.length >= 4096) {
    k.addScaled(x as Float32Array, z as Float32Array, s, d as Float32Array); // the same sum, in WebAssembly SIMD
    return y;
  }
  for (let i = 0; i < d.length; i++) d[i] = x[i] + s * z[i];
  return y;
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

// --- helpers -----------------------------------------------------------------------------------------

/**
 * The kernels for an operation on these matrices: the active ones when all are float32, the simple loops when
 * any is float64 (which have no optional element-wise passes, so callers run their own loop).
 */
export function kernelsFor(a: Matrix, b: Matrix, c: Matrix): GemmKernels {
  const allFloat32 = a.data instanceof Float32Array && b.data instanceof Float32Array && c.data instanceof Float32Array;
  return allFloat32 ? activeKernels() : (simpleKernels as GemmKernels); // simpleKernels take any FloatArray
}

/** The dtype of a result: float64 if any input is float64. */
function resultType(a: Matrix, b: Matrix): DType {
  return a.dtype === "float64" || b.dtype === "float64" ? "float64" : "float32";
}

/** Whether two matrices share any memory (a view of the other, or the same array). */
export function sharesMemory(a: Matrix, b: Matrix): boolean {
  return overlaps(a.data, b.data);
}

function overlaps(x: FloatArray, y: FloatArray): boolean {
  if (x.buffer !== y.buffer) return false;
  return x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

function sameStorage(x: FloatArray, y: FloatArray): boolean {
  return x.buffer === y.buffer && x.byteOffset === y.byteOffset && x.length === y.length;
}

/** For products: out must have the result's shape and must not share memory with an input. */
function prepareOut(op: string, out: Matrix | undefined, rows: number, cols: number, a: Matrix, b: Matrix, what: string): Matrix {
  if (out === undefined) return Matrix.zeros(rows, cols, resultType(a, b));
  if (out.rows !== rows || out.cols !== cols) {
    throw new Error(`${op}: out is ${out.shape} but ${what} is ${rows}×${cols}`);
  }
  if (overlaps(out.data, a.data) || overlaps(out.data, b.data)) {
    throw new Error(`${op}: out (${out.shape}) shares memory with an input; pass a separate output matrix`);
  }
  return out;
}

/** For entry-by-entry operations: out has A's shape and may be an input itself, but not overlap one partially. */
function prepareElementwiseOut(op: string, out: Matrix | undefined, a: Matrix, b: Matrix): Matrix {
  if (out === undefined) return Matrix.zeros(a.rows, a.cols, resultType(a, b));
  if (out.rows !== a.rows || out.cols !== a.cols) {
    throw new Error(`${op}: out is ${out.shape} but the result is ${a.shape}`);
  }
  for (const input of [a.data, b.data]) {
    if (overlaps(out.data, input) && !sameStorage(out.data, input)) {
      throw new Error(`${op}: out (${out.shape}) partly overlaps an input; pass the input itself or a separate matrix`);
    }
  }
  return out;
}

function elementwise(op: string, a: Matrix, b: Matrix, out: Matrix | undefined): Matrix {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new Error(`${op}: shapes differ: ${a.shape} and ${b.shape}`);
  }
  return prepareElementwiseOut(op, out, a, b);
}
