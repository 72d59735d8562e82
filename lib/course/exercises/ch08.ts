// Chapter 8 · Making it fast: exercises.
import { registerExercises } from "./registry";
import { Random } from "../../core/random";

type TransAB = (a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number) => void;

/** A Float32Array seen through a Proxy that records the index of every element read or written. */
function watched(data: Float32Array, log: number[]): Float32Array {
  return new Proxy(data, {
    get(target, key) {
      if (typeof key === "string" && /^\d+$/.test(key)) log.push(Number(key));
      const v = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
    set(target, key, value) {
      if (typeof key === "string" && /^\d+$/.test(key)) log.push(Number(key));
      return Reflect.set(target, key, value, target);
    },
  });
}

/** The fraction of successive accesses that move by at most one element (along a row). */
function alongRows(log: number[]): number {
  if (log.length < 2) return 1;
  let near = 0;
  for (let t = 1; t < log.length; t++) if (Math.abs(log[t] - log[t - 1]) <= 1) near++;
  return near / (log.length - 1);
}

registerExercises("8", [
  {
    id: "8.1",
    hint: "each product m×k·k×n is 2·m·k·n; write the shapes of the five products (the batch is one of the three sizes in each)",
    expected: 2 * 64 * (784 * 256 + 256 * 10 + 256 * 10 + 10 * 256 + 784 * 256),
  },
  {
    id: "8.2",
    hint: "time after = 0.15 + 0.85/10 of the time before",
    expected: 1 / (0.15 + 0.85 / 10),
    tolerance: 1e-3,
  },
  {
    id: "8.3",
    hint: "loops p, i, j: for each p, C[i, :] += A[p, i]·B[p, :]; remember that c may start with garbage",
    test: (f: TransAB) => {
      if (typeof f !== "function") return "expected a function (a, b, c, m, k, n) => void";
      const m = 13, k = 11, n = 17, r = new Random(3);
      const a = Float32Array.from({ length: k * m }, () => r.uniform(-1, 1));
      const b = Float32Array.from({ length: k * n }, () => r.uniform(-1, 1));
      const c = new Float32Array(m * n).fill(NaN);
      const bReads: number[] = [], cAccesses: number[] = [];
      f(a, watched(b, bReads), watched(c, cAccesses), m, k, n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let want = 0;
          for (let p = 0; p < k; p++) want += a[p * m + i] * b[p * n + j];   // (Aᵀ·B)_ij = Σ_p A_pi·B_pj
          if (!(Math.abs(c[i * n + j] - want) < 1e-4)) return `entry (${i}, ${j}) is ${c[i * n + j]}, not (Aᵀ·B)[${i}, ${j}]`;
        }
      }
      // the innermost loop must walk along rows of B and C: most successive accesses one element apart
      const along = Math.min(alongRows(bReads), alongRows(cAccesses));
      return along >= 0.75 || `the result is right, but only ${(100 * along).toFixed(0)} % of successive reads of b and c are next to each other: the innermost loop jumps across rows`;
    },
  },
]);
