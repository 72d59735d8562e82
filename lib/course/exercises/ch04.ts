// Chapter 4 · Backpropagation: exercises. In 4.1, 4.2 and 4.4 every layer, the losses and the networks are off
// limits while the student's function runs (offLimits), so only the student's own gradients can pass.
import { registerExercises } from "./registry";
import { Matrix } from "../../core/matrix";
import { Random } from "../../core/random";
import { matmul, matmulTransA, matmulTransB, addRowVector, sumRows, map, hadamard, softmaxRows, sub, scale } from "../../core/ops";
import { softmaxCrossEntropy } from "../../nn/losses";
import { mlp } from "../../nn/models";
import { Dense } from "../../nn/layers";
import { loadMnist } from "../../data/mnist";
import { randomMatrix, matrixProblem, recording, firstNonCentred } from "./helpers";
import type { OffLimits } from "./registry";

const BY_HAND: OffLimits = {
  why: "write the gradients yourself (matmul, matmulTransA, matmulTransB, sumRows, map, hadamard or loops)",
  layers: true,
  modules: ["nn/losses", "nn/sequential", "nn/models", "nn/evaluate", "nn/chain", "nn/gradcheck", "nn/conv", "nn/pool", "nn/batchnorm", "nn/dropout"],
};

type DenseGrads = { dW: Matrix; db: Matrix; dX: Matrix };
type TwoLayerGrads = { dW1: Matrix; db1: Matrix; dW2: Matrix; db2: Matrix };
type TwoLayer = (X: Matrix, Y: Matrix, W1: Matrix, b1: Matrix, W2: Matrix, b2: Matrix) => TwoLayerGrads;
type GradCheck = (loss: () => number, M: Matrix, analytic: Matrix, entries: number[]) => number;

/** The right gradients of the two-layer network (softmax cross-entropy, mean over the batch). */
export function twoLayerReference(X: Matrix, Y: Matrix, W1: Matrix, b1: Matrix, W2: Matrix, b2: Matrix): TwoLayerGrads {
  const Z1 = addRowVector(matmul(X, W1), b1);
  const A1 = map(Z1, (z) => Math.max(0, z));
  const Z2 = addRowVector(matmul(A1, W2), b2);
  const dZ2 = scale(sub(softmaxRows(Z2), Y), 1 / X.rows);            // dZ2 = (P − Y)/m
  const dZ1 = hadamard(matmulTransB(dZ2, W2), map(Z1, (z) => (z > 0 ? 1 : 0)));
  return { dW1: matmulTransA(X, dZ1), db1: sumRows(dZ1), dW2: matmulTransA(A1, dZ2), db2: sumRows(dZ2) };
}

function oneHotRandom(rng: Random, m: number, classes: number): Matrix {
  const Y = Matrix.zeros(m, classes, "float64");
  for (let i = 0; i < m; i++) Y.set(i, rng.int(classes), 1);
  return Y;
}

function twoLayerCase(rng: Random, m: number, n: number, h: number, k: number) {
  const X = randomMatrix(rng, m, n), Y = oneHotRandom(rng, m, k);
  const W1 = randomMatrix(rng, n, h, Math.sqrt(2 / n)), b1 = randomMatrix(rng, 1, h, 0.1);
  const W2 = randomMatrix(rng, h, k, Math.sqrt(2 / h)), b2 = randomMatrix(rng, 1, k, 0.1);
  return { X, Y, W1, b1, W2, b2 };
}

function twoLayerProblem(f: TwoLayer, c: ReturnType<typeof twoLayerCase>, tol: number): string | null {
  const want = twoLayerReference(c.X, c.Y, c.W1, c.b1, c.W2, c.b2);
  const inputs = [c.X, c.Y, c.W1, c.b1, c.W2, c.b2].map((m) => m.data.slice());
  const got = f(c.X, c.Y, c.W1, c.b1, c.W2, c.b2);
  if ([c.X, c.Y, c.W1, c.b1, c.W2, c.b2].some((m, k) => m.data.some((v, i) => v !== inputs[k][i])))
    return "it changes its inputs (X, Y, W1, b1, W2 or b2): compute new matrices instead";
  if (got === null || typeof got !== "object") return "expected an object { dW1, db1, dW2, db2 }";
  for (const key of ["dW2", "db2", "dW1", "db1"] as const) {
    const problem = matrixProblem(key, got[key], want[key], tol);
    if (problem !== null) return problem;
  }
  return null;
}

/** 4.1: denseBackward, (X, W, dZ) => { dW, db, dX }. */
function checkDenseBackward(f: (X: Matrix, W: Matrix, dZ: Matrix) => DenseGrads, rng: Random): true | string {
  const X = randomMatrix(rng, 5, 6), W = randomMatrix(rng, 6, 4), dZ = randomMatrix(rng, 5, 4);
  const got = f(X, W, dZ);
  if (got === null || typeof got !== "object") return "expected an object { dW, db, dX }";
  const want = { dW: matmulTransA(X, dZ), db: sumRows(dZ), dX: matmulTransB(dZ, W) };
  for (const key of ["dW", "db", "dX"] as const) {
    const problem = matrixProblem(key, got[key], want[key], 1e-12);
    if (problem !== null) return problem;
  }
  return true;
}

