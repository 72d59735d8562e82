// Chapter 9 · Deeper networks: exercises.
import { registerExercises } from "./registry";
import { Matrix } from "../../core/matrix";
import { Random } from "../../core/random";
import { BatchNorm } from "../../nn/batchnorm";

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

/** dL/dX by centred differences of L = Σ y ⊙ G. */
function numericDx(x: Matrix, gamma: number[], eps: number, G: Matrix): Matrix {
  const h = 1e-5, dX = Matrix.zeros(x.rows, x.cols, "float64");
  const loss = () => { const y = bnForward(x, gamma, eps).y; let s = 0; for (let k = 0; k < y.data.length; k++) s += y.data[k] * G.data[k]; return s; };
  for (let k = 0; k < x.data.length; k++) {
    const v = x.data[k];
    x.data[k] = v + h; const up = loss();
    x.data[k] = v - h; const down = loss();
    x.data[k] = v;
    dX.data[k] = (up - down) / (2 * h);
  }
  return dX;
}

function withoutBatchNormBackward<T>(fn: () => T): T {
  const proto = BatchNorm.prototype as unknown as { backward: unknown };
  const original = proto.backward;
  proto.backward = () => { throw new Error("BatchNorm.backward is switched off in exercise 9.2: write the formula yourself"); };
  try {
    return fn();
  } finally {
    proto.backward = original;
  }
}

registerExercises("9", [
  {
    id: "9.1",
    hint: "He: Var(W) = 2/n, so the standard deviation is √(2/n) with n the number of inputs",
    expected: Math.sqrt(2 / 400),
    tolerance: 1e-3,
  },
  {
    id: "9.2",
    hint: "per column j, with g = γ_j·dY: dX = invStd_j·(g − mean(g) − x̂·mean(g ⊙ x̂)), the means over the m rows",
    test: (f: BnBackward) => {
      if (typeof f !== "function") return "expected a function (dY, xHat, gamma, invStd) => Matrix";
      const rng = new Random(92);
      for (const [m, n] of [[5, 3], [8, 4], [2, 2]]) {
        const x = Matrix.zeros(m, n, "float64"), G = Matrix.zeros(m, n, "float64");
        for (let k = 0; k < x.data.length; k++) { x.data[k] = rng.normal(1, 2); G.data[k] = rng.normal(); }
        const gamma = Array.from({ length: n }, () => rng.uniform(0.5, 2));
        const { xHat, invStd } = bnForward(x, gamma, 1e-5);
        const want = numericDx(x, gamma, 1e-5, G);
        const got = withoutBatchNormBackward(() => f(G.clone(), xHat.clone(), gamma.slice(), invStd.slice()));
        if (!(got instanceof Matrix)) return "your function should return a Matrix";
        if (got.rows !== m || got.cols !== n) return `for a ${m}×${n} batch your dX is ${got.rows}×${got.cols}`;
        for (let k = 0; k < want.data.length; k++) {
          if (!(Math.abs(got.data[k] - want.data[k]) <= 1e-5 * Math.max(1, Math.abs(want.data[k])))) {
            return `for a ${m}×${n} batch, dX[${Math.floor(k / n)},${k % n}] is ${got.data[k].toPrecision(4)}, but finite differences give ${want.data[k].toPrecision(4)}`;
          }
        }
      }
      return true;
    },
  },
  {
    id: "9.3",
    hint: "a fresh network guesses uniformly: p = 1/K for every class, so the loss is −ln(1/K)",
    expected: Math.log(47),
    tolerance: 1e-3,
  },
]);
