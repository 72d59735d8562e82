// Chapter 15's kernels of issue 31 (the last block of the Kernels interface): LayerNorm, the attention heads' softmax
// and the heads' rearrangement. The plain loops (lib/engine/kernels-js-norm.ts) against cases worked out here and their
// backward against central differences of their forward; the WebAssembly versions (assembly/norm.ts: sums in float32,
// gates.ts's e^x) against the loops, within a few float32 roundings (the rearrangement bit for bit). The whole layers
// are checked against PyTorch in attention-torch.test.ts.
import { describe, expect, it } from "vitest";
import { jsKernels, wasmBackendKernels, Random } from "../lib/index";
import type { FloatArray } from "../lib/engine/kernels";

const wasm = wasmBackendKernels({ threads: 1 })!; // (null only where WebAssembly cannot run: then these fail)

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

describe("the attention softmax kernels", () => {
  it("plain loops: a row worked out from the formula, and the backward against central differences (float64)", () => {
    const n = 5, s = 0.5, rng = new Random(11);
    const S = Float64Array.from({ length: 2 * n }, () => rng.normal(0, 3)), w = Float64Array.from({ length: 2 * n }, () => rng.normal());
    const soft = (z: Float64Array) => { const a = z.slice(); jsKernels.attentionSoftmax(a, 2, n, s); return a; };
    const A = soft(S);
    for (let r = 0; r < 2; r++) {
      const e = Array.from(S.subarray(r * n, r * n + n), (v) => Math.exp(s * v)), t = e.reduce((x, y) => x + y, 0);
      for (let j = 0; j < n; j++) expect(A[r * n + j]).toBeCloseTo(e[j] / t, 14);
    }
    const dS = w.slice(); // L = Σ w ⊙ A: dA = w, and the backward turns it into dL/dS
    jsKernels.attentionSoftmaxBackward(A, dS, 2, n, s);
    const h = 1e-6;
    for (let i = 0; i < S.length; i++) {
      const up = S.slice(), down = S.slice();
      up[i] += h; down[i] -= h;
      const L = (z: Float64Array) => soft(z).reduce((acc, v, k) => acc + v * w[k], 0);
      expect(dS[i]).toBeCloseTo((L(up) - L(down)) / (2 * h), 7);
    }
  });

  it("WebAssembly against the plain loops: 8192 rows of 16 (float32, in memory), within a few float32 roundings", () => {
    const rows = 8192, n = 16, s = 0.25, rng = new Random(12), big = (k: number) => wasm.longLivedArray(k);
    const S = filled(big, rows * n, rng, 0, 4), G = filled(big, rows * n, rng);
    S[3] = 80; S[4] = -80; // a row with large scores
    const A1 = big(rows * n), A2 = new Float32Array(rows * n), G1 = big(rows * n), G2 = new Float32Array(rows * n);
    A1.set(S); A2.set(S); G1.set(G); G2.set(G);
    wasm.attentionSoftmax(A1, rows, n, s);
    jsKernels.attentionSoftmax(A2, rows, n, s);
    wasm.attentionSoftmaxBackward(A1, G1, rows, n, s);
    jsKernels.attentionSoftmaxBackward(A2, G2, rows, n, s);
    let worstA = 0, worstG = 0;
    for (let i = 0; i < rows * n; i++) {
      worstA = Math.max(worstA, Math.abs(A1[i] - A2[i]) / Math.max(A2[i], 2 ** -126));
      worstG = Math.max(worstG, Math.abs(G1[i] - G2[i]) / (s * 4 * A2[i] + 2 ** -126));
    }
    expect(worstA).toBeLessThan(2 ** -24 * 16);
    expect(worstG).toBeLessThan(2 ** -24 * 64);
    expect(A1[3]).toBeCloseTo(1, 6);
  });
});

describe("the heads' rearrangement kernels", () => {
  it("plain loops: splitHeads puts head h of token i of example b at row (b·H + h)·T + i; mergeHeads undoes it", () => {
    const n = 2, T = 3, H = 2, d = 2, x = Float64Array.from({ length: n * T * H * d }, (_, i) => i), out = new Float64Array(x.length);
    jsKernels.splitHeads(x, out, n, T, H, d);
    // example 0: tokens [0 1 | 2 3], [4 5 | 6 7], [8 9 | 10 11]; head 0 first, then head 1; then example 1
    expect(Array.from(out.subarray(0, 12))).toEqual([0, 1, 4, 5, 8, 9, 2, 3, 6, 7, 10, 11]);
    const back = new Float64Array(x.length);
    jsKernels.mergeHeads(out, back, n, T, H, d);
    expect(back).toEqual(x);
  });

  for (const d of [16, 7]) {
    it(`WebAssembly gives the loops' numbers bit for bit (128 examples, 16 tokens, 4 heads of ${d}, in memory)`, () => {
      const n = 128, T = 16, H = 4, len = n * T * H * d, rng = new Random(d), big = (k: number) => wasm.longLivedArray(k);
      const x = filled(big, len, rng);
      x[5] = NaN; x[6] = -0;
      const ours = big(len), loops = new Float32Array(len), oursBack = big(len), loopsBack = new Float32Array(len);
      wasm.splitHeads(x, ours, n, T, H, d);
      jsKernels.splitHeads(x, loops, n, T, H, d);
      const differ = (a: Float32Array, b: Float32Array) => { // positions whose bits differ
        const u = new Uint32Array(a.buffer, a.byteOffset, len), v = new Uint32Array(b.buffer, b.byteOffset, len);
        let count = 0;
        for (let i = 0; i < len; i++) if (u[i] !== v[i]) count++;
        return count;
      };
      expect(differ(ours, loops)).toBe(0);
      expect(differ(ours, x as Float32Array)).toBeGreaterThan(0); // (it did move them)
      wasm.mergeHeads(ours, oursBack, n, T, H, d);
      jsKernels.mergeHeads(loops, loopsBack, n, T, H, d);
      expect(differ(oursBack, loopsBack)).toBe(0);
      expect(differ(oursBack, x as Float32Array)).toBe(0);
      expect(Object.is(oursBack[6], -0)).toBe(true);
    });
  }
});
