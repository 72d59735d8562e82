// The kernels of a full-batch step besides the products (issue 31): the softmax cross-entropy in WebAssembly, its rows
// shared between threads; the bias added inside the product (matmulBias) and on its own, and Σ over rows, on threads. The loss's plain loop (lib/engine/kernels-js-norm.ts) against cases
// worked out here and its gradient against central differences; the WebAssembly kernel (assembly/loss.ts, its own e^x
// and log) against the loop: the gradient within an ulp of float32 and the loss within a few ulps of float64, with 1
// and 2 threads, with the batch in memory and outside it. The bias and Σ over rows on 2 threads against the loops, bit
// for bit (each row, each column, is still computed whole by one thread); matmulBias against matmul then addRowVector,
// bit for bit, however the product is cut (rows or columns between threads, chunks, a few rows, an empty sum). A full
// batch's dW = Xᵀ·dZ in four fixed segments: the same bits on 1, 2 and 3 threads and wherever C lives, near the loops'.
import { describe, expect, it } from "vitest";
import { jsKernels, wasmBackendKernels, Random } from "../lib/index";
import type { FloatArray } from "../lib/engine/kernels";

const one = wasmBackendKernels({ threads: 1 })!; // (null only where WebAssembly cannot run: then these fail)
const two = wasmBackendKernels({ threads: 2 })!;
two.warmUp(10_000); // the worker started and ready, so that a large enough call is really shared (checked below)

/** Logits of m rows of n, some rows far apart (±60 around 0), and one-hot targets. */
function batch(make: (k: number) => FloatArray, m: number, n: number, seed: number): { z: FloatArray; y: FloatArray } {
  const rng = new Random(seed), z = make(m * n), y = make(m * n);
  for (let i = 0; i < m * n; i++) z[i] = rng.normal(0, i % 13 === 0 ? 20 : 2);
  for (let i = 0; i < m; i++) y[i * n + rng.int(n)] = 1;
  return { z, y };
}

/** Distance in float32 ulps between a and b (0 when equal). */
function ulps32(a: number, b: number): number {
  if (a === b) return 0;
  const f = new Float32Array([a, b]), i = new Int32Array(f.buffer);
  return Math.abs(i[0] - i[1]);
}

describe("softmax cross-entropy, the plain loop", () => {
  it("two logits worked out by hand: z = (0, ln 3), target 0", () => {
    const g = new Float64Array(2);
    const total = jsKernels.softmaxCrossEntropy(Float64Array.of(0, Math.log(3)), Float64Array.of(1, 0), g, 1, 2);
    // p = (1/4, 3/4): loss = −log(1/4), g = p − y = (−3/4, 3/4)
    expect(total).toBeCloseTo(Math.log(4), 14);
    expect(Array.from(g)).toEqual([expect.closeTo(-0.75, 14), expect.closeTo(0.75, 14)]);
  });

  it("its gradient is the derivative of its loss (central differences, float64), and each row of it sums to 0", () => {
    const m = 3, n = 5, { z, y } = batch((k) => new Float64Array(k), m, n, 4);
    const g = new Float64Array(m * n);
    jsKernels.softmaxCrossEntropy(z, y, g, m, n);
    const h = 1e-6, loss = () => jsKernels.softmaxCrossEntropy(z, y, new Float64Array(m * n), m, n) / m;
    for (let i = 0; i < m * n; i++) {
      const v = z[i];
      z[i] = v + h; const up = loss();
      z[i] = v - h; const down = loss();
      z[i] = v;
      expect(g[i]).toBeCloseTo((up - down) / (2 * h), 7);
    }
    for (let r = 0; r < m; r++) expect(Math.abs(g.subarray(r * n, r * n + n).reduce((s, v) => s + v, 0))).toBeLessThan(1e-15);
  });
});

