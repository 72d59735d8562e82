// Small tools the exercise checks share: random test matrices, comparisons, recorded calls. (What a student's
// function may not use is declared per exercise, `offLimits` in the registry: see off-limits.ts.)
import { Matrix } from "../../core/matrix";
import { Random } from "../../core/random";

/** A rows × cols float64 matrix of N(0, std²) entries from `rng`. */
export function randomMatrix(rng: Random, rows: number, cols: number, std = 1): Matrix {
  const m = Matrix.zeros(rows, cols, "float64");
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal(0, std);
  return m;
}

/** null if `m` is a Matrix of the given shape, else what is wrong with it. */
export function shapeProblem(what: string, m: unknown, rows: number, cols: number): string | null {
  if (!(m instanceof Matrix)) return `${what} is not a Matrix`;
  if (m.rows !== rows || m.cols !== cols) return `${what} is ${m.rows}×${m.cols}, expected ${rows}×${cols}`;
  return null;
}

/** The largest |a − e| / max(|e|, floor) over the entries (floor keeps near-zero entries absolute). */
export function largestRelDiff(a: ArrayLike<number>, e: ArrayLike<number>, floor = 1e-3): number {
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    const d = Math.abs(a[i] - e[i]) / Math.max(Math.abs(e[i]), floor);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** null when `got` (a Matrix of e's shape) matches `e` to `tol` (relative), else a sentence. */
export function matrixProblem(what: string, got: unknown, e: Matrix, tol: number): string | null {
  const shape = shapeProblem(what, got, e.rows, e.cols);
  if (shape !== null) return shape;
  const d = largestRelDiff((got as Matrix).data, e.data);
  return d <= tol ? null : `${what} differs from the right gradient (largest relative difference ${d.toExponential(1)})`;
}

/** f wrapped so that every point it is called at is recorded (a copy of x). */
export function recording(f: (x: number[]) => number): { f: (x: number[]) => number; calls: number[][] } {
  const calls: number[][] = [];
  return { f: (x: number[]) => { calls.push(Array.from(x)); return f(x); }, calls };
}

/**
 * For each coordinate i of x0, whether f was called at a pair of points x0 ± h·e_i (the same h > 0,
 * every other coordinate unchanged): the signature of a centred difference. Returns the first
 * coordinate without such a pair, or -1.
 */
export function firstNonCentred(x0: number[], calls: number[][]): number {
  for (let i = 0; i < x0.length; i++) {
    const steps: number[] = [];
    for (const x of calls) {
      if (x.length !== x0.length) continue;
      if (x.every((v, k) => k === i || v === x0[k])) steps.push(x[i] - x0[i]);
    }
    const ok = steps.some((s) => s > 0 && steps.some((t) => Math.abs(t + s) <= 1e-9 * s));
    if (!ok) return i;
  }
  return -1;
}
