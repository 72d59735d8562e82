// The last block of the Kernels interface (im2col, col2im, the channel layouts, max-pooling) in WebAssembly,
// one thread and two, against the plain loops of lib/engine/kernels-js-conv.ts: they only copy, compare and
// add onto zero in the loops' order, so they must agree bit for bit. The loops themselves are checked against a
// direct convolution and finite differences in test/conv.test.ts.
import { afterAll, describe, expect, it } from "vitest";
import { jsKernels, wasmBackendKernels, Random } from "../lib/index";
import { convGeometry } from "../lib/nn/im2col";
import type { WasmKernels } from "../lib/engine/wasm/kernels";

const one = wasmBackendKernels({ threads: 1 }) as WasmKernels;
const two = wasmBackendKernels({ threads: 2 }) as WasmKernels;
afterAll(() => two?.shutdown());
two?.warmUp();

/** Numbers with many exact ties and zeros (so max-pooling meets ties, and sums meet cancellations). */
function fill(a: Float32Array, seed: number): Float32Array {
  const rng = new Random(seed);
  for (let i = 0; i < a.length; i++) a[i] = rng.next() < 0.3 ? 0 : Math.round(rng.normal() * 4) / 4 + (rng.next() < 0.5 ? rng.normal() * 1e-3 : 0);
  return a;
}

function same(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) expect(got[i], `${what} [${i}]`).toBe(want[i]);
  }
}

const shapes = [
  { n: 64, channels: 1, height: 28, width: 28, kernel: 5 }, //                the course's first layer (threads share it)
  { n: 64, channels: 16, height: 12, width: 12, kernel: 5 }, //               its second
  { n: 3, channels: 2, height: 7, width: 9, kernel: 3, stride: 2, padding: 1 }, // padding, stride, odd sizes
  { n: 5, channels: 3, height: 6, width: 5, kernel: 4, padding: 2 }, //       windows wider than the image's edge
];

describe("convolution and pooling kernels in WebAssembly", () => {
  for (const kernels of [one, two]) {
    for (const s of shapes) {
      const g = convGeometry("test", s);
      const P = g.outHeight * g.outWidth, K = g.channels * g.kernel * g.kernel, N = s.n;
      it(`${kernels.threads} thread(s), ${N}×${s.channels}×${s.height}×${s.width}, k ${s.kernel}, s ${g.stride}, p ${g.padding}: im2col, col2im, channelsFirst, channelsLast equal the loops bit for bit`, () => {
        const x = fill(kernels.longLivedArray(N * s.channels * s.height * s.width), 1);
        const colsW = kernels.longLivedArray(N * P * K).fill(NaN), colsJ = new Float32Array(N * P * K);
        kernels.im2col(x, colsW, N, g);
        jsKernels.im2col(x, colsJ, N, g);
        same(colsW, colsJ, "im2col");
        const dcols = fill(kernels.longLivedArray(N * P * K), 2);
        const xW = kernels.longLivedArray(x.length).fill(NaN), xJ = new Float32Array(x.length);
        kernels.col2im(dcols, xW, N, g);
        jsKernels.col2im(dcols, xJ, N, g);
        same(xW, xJ, "col2im");
        for (const F of [6, 16]) { // 16: the 4×4 blocks of the SIMD path (where P is a multiple of 4 too); 6: the plain one
          const zT = fill(kernels.longLivedArray(N * P * F), 3), bias = fill(new Float32Array(F), 4);
          const zW = kernels.longLivedArray(N * F * P).fill(NaN), zJ = new Float32Array(N * F * P);
          kernels.channelsFirst(zT, bias, zW, N, F, P);
          jsKernels.channelsFirst(zT, bias, zJ, N, F, P);
          same(zW, zJ, `channelsFirst, ${F} filters`);
          const dW = kernels.longLivedArray(N * P * F).fill(NaN), dJ = new Float32Array(N * P * F);
          kernels.channelsLast(zW, dW, N, F, P);
          jsKernels.channelsLast(zW, dJ, N, F, P);
          same(dW, dJ, `channelsLast, ${F} filters`);
        }
      });
    }
    for (const [N, C, H, W, size] of [[64, 16, 24, 24, 2], [64, 32, 8, 8, 2], [3, 2, 7, 5, 2], [2, 3, 9, 9, 3]]) {
      it(`${kernels.threads} thread(s), max-pooling ${N}×${C}×${H}×${W} by ${size}: values, winners and the backward pass equal the loops`, () => {
        const g = convGeometry("test", { channels: C, height: H, width: W, kernel: size, stride: size });
        const outs = N * C * g.outHeight * g.outWidth;
        const x = fill(kernels.longLivedArray(N * C * H * W), 5);
        const yW = kernels.longLivedArray(outs).fill(NaN), yJ = new Float32Array(outs);
        const wW = kernels.longLivedIndices(outs).fill(-1), wJ = new Int32Array(outs);
        kernels.maxPool(x, yW, wW, N, g);
        jsKernels.maxPool(x, yJ, wJ, N, g);
        same(yW, yJ, "maxPool values");
        same(wW, wJ, "maxPool winners");
        const dY = fill(kernels.longLivedArray(outs), 6);
        const dXW = kernels.longLivedArray(x.length).fill(NaN), dXJ = new Float32Array(x.length);
        kernels.maxPoolBackward(dY, wW, dXW);
        jsKernels.maxPoolBackward(dY, wJ, dXJ);
        same(dXW, dXJ, "maxPoolBackward");
      });
    }
  }

  it("arrays outside WebAssembly memory (and float64) go to the plain loops, with the same result", () => {
    const g = convGeometry("test", { channels: 2, height: 6, width: 6, kernel: 3, padding: 1 });
    const x = fill(new Float32Array(4 * 72), 7), P = 36, K = 18;
    const a = new Float32Array(4 * P * K), b = new Float64Array(4 * P * K), c = new Float32Array(4 * P * K);
    one.im2col(x, a, 4, g);
    one.im2col(Float64Array.from(x), b, 4, g);
    jsKernels.im2col(x, c, 4, g);
    same(a, c, "im2col, ordinary arrays");
    same(b, c, "im2col, float64");
  });
});

