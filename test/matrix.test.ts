import { describe, expect, it, afterEach } from "vitest";
import { Matrix, type DType } from "../lib/core/matrix";
import { matmul, matmulTransA, matmulTransB, transpose, addRowVector, sumRows, map, add, sub, scale, hadamard, addScaled, copy, argmaxRows, relu } from "../lib/core/ops";
import type { Kernels } from "../lib/engine/kernels";
import { useKernels, activeKernels } from "../lib/engine/active";
import { jsKernels, simpleKernels } from "../lib/engine/kernels-js";
import { Random } from "../lib/core/random";

function random(rows: number, cols: number, rng: Random, dtype: DType = "float64", zeros = 0): Matrix {
  const m = Matrix.zeros(rows, cols, dtype);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.next() < zeros ? 0 : rng.normal();
  return m;
}

/** The textbook triple loop, in float64: C[i,j] = Σ_p A[i,p]·B[p,j]. */
function naive(a: Matrix, b: Matrix): number[][] {
  const c: number[][] = [];
  for (let i = 0; i < a.rows; i++) {
    c.push([]);
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      for (let p = 0; p < a.cols; p++) s += a.get(i, p) * b.get(p, j);
      c[i].push(s);
    }
  }
  return c;
}

function maxDiff(a: Matrix, b: number[][] | Matrix): number {
  const rows = b instanceof Matrix ? b.toRows() : b;
  expect(a.rows).toBe(rows.length);
  let d = 0;
  a.toRows().forEach((r, i) => r.forEach((v, j) => (d = Math.max(d, Math.abs(v - rows[i][j])))));
  return d;
}

