// A Dense layer and a ReLU beside it in one pass (issue 31): matmulBiasRelu, A = max(0, X·W + b), and matmulTransBMask,
// dZ = (dY·Wᵀ) ⊙ 1[A > 0]. The kernels against the separate passes they replace, bit for bit, however the product is
// cut (rows or columns between threads, chunks of operands outside memory, a few rows, an empty sum) and with the
// awkward values (−0, NaN, −∞); Sequential's use of them against the same layers run one by one, and the proof that it
// does use them (the ReLU's own forward and backward are not called).
import { describe, expect, it, afterAll } from "vitest";
import {
  jsKernels, wasmBackendKernels, Random, Matrix, Sequential, Dense, ReLU, setBackend, getBackend,
  matmulBiasRelu, matmulTransBMask, softmaxCrossEntropy, oneHot,
} from "../lib/index";
import type { FloatArray } from "../lib/engine/kernels";

const one = wasmBackendKernels({ threads: 1 })!; // (null only where WebAssembly cannot run: then these fail)
const threaded = wasmBackendKernels({ threads: 3, minThreadFlops: 1, chunkFloats: 1 << 14 })!;
threaded.warmUp(10_000);
afterAll(() => threaded.shutdown());

/** The same numbers: equal bits, except that any NaN equals any NaN (a NaN's sign and payload are not the arithmetic's). */
function sameBits(got: FloatArray, want: FloatArray): boolean {
  return got.length === want.length && got.every((v, i) => Object.is(v, want[i]));
}

// 600×300·300×256: by rows on threads; 16×40·40×700: C wide and short, by columns; 3 rows: the few-rows path;
// k = 0: an empty sum; 2000×784·784×100: a tall C whose B fits whole, finished block by block; 3000×10·10×256: the
// shape of a full batch's dX = dZ·W2ᵀ (k = 10)
const SHAPES = [[600, 300, 256], [16, 40, 700], [3, 50, 33], [40, 0, 20], [2000, 784, 100], [3000, 10, 256]] as const;

