// The LSTM's gates kernels (the last block of the Kernels interface): one time step's element-wise work. The plain
// loops (lib/engine/kernels-js-gates.ts) against a step worked out here and their backward against finite differences
// of their forward; the WebAssembly version (lib/engine/wasm/assembly/gates.ts, its own float32 σ and tanh) against the
// loops, within a few float32 roundings of each result's terms. The whole layer's gradients are checked in
// recurrent.test.ts, and against PyTorch in recurrent-torch.test.ts.
import { describe, expect, it } from "vitest";
import { jsKernels, wasmBackendKernels, Random } from "../lib/index";
import type { FloatArray } from "../lib/engine/kernels";

const wasm = wasmBackendKernels({ threads: 1 });
const EPS = 2 ** -24; // a float32 rounding, relative
const sigma = (z: number) => 1 / (1 + Math.exp(-z));

interface Step { gates: FloatArray; zh: FloatArray; cPrev: FloatArray; c: FloatArray; tc: FloatArray; h: FloatArray }

/** A step's arrays for B rows of H units, pre-activations spread by `spread` (some saturate, some are tiny). */
function step(B: number, H: number, seed: number, make: (n: number) => FloatArray, spread = 3): Step {
  const rng = new Random(seed);
  const s: Step = { gates: make(4 * B * H), zh: make(4 * B * H), cPrev: make(B * H), c: make(B * H), tc: make(B * H), h: make(B * H) };
  for (let i = 0; i < s.gates.length; i++) {
    const kind = i % 7;
    s.gates[i] = kind === 0 ? rng.normal(0, 40) : kind === 1 ? rng.normal(0, 1e-4) : rng.normal(0, spread);
    s.zh[i] = kind === 1 ? 0 : rng.normal(0, 1);
  }
  for (let i = 0; i < s.cPrev.length; i++) s.cPrev[i] = rng.normal(0, 2);
  return s;
}

function copyStep(s: Step, make: (n: number) => FloatArray): Step {
  const c = (a: FloatArray) => { const b = make(a.length); b.set(a); return b; };
  return { gates: c(s.gates), zh: c(s.zh), cPrev: c(s.cPrev), c: c(s.c), tc: c(s.tc), h: c(s.h) };
}

const forward = (k: typeof jsKernels, s: Step, B: number, H: number) => k.lstmGatesForward(s.gates, s.zh, s.cPrev, s.c, s.tc, s.h, B, H);