describe("Matrix", () => {
  it("stores rows × cols numbers row-major and checks the data length", () => {
    const m = new Matrix(2, 3, new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(m.get(1, 0)).toBe(4);
    expect(m.shape).toBe("2×3");
    expect(m.dtype).toBe("float32");
    expect(() => new Matrix(2, 3, new Float32Array(5))).toThrow("a 2×3 matrix needs 6 numbers, but the data array has 5");
  });

  it("zeros defaults to float32 and gives float64 on request", () => {
    expect(Matrix.zeros(2, 2).data).toBeInstanceOf(Float32Array);
    expect(Matrix.zeros(2, 2, "float64").data).toBeInstanceOf(Float64Array);
    expect(Matrix.zeros(2, 2, "float64").dtype).toBe("float64");
  });

  it("fromRows, fromArray and toRows round-trip, and ragged rows are refused", () => {
    const rows = [[1, 2], [3, 4], [5, 6]];
    expect(Matrix.fromRows(rows).toRows()).toEqual(rows);
    expect(Matrix.fromArray([1, 2, 3, 4, 5, 6], 3, 2, "float64").toRows()).toEqual(rows);
    expect(() => Matrix.fromRows([[1, 2], [3]])).toThrow("row 0 has 2 numbers but row 1 has 1");
    expect(() => Matrix.fromArray([1, 2, 3], 2, 2)).toThrow("needs 4 values, got 3");
  });

  it("row and rowRange are views that share the data; clone is a copy", () => {
    const m = Matrix.fromRows([[1, 2], [3, 4], [5, 6]]);
    m.row(1)[0] = 30;
    expect(m.get(1, 0)).toBe(30);
    const view = m.rowRange(1, 3);
    expect(view.shape).toBe("2×2");
    view.set(1, 1, 60);
    expect(m.get(2, 1)).toBe(60);
    const c = m.clone();
    c.set(0, 0, 100);
    expect(m.get(0, 0)).toBe(1);
    expect(() => m.rowRange(2, 4)).toThrow("rows 2..4 do not fit in a 3×2 matrix");
    expect(() => m.get(3, 0)).toThrow("index (3, 0) is outside a 3×2 matrix");
  });
});

describe("matrix products", () => {
  // A = [[1,2,3],[4,5,6]] (2×3), B = [[7,8],[9,10],[11,12]] (3×2):
  // A·B = [[1·7+2·9+3·11, 1·8+2·10+3·12], [4·7+5·9+6·11, 4·8+5·10+6·12]] = [[58, 64], [139, 154]]
  const A = [[1, 2, 3], [4, 5, 6]];
  const B = [[7, 8], [9, 10], [11, 12]];
  const AB = [[58, 64], [139, 154]];

  it("a 2×3 · 3×2 product equals the hand-worked answer", () => {
    expect(matmul(Matrix.fromRows(A), Matrix.fromRows(B)).toRows()).toEqual(AB);
  });

  it("matmulTransA(Aᵀ stored 3×2, B) gives the same hand-worked answer", () => {
    const At = [[1, 4], [2, 5], [3, 6]]; // A stored transposed: 3×2
    expect(matmulTransA(Matrix.fromRows(At), Matrix.fromRows(B)).toRows()).toEqual(AB);
  });

  it("matmulTransB(A, Bᵀ stored 2×3) gives the same hand-worked answer", () => {
    const Bt = [[7, 9, 11], [8, 10, 12]]; // B stored transposed: 2×3
    expect(matmulTransB(Matrix.fromRows(A), Matrix.fromRows(Bt)).toRows()).toEqual(AB);
  });

  // shapes that exercise the 4×4 blocks, their leftovers (sizes not divisible by 4), vectors and the network's shapes
  const shapes: [number, number, number][] = [
    [1, 1, 1], [1, 7, 1], [1, 9, 5], [7, 1, 3], [5, 6, 1], [4, 4, 4], [5, 9, 7], [13, 17, 11], [8, 3, 12], [64, 30, 10], [3, 200, 2],
  ];

  it("matmul equals the textbook triple loop on random shapes (float64, also with many zeros)", () => {
    const rng = new Random(1);
    for (const [m, k, n] of shapes) {
      for (const zeros of [0, 0.8]) {
        const a = random(m, k, rng, "float64", zeros), b = random(k, n, rng);
        expect(maxDiff(matmul(a, b), naive(a, b)), `${m}×${k}·${k}×${n}`).toBeLessThan(1e-12);
      }
    }
  });

  it("matmul in float32 agrees with float64 to float32 precision", () => {
    const rng = new Random(2);
    const a = random(64, 784, rng, "float32", 0.7), b = random(784, 256, rng, "float32");
    const exact = matmul(a.astype("float64"), b.astype("float64"));
    expect(maxDiff(matmul(a, b), exact)).toBeLessThan(1e-3);
  });

  it("matmulTransA and matmulTransB equal matmul of explicit transposes on random shapes (including 1×n and n×1)", () => {
    const rng = new Random(3);
    for (const dtype of ["float64", "float32"] as const) {
      const tol = dtype === "float64" ? 1e-12 : 1e-4;
      for (const [m, k, n] of shapes) {
        const a = random(k, m, rng, dtype, 0.3), b = random(k, n, rng, dtype); // Aᵀ·B: A is k×m
        expect(maxDiff(matmulTransA(a, b), matmul(transpose(a), b)), `Aᵀ·B ${dtype} ${k}×${m}, ${k}×${n}`).toBeLessThan(tol);
        const c = random(m, k, rng, dtype), d = random(n, k, rng, dtype); // A·Bᵀ: B is n×k
        expect(maxDiff(matmulTransB(c, d), matmul(c, transpose(d))), `A·Bᵀ ${dtype} ${m}×${k}, ${n}×${k}`).toBeLessThan(tol);
      }
    }
  });

  it("writes into a given out matrix, overwriting what was there, and returns it", () => {
    const out = Matrix.fromRows([[9, 9], [9, 9]]);
    const r = matmul(Matrix.fromRows(A), Matrix.fromRows(B), out);
    expect(r).toBe(out);
    expect(out.toRows()).toEqual(AB);
    matmulTransB(Matrix.fromRows(A), Matrix.fromRows([[7, 9, 11], [8, 10, 12]]), out);
    expect(out.toRows()).toEqual(AB);
  });

  it("mixes float32 and float64 inputs into a float64 result", () => {
    const r = matmul(Matrix.fromRows(A, "float32"), Matrix.fromRows(B, "float64"));
    expect(r.dtype).toBe("float64");
    expect(r.toRows()).toEqual(AB);
  });

  it("shape mismatches throw errors naming the operation and both shapes", () => {
    const x = Matrix.zeros(64, 784), w = Matrix.zeros(256, 10);
    expect(() => matmul(x, w)).toThrow("matmul: cannot multiply 64×784 by 256×10");
    expect(() => matmulTransA(x, Matrix.zeros(32, 10))).toThrow("matmulTransA: cannot multiply (64×784)ᵀ by 32×10");
    expect(() => matmulTransB(Matrix.zeros(64, 10), Matrix.zeros(256, 9))).toThrow("matmulTransB: cannot multiply 64×10 by (256×9)ᵀ");
    expect(() => matmul(Matrix.zeros(2, 3), Matrix.zeros(3, 4), Matrix.zeros(2, 5))).toThrow("matmul: out is 2×5 but A·B is 2×4");
    expect(() => matmulTransA(Matrix.zeros(3, 2), Matrix.zeros(3, 4), Matrix.zeros(3, 4))).toThrow("matmulTransA: out is 3×4 but Aᵀ·B is 2×4");
    expect(() => matmulTransB(Matrix.zeros(2, 3), Matrix.zeros(4, 3), Matrix.zeros(4, 2))).toThrow("matmulTransB: out is 4×2 but A·Bᵀ is 2×4");
    expect(() => transpose(Matrix.zeros(2, 3), Matrix.zeros(2, 3))).toThrow("transpose: out is 2×3 but Aᵀ is 3×2");
  });

  it("refuses an out matrix that shares memory with an input", () => {
    const a = Matrix.zeros(3, 3);
    expect(() => matmul(a, Matrix.zeros(3, 3), a)).toThrow("matmul: out (3×3) shares memory with an input");
    expect(() => matmulTransA(Matrix.zeros(3, 3), a, a)).toThrow("shares memory");
    expect(() => matmulTransB(a, Matrix.zeros(3, 3), a.rowRange(0, 3))).toThrow("shares memory");
  });
});

describe("pluggable kernels", () => {
  afterEach(() => useKernels(jsKernels));

  it("every operation goes to the kernels given to useKernels, float32 and float64 alike", () => {
    const calls: string[] = [];
    const spy: Kernels = {
      ...jsKernels,
      name: "spy",
      matmul: (...args) => (calls.push("matmul"), jsKernels.matmul(...args)),
      matmulTransA: (...args) => (calls.push("matmulTransA"), jsKernels.matmulTransA(...args)),
      matmulTransB: (...args) => (calls.push("matmulTransB"), jsKernels.matmulTransB(...args)),
      relu: (...args) => (calls.push("relu"), jsKernels.relu(...args)),
    };
    expect(activeKernels()).toBe(jsKernels);
    useKernels(spy);
    expect(activeKernels().name).toBe("spy");
    const a = Matrix.fromRows([[1, 2], [3, 4]]);
    expect(matmul(a, a).toRows()).toEqual([[7, 10], [15, 22]]);
    matmulTransA(a, a);
    matmulTransB(a, a);
    expect(matmul(a.astype("float64"), a.astype("float64")).toRows()).toEqual([[7, 10], [15, 22]]);
    expect(relu(Matrix.fromRows([[-1, 2]])).toRows()).toEqual([[0, 2]]);
    expect(calls).toEqual(["matmul", "matmulTransA", "matmulTransB", "matmul", "relu"]);
  });

  it("the plain kernels multiply float64 (and mixed) arrays with the simple loops, exactly", () => {
    const a = new Float64Array([0.1, 0.2, 0.3, 0.4]), b = new Float32Array([1.5, -2, 0.25, 3]);
    const got = new Float64Array(4), want = new Float64Array(4);
    jsKernels.matmul(a, b, got, 2, 2, 2);
    simpleKernels.matmul(a, b, want, 2, 2, 2);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(got[0]).toBe(0.1 * 1.5 + 0.2 * 0.25); // float64 arithmetic, not rounded to float32
  });

  it("the fast float32 loops (jsKernels, 4×4 blocks, zero skipping) compute the same sums as the simple loops", () => {
    const rng = new Random(9);
    for (const [m, k, n] of [[1, 1, 1], [3, 5, 2], [4, 4, 4], [9, 13, 6], [64, 37, 10], [17, 64, 33]]) {
      const fill = (len: number) => Float32Array.from({ length: len }, () => (rng.next() < 0.5 ? 0 : rng.normal()));
      for (const op of ["matmul", "matmulTransA", "matmulTransB"] as const) {
        // the operands' lengths: A is m×k (k×m for Aᵀ), B is k×n (n×k for Bᵀ); the same counts either way
        const a = fill(m * k), b = fill(k * n);
        const fast = new Float32Array(m * n).fill(NaN), simple = new Float32Array(m * n);
        jsKernels[op](a, b, fast, m, k, n);
        simpleKernels[op](a, b, simple, m, k, n);
        for (let i = 0; i < m * n; i++) expect(fast[i], `${op} ${m}×${k}×${n} [${i}]`).toBeCloseTo(simple[i], 4);
      }
    }
  });

  it("useKernels refuses an object that lacks a method, naming it", () => {
    expect(() => useKernels({ name: "broken" } as unknown as Kernels)).toThrow('kernels "broken" have no matmul function');
    const { relu: _, ...noRelu } = jsKernels;
    expect(() => useKernels({ ...noRelu, name: "half" } as unknown as Kernels)).toThrow('kernels "half" have no relu function');
  });
});

describe("element-wise and row operations", () => {
  const a = Matrix.fromRows([[1, -2, 3], [4, 5, -6]], "float64");
  const b = Matrix.fromRows([[2, 2, 2], [1, 0, -1]], "float64");

  it("addRowVector adds b to every row; sumRows sums over rows", () => {
    expect(addRowVector(a, Matrix.fromRows([[10, 20, 30]])).toRows()).toEqual([[11, 18, 33], [14, 25, 24]]);
    expect(sumRows(a).toRows()).toEqual([[5, 3, -3]]);
    const out = Matrix.fromRows([[7, 7, 7]], "float64");
    expect(sumRows(a, out)).toBe(out);
    expect(out.toRows()).toEqual([[5, 3, -3]]); // overwritten, not accumulated
  });

  it("add, sub, hadamard, scale, addScaled, map and transpose compute entry by entry", () => {
    expect(add(a, b).toRows()).toEqual([[3, 0, 5], [5, 5, -7]]);
    expect(sub(a, b).toRows()).toEqual([[-1, -4, 1], [3, 5, -5]]);
    expect(hadamard(a, b).toRows()).toEqual([[2, -4, 6], [4, 0, 6]]);
    expect(scale(a, -2).toRows()).toEqual([[-2, 4, -6], [-8, -10, 12]]);
    expect(addScaled(a, b, 0.5).toRows()).toEqual([[2, -1, 4], [4.5, 5, -6.5]]);
    expect(map(a, (v, i, j) => v * 10 + i + j).toRows()).toEqual([[10, -19, 32], [41, 52, -57]]);
    expect(transpose(a).toRows()).toEqual([[1, 4], [-2, 5], [3, -6]]);
    expect(copy(a).toRows()).toEqual(a.toRows());
  });

  it("element-wise operations may write into one of their inputs (W ← W − α·dW in place)", () => {
    const w = a.clone();
    expect(addScaled(w, b, -1, w)).toBe(w);
    expect(w.toRows()).toEqual(sub(a, b).toRows());
    const z = a.clone();
    addRowVector(z, Matrix.fromRows([[1, 1, 1]], "float64"), z);
    expect(z.toRows()).toEqual([[2, -1, 4], [5, 6, -5]]);
  });

  it("argmaxRows gives the column of each row's largest entry, the first one on a tie", () => {
    expect(Array.from(argmaxRows(Matrix.fromRows([[0.1, 0.7, 0.2], [5, 5, 1], [-3, -2, -1]])))).toEqual([1, 0, 2]);
    const out = new Int32Array(2);
    expect(argmaxRows(a, out)).toBe(out);
    expect(Array.from(out)).toEqual([2, 1]);
  });

  it("shape mismatches throw errors that name both shapes", () => {
    expect(() => addRowVector(a, Matrix.zeros(1, 4))).toThrow("addRowVector: cannot add 1×4 to each row of 2×3");
    expect(() => addRowVector(a, Matrix.zeros(2, 3))).toThrow("cannot add 2×3 to each row of 2×3: expected a 1×3 row vector");
    expect(() => sumRows(a, Matrix.zeros(1, 2))).toThrow("sumRows: out is 1×2 but Σ_rows A is 1×3");
    expect(() => add(a, Matrix.zeros(3, 2))).toThrow("add: shapes differ: 2×3 and 3×2");
    expect(() => sub(a, Matrix.zeros(3, 2))).toThrow("sub: shapes differ: 2×3 and 3×2");
    expect(() => hadamard(a, Matrix.zeros(2, 2))).toThrow("hadamard: shapes differ: 2×3 and 2×2");
    expect(() => addScaled(a, Matrix.zeros(1, 3), 1)).toThrow("addScaled: shapes differ: 2×3 and 1×3");
    expect(() => scale(a, 2, Matrix.zeros(3, 2))).toThrow("scale: out is 3×2 but the result is 2×3");
    expect(() => map(a, (v) => v, Matrix.zeros(1, 1))).toThrow("map: out is 1×1 but the result is 2×3");
    expect(() => argmaxRows(a, new Int32Array(3))).toThrow("argmaxRows: out has 3 entries but 2×3 has 2 rows");
  });
});
