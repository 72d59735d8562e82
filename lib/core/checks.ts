// The checks every operation of ./ops.ts makes before it calls the kernels: the shape and the type of its result, and
// whether `out` may be written while the inputs are read (it must not share memory with them, or for entry-by-entry
// operations be exactly one of them).
import { Matrix, type DType, type FloatArray } from "./matrix";

/** The dtype of a result: float64 if any input is float64. */
export function resultType(a: Matrix, b: Matrix): DType {
  return a.dtype === "float64" || b.dtype === "float64" ? "float64" : "float32";
}

/** Whether two matrices share any memory (a view of the other, or the same array). */
export function sharesMemory(a: Matrix, b: Matrix): boolean {
  return overlaps(a.data, b.data);
}

export function overlaps(x: FloatArray, y: FloatArray): boolean {
  if (x.buffer !== y.buffer) return false;
  return x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

export function sameStorage(x: FloatArray, y: FloatArray): boolean {
  return x.buffer === y.buffer && x.byteOffset === y.byteOffset && x.length === y.length;
}

/** For products: out must have the result's shape and must not share memory with an input. */
export function prepareOut(op: string, out: Matrix | undefined, rows: number, cols: number, a: Matrix, b: Matrix, what: string): Matrix {
  if (out === undefined) return Matrix.zeros(rows, cols, resultType(a, b));
  if (out.rows !== rows || out.cols !== cols) {
    throw new Error(`${op}: out is ${out.shape} but ${what} is ${rows}×${cols}`);
  }
  if (overlaps(out.data, a.data) || overlaps(out.data, b.data)) {
    throw new Error(`${op}: out (${out.shape}) shares memory with an input; pass a separate output matrix`);
  }
  return out;
}

/** For a product plus a bias row (A·B + b, and its ReLU): the shapes chain, b is 1×n, and out shares memory with none of them. */
export function prepareBiasOut(op: string, a: Matrix, b: Matrix, bias: Matrix, out: Matrix | undefined, what: string): Matrix {
  if (a.cols !== b.rows) throw new Error(`${op}: cannot multiply ${a.shape} by ${b.shape}`);
  if (bias.rows !== 1 || bias.cols !== b.cols) {
    throw new Error(`${op}: cannot add ${bias.shape} to each row of the ${a.rows}×${b.cols} product: expected a 1×${b.cols} row vector`);
  }
  const c = prepareOut(op, out, a.rows, b.cols, a, b, what);
  if (overlaps(c.data, bias.data)) throw new Error(`${op}: out (${c.shape}) shares memory with the bias; pass a separate output matrix`);
  return c;
}

/** For entry-by-entry operations: out has A's shape and may be an input itself, but not overlap one partially. */
export function prepareElementwiseOut(op: string, out: Matrix | undefined, a: Matrix, b: Matrix): Matrix {
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

export function elementwise(op: string, a: Matrix, b: Matrix, out: Matrix | undefined): Matrix {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new Error(`${op}: shapes differ: ${a.shape} and ${b.shape}`);
  }
  return prepareElementwiseOut(op, out, a, b);
}
