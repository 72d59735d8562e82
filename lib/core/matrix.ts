// The Matrix type: a table of numbers. The operations on matrices (products, sums, element-wise maps) are
// in lib/core/ops.ts; the loops that compute them are the kernels (lib/engine/gemm.ts, lib/engine/wasm/).
//
// A Matrix is `rows × cols` numbers stored row by row (row-major) in one typed array:
// entry (i, j) lives at data[i·cols + j]. Examples are rows: a batch X is `batch × 784`.
//
import type { FloatArray } from "../engine/kernels";
import { activeKernels } from "../engine/active";

export type { FloatArray } from "../engine/kernels";

export type DType = "float32" | "float64";

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

  /** A rows × cols matrix of zeros (an ordinary array; for a matrix that is kept and reused, see longLived). */
  static zeros(rows: number, cols: number, dtype: DType = "float32"): Matrix {
    checkDimension("Matrix.zeros", "rows", rows);
    checkDimension("Matrix.zeros", "cols", cols);
    return new Matrix(rows, cols, allocate(dtype, rows * cols));
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

/**
 * A rows × cols matrix of zeros that the library keeps and uses again and again (a data set, weights, a layer's
 * buffers, an optimizer's state). Where it lives is the kernels' business: under the wasm backend a float32 one
 * is made in WebAssembly memory, where the kernels read it without copying. To the reader it is a Matrix.
 */
export function longLived(rows: number, cols: number, dtype: DType = "float32"): Matrix {
  checkDimension("longLived", "rows", rows);
  checkDimension("longLived", "cols", cols);
  const data = dtype === "float32" ? activeKernels().longLivedArray(rows * cols) : allocate(dtype, rows * cols);
  return new Matrix(rows, cols, data);
}

function checkDimension(where: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${where}: ${what} must be a whole number ≥ 0, got ${n}`);
}

/** A zero-filled ordinary array of `length` numbers in the given precision. */
export function allocate(dtype: DType, length: number): FloatArray {
  if (dtype === "float32") return new Float32Array(length);
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
