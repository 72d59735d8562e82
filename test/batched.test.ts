// The batched small products (Kernels.matmulBatched, ops.matmulBatched): the plain loops and the WebAssembly kernel
// (fused and unfused builds) against an exact sum computed here, on every form (A·B, Aᵀ·B, A·Bᵀ) and on odd
// shapes around the kernel's 16- and 4-column steps; and the head-major layout of the attention heads.
import { describe, expect, it } from "vitest";
import { Matrix, Random, jsKernels, wasmBackendKernels, type Kernels } from "../lib/index";
import { matmulBatched } from "../lib/core/ops";
import { toHeads, fromHeads } from "../lib/nn/attention-heads";

type Form = "A·B" | "Aᵀ·B" | "A·Bᵀ";
const FORMS: Form[] = ["A·B", "Aᵀ·B", "A·Bᵀ"];
// count, m, k, n: the attention's 16×16×16 and 16×16×4; n past 16, between the steps, below 4; k = 1
const SHAPES: [number, number, number, number][] = [
  [512, 16, 16, 16], [64, 16, 16, 4], [9, 7, 5, 33], [20, 3, 17, 21], [70, 5, 1, 6], [300, 2, 9, 3], [40, 16, 8, 20], [1, 33, 40, 37],
];

function randomArray(n: number, rng: Random, into?: Float32Array): Float32Array {
  const a = into ?? new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/** Product s, entry (i, j), summed in float64, and Σ|terms| (the scale of a float32 sum's rounding error). */
function exact(form: Form, a: ArrayLike<number>, b: ArrayLike<number>, count: number, m: number, k: number, n: number) {
  const value = new Float64Array(count * m * n), scale = new Float64Array(count * m * n);
  for (let s = 0; s < count; s++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let v = 0, t = 0;
        for (let p = 0; p < k; p++) {
          const x = form === "Aᵀ·B" ? a[s * m * k + p * m + i] : a[s * m * k + i * k + p];
          const y = form === "A·Bᵀ" ? b[s * k * n + j * k + p] : b[s * k * n + p * n + j];
          v += x * y;
          t += Math.abs(x * y);
        }
        value[(s * m + i) * n + j] = v;
        scale[(s * m + i) * n + j] = t;
      }
    }
  }
  return { value, scale };
}

/** Runs the kernels' matmulBatched and checks every entry against the exact sum within 2k units of float32 rounding. */
function check(kernels: Kernels, form: Form, [count, m, k, n]: [number, number, number, number], placed: boolean): void {
  const rng = new Random(count * 1000 + m * 100 + k * 10 + n);
  const make = (len: number) => (placed ? kernels.longLivedArray(Math.max(len, 2048)) : new Float32Array(len));
  const a = randomArray(count * m * k, rng, make(count * m * k)), b = randomArray(count * k * n, rng, make(count * k * n));
  const c = make(count * m * n).fill(NaN);
  const resident = (kernels as { isResident?: (x: Float32Array) => boolean }).isResident;
  if (placed && resident !== undefined) expect(resident.call(kernels, a) && resident.call(kernels, c)).toBe(true); // the wasm path itself
  kernels.matmulBatched(a, b, c, count, m, k, n, form === "Aᵀ·B", form === "A·Bᵀ");
  const { value, scale } = exact(form, a, b, count, m, k, n);
  for (let i = 0; i < value.length; i++) {
    const bound = 2 * k * 2 ** -24 * scale[i] + 1e-30;
    if (!(Math.abs(c[i] - value[i]) <= bound)) {
      throw new Error(`${kernels.name} ${form} ${count}×(${m}×${k}×${n}): entry ${i} is ${c[i]}, exact ${value[i]}, allowed ${bound}`);
    }
  }
  for (let i = value.length; i < Math.min(c.length, value.length + 64); i++) expect(c[i]).toBeNaN(); // nothing past C
}

describe("matmulBatched: count small products in one call", () => {
  for (const form of FORMS) {
    it(`the plain loops compute ${form} on ${SHAPES.length} shapes (float32 and float64)`, () => {
      for (const shape of SHAPES) check(jsKernels, form, shape, false);
      const a = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]), b = Float64Array.from([1, 0, 0, 1, 2, 1, 1, 2]), c = new Float64Array(8);
      jsKernels.matmulBatched(a, b, c, 2, 2, 2, 2, false, false); // [1 2; 3 4]·I and [5 6; 7 8]·[2 1; 1 2], by hand
      expect(Array.from(c)).toEqual([1, 2, 3, 4, 16, 17, 22, 23]);
    });
    for (const fma of [true, false]) {
      it(`the wasm kernel computes ${form} on ${SHAPES.length} shapes in its memory, and outside it through the loops (${fma ? "fused" : "unfused"})`, () => {
        const kernels = wasmBackendKernels({ threads: 1, fma })!;
        for (const shape of SHAPES) {
          check(kernels, form, shape, true);
          check(kernels, form, shape, false);
        }
      });
    }
  }

  it("ops.matmulBatched checks the shapes of the stacks and names them", () => {
    const a = Matrix.zeros(6, 4), b = Matrix.zeros(8, 5);
    expect(matmulBatched(a, b, 2, "A·B").shape).toBe("6×5"); //  2 × (3×4 · 4×5)
    expect(() => matmulBatched(a, b, 4, "A·B")).toThrow(/count of 4 products must divide the rows of A \(6×4\)/);
    expect(() => matmulBatched(a, Matrix.zeros(6, 5), 2, "A·B")).toThrow(/cannot multiply each 3×4 block of A by each 3×5 block of B/);
    expect(matmulBatched(a, Matrix.zeros(10, 4), 2, "A·Bᵀ").shape).toBe("6×5"); // 2 × (3×4 · (5×4)ᵀ)
    expect(matmulBatched(a, Matrix.zeros(6, 5), 2, "Aᵀ·B").shape).toBe("8×5"); // 2 × ((3×4)ᵀ · 3×5)
    expect(() => matmulBatched(a, b, 2, "A·B", Matrix.zeros(6, 4))).toThrow(/out is 6×4/);
  });
});

describe("the attention heads' head-major layout", () => {
  it("toHeads puts head h of token i of example b in row (b·H + h)·T + i, and fromHeads undoes it", () => {
    const T = 3, D = 4, H = 2, n = 2, x = Matrix.zeros(n * T, D);
    for (let i = 0; i < x.data.length; i++) x.data[i] = i;
    const heads = toHeads(x, Matrix.zeros(n * H * T, D / H), T, D, H);
    // example 1, head 1, token 2: row (1·2 + 1)·3 + 2 = 11 holds X[1·3 + 2, 2…3] = entries 22, 23
    expect(Array.from(heads.data.subarray(22, 24))).toEqual([22, 23]);
    expect(Array.from(heads.data.subarray(0, 6))).toEqual([0, 1, 4, 5, 8, 9]); // example 0, head 0: tokens 0, 1, 2
    expect(Array.from(fromHeads(heads, Matrix.zeros(n * T, D), T, D, H).data)).toEqual(Array.from(x.data));
  });
});
