// Chapter 3 · The loss and its gradient: exercises.
import { registerExercises } from "./registry";
import { recording, firstNonCentred } from "./helpers";

type Gradient = (f: (x: number[]) => number, x: number[]) => number[];

const rel = (a: number, e: number) => Math.abs(a - e) / Math.max(Math.abs(e), 1e-12);

registerExercises("3", [
  {
    id: "3.1",
    hint: "the mean of −ln p over the examples (not −ln of the mean p)",
    expected: (-Math.log(0.8) - Math.log(0.2)) / 2,
    tolerance: 1e-3,
  },
  {
    id: "3.2",
    hint: "softmax first (chapter 2), then subtract the one-hot y = (0, 1, 0)",
    expected: (() => {
      const e = [2, 1, 0.1].map(Math.exp), s = e[0] + e[1] + e[2];
      return [e[0] / s, e[1] / s - 1, e[2] / s];
    })(),
    tolerance: 2e-3,
  },
  {
    id: "3.3",
    hint: "for each i: copy x, add h to x[i] for f(x + h·e_i), subtract h for f(x − h·e_i), divide the difference by 2h; h = 1e-5",
    test: (g: Gradient) => {
      if (typeof g !== "function") return "expected a function (f, x) => gradient";
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
      return worst < 1e-8 || `it gives [${got.map((v) => v.toFixed(6)).join(", ")}], off by ${worst.toExponential(1)} (relative): check h`;
    },
  },
]);
