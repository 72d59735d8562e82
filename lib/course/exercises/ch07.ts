// Chapter 7 · Beyond gradient descent: exercises.
import { registerExercises } from "./registry";
import { Random } from "../../core/random";
import { cosineLr } from "../../train/optimizers";

type MomentumStep = (w: Float64Array, v: Float64Array, g: Float64Array, lr: number, beta: number) => void;

/** 7.1: momentumStep, (w, v, g, lr, beta) => void. */
function checkMomentumStep(f: MomentumStep, rng: Random): true | string {
  const n = 6;
  const w = Float64Array.from({ length: n }, () => rng.normal()), v = new Float64Array(n);
  const wRef = w.slice(), vRef = v.slice();
  const settings = [[0.1, 0.9], [0.1, 0.9], [0.05, 0.5], [0.2, 0], [0.01, 0.99]];
  for (let t = 0; t < settings.length; t++) {
    const [lr, beta] = settings[t];
    const g = Float64Array.from({ length: n }, () => rng.normal());
    for (let i = 0; i < n; i++) { vRef[i] = beta * vRef[i] + g[i]; wRef[i] -= lr * vRef[i]; }
    f(w, v, g.slice(), lr, beta);
    const bad = (a: Float64Array, b: Float64Array) => a.findIndex((x, i) => !(Math.abs(x - b[i]) <= 1e-12 * Math.max(1, Math.abs(b[i]))));
    const bv = bad(v, vRef), bw = bad(w, wRef);
    if (bv >= 0) return `after step ${t + 1} (α = ${lr}, β = ${beta}) the velocity v[${bv}] is ${v[bv]}, not β·v + g`;
    if (bw >= 0) return `after step ${t + 1} (α = ${lr}, β = ${beta}) the weight w[${bw}] is off: the step is α times the NEW velocity`;
  }
  return true;
}

/** 7.3: myCosine, (epoch, baseLr) => number. */
function checkMyCosine(f: (epoch: number, baseLr: number) => number, rng: Random): true | string {
  const reference = cosineLr(10);
  for (const base of [0.001, 0.1, 1, rng.uniform(0.01, 2)]) {
    for (let e = 0; e < 10; e++) {
      const got = f(e, base), want = reference(e, base);
      if (!(Math.abs(got - want) <= 1e-12 * Math.max(1, want))) return `at epoch ${e} with α₀ = ${base} it gives ${got}`;
    }
  }
  return true;
}

registerExercises("7", [
  { id: "7.1", answer: "momentumStep", test: checkMomentumStep, offLimits: { why: "write the update yourself", modules: ["train/"] }, hint: "for every i: v[i] = beta * v[i] + g[i]; then w[i] -= lr * v[i] (update v first, in place, and w with the new v)", expects: "(w, v, g, lr, beta) => void" },
  {
    id: "7.2",
    answer: "firstAdamStep",
    hint: "after one step m = (1 − β₁)g and s = (1 − β₂)g², so m̂ = g and ŝ = g²; the step is α·g/(|g| + ε), and ε matters when |g| is as small as ε",
    digest: "dae65eb140340e70bc2a950992f0d7037bda73b035cdd13368062368783e2d16",
  },
  { id: "7.3", answer: "myCosine", test: checkMyCosine, offLimits: { why: "write the schedule yourself", modules: ["train/"] }, hint: "α₀·(1 + cos(π·epoch/10))/2", expects: "(epoch, baseLr) => number" },
]);
