// Chapter 10 · Generalisation: exercises.
import { registerExercises } from "./registry";
import { Random } from "../../core/random";

type DropoutByHand = (x: number[], p: number, u: number[]) => number[];
type L1Step = (w: number[], dw: number[], lr: number, lambda: number) => number[];
type EarlyStop = (devLosses: number[], patience: number) => { stop: number; best: number };

/** The rule of chapter 10: stop after the epoch that makes `patience` epochs in a row without a new lowest dev loss. */
export function earlyStoppingReference(devLosses: number[], patience: number): { stop: number; best: number } {
  let best = 1, bestLoss = Infinity, waited = 0;
  for (let e = 1; e <= devLosses.length; e++) {
    if (devLosses[e - 1] < bestLoss) {
      bestLoss = devLosses[e - 1];
      best = e;
      waited = 0;
    } else if (++waited >= patience) {
      return { stop: e, best };
    }
  }
  return { stop: devLosses.length, best };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

/** 10.1: myDropout, (x, p, u) => number[]. */
function checkMyDropout(f: DropoutByHand, rng: Random): true | string {
  for (const p of [0.5, 0.2, 0.8, 0]) {
    const x = Array.from({ length: 12 }, () => rng.normal(0, 2)), u = Array.from({ length: 12 }, () => rng.next());
    const got = f(x.slice(), p, u.slice());
    if (!Array.isArray(got) || got.length !== x.length) return `with p = ${p}, expected a list of ${x.length} numbers`;
    for (let i = 0; i < x.length; i++) {
      const want = u[i] < 1 - p ? x[i] / (1 - p) : 0;
      if (!close(got[i], want)) {
        return want !== 0 && close(got[i], x[i]) ? `with p = ${p}, unit ${i} is kept but not scaled` : `with p = ${p}, unit ${i} is ${got[i]}`;
      }
    }
  }
  return true;
}

/** 10.2: l1Step, (w, dw, lr, lambda) => number[]. */
function checkL1Step(f: L1Step, rng: Random): true | string {
  for (const [lr, lambda] of [[0.1, 0.01], [0.5, 0.2], [0.01, 0]]) {
    const w = Array.from({ length: 10 }, (_, i) => (i === 3 ? 0 : rng.normal(0, 3))), dw = w.map(() => rng.normal());
    const got = f(w.slice(), dw.slice(), lr, lambda);
    if (!Array.isArray(got) || got.length !== w.length) return `expected a list of ${w.length} numbers`;
    for (let i = 0; i < w.length; i++) {
      const want = w[i] - lr * (dw[i] + lambda * Math.sign(w[i]));
      if (!close(got[i], want)) {
        const l2 = w[i] - lr * (dw[i] + lambda * w[i]);
        return close(got[i], l2) ? "that is the L2 update (λ·W): L1's gradient is λ·sign(W)" : `weight ${i} (α = ${lr}, λ = ${lambda}) is ${got[i]}`;
      }
    }
  }
  return true;
}

/** 10.3: earlyStop, (devLosses, patience) => { stop, best }. */
function checkEarlyStop(f: EarlyStop, rng: Random): true | string {
  const cases: [number[], number][] = [
    [[0.9, 0.7, 0.6, 0.62, 0.61, 0.65, 0.66, 0.7], 3],
    [[0.9, 0.7, 0.6, 0.62, 0.59, 0.65, 0.66, 0.7], 2],
    [[1, 0.9, 0.8, 0.7], 2],
    [[0.5, 0.5, 0.5, 0.4, 0.6], 2],
    [[0.5, 0.6, 0.7, 0.8], 1],
    [Array.from({ length: 12 }, () => +rng.uniform(0.2, 1).toFixed(2)), 1 + rng.int(3)],
  ];
  for (const [losses, patience] of cases) {
    const want = earlyStoppingReference(losses, patience);
    const got = f(losses.slice(), patience);
    if (!got || got.stop !== want.stop || got.best !== want.best) {
      return `for dev losses [${losses.join(", ")}] with patience ${patience}: you say stop ${got?.stop}, best ${got?.best}`;
    }
  }
  return true;
}

registerExercises("10", [
  { id: "10.1", answer: "myDropout", test: checkMyDropout, offLimits: { why: "write dropout yourself", layers: true, modules: ["nn/dropout"] }, hint: "keep unit i when u[i] < 1 − p and divide it by 1 − p (inverted dropout); otherwise 0", expects: "(x, p, u) => number[]" },
  { id: "10.2", answer: "l1Step", test: checkL1Step, offLimits: { why: "write the update yourself", modules: ["train/"] }, hint: "the L1 penalty λ·Σ|W| has gradient λ·sign(W) (0 where W = 0): W ← W − α·(dW + λ·sign(W))", expects: "(w, dw, lr, lambda) => number[]" },
  { id: "10.3", answer: "earlyStop", test: checkEarlyStop, offLimits: { why: "write the rule yourself", modules: ["train/"] }, hint: "walk the epochs keeping the lowest dev loss so far and how many epochs since it; stop when that count reaches the patience", expects: "(devLosses, patience) => { stop, best }" },
]);