describe("the fused kernels give the bits of the separate passes", () => {
  it("threads are ready, so the threaded cases are shared", () => expect(threaded.stats().workersReady).toBe(2));
  for (const [m, k, n] of SHAPES) {
    for (const [name, kernels] of [["1 thread", one], ["3 threads, small chunks", threaded]] as const) {
      for (const inMemory of [true, false]) {
        const make = inMemory ? (len: number) => kernels.longLivedArray(len) : (len: number) => new Float32Array(len);
        const where = inMemory ? "operands in memory" : "ordinary arrays (the separate passes)";
        it(`max(0, A·B + b), ${m}×${k}·${k}×${n}, ${name}, ${where}`, () => {
          const rng = new Random(m + k + n), a = make(m * k), b = make(k * n), bias = new Float32Array(n);
          for (let i = 0; i < m * k; i++) a[i] = rng.next() < 0.6 ? 0 : rng.normal(0, 1); // zeros, as in an image
          for (let i = 0; i < k * n; i++) b[i] = rng.normal(0, 1);
          for (let j = 0; j < n; j++) bias[j] = rng.normal(0, 1);
          if (k > 0) a[0] = NaN; // row 0 all NaN: max(0, NaN) stays NaN in both
          const want = make(m * n), got = make(m * n).fill(NaN);
          kernels.matmulBias(a, b, bias, want, m, k, n);
          kernels.relu(want, want);
          kernels.matmulBiasRelu(a, b, bias, got, m, k, n);
          expect(sameBits(got, want)).toBe(true);
          const zeros = want.filter((v) => v === 0).length; // the ReLU did something: about half are cut to 0
          expect(zeros).toBeGreaterThan(0.2 * m * n);
          expect(zeros).toBeLessThan(0.8 * m * n);
          const js = new Float32Array(m * n); // the plain loops sum in another order: within float32 rounding
          jsKernels.matmulBiasRelu(a, b, bias, js, m, k, n);
          let worst = 0;
          for (let i = n; i < m * n; i++) worst = Math.max(worst, Math.abs(got[i] - js[i]) / (1 + Math.abs(js[i])));
          expect(worst).toBeLessThan(1e-4);
        });
        it(`(A·Bᵀ) ⊙ 1[M > 0], ${m}×${k}·(${n}×${k})ᵀ, ${name}, ${where}`, () => {
          const rng = new Random(7 * m + k + n), a = make(m * k), b = make(n * k), mask = make(m * n);
          for (let i = 0; i < m * k; i++) a[i] = rng.normal(0, 1);
          for (let i = 0; i < n * k; i++) b[i] = rng.normal(0, 1);
          const specials = [0, -0, -1, NaN, -Infinity, 1e-30, 3];
          for (let i = 0; i < m * n; i++) mask[i] = i % 5 === 0 ? specials[i % specials.length] : rng.next() < 0.5 ? 0 : rng.next();
          if (k > 0) a[k] = Infinity; // row 1 of the product: ±∞ or NaN, kept where the mask is > 0, and ∞·0 = NaN cut as the loop does
          const want = make(m * n), got = make(m * n).fill(NaN);
          kernels.matmulTransB(a, b, want, m, k, n);
          kernels.reluBackward(want, mask, want);
          kernels.matmulTransBMask(a, b, mask, got, m, k, n);
          expect(sameBits(got, want)).toBe(true);
          if (k > 0) expect(want.filter((v) => v === 0).length).toBeGreaterThan(0.3 * m * n); // the mask did cut
          const js = new Float32Array(m * n); // the plain loops (another order of the sums): within float32 rounding
          jsKernels.matmulTransBMask(a, b, mask, js, m, k, n);
          let worst = 0;
          for (let i = 2 * n; i < m * n; i++) worst = Math.max(worst, Math.abs(got[i] - js[i]) / (1 + Math.abs(js[i])));
          expect(worst).toBeLessThan(1e-4);
        });
      }
    }
  }

  it("the mask read at each chunk's rows: A outside memory (copied in 16,384-float chunks), C and the mask in it", () => {
    const m = 700, k = 64, n = 96, rng = new Random(3); // 256 rows a chunk of A: three chunks, the mask offset by each
    const a = new Float32Array(m * k), b = threaded.longLivedArray(n * k), mask = threaded.longLivedArray(m * n);
    for (let i = 0; i < m * k; i++) a[i] = rng.normal(0, 1);
    for (let i = 0; i < n * k; i++) b[i] = rng.normal(0, 1);
    for (let i = 0; i < m * n; i++) mask[i] = rng.next() < 0.5 ? 0 : 1;
    const want = threaded.longLivedArray(m * n), got = threaded.longLivedArray(m * n).fill(NaN);
    threaded.matmulTransB(a, b, want, m, k, n);
    threaded.reluBackward(want, mask, want);
    threaded.matmulTransBMask(a, b, mask, got, m, k, n);
    expect(sameBits(got, want)).toBe(true);
  });

  it("refuses an output that shares memory with the mask or the bias, and a mask of the wrong shape", () => {
    const a = Matrix.zeros(4, 3), w = Matrix.zeros(5, 3), mask = Matrix.zeros(4, 5);
    expect(() => matmulTransBMask(a, w, mask, mask)).toThrow(/shares memory with the mask/);
    expect(() => matmulTransBMask(a, w, Matrix.zeros(5, 4))).toThrow(/the mask is 5×4 but A·Bᵀ is 4×5/);
    const bias = Matrix.zeros(1, 5);
    expect(() => matmulBiasRelu(a, Matrix.zeros(3, 5), bias, bias)).toThrow(/out is 1×5 but max\(0, A·B \+ b\) is 4×5/);
    expect(() => matmulBiasRelu(a, Matrix.zeros(3, 5), Matrix.zeros(1, 4))).toThrow(/expected a 1×5 row vector/);
  });
});

