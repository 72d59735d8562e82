// Chapter 8 · Making it fast: exercises.
import { registerExercises } from "./registry";
import { Random } from "../../core/random";

type TransAB = (a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number) => void;

/** What the check saw of one array: the index of every element read or written, and anything else used. */
interface Watch { log: number[]; reads: number; other: Set<string> }

/**
 * A Float32Array seen through a Proxy that records the index of every element read or written. Any other
 * use but `length` and `fill` (a method such as slice or set, the buffer, an iterator) is recorded too: it
 * would move elements where the check cannot follow them.
 */
function watched(data: Float32Array, w: Watch): Float32Array {
  return new Proxy(data, {
    get(target, key) {
      if (typeof key === "string" && /^\d+$/.test(key)) {
        w.log.push(Number(key));
        w.reads++;
      } else if (key !== "length" && key !== "fill") {
        w.other.add(String(key));
      }
      const v = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
    set(target, key, value) {
      if (typeof key === "string" && /^\d+$/.test(key)) w.log.push(Number(key));
      else w.other.add(String(key));
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
    answer: "stepFlops",
    hint: "each product m×k·k×n is 2·m·k·n; write the shapes of the five products (the batch is one of the three sizes in each)",
    digest: "3f6b33a271a7dce3ba034b0dec32d12044693146270562803ba9058f6deb033d",
  },
  {
    id: "8.2",
    answer: "amdahl",
    hint: "time after = 0.15 + 0.85/10 of the time before",
    digest: "6cb4c90722c8c279e2748a802fe668af1de4fb3d061b5c5c430ef9733260700a",
    digits: 2,
    tolerance: 1e-3,
  },
  {
    id: "8.3",
    answer: "transAB",
    offLimits: { why: "write the three loops yourself", modules: ["engine/", "core/ops"] },
    hint: "loops p, i, j: for each p, C[i, :] += A[p, i]·B[p, :]; remember that c may start with garbage",
    expects: "(a, b, c, m, k, n) => void",
    test: (f: TransAB, r: Random) => {
      const m = 13 + r.int(4), k = 11 + r.int(4), n = 17 + r.int(4);
      const a = Float32Array.from({ length: k * m }, () => r.uniform(-1, 1));
      const b = Float32Array.from({ length: k * n }, () => r.uniform(-1, 1));
      const c = new Float32Array(m * n).fill(NaN);
      const bWatch: Watch = { log: [], reads: 0, other: new Set() }, cWatch: Watch = { log: [], reads: 0, other: new Set() };
      f(a, watched(b, bWatch), watched(c, cWatch), m, k, n);
      for (const [name, w] of [["b", bWatch], ["c", cWatch]] as const) {
        if (w.other.size > 0) return `it uses ${name}.${[...w.other][0]}: index b and c element by element (the check follows every element your loops read and write)`;
      }
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let want = 0;
          for (let p = 0; p < k; p++) want += a[p * m + i] * b[p * n + j];   // (Aᵀ·B)_ij = Σ_p A_pi·B_pj
          if (!(Math.abs(c[i * n + j] - want) < 1e-4)) return `entry (${i}, ${j}) is ${c[i * n + j]}, not (Aᵀ·B)[${i}, ${j}]`;
        }
      }
      // the innermost loop must walk along rows of B and C: most successive accesses one element apart
      // each B[p, j] is needed once for every i: fewer reads of b mean the loops ran on a copy of it
      if (bWatch.reads < m * k * n) return `it reads b only ${bWatch.reads} times, not once for each of the m·k·n = ${m * k * n} products: work on b itself, not on a copy`;
      const along = Math.min(alongRows(bWatch.log), alongRows(cWatch.log));
      return along >= 0.75 || `the result is right, but only ${(100 * along).toFixed(0)} % of successive reads of b and c are next to each other: the innermost loop jumps across rows`;
    },
  },
]);
