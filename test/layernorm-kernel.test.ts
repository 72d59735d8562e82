// LayerNorm's kernels (issue 31; the LayerNorm block of the Kernels interface). The plain loops
// (lib/engine/kernels-js-norm.ts) against a token worked out here and their backward against central differences of
// their forward; the WebAssembly version (assembly/norm.ts, sums in float32) against the loops, within a few float32
// roundings. The whole layer is checked against PyTorch in attention-torch.test.ts.
import { describe, expect, it } from "vitest";
import { jsKernels, wasmBackendKernels, Random } from "../lib/index";
import type { FloatArray } from "../lib/engine/kernels";

const wasm = wasmBackendKernels({ threads: 1 });

function filled(make: (n: number) => FloatArray, n: number, rng: Random, mean = 0, sd = 1): FloatArray {
  const a = make(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(mean, sd);
  return a;
}

describe("LayerNorm kernels, plain loops", () => {
  it("one token of four features, worked out by hand", () => {
    const x = Float64Array.of(1, 2, 3, 6), gamma = Float64Array.of(1, 2, 1, 1), beta = Float64Array.of(0, 0, 1, 0);
    const xHat = new Float64Array(4), y = new Float64Array(4), inv = new Float64Array(1);
    jsKernels.layerNormForward(x, gamma, beta, xHat, y, inv, 1, 4, 0);
    // μ = 3, σ² = (4 + 1 + 0 + 9)/4 = 3.5
    const s = 1 / Math.sqrt(3.5);
    expect(inv[0]).toBeCloseTo(s, 14);
    expect(Array.from(xHat)).toEqual([-2 * s, -1 * s, 0, 3 * s].map((v) => expect.closeTo(v, 14)));
    expect(Array.from(y)).toEqual([-2 * s, -2 * s, 1, 3 * s].map((v) => expect.closeTo(v, 14)));
  });

  it("backward is the gradient of forward: dx, dγ, dβ against central differences (float64)", () => {
    const tokens = 3, n = 5, rng = new Random(7), f64 = (k: number) => new Float64Array(k);
    const x = filled(f64, tokens * n, rng, 0.5, 2), gamma = filled(f64, n, rng, 1, 0.5), beta = filled(f64, n, rng);
    const w = filled(f64, tokens * n, rng); // L = Σ w ⊙ y
    const loss = () => {
      const y = f64(tokens * n);
      jsKernels.layerNormForward(x, gamma, beta, f64(tokens * n), y, f64(tokens), tokens, n, 1e-5);
      return y.reduce((s, v, i) => s + v * w[i], 0);
    };
    const xHat = f64(tokens * n), inv = f64(tokens), dX = f64(tokens * n), dG = f64(n), dB = f64(n);
    jsKernels.layerNormForward(x, gamma, beta, xHat, f64(tokens * n), inv, tokens, n, 1e-5);
    jsKernels.layerNormBackward(w, xHat, gamma, inv, dX, dG, dB, tokens, n);
    const h = 1e-6;
    for (const [array, grad] of [[x, dX], [gamma, dG], [beta, dB]] as const) {
      for (let i = 0; i < array.length; i++) {
        const v = array[i];
        array[i] = v + h; const up = loss();
        array[i] = v - h; const down = loss();
        array[i] = v;
        expect(grad[i]).toBeCloseTo((up - down) / (2 * h), 6);
      }
    }
  });
});

describe("LayerNorm kernels, WebAssembly against the plain loops", () => {
  // tokens ≥ 1024, so that invStd too is made in WebAssembly memory; n = 7 leaves a tail after the groups of 4
  for (const [tokens, n] of [[1030, 64], [1100, 7]] as const) {
    it(`forward and backward, ${tokens} tokens of ${n} (float32, in memory)`, () => {
      const rng = new Random(n), big = (k: number) => wasm.longLivedArray(k), f32 = (k: number) => new Float32Array(k);
      const x = filled(big, tokens * n, rng, 3, 2), dY = filled(big, tokens * n, rng), gamma = filled(f32, n, rng, 1, 0.3), beta = filled(f32, n, rng);
      const run = (k: typeof jsKernels, make: (k: number) => FloatArray) => {
        const xHat = make(tokens * n), y = make(tokens * n), inv = make(tokens), dX = make(tokens * n), dG = f32(n), dB = f32(n);
        k.layerNormForward(x, gamma, beta, xHat, y, inv, tokens, n, 1e-5);
        k.layerNormBackward(dY, xHat, gamma, inv, dX, dG, dB, tokens, n);
        return { xHat, y, inv, dX, dG, dB };
      };
      expect(wasm.isResident(x as Float32Array)).toBe(true);
      const ours = run(wasm as unknown as typeof jsKernels, big), loops = run(jsKernels, f32);
      const close = (a: FloatArray, b: FloatArray, scale: (i: number) => number) => {
        let worst = 0;
        for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale(i));
        return worst;
      };
      const ulps = 2 ** -24 * 16; // a few float32 roundings of the sums' terms
      expect(close(ours.inv, loops.inv, (i) => loops.inv[i])).toBeLessThan(ulps);
      expect(close(ours.xHat, loops.xHat, () => 4)).toBeLessThan(ulps);
      expect(close(ours.y, loops.y, () => 4)).toBeLessThan(ulps);
      expect(close(ours.dX, loops.dX, (i) => 8 * loops.inv[Math.floor(i / n)])).toBeLessThan(ulps);
      expect(close(ours.dG, loops.dG, () => 4 * tokens)).toBeLessThan(ulps);
      expect(close(ours.dB, loops.dB, () => 4 * tokens)).toBeLessThan(ulps);
      expect(ours.dB).not.toEqual(new Float32Array(n));
    });
  }

  it("arrays outside WebAssembly memory, or float64: the plain loops' numbers exactly", () => {
    const tokens = 20, n = 8, rng = new Random(3), f32 = (k: number) => new Float32Array(k);
    const x = filled(f32, tokens * n, rng), gamma = filled(f32, n, rng), beta = filled(f32, n, rng);
    const out = (k: typeof jsKernels) => {
      const xHat = f32(tokens * n), y = f32(tokens * n), inv = f32(tokens);
      k.layerNormForward(x, gamma, beta, xHat, y, inv, tokens, n, 1e-5);
      return [xHat, y, inv];
    };
    expect(out(wasm as unknown as typeof jsKernels)).toEqual(out(jsKernels));
  });
});
