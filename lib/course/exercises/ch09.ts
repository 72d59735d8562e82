// Chapter 9 · Deeper networks: exercises.
import { registerExercises } from "./registry";
import { Matrix } from "../../core/matrix";
import { Random } from "../../core/random";

type BnBackward = (dY: Matrix, xHat: Matrix, gamma: number[], invStd: number[]) => Matrix;

/** Batch normalisation in training mode, written out independently of lib/nn/batchnorm.ts: y = γ·(x − μ)/√(σ² + ε) + β. */
function bnForward(x: Matrix, gamma: number[], eps: number): { y: Matrix; xHat: Matrix; invStd: number[] } {
  const m = x.rows, n = x.cols, y = Matrix.zeros(m, n, "float64"), xHat = Matrix.zeros(m, n, "float64"), invStd: number[] = [];
  for (let j = 0; j < n; j++) {
    let mean = 0, v = 0;
    for (let i = 0; i < m; i++) mean += x.get(i, j) / m;
    for (let i = 0; i < m; i++) v += (x.get(i, j) - mean) ** 2 / m;
    invStd.push(1 / Math.sqrt(v + eps));
    for (let i = 0; i < m; i++) {
      xHat.set(i, j, (x.get(i, j) - mean) * invStd[j]);
      y.set(i, j, gamma[j] * xHat.get(i, j));
    }
  }
  return { y, xHat, invStd };
}

/** dL/dX for L = Σ y ⊙ G, by the formula (float64): per column, g = γ·G, dX = invStd·(g − mean(g) − x̂·mean(g ⊙ x̂)). */
function exactDx(G: Matrix, xHat: Matrix, gamma: number[], invStd: number[]): Matrix {
  const m = G.rows, n = G.cols, dX = Matrix.zeros(m, n, "float64");
  for (let j = 0; j < n; j++) {
    let mg = 0, mgx = 0;
    for (let i = 0; i < m; i++) {
      mg += (gamma[j] * G.get(i, j)) / m;
      mgx += (gamma[j] * G.get(i, j) * xHat.get(i, j)) / m;
    }
    for (let i = 0; i < m; i++) dX.set(i, j, invStd[j] * (gamma[j] * G.get(i, j) - mg - xHat.get(i, j) * mgx));
  }
  return dX;
}

registerExercises("9", [
  {
    id: "9.1",
    answer: "heStd400",
    hint: "He: Var(W) = 2/n, so the standard deviation is √(2/n) with n the number of inputs",
    digest: "f0873356227228385daeca2790ecd0acbd0fbb46f35ab1123672ff5d2b44b5e7",
    tolerance: 1e-3,
  },
  {
    id: "9.2",
    answer: "bnBackward",
    offLimits: { why: "write the formula yourself", layers: true, modules: ["nn/batchnorm", "nn/gradcheck"] },
    hint: "per column j, with g = γ_j·dY: dX = invStd_j·(g − mean(g) − x̂·mean(g ⊙ x̂)), the means over the m rows",
    expects: "(dY, xHat, gamma, invStd) => Matrix",
    test: (f: BnBackward, rng: Random) => {
      // the formula agrees with the exact gradient to rounding (1e-15); finite differences, even through a
      // rebuilt x, miss by 1e-10 or more on a batch this size
      for (const [m, n] of [[5, 3], [48, 12], [2, 2]]) {
        const x = Matrix.zeros(m, n, "float64"), G = Matrix.zeros(m, n, "float64");
        for (let k = 0; k < x.data.length; k++) { x.data[k] = rng.normal(1, 2); G.data[k] = rng.normal(); }
        const gamma = Array.from({ length: n }, () => rng.uniform(0.5, 2));
        const { xHat, invStd } = bnForward(x, gamma, 1e-5);
        const want = exactDx(G, xHat, gamma, invStd);
        const got = f(G.clone(), xHat.clone(), gamma.slice(), invStd.slice());
        if (!(got instanceof Matrix)) return "your function should return a Matrix";
        if (got.rows !== m || got.cols !== n) return `for a ${m}×${n} batch your dX is ${got.rows}×${got.cols}`;
        for (let k = 0; k < want.data.length; k++) {
          const off = Math.abs(got.data[k] - want.data[k]);
          if (!(off <= 1e-11 * Math.max(1, Math.abs(want.data[k])))) {
            return off < 1e-5
              ? `for a ${m}×${n} batch, dX[${Math.floor(k / n)},${k % n}] is off by ${off.toExponential(1)}: that is a numerical estimate, not the formula`
              : `for a ${m}×${n} batch, dX[${Math.floor(k / n)},${k % n}] is ${got.data[k].toPrecision(4)}, not the gradient of the loss there`;
          }
        }
      }
      return true;
    },
  },
  {
    id: "9.3",
    answer: "initialLoss47",
    hint: "a fresh network guesses uniformly: p = 1/K for every class, so the loss is −ln(1/K)",
    digest: "a34d9955851020850cd5c4be329d09724e2aca933c57345e4b624f73055f1292",
    tolerance: 1e-3,
  },
]);