describe("the LSTM's gates, plain loops", () => {
  it("one step of two units, worked out from the formulas", () => {
    const s = step(1, 2, 1, (n) => new Float64Array(n));
    const a = Array.from(s.gates, (v, i) => v + s.zh[i]); // z = Zx + Zh: [i0 i1 f0 f1 g0 g1 o0 o1]
    forward(jsKernels, s, 1, 2);
    for (let j = 0; j < 2; j++) {
      const i = sigma(a[j]), f = sigma(a[2 + j]), g = Math.tanh(a[4 + j]), o = sigma(a[6 + j]);
      expect([s.gates[j], s.gates[2 + j], s.gates[4 + j], s.gates[6 + j]]).toEqual([i, f, g, o]);
      const c = f * s.cPrev[j] + i * g;
      expect(s.c[j]).toBe(c);
      expect(s.tc[j]).toBe(Math.tanh(c));
      expect(s.h[j]).toBe(o * Math.tanh(c));
    }
  });

  it("backward is the gradient of forward: dz and dc_{t−1} against central differences (float64)", () => {
    const B = 2, H = 3, rng = new Random(5);
    const base = step(B, H, 4, (n) => new Float64Array(n), 1.5);
    const dh = Float64Array.from({ length: B * H }, () => rng.normal()), dcNext = Float64Array.from({ length: B * H }, () => rng.normal());
    // L = Σ dh ⊙ h_t + Σ dcNext ⊙ c_t: then ∂L/∂z is dz and ∂L/∂c_{t−1} is the dc the backward leaves
    const loss = (s: Step) => {
      const t = copyStep(s, (n) => new Float64Array(n));
      forward(jsKernels, t, B, H);
      let L = 0;
      for (let i = 0; i < B * H; i++) L += dh[i] * t.h[i] + dcNext[i] * t.c[i];
      return L;
    };
    const s = copyStep(base, (n) => new Float64Array(n));
    forward(jsKernels, s, B, H);
    const dz = new Float64Array(4 * B * H), dc = Float64Array.from(dcNext);
    const squares = jsKernels.lstmGatesBackward(s.gates, s.cPrev, s.tc, dh, dc, dz, B, H);
    const numeric = (array: "gates" | "cPrev", i: number) => {
      const plus = copyStep(base, (n) => new Float64Array(n)), minus = copyStep(base, (n) => new Float64Array(n));
      plus[array][i] += 1e-6;
      minus[array][i] -= 1e-6;
      return (loss(plus) - loss(minus)) / 2e-6;
    };
    for (let i = 0; i < dz.length; i++) expect(dz[i], `dz[${i}]`).toBeCloseTo(numeric("gates", i), 8);
    for (let i = 0; i < dc.length; i++) expect(dc[i], `dc[${i}]`).toBeCloseTo(numeric("cPrev", i), 8);
    // Σ dc_t² with dc_t = dcNext + dh ⊙ o ⊙ (1 − tanh²(c_t))
    let want = 0;
    for (let r = 0; r < B; r++) {
      for (let j = 0; j < H; j++) {
        const u = r * H + j, o = s.gates[r * 4 * H + 3 * H + j];
        want += (dcNext[u] + dh[u] * o * (1 - s.tc[u] ** 2)) ** 2;
      }
    }
    expect(squares).toBeCloseTo(want, 12);
  });
});