/** A ReLU Sequential must not fuse: a subclass (it could compute something else), here computing the same. */
class OwnReLU extends ReLU {}

describe("Sequential runs a Dense layer and the ReLU beside it as one pass", () => {
  const before = getBackend();
  afterAll(() => setBackend(before));
  for (const backend of ["wasm", "js"] as const) {
    it(`${backend}: the same output and gradients, bit for bit, as the layers one by one; the ReLU's own passes unused`, () => {
      setBackend(backend, backend === "wasm" ? { threads: 2 } : {});
      const layers = (relu: () => ReLU) => [new Dense(30, 40, { seed: 1 }), relu(), new Dense(40, 20, { seed: 2 }), relu(), new Dense(20, 10, { seed: 3 })];
      const fused = new Sequential(layers(() => new ReLU())), apart = new Sequential(layers(() => new OwnReLU()));
      const calls = { forward: 0, backward: 0 };
      for (const i of [1, 3]) { // counts the ReLU's own passes (an instance's methods: the layer's class is unchanged)
        const relu = fused.layers[i] as ReLU, forward = relu.forward.bind(relu), backward = relu.backward.bind(relu);
        relu.forward = (z: Matrix) => (calls.forward++, forward(z));
        relu.backward = (g: Matrix) => (calls.backward++, backward(g));
      }
      const rng = new Random(5), x = Matrix.zeros(300, 30);
      for (let i = 0; i < x.data.length; i++) x.data[i] = rng.next() < 0.5 ? 0 : rng.normal(0, 1);
      const y = oneHot(Int32Array.from({ length: 300 }, (_, i) => i % 10), 10);
      const outs = [fused, apart].map((net) => {
        const out = net.forward(x, true);
        const { grad } = softmaxCrossEntropy(out, y);
        net.backward(grad);
        return { out: Float32Array.from(out.data), grads: net.params().map((p) => Float32Array.from(p.grad.data)) };
      });
      expect(calls).toEqual({ forward: 0, backward: 0 });
      expect(sameBits(outs[0].out, outs[1].out)).toBe(true);
      outs[0].grads.forEach((g, i) => expect(sameBits(g, outs[1].grads[i]), fused.params()[i].name).toBe(true));
      // the hidden ReLUs did cut: their outputs (kept for the backward) have zeros and positives
      const hidden = (fused.layers[1] as ReLU).output.data;
      expect(hidden.some((v) => v === 0) && hidden.some((v) => v > 0)).toBe(true);
      expect(fused.predict(x)).toEqual(apart.predict(x)); // evaluation (infer) goes through the fused pass too
    });
  }

  it("a ReLU first (nothing to fuse forward) and a ReLU last (nothing to fuse backward): the same bits as apart", () => {
    setBackend("wasm", { threads: 2 });
    const rng = new Random(8), x = Matrix.zeros(200, 12);
    for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal(0, 1);
    const g = Matrix.zeros(200, 6);
    for (let i = 0; i < g.data.length; i++) g.data[i] = rng.normal(0, 1);
    for (const shape of ["ReLU first", "ReLU last"]) {
      const build = (relu: () => ReLU) => shape === "ReLU first"
        ? [relu(), new Dense(12, 9, { seed: 4 }), relu(), new Dense(9, 6, { seed: 5 })]
        : [new Dense(12, 9, { seed: 4 }), relu(), new Dense(9, 6, { seed: 5 }), relu()];
      const nets = [new Sequential(build(() => new ReLU()), { inputGrad: true }), new Sequential(build(() => new OwnReLU()), { inputGrad: true })];
      const results = nets.map((net) => {
        const out = Float32Array.from(net.forward(x, true).data);
        const dX = Float32Array.from(net.backward(g)!.data);
        return [out, dX, ...net.params().map((p) => Float32Array.from(p.grad.data))];
      });
      results[0].forEach((r, i) => expect(sameBits(r, results[1][i]), `${shape}, result ${i}`).toBe(true));
    }
  });
});
