// Chapter 3 · The loss and its gradient: exercises.
import { registerExercises } from "./registry";
import { Random } from "../../core/random";
import { recording, firstNonCentred } from "./helpers";

type Gradient = (f: (x: number[]) => number, x: number[]) => number[];

const rel = (a: number, e: number) => Math.abs(a - e) / Math.max(Math.abs(e), 1e-12);

/**
 * On a fast-oscillating f (sin 700x: its third derivative is 700² times its first), each estimate must be
 * (f(x + h·e_i) − f(x − h·e_i)) / 2h of a pair of points the function itself evaluated. Another stencil (a
 * one-sided one of the same order, with an f(x − h) evaluated only for show) differs there by about 1e-5.
 */
function centredOnly(g: Gradient, rng: Random): true | string {
  const x0 = [rng.uniform(-1, 1), rng.uniform(-1, 1)];
  const calls: { x: number[]; y: number }[] = [];
  const f = (v: number[]) => {
    const y = Math.sin(700 * v[0]) + 0.5 * Math.cos(700 * v[1]);
    calls.push({ x: Array.from(v), y });
    return y;
  };
  const got = Array.from(g(f, x0.slice()) ?? []);
  if (got.length !== 2) return `for 2 coordinates it gives ${got.length} numbers`;
  for (let i = 0; i < 2; i++) {
    const along = calls.filter((c) => c.x.length === 2 && c.x.every((v, k) => k === i || v === x0[k]));
    let matched = false;
    for (const p of along) {
      for (const m of along) {
        const sp = p.x[i] - x0[i], sm = m.x[i] - x0[i];
        if (!(sp > 0) || Math.abs(sp + sm) > 1e-9 * sp) continue;
        const centred = (p.y - m.y) / (sp - sm);
        if (Math.abs(got[i] - centred) <= 1e-7 * Math.max(1, Math.abs(centred))) matched = true;
      }
    }
    if (!matched) return `coordinate ${i}: the estimate is not (f(x + h·e_${i}) − f(x − h·e_${i}))/2h of the points it evaluated: use the centred difference, and only it`;
  }
  return true;
}

/** 3.3: numericalGradient, (f, x) => gradient. */
function checkNumericalGradient(g: Gradient, rng: Random): true | string {
  // f(x) = Σ exp(x_i) + x₀·x₁²: every second and third derivative is non-zero, so a forward
  // difference (error ~ h) and a poorly chosen step cannot reach the accuracy a centred one does
  const f = (v: number[]) => v.reduce((s, t) => s + Math.exp(t), 0) + v[0] * v[1] * v[1];
  const x = [0.5, -1.2, 2.0];
  const expected = [Math.exp(x[0]) + x[1] * x[1], Math.exp(x[1]) + 2 * x[0] * x[1], Math.exp(x[2])];
  const rec = recording(f);
  const before = x.slice();
  const got = Array.from(g(rec.f, x) ?? []);
  if (x.some((v, i) => v !== before[i])) return "it changes x: nudge a copy, or put each entry back";
  if (got.length !== 3) return `for 3 coordinates it gives ${got.length} numbers`;
  const i = firstNonCentred(x, rec.calls);
  if (i >= 0) return `coordinate ${i} is not estimated from f(x + h·e_${i}) and f(x − h·e_${i}): that is not a centred difference`;
  const worst = Math.max(...got.map((v, k) => rel(v, expected[k])));
  if (!(worst < 1e-8)) return `it gives [${got.map((v) => v.toFixed(6)).join(", ")}], off by ${worst.toExponential(1)} (relative): check h`;
  return centredOnly(g, rng);
}

registerExercises("3", [
  {
    id: "3.1",
    answer: "lossOfHalfAndHalf",
    hint: "the mean of −ln p over the examples (not −ln of the mean p)",
    digest: "e090350dc35841fd4705e1a4f4ee79300460b6e25da13a253059d2c88e58a345",
    tolerance: 1e-3,
  },
  {
    id: "3.2",
    answer: "gradientByHand",
    hint: "softmax first (chapter 2), then subtract the one-hot y = (0, 1, 0)",
    digest: "78f34a535a3a3ad966d98eb705637ea969db5de3b7c8c436ca45d53f5002aa12",
    digits: 2,
    tolerance: 2e-3,
  },
  { id: "3.3", answer: "numericalGradient", test: checkNumericalGradient, offLimits: { why: "write the centred difference yourself", modules: ["nn/gradcheck"] }, hint: "for each i: copy x, add h to x[i] for f(x + h·e_i), subtract h for f(x − h·e_i), divide the difference by 2h; h = 1e-5", expects: "(f, x) => gradient" },
]);
