// The optimizer updates of the Kernels interface (issue 31): Adam's update in WebAssembly against the plain loop of
// lib/engine/kernels-js.ts, bit for bit, and the plain loop against a hand-worked first step.
import { describe, expect, it } from "vitest";
import { Matrix, Random, jsKernels, wasmBackendKernels } from "../lib/index";
import { adamUpdate } from "../lib/core/ops";

const builds = [true, false].map((fma) => wasmBackendKernels({ threads: 1, fma })!);
const B1 = 0.9, B2 = 0.999, EPS = 1e-8;

/** n random numbers in (−1, 1), a few exact zeros and −0 among them, in `into` (or a new array). */
function fill(into: Float32Array, rng: Random): Float32Array {
  for (let i = 0; i < into.length; i++) into[i] = i % 97 === 5 ? 0 : i % 89 === 7 ? -0 : rng.uniform(-1, 1);
  return into;
}

describe("adamUpdate", () => {
  it("the plain loop's first step is W − α·g/(|g| + ε) (m̂ = g and ŝ = g² after one step)", () => {
    const rng = new Random(3), n = 50, lr = 0.01;
    const w = fill(new Float32Array(n), rng), dw = fill(new Float32Array(n), rng), w0 = w.slice();
    jsKernels.adamUpdate(w, dw, new Float32Array(n), new Float32Array(n), lr, B1, B2, EPS, 1 - B1, 1 - B2, 0, 0);
    for (let i = 0; i < n; i++) {
      const want = w0[i] - (lr * dw[i]) / (Math.abs(dw[i]) + EPS);
      expect(Math.abs(w[i] - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
    }
  });

  it("gives the plain loop's numbers bit for bit in WebAssembly memory (odd lengths, decay, three steps)", () => {
    for (const k of builds) {
      for (const [n, l2, l1] of [[1024, 0, 0], [4097, 0.01, 0], [5003, 0.01, 0.001]]) {
        const rng = new Random(n);
        const mine = [0, 1, 2, 3].map(() => k.longLivedArray(n)), loop = [0, 1, 2, 3].map(() => new Float32Array(n));
        fill(mine[0], rng); fill(mine[1], rng);
        loop[0].set(mine[0]); loop[1].set(mine[1]);
        const w0 = mine[0].slice();
        for (let t = 1; t <= 3; t++) {
          const c1 = 1 - B1 ** t, c2 = 1 - B2 ** t;
          k.adamUpdate(mine[0], mine[1], mine[2], mine[3], 0.002, B1, B2, EPS, c1, c2, l2, l1);
          jsKernels.adamUpdate(loop[0], loop[1], loop[2], loop[3], 0.002, B1, B2, EPS, c1, c2, l2, l1);
        }
        expect(k.isResident(mine[0]) && k.isResident(mine[3])).toBe(true);
        for (let a = 0; a < 4; a++) expect(Array.from(mine[a])).toEqual(Array.from(loop[a]));
        expect(mine[0].filter((v, i) => v !== w0[i]).length).toBeGreaterThan(0.9 * n); // the weights moved
      }
    }
  });

  it("keeps NaN and ∞ where the loop makes them, and takes arrays outside its memory through the loop", () => {
    const k = builds[0], n = 2048, rng = new Random(9);
    const w = fill(k.longLivedArray(n), rng), dw = fill(k.longLivedArray(n), rng);
    w[3] = NaN; dw[10] = Infinity; w[11] = -Infinity;
    const [m, s] = [k.longLivedArray(n), k.longLivedArray(n)];
    const plain = [w, dw, m, s].map((a) => Float32Array.from(a)), outside = [w, dw, m, s].map((a) => Float32Array.from(a));
    k.adamUpdate(w, dw, m, s, 0.01, B1, B2, EPS, 0.1, 0.001, 0.1, 0.1);
    jsKernels.adamUpdate(plain[0], plain[1], plain[2], plain[3], 0.01, B1, B2, EPS, 0.1, 0.001, 0.1, 0.1);
    k.adamUpdate(outside[0], outside[1], outside[2], outside[3], 0.01, B1, B2, EPS, 0.1, 0.001, 0.1, 0.1);
    expect(Array.from(w)).toEqual(Array.from(plain[0]));
    expect(Array.from(outside[0])).toEqual(Array.from(plain[0]));
    expect(Number.isNaN(w[3]) && Number.isNaN(w[10])).toBe(true);
  });

  it("refuses moments of another shape, naming both", () => {
    const w = Matrix.zeros(2, 3), wrong = Matrix.zeros(3, 2);
    expect(() => adamUpdate(w, w, wrong, w, 0.1, B1, B2, EPS, 0.1, 0.001, 0, 0)).toThrow(/adamUpdate: W is 2×3 but m is 3×2/);
  });
});
