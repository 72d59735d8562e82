// gemm.wasm's two ways through a sparse A (lib/engine/wasm/assembly/gemm.ts): a panel of 4 rows visits every p
// where any of its rows is non-zero (microKernel); a panel of sparse rows goes row by row, each over its own
// non-zero p only (rowKernel, rowKernel28), or by pairs of rows (pairKernel). Which one a panel takes depends on its rows' zeros, so the same row can go either
// way: its result must not depend on that, bit for bit, in both builds, one thread or three, for all three
// products; and it must be the exact sum to float32 rounding.
import { afterAll, describe, expect, it } from "vitest";
import { Random, wasmBackendKernels } from "../lib/index";
import { expectNearExact, type ProductOp as Op } from "./exact-product";

function sparseRow(k: number, rng: Random, zeros: number): Float32Array {
  return Float32Array.from({ length: k }, () => (rng.next() < zeros ? 0 : rng.uniform(-1, 1)));
}

/**
 * op(A), 8 rows: rows 0–3 a panel of sparse rows (row 0 like an MNIST image, 80 % zeros; rows 1–2 95 %; row 3
 * all zeros), so it goes row by row; rows 4–7 a panel with row 0 again beside three dense rows, so it goes by panel.
 */
function rowsOfA(k: number, rng: Random): Float32Array[] {
  const image = sparseRow(k, rng, 0.8);
  return [image, sparseRow(k, rng, 0.95), sparseRow(k, rng, 0.95), new Float32Array(k),
    image, sparseRow(k, rng, 0), sparseRow(k, rng, 0), sparseRow(k, rng, 0)];
}

/** A stored as the op needs it: m×k, or k×m for Aᵀ·B. */
function store(op: Op, rows: Float32Array[], k: number): Float32Array {
  const m = rows.length, a = new Float32Array(m * k);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) a[op === "matmulTransA" ? p * m + i : i * k + p] = rows[i][p];
  return a;
}

const builds = [true, false].map((fma) => ({
  fma,
  single: wasmBackendKernels({ threads: 1, fma })!,
  threaded: wasmBackendKernels({ threads: 3, minThreadFlops: 1, fma })!,
}));
afterAll(() => {
  for (const b of builds) b.threaded.shutdown();
});

describe("gemm.wasm on sparse rows: row by row or by panel, the same numbers", () => {
  for (const { fma, single, threaded } of builds) {
    for (const op of ["matmul", "matmulTransA", "matmulTransB"] as Op[]) {
      // n = 56: one group of 56 columns (two halves of 28, rowKernel28); n = 100: 56, then 24 (rowKernel), then 20 by
      // tiles; n = 30: 24 and 6 left over; k = 783: four blocks of the sum, the last 195 long (not a multiple of 4);
      // k = 60: one block. n = 16 and 10: by pairs of rows (the pair kernel's 16 columns; 10 through the edge tile)
      for (const [k, n] of [[783, 56], [783, 100], [60, 30], [783, 16], [301, 10]] as const) {
        it(`${op}, k = ${k}, n = ${n}, ${fma ? "fused" : "unfused"}: row 0 gives the same bits in either panel, and the exact sum`, () => {
          const rng = new Random(k + n);
          const rows = rowsOfA(k, rng), m = rows.length;
          const a = store(op, rows, k), b = sparseRow(k * n, rng, 0); // B stored k×n, or n×k for A·Bᵀ: random either way
          for (const kernels of [single, threaded]) {
            const c = new Float32Array(m * n).fill(NaN);
            kernels[op](a, b, c, m, k, n);
            expect(Buffer.from(c.buffer, 0, 4 * n).equals(Buffer.from(c.buffer, 4 * 4 * n, 4 * n)), "row 0 against row 4").toBe(true);
            expect(Array.from(c.subarray(3 * n, 4 * n))).toEqual(new Array(n).fill(0)); // a row of zeros
            expectNearExact(kernels.name, op, a, b, c, m, k, n);
          }
        });
      }
    }
  }
});