describe("a weight gradient's long sum (Aᵀ·B, small C, k ≥ 4 segments: conv 1's dW = dZ'ᵀ·cols), split by depth", () => {
  it("agrees with an exact sum to float32 rounding, and is the same for one thread and two", () => {
    for (const [m, k, n] of [[16, 36_864, 25], [7, 8_193, 3]]) {
      const a = fill(one.longLivedArray(k * m), m), b = fill(one.longLivedArray(k * n), n);
      const got1 = new Float32Array(m * n).fill(NaN), got2 = new Float32Array(m * n).fill(NaN);
      one.matmulTransA(a, b, got1, m, k, n);
      const a2 = two.longLivedArray(k * m), b2 = two.longLivedArray(k * n);
      a2.set(a); b2.set(b);
      two.matmulTransA(a2, b2, got2, m, k, n);
      same(got2, got1, `${m}×${k}×${n}, two threads against one`);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let sum = 0, scale = 0; // float64: exact enough; Σ|a·b| bounds the rounding error
          for (let p = 0; p < k; p++) { sum += a[p * m + i] * b[p * n + j]; scale += Math.abs(a[p * m + i] * b[p * n + j]); }
          expect(Math.abs(got1[i * n + j] - sum), `C[${i}, ${j}]`).toBeLessThanOrEqual(1e-5 * scale + 1e-30);
        }
      }
    }
  });
});

describe("ReLU forward and backward shared between threads by ranges of numbers", () => {
  it("give the plain loops' numbers bit for bit (NaN, ±∞ and −0 included), one thread and two", () => {
    const n = 100_003; // over the threads' threshold, and not a multiple of 4
    const special = [NaN, Infinity, -Infinity, -0, 0];
    for (const kernels of [one, two]) {
      const z = fill(kernels.longLivedArray(n), 4), g = fill(kernels.longLivedArray(n), 5);
      special.forEach((v, i) => { z[7 * i + 1] = v; g[11 * i + 3] = v; z[n - 1 - i] = v; });
      const a = kernels.longLivedArray(n), d = kernels.longLivedArray(n);
      const aWant = new Float32Array(n), dWant = new Float32Array(n);
      kernels.relu(z, a);
      jsKernels.relu(z, aWant);
      same(a, aWant, `relu, ${kernels.threads} thread(s)`);
      kernels.reluBackward(g, z, d);
      jsKernels.reluBackward(g, z, dWant);
      same(d, dWant, `reluBackward, ${kernels.threads} thread(s)`);
    }
  });
});