/** 4.2: twoLayerBackward, (X, Y, W1, b1, W2, b2) => { dW1, db1, dW2, db2 }. */
function checkTwoLayerBackward(f: TwoLayer, rng: Random): true | string {
  const small = twoLayerProblem(f, twoLayerCase(rng, 12, 20, 7, 5), 1e-9);
  if (small !== null) return `on a batch of 12 examples (20 inputs, 7 hidden units, 5 classes): ${small}`;
  // a full-size case with a time limit: backpropagation takes milliseconds, finite differences minutes
  const big = twoLayerCase(rng, 64, 784, 32, 10);
  const t0 = Date.now();
  const problem = twoLayerProblem(f, big, 1e-9);
  const seconds = (Date.now() - t0) / 1000;
  if (problem !== null) return `on a batch of 64 (784 → 32 → 10): ${problem}`;
  if (seconds > 10) return `it took ${seconds.toFixed(1)} s for 784 → 32 → 10: backpropagation takes milliseconds; are these finite differences?`;
  return true;
}

/** 4.3: largestRelativeError, (loss, M, analytic, entries) => number. */
function checkLargestRelativeError(f: GradCheck): true | string {
  const M = Matrix.fromRows([[0.3, -0.8, 1.1, 0.2], [-0.5, 0.9, 0.05, -1.3], [0.7, -0.2, 0.4, 1.6]], "float64");
  const c = [1, -2, 0.5, 3, -1, 2, 1.5, -0.7, 0.9, -1.1, 2.2, 0.4];
  const original = M.data.slice();
  const lossFn = (v: ArrayLike<number>) => { let s = v[0] * v[5]; for (let k = 0; k < 12; k++) s += c[k] * Math.exp(v[k]); return s; };
  const rec = recording((v) => lossFn(v));
  const loss = () => rec.f(Array.from(M.data));
  const grad = Matrix.zeros(3, 4, "float64");
  for (let k = 0; k < 12; k++) grad.data[k] = c[k] * Math.exp(original[k]) + (k === 0 ? original[5] : k === 5 ? original[0] : 0);
  const entries = [0, 3, 5, 10];
  const right = f(loss, M, grad, entries);
  if (M.data.some((v, k) => v !== original[k])) return "M is not as it was afterwards: put every entry back";
  const notCentred = firstNonCentred(entries.map((k) => original[k]), rec.calls.map((x) => entries.map((k) => x[k])));
  if (notCentred >= 0) return `entry ${entries[notCentred]} is not nudged both ways (θ + h and θ − h): use a centred difference`;
  if (typeof right !== "number" || !(right >= 0 && right < 1e-7)) return `for a right gradient it reports ${right}, which should be below 1e-7`;
  const zero = f(() => M.data[0] * M.data[0], M, Matrix.fromRows([[2 * original[0], 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], "float64"), [0, 1, 2]);
  if (typeof zero !== "number" || !(zero < 1e-7)) return `where the gradient is 0 and the estimate is 0 too, it reports ${zero}: divide by max(|a|, |n|, 1e-10)`;
  const wrong = grad.clone();
  wrong.data[3] *= 1.02; wrong.data[10] *= 1.5; wrong.data[7] *= 9;   // entry 7 is not checked
  const reported = f(loss, M, wrong, entries);
  const exact = 0.5 / 1.5;                                              // |a − n| / max(|a|, |n|) at entry 10
  return (typeof reported === "number" && Math.abs(reported - exact) < 1e-6)
    || `for a gradient 50 % too large at one checked entry it reports ${reported}: the largest relative error is not that`;
}

/** 4.4: sigmoidBackward, (A, dA) => dZ. */
function checkSigmoidBackward(fn: (A: Matrix, dA: Matrix) => Matrix, rng: Random): true | string {
  const Z = randomMatrix(rng, 3, 7, 2), dA = randomMatrix(rng, 3, 7);
  const A = map(Z, (z) => 1 / (1 + Math.exp(-z)));
  const want = hadamard(dA, map(A, (a) => a * (1 - a)));
  const got = fn(A.clone(), dA.clone());
  return matrixProblem("dZ", got, want, 1e-12) ?? true;
}

registerExercises("4", [
  { id: "4.1", answer: "denseBackward", test: checkDenseBackward, offLimits: BY_HAND, hint: "dW = Xᵀ·dZ (in × out), db = Σ over the rows of dZ (1 × out), dX = dZ·Wᵀ (m × in): matmulTransA, sumRows, matmulTransB, or loops", expects: "(X, W, dZ) => { dW, db, dX }" },
  { id: "4.2", answer: "twoLayerBackward", test: checkTwoLayerBackward, offLimits: BY_HAND, hint: "forward first (keep Z1 and A1), then dZ2 = (P − Y)/m, dW2 = A1ᵀ·dZ2, db2 = Σ dZ2, dA1 = dZ2·W2ᵀ, dZ1 = dA1 ∗ [Z1 > 0], dW1 = Xᵀ·dZ1, db1 = Σ dZ1", expects: "(X, Y, W1, b1, W2, b2) => { dW1, db1, dW2, db2 }" },
  { id: "4.3", answer: "largestRelativeError", test: checkLargestRelativeError, offLimits: { why: "nudge the entries and compare yourself", modules: ["nn/gradcheck"] }, hint: "for each entry k: keep v = M.data[k], set v + h and v − h (h = 1e-5), n = (up − down)/2h, put v back; the error is |a − n| / max(|a|, |n|, 1e-10)", expects: "(loss, M, analytic, entries) => number" },
  { id: "4.4", answer: "sigmoidBackward", test: checkSigmoidBackward, offLimits: BY_HAND, hint: "dZ = dA ∗ A ∗ (1 − A): hadamard(dA, map(A, (a) => a * (1 - a)))", expects: "(A, dA) => dZ" },
  {
    id: "4.5",
    answer: "activeUnits",
    hint: "count the columns j of Z1 that have at least one entry > 0",
    digest: "8466ad1df011c8ae0192b5fbd544e955b0525b620c289f30f7f659e18cca92be",
  },
]);