describe("the LSTM's gates in WebAssembly, against the plain loops", () => {
  const k = wasm!; // (null only where WebAssembly cannot run: then these fail)
  const inMemory = (n: number) => k.longLivedArray(n);

  /** Expects |got − want| ≤ bound[i] for every entry. */
  const within = (got: FloatArray, want: FloatArray, bound: (i: number) => number, what: string) => {
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i] - want[i]);
      if (!(d <= bound(i))) expect(got[i], `${what}[${i}]: off by ${d}, more than ${bound(i)}`).toBe(want[i]);
    }
  };

  for (const [B, H] of [[64, 128], [3, 5], [2, 1]]) {
    it(`${B} rows of ${H} units: forward and backward within a few float32 roundings`, () => {
      const s = step(B, H, 10 + H, inMemory), j = copyStep(s, (n) => new Float32Array(n));
      const z = Array.from(s.gates, (v, i) => v + s.zh[i]); // the pre-activations
      forward(k, s, B, H);
      forward(jsKernels, j, B, H);
      const tiny = 1e-37; // σ(z) for z ≪ −87: both are 0 to float32 precision, not in the same denormal
      // σ and tanh to a few roundings, after z = Zx + Zh was rounded to float32 (off by ε|z|, times the slope)
      const slope = (i: number) => { const v = j.gates[i]; return Math.floor(i / H) % 4 === 2 ? 1 - v * v : v * (1 - v); };
      const gb = (i: number) => 4 * EPS * Math.abs(j.gates[i]) + EPS * Math.abs(z[i] * slope(i)) + tiny;
      within(s.gates, j.gates, gb, "gates");
      // then each result off by its own roundings and by what its inputs were off by (c = f·c_{t−1} + i·g may cancel)
      const at = (u: number, block: number) => Math.floor(u / H) * 4 * H + block * H + (u % H);
      const cb = (u: number) => {
        const i = at(u, 0), f = at(u, 1), g = at(u, 2), G = j.gates;
        return Math.abs(j.cPrev[u]) * gb(f) + Math.abs(G[g]) * gb(i) + Math.abs(G[i]) * gb(g) +
          4 * EPS * (Math.abs(G[f] * j.cPrev[u]) + Math.abs(G[i] * G[g])) + tiny;
      };
      const tb = (u: number) => (1 - j.tc[u] ** 2) * cb(u) + 4 * EPS * Math.abs(j.tc[u]) + tiny;
      within(s.c, j.c, cb, "c");
      within(s.tc, j.tc, tb, "tanh(c)");
      within(s.h, j.h, (u) => Math.abs(j.tc[u]) * gb(at(u, 3)) + Math.abs(j.gates[at(u, 3)]) * tb(u) + 2 * EPS * Math.abs(j.h[u]) + tiny, "h");

      const rng = new Random(H);
      const dh = inMemory(B * H), dc = inMemory(B * H), dz = inMemory(4 * B * H);
      for (let u = 0; u < B * H; u++) {
        dh[u] = rng.normal();
        dc[u] = rng.normal();
      }
      const dhJ = Float32Array.from(dh), dcJ = Float32Array.from(dc), dzJ = new Float32Array(4 * B * H), dc0 = Float32Array.from(dc);
      // both from the loops' forward, so only the backward's arithmetic differs
      const gates = inMemory(4 * B * H), cPrev = inMemory(B * H), tc = inMemory(B * H);
      gates.set(j.gates);
      cPrev.set(j.cPrev);
      tc.set(j.tc);
      const sq = k.lstmGatesBackward(gates, cPrev, tc, dh, dc, dz, B, H);
      const sqJ = jsKernels.lstmGatesBackward(j.gates, j.cPrev, j.tc, dhJ, dcJ, dzJ, B, H);
      const g = j.gates;
      // dc_t's scale: its two terms, dc (as it came in) and dh·o·(1 − tanh²c)
      const S = (u: number) => Math.abs(dc0[u]) + Math.abs(dhJ[u] * g[at(u, 3)] * (1 - j.tc[u] ** 2));
      within(dz, dzJ, (q) => {
        const u = Math.floor(q / (4 * H)) * H + (q % H), block = Math.floor((q % (4 * H)) / H);
        const i = g[at(u, 0)], f = g[at(u, 1)], gg = g[at(u, 2)], o = g[at(u, 3)];
        const factor = [Math.abs(gg * i * (1 - i)), Math.abs(j.cPrev[u] * f * (1 - f)), Math.abs(i * (1 - gg * gg)), 0][block];
        const own = block === 3 ? Math.abs(dhJ[u] * j.tc[u] * o * (1 - o)) : 0;
        return 8 * EPS * (S(u) * factor + own) + 1e-37;
      }, "dz");
      within(dc, dcJ, (u) => 6 * EPS * S(u) * Math.abs(g[at(u, 1)]), "dc_{t−1}");
      let scale = 0;
      for (let u = 0; u < B * H; u++) scale += S(u) ** 2;
      expect(Math.abs(sq - sqJ)).toBeLessThanOrEqual(8 * EPS * scale);
    });
  }

  it("σ and tanh at the extremes: ±∞ saturate, a NaN stays NaN", () => {
    const s = step(1, 4, 3, inMemory);
    s.zh.fill(0);
    s.cPrev.fill(0);
    s.gates.set([Infinity, -Infinity, NaN, 0, 1e-30, -1e-30, 0, 0, Infinity, -Infinity, NaN, 20, 0, 0, 0, 0]);
    forward(k, s, 1, 4);
    expect(Array.from(s.gates.subarray(0, 4))).toEqual([1, expect.closeTo(0, 30), NaN, 0.5]); // i = σ(z_i)
    expect(Array.from(s.gates.subarray(8, 12))).toEqual([1, -1, NaN, 1]); //                    g = tanh(z_g)
    expect(s.c[2]).toBeNaN();
    expect(s.h[2]).toBeNaN();
  });

  it("arrays outside WebAssembly memory, and float64, go to the plain loops: the same numbers", () => {
    for (const make of [(n: number) => new Float32Array(n), (n: number) => new Float64Array(n)]) {
      const a = step(3, 6, 8, make), b = copyStep(a, make);
      forward(k, a, 3, 6);
      forward(jsKernels, b, 3, 6);
      expect(Array.from(a.h)).toEqual(Array.from(b.h));
      expect(Array.from(a.gates)).toEqual(Array.from(b.gates));
    }
  });
});