describe("a direct convolution (convForward: conv 1 without im2col), in WebAssembly and in the plain loops", () => {
  const cases = [
    { n: 64, channels: 1, height: 28, width: 28, kernel: 5, F: 16, large: true }, // the course's first layer (threads share it)
    { n: 8, channels: 16, height: 12, width: 12, kernel: 5, F: 32 }, // its second
    { n: 3, channels: 2, height: 9, width: 11, kernel: 3, F: 6 }, //    tails: 9 columns (8 + 1), 6 filters (4 + 2)
    { n: 2, channels: 3, height: 5, width: 16, kernel: 3, F: 4 }, //    14 columns (8 + 6)
    { n: 2, channels: 2, height: 7, width: 8, kernel: 3, stride: 2, padding: 1, F: 5 }, // padding and stride: the loops
  ];
  for (const s of cases) {
    const g = convGeometry("test", s), P = g.outHeight * g.outWidth, K = s.channels * s.kernel * s.kernel, N = s.n, F = s.F;
    it(`${N}×${s.channels}×${s.height}×${s.width}, ${F} filters ${s.kernel}×${s.kernel}, s ${g.stride}, p ${g.padding}: b + im2col(X)·Wᵀ to float32 rounding; one thread and two the same`, () => {
      const x = fill(one.longLivedArray(N * s.channels * s.height * s.width), 8);
      const w = fill(new Float32Array(F * K), 9), b = fill(new Float32Array(F), 10);
      const cols = new Float64Array(N * P * K);
      jsKernels.im2col(Float64Array.from(x), cols, N, g); // checked against a direct convolution in test/conv.test.ts
      const want = new Float64Array(N * F * P), scale = new Float64Array(N * F * P);
      for (let i = 0; i < N; i++) {
        for (let f = 0; f < F; f++) {
          for (let q = 0; q < P; q++) {
            let sum = b[f], abs = Math.abs(b[f]);
            for (let p = 0; p < K; p++) { const t = cols[(i * P + q) * K + p] * w[f * K + p]; sum += t; abs += Math.abs(t); }
            want[(i * F + f) * P + q] = sum;
            scale[(i * F + f) * P + q] = abs;
          }
        }
      }
      const x2 = two.longLivedArray(x.length);
      x2.set(x);
      const results = [
        ["loops", jsKernels, x, new Float32Array(N * F * P)],
        ["1 thread", one, x, one.longLivedArray(N * F * P).fill(NaN)],
        ["2 threads", two, x2, two.longLivedArray(N * F * P).fill(NaN)],
      ] as const;
      for (const [what, kernels, input, z] of results) {
        kernels.convForward(input, w, b, z, N, F, g);
        for (let i = 0; i < want.length; i++) {
          if (!(Math.abs(z[i] - want[i]) <= 1e-6 * scale[i] + 1e-30)) expect(z[i], `${what}, Z[${i}]`).toBe(want[i]);
        }
      }
      same(results[2][3], results[1][3], "two threads against one");
      if ("large" in s) { // one k block of gemm (25 terms): the same sums as im2col, the product (in WebAssembly) and channelsFirst
        const c32 = one.longLivedArray(N * P * K), zT = one.longLivedArray(N * P * F), z = one.longLivedArray(N * F * P);
        one.im2col(x, c32, N, g);
        one.matmulTransB(c32, w, zT, N * P, K, F);
        one.channelsFirst(zT, b, z, N, F, P);
        same(results[1][3], z, "convForward against im2col·Wᵀ + b");
      }
    });
  }
});