describe("softmax cross-entropy, WebAssembly against the plain loop", () => {
  for (const [m, n] of [[6000, 10], [1030, 7], [700, 64]] as const) {
    for (const [name, kernels] of [["1 thread", one], ["2 threads", two]] as const) {
      for (const inMemory of [true, false]) {
        it(`${m}×${n}, ${name}, ${inMemory ? "in WebAssembly memory" : "ordinary arrays (copied through scratch)"}`, () => {
          const make = inMemory ? (k: number) => kernels.longLivedArray(k) : (k: number) => new Float32Array(k);
          const { z, y } = batch(make, m, n, m + n);
          if (inMemory) expect(kernels.isResident(z as Float32Array)).toBe(true);
          const want = new Float32Array(m * n), got = make(m * n);
          const expected = jsKernels.softmaxCrossEntropy(z, y, want, m, n);
          const total = kernels.softmaxCrossEntropy(z, y, got, m, n);
          expect(Math.abs(total - expected) / expected).toBeLessThan(1e-14);
          let worst = 0;
          for (let i = 0; i < m * n; i++) worst = Math.max(worst, ulps32(got[i], want[i]));
          expect(worst).toBeLessThanOrEqual(1);
        });
      }
    }
  }

  it("threads are ready, so the 2-thread cases are shared", () => expect(two.stats().workersReady).toBe(1));

  it("logits of ±1000 and −∞ give a finite loss; a NaN gives a NaN loss, as in the loop", () => {
    const m = 8000, n = 5, z = two.longLivedArray(m * n), y = two.longLivedArray(m * n);
    for (let i = 0; i < m; i++) {
      z.set([1000, -1000, 0, i % 2 === 0 ? -Infinity : 999, -1e-30], i * n);
      y[i * n + (i % n === 3 ? 2 : i % n)] = 1;
    }
    const want = new Float32Array(m * n), got = two.longLivedArray(m * n);
    const expected = jsKernels.softmaxCrossEntropy(z, y, want, m, n);
    const total = two.softmaxCrossEntropy(z, y, got, m, n);
    expect(Number.isFinite(total)).toBe(true);
    expect(Math.abs(total - expected) / expected).toBeLessThan(1e-14);
    for (let i = 0; i < m * n; i++) expect(ulps32(got[i], want[i])).toBeLessThanOrEqual(1);
    z[7] = NaN;
    expect(two.softmaxCrossEntropy(z, y, got, m, n)).toBeNaN();
    expect(jsKernels.softmaxCrossEntropy(z, y, want, m, n)).toBeNaN();
  });

  it("the same numbers on 1 and on 2 threads, bit for bit", () => {
    const m = 5000, n = 10;
    const a = batch((k) => one.longLivedArray(k), m, n, 9), b = batch((k) => two.longLivedArray(k), m, n, 9);
    const g1 = one.longLivedArray(m * n), g2 = two.longLivedArray(m * n);
    expect(two.softmaxCrossEntropy(b.z, b.y, g2, m, n)).toBe(one.softmaxCrossEntropy(a.z, a.y, g1, m, n));
    expect(Array.from(g2)).toEqual(Array.from(g1));
  });
});

describe("the bias and Σ over rows on 2 threads", () => {
  for (const [m, n] of [[3000, 130], [600, 256], [40000, 1], [5000, 10]] as const) {
    it(`${m}×${n}: the same bits as the plain loops`, () => {
      const rng = new Random(m + 3 * n), a = two.longLivedArray(m * n), b = two.longLivedArray(Math.max(n, 1024));
      for (let i = 0; i < m * n; i++) a[i] = rng.normal(0, 1);
      for (let j = 0; j < n; j++) b[j] = rng.normal(0, 1);
      const want = new Float32Array(m * n), got = two.longLivedArray(m * n);
      jsKernels.addRowVector(a, b, want, m, n);
      two.addRowVector(a, b, got, m, n);
      expect(Array.from(got)).toEqual(Array.from(want));
      const sums = new Float32Array(n), wantSums = new Float32Array(n);
      jsKernels.sumRows(a, wantSums, m, n);
      two.sumRows(a, sums, m, n);
      expect(Array.from(sums)).toEqual(Array.from(wantSums));
    });
  }
});

describe("matmulBias: the bias added inside the product gives the bits of matmul then addRowVector", () => {
  const threaded = wasmBackendKernels({ threads: 3, minThreadFlops: 1, chunkFloats: 1 << 14 })!;
  threaded.warmUp(10_000);
  it("threads are ready, so the threaded cases are shared", () => expect(threaded.stats().workersReady).toBe(2));
  // 600×300·300×256: by rows on threads; 16×40·40×700: C wide and short, by columns; 3 rows: the few-rows path;
  // k = 0: an empty sum, C = b; 2000×784·784×100: a tall C whose B fits whole, finished block by block
  for (const [m, k, n] of [[600, 300, 256], [16, 40, 700], [3, 50, 33], [40, 0, 20], [2000, 784, 100]] as const) {
    for (const [name, kernels] of [["1 thread", one], ["3 threads, small chunks", threaded]] as const) {
      for (const inMemory of [true, false]) {
        it(`${m}×${k}·${k}×${n}, ${name}, ${inMemory ? "operands in memory" : "ordinary arrays"}`, () => {
          const rng = new Random(m + k + n), make = inMemory ? (len: number) => kernels.longLivedArray(len) : (len: number) => new Float32Array(len);
          const a = make(m * k), b = make(k * n), bias = new Float32Array(n); // (a bias of one layer is never in memory: < 1,024 numbers)
          for (let i = 0; i < m * k; i++) a[i] = rng.next() < 0.6 ? 0 : rng.normal(0, 1); // zeros, as after a ReLU or in an image
          for (let i = 0; i < k * n; i++) b[i] = rng.normal(0, 1);
          for (let j = 0; j < n; j++) bias[j] = rng.normal(0, 1);
          const want = make(m * n), got = make(m * n).fill(NaN);
          kernels.matmul(a, b, want, m, k, n);
          kernels.addRowVector(want, bias, want, m, n);
          kernels.matmulBias(a, b, bias, got, m, k, n);
          expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(true);
          const js = new Float32Array(m * n);
          jsKernels.matmulBias(a, b, bias, js, m, k, n);
          let worst = 0; // the plain loops sum in another order (4×4 blocks): within float32 rounding of the sum
          for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(got[i] - js[i]) / (1 + Math.abs(js[i])));
          expect(worst).toBeLessThan(1e-4);
        });
      }
    }
  }
  it("threads shut down", () => threaded.shutdown());
});

describe("Aᵀ·B over a long sum with a large C (a full batch's dW = Xᵀ·dZ): four fixed segments, their partial sums added", () => {
  const three = wasmBackendKernels({ threads: 3 })!;
  three.warmUp(10_000);
  const m = 300, n = 200, k = 20_000; // C has 60,000 numbers (> 4,096), the sum 20,000 terms (≥ 8 × 2,048): 4 segments of 5,000
  const make = (kernels: typeof one, inMemory: boolean, len: number) => (inMemory ? kernels.longLivedArray(len) : new Float32Array(len));
  const results: Float32Array[] = [];
  for (const [name, kernels] of [["1 thread", one], ["2 threads", two], ["3 threads", three]] as const) {
    for (const inMemory of [true, false]) {
      it(`${name}, ${inMemory ? "in memory (the partial sums added in WebAssembly)" : "C an ordinary array (added in the JS loop)"}`, () => {
        const rng = new Random(11), a = make(kernels, true, k * m), b = make(kernels, true, k * n), c = make(kernels, inMemory, m * n);
        for (let i = 0; i < k * m; i++) a[i] = rng.next() < 0.8 ? 0 : rng.next(); // an image's zeros
        for (let i = 0; i < k * n; i++) b[i] = rng.normal(0, 1);
        kernels.matmulTransA(a, b, c, m, k, n);
        const js = new Float32Array(m * n);
        jsKernels.matmulTransA(a, b, js, m, k, n);
        let worst = 0; // the plain loops sum in another order: within float32 rounding of sums of 20,000 terms
        for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(c[i] - js[i]) / (1 + Math.abs(js[i])));
        expect(worst).toBeLessThan(1e-4);
        results.push(Float32Array.from(c));
        // the same bits whatever the threads and wherever C lives: the segments depend on k alone
        expect(Buffer.from(results[results.length - 1].buffer).equals(Buffer.from(results[0].buffer))).toBe(true);
      });
    }
  }
  it("is the four segments' partial sums, each a product of its own, added in float64 in order", () => {
    const rng = new Random(12), a = two.longLivedArray(k * m), b = two.longLivedArray(k * n), c = two.longLivedArray(m * n);
    for (let i = 0; i < k * m; i++) a[i] = rng.next() < 0.8 ? 0 : rng.next();
    for (let i = 0; i < k * n; i++) b[i] = rng.normal(0, 1);
    two.matmulTransA(a, b, c, m, k, n);
    const segment = k / 4, partials = [0, 1, 2, 3].map((t) => { // each segment alone: 5,000 terms, a product of its own
      const part = two.longLivedArray(m * n);
      two.matmulTransA(a.subarray(t * segment * m, (t + 1) * segment * m), b.subarray(t * segment * n, (t + 1) * segment * n), part, m, segment, n);
      return part;
    });
    const want = new Float32Array(m * n);
    for (let e = 0; e < m * n; e++) want[e] = partials[0][e] + partials[1][e] + partials[2][e] + partials[3][e]; // float64, rounded once
    expect(Buffer.from(c.buffer, c.byteOffset, c.byteLength).equals(Buffer.from(want.buffer))).toBe(true);
  });
  it("threads are ready, so the 3-thread case was shared", () => expect(three.stats().workersReady).toBe(2));
  it("threads shut down", () => three.shutdown());
});
