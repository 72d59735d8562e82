// Every registered exercise: the right answer passes, and wrong answers (including wrong METHODS that
// would give nearly the right numbers) are rejected.
import { describe, expect, it } from "vitest";
import { assessExercise, check } from "../lib/course/exercise";
import { exerciseIds, registerExercises, findExercise } from "../lib/course/exercises/index";
import { Matrix } from "../lib/core/matrix";
import { matmulTransA, matmulTransB, sumRows, matmul, addRowVector, map, hadamard, scale, sub, softmaxRows } from "../lib/core/ops";
import { Dense } from "../lib/nn/layers";
import { Sigmoid } from "../lib/nn/activations";
import { twoLayerReference } from "../lib/course/exercises/ch04";
import type { History } from "../lib/train/callbacks";

const status = (name: string, answer: unknown) => assessExercise(name, answer).status;
const message = (name: string, answer: unknown) => assessExercise(name, answer).message;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe("the exercise registry", () => {
  it("registers chapters 1 to 8, three or more exercises each, in order", () => {
    for (let ch = 1; ch <= 8; ch++) expect(exerciseIds(String(ch)).length).toBeGreaterThanOrEqual(3);
    expect(exerciseIds("04")).toEqual(["4.1", "4.2", "4.3", "4.4", "4.5"]);
    expect(findExercise("Exercise 5.2")?.id).toBe("5.2");
  });

  it("check(name, answer) prints only the name and the verdict, with the hint when wrong", () => {
    const lines: string[] = [];
    const original = console.log;
    console.log = (l: string) => lines.push(l);
    try {
      check("2.1", undefined);
      check("2.1", 7960);
      check("Exercise 2.1", 7950);
      check("9.99", 1);
    } finally {
      console.log = original;
    }
    expect(lines[0]).toBe("Exercise 2.1: Not answered yet — replace `undefined` with your answer and re-run.");
    expect(lines[1]).toBe("Exercise 2.1: Correct!");
    expect(lines[2]).toMatch(/^Exercise 2\.1: Not quite: 7950 is not the expected number\. \(Hint: each dense layer/);
    expect(lines[2]).not.toContain("7960");
    expect(lines[3]).toContain("no such exercise");
  });

  it("refuses a duplicate id, a missing answer name, an expected value in a public module and an exercise with nothing to compare", () => {
    expect(() => registerExercises("5", [{ id: "5.1", answer: "x", hint: "", digest: "d" }])).toThrow("registered twice");
    expect(() => registerExercises("99", [{ id: "99.1", answer: "", hint: "", digest: "d" }])).toThrow("needs `answer`");
    expect(() => registerExercises("99", [{ id: "99.2", answer: "x", hint: "", expected: 1 } as never])).toThrow("in a public module");
    expect(() => registerExercises("99", [{ id: "99.3", answer: "x", hint: "" }])).toThrow("needs a digest or a test");
  });
});

describe("the hidden part (lib/course/exercises/hidden/)", () => {
  it("gives every digest exercise its expected value, which the public digest accepts; a value off by more than the tolerance it refuses", async () => {
    await import("../lib/course/exercises/hidden/index");
    const { findHidden, digestOf, digitsFor } = await import("../lib/course/exercises/index");
    const { activeUnitsAfterAlpha4 } = await import("../lib/course/exercises/hidden/ch04");
    for (const id of exerciseIds()) {
      const e = findExercise(id)!;
      if (e.digest === undefined) continue;
      const h = findHidden(id);
      const expected = id === "4.5" ? activeUnitsAfterAlpha4() : h?.expected;
      expect(h, `${id} has a hidden part`).toBeDefined();
      expect(status(id, expected), id).toBe("correct");
      const off = (v: unknown): unknown => (typeof v === "number" ? v * (1 + 50 * (e.tolerance ?? 1e-6)) + 1 : Array.isArray(v) ? v.map(off) : v);
      expect(status(id, off(expected)), `${id} off`).toBe("wrong");
      expect(digestOf(id, expected, e.digits ?? digitsFor(e.tolerance))).toBe(e.digest);
    }
  });
});

describe("chapter 1", () => {
  const be = (b: Uint8Array, o: number) => b[o] * 2 ** 24 + b[o + 1] * 2 ** 16 + b[o + 2] * 2 ** 8 + b[o + 3];
  it("1.1 accepts reading big-endian by hand; rejects little-endian, << 24 and DataView", () => {
    expect(status("1.1", be)).toBe("correct");
    expect(status("1.1", (b: Uint8Array, o: number) => b[o + 3] * 2 ** 24 + b[o + 2] * 2 ** 16 + b[o + 1] * 2 ** 8 + b[o])).toBe("wrong");
    expect(status("1.1", (b: Uint8Array, o: number) => (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3])).toBe("wrong");
    expect(message("1.1", (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o))).toContain("off limits");
    expect(new DataView(new Uint8Array([0, 0, 1, 0]).buffer).getUint32(0)).toBe(256); // restored afterwards
  });
  it("1.2 accepts the column of the 1; rejects the row index", () => {
    expect(status("1.2", (Y: Matrix) => Y.toRows().map((r) => r.indexOf(1)))).toBe("correct");
    expect(status("1.2", (Y: Matrix) => Y.toRows().map((_, i) => i % 10))).toBe("wrong");
  });
  it("1.3 accepts the label and 255·x row by row; rejects x itself and the pixels column by column", () => {
    const line = (images: Matrix, labels: ArrayLike<number>, i: number) =>
      [labels[i], ...Array.from(images.row(i), (x) => Math.round(255 * x))].join(",");
    expect(status("1.3", line)).toBe("correct");
    expect(status("1.3", (images: Matrix, labels: ArrayLike<number>, i: number) =>
      [labels[i], ...Array.from(images.row(i))].join(","))).toBe("wrong");
    const byColumns = (images: Matrix, labels: ArrayLike<number>, i: number) => {
      const row = images.row(i), v: number[] = [];
      for (let c = 0; c < 28; c++) for (let r = 0; r < 28; r++) v.push(Math.round(255 * row[28 * r + c]));
      return [labels[i], ...v].join(",");
    };
    expect(status("1.3", byColumns)).toBe("wrong");
  });
});

describe("chapter 2", () => {
  it("2.1 is 7,960", () => {
    expect(status("2.1", 7960)).toBe("correct");
    expect(status("2.1", 7940)).toBe("wrong");
  });
  it("2.2 accepts σ(1 − σ) written either way; rejects the best finite differences", () => {
    expect(status("2.2", (z: number) => sigmoid(z) * (1 - sigmoid(z)))).toBe("correct");
    expect(status("2.2", (z: number) => Math.exp(-z) / (1 + Math.exp(-z)) ** 2)).toBe("correct");
    expect(status("2.2", (z: number) => (sigmoid(z + 1e-5) - sigmoid(z - 1e-5)) / 2e-5)).toBe("wrong");
    for (const h of [1e-3, 1e-4, 3e-3]) {
      const fivePoint = (z: number) => (8 * (sigmoid(z + h) - sigmoid(z - h)) - (sigmoid(z + 2 * h) - sigmoid(z - 2 * h))) / (12 * h);
      expect(message("2.2", fivePoint)).toContain("numerical estimate");
    }
    expect(status("2.2", (z: number) => sigmoid(z) * sigmoid(z))).toBe("wrong");
  });
  it("2.3 accepts a stable softmax; rejects the naive one and one that subtracts the minimum", () => {
    const soft = (shift: (z: number[]) => number) => (z: number[]) => {
      const c = shift(z), e = z.map((v) => Math.exp(v - c)), s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    expect(status("2.3", soft((z) => Math.max(...z)))).toBe("correct");
    expect(status("2.3", soft(() => 0))).toBe("wrong");
    expect(status("2.3", soft((z) => Math.min(...z)))).toBe("wrong");
  });
});

describe("chapter 3", () => {
  it("3.1 is the mean of −ln p, not −ln of the mean", () => {
    expect(status("3.1", 0.9163)).toBe("correct");
    expect(status("3.1", -Math.log(0.5))).toBe("wrong");
  });
  it("3.2 is p − y; rejects p alone", () => {
    expect(status("3.2", [0.659, -0.758, 0.099])).toBe("correct");
    expect(status("3.2", [0.659, 0.242, 0.099])).toBe("wrong");
  });
  it("3.3 accepts a centred difference; rejects a forward difference at any step and a centred one that forgets to restore x", () => {
    const centred = (f: (x: number[]) => number, x: number[]) => x.map((_, i) => {
      const up = x.slice(), down = x.slice();
      up[i] += 1e-5; down[i] -= 1e-5;
      return (f(up) - f(down)) / 2e-5;
    });
    expect(status("3.3", centred)).toBe("correct");
    for (const h of [1e-5, 1e-8, 1e-10]) {
      const forward = (f: (x: number[]) => number, x: number[]) => x.map((_, i) => {
        const up = x.slice();
        up[i] += h;
        return (f(up) - f(x)) / h;
      });
      expect(message("3.3", forward)).toContain("not a centred difference");
    }
    const inPlace = (f: (x: number[]) => number, x: number[]) => x.map((_, i) => {
      x[i] += 1e-5; const up = f(x); x[i] -= 2e-5; const down = f(x);
      return (up - down) / 2e-5;
    });
    expect(message("3.3", inPlace)).toContain("changes x");
  });
});

describe("chapter 4", () => {
  const denseBackward = (X: Matrix, W: Matrix, dZ: Matrix) => ({ dW: matmulTransA(X, dZ), db: sumRows(dZ), dX: matmulTransB(dZ, W) });
  it("4.1 accepts Xᵀ·dZ, Σ dZ, dZ·Wᵀ; rejects a missing transpose", () => {
    expect(status("4.1", denseBackward)).toBe("correct");
    expect(status("4.1", (X: Matrix, W: Matrix, dZ: Matrix) => ({ ...denseBackward(X, W, dZ), dX: matmul(dZ, matmulTransB(W, W)) }))).toBe("wrong");
    expect(status("4.1", (X: Matrix, W: Matrix, dZ: Matrix) => ({ ...denseBackward(X, W, dZ), db: scale(sumRows(dZ), 1 / X.rows) }))).toBe("wrong");
    // the library's Dense (and every other layer) is off limits: checked in a kernel, test/grade-bypass.test.ts
  });
  it("4.2 accepts the chain written out; rejects a missing 1/m, a missing ReLU mask and finite differences' slowness", () => {
    expect(status("4.2", twoLayerReference)).toBe("correct");
    const noMean = (X: Matrix, Y: Matrix, W1: Matrix, b1: Matrix, W2: Matrix, b2: Matrix) => {
      const g = twoLayerReference(X, Y, W1, b1, W2, b2);
      return { dW1: scale(g.dW1, X.rows), db1: scale(g.db1, X.rows), dW2: scale(g.dW2, X.rows), db2: scale(g.db2, X.rows) };
    };
    expect(status("4.2", noMean)).toBe("wrong");
    const noMask = (X: Matrix, Y: Matrix, W1: Matrix, b1: Matrix, W2: Matrix, b2: Matrix) => {
      const Z1 = addRowVector(matmul(X, W1), b1), A1 = map(Z1, (z) => Math.max(0, z));
      const dZ2 = scale(sub(softmaxRows(addRowVector(matmul(A1, W2), b2)), Y), 1 / X.rows);
      const dZ1 = matmulTransB(dZ2, W2);                                   // forgot ∗ [Z1 > 0]
      return { dW1: matmulTransA(X, dZ1), db1: sumRows(dZ1), dW2: matmulTransA(A1, dZ2), db2: sumRows(dZ2) };
    };
    expect(message("4.2", noMask)).toContain("dW1");
    const wrongMaskSide = (X: Matrix, Y: Matrix, W1: Matrix, b1: Matrix, W2: Matrix, b2: Matrix) => {
      const Z1 = addRowVector(matmul(X, W1), b1), A1 = map(Z1, (z) => Math.max(0, z));
      const dZ2 = scale(sub(softmaxRows(addRowVector(matmul(A1, W2), b2)), Y), 1 / X.rows);
      const dZ1 = hadamard(matmulTransB(dZ2, W2), map(Z1, (z) => (z >= 0 ? 1 : 0.5)));
      return { dW1: matmulTransA(X, dZ1), db1: sumRows(dZ1), dW2: matmulTransA(A1, dZ2), db2: sumRows(dZ2) };
    };
    expect(status("4.2", wrongMaskSide)).toBe("wrong");
  });
  it("4.3 accepts a centred check with max(|a|, |n|); rejects a forward difference and another denominator", () => {
    const make = (centred: boolean, denominator: (a: number, n: number) => number) =>
      (loss: () => number, M: Matrix, analytic: Matrix, entries: number[]) => {
        let worst = 0;
        for (const k of entries) {
          const v = M.data[k], h = 1e-5;
          M.data[k] = v + h; const up = loss();
          M.data[k] = centred ? v - h : v; const down = loss();
          M.data[k] = v;
          const n = (up - down) / (centred ? 2 * h : h), a = analytic.data[k];
          worst = Math.max(worst, Math.abs(a - n) / denominator(a, n));
        }
        return worst;
      };
    expect(status("4.3", make(true, (a, n) => Math.max(Math.abs(a), Math.abs(n), 1e-10)))).toBe("correct");
    expect(message("4.3", make(true, (a, n) => Math.max(Math.abs(a), Math.abs(n))))).toContain("gradient is 0");
    expect(message("4.3", make(false, (a, n) => Math.max(Math.abs(a), Math.abs(n), 1e-10)))).toContain("centred");
    expect(status("4.3", make(true, (_a, n) => Math.abs(n)))).toBe("wrong");
  });
  it("4.4 accepts dA ∗ A ∗ (1 − A); rejects dA ∗ A", () => {
    expect(status("4.4", (A: Matrix, dA: Matrix) => hadamard(dA, map(A, (a) => a * (1 - a))))).toBe("correct");
    expect(status("4.4", (A: Matrix, dA: Matrix) => hadamard(dA, A))).toBe("wrong");
    // the library's Sigmoid is off limits: checked in a kernel (test/grade-bypass.test.ts, library-guard.test.ts)
  });
  it("4.5 counts the units still active after α = 4", () => {
    const right = [...Array(11).keys()].filter((n) => status("4.5", n) === "correct");
    expect(right.length).toBe(1);
    expect(status("4.5", 11)).toBe("wrong");
  });
});

describe("chapter 5", () => {
  it("5.1 rounds up and caps the batch at n", () => {
    expect(status("5.1", (n: number, B: number | "full") => (B === "full" ? 1 : Math.ceil(n / Math.min(B, n))))).toBe("correct");
    expect(status("5.1", (n: number, B: number | "full") => (B === "full" ? 1 : Math.floor(n / B)))).toBe("wrong");
  });
  it("5.2 includes the finite-population factor", () => {
    expect(status("5.2", 1 / 4999)).toBe("correct");
    expect(status("5.2", 1 / 2500)).toBe("wrong");
    expect(status("5.2", 0.5)).toBe("wrong");
  });
  it("5.3 accepts a learning rate that reaches 80 % and rejects a timid one and a diverging one", () => {
    expect(status("5.3", 0.5)).toBe("correct");
    expect(status("5.3", 0.02)).toBe("wrong");
    expect(message("5.3", 1000)).toContain("diverged");
  }, 60_000);
});

describe("chapter 6", () => {
  it("6.1 picks by the final dev accuracy, not the training accuracy, not the best epoch, not a diverged run", () => {
    const lastDev = (runs: Record<string, History>) => Object.keys(runs).filter((k) => !runs[k].stopped)
      .reduce((best, k) => ((runs[k].epochs.at(-1)!.testAccuracy ?? 0) > (runs[best].epochs.at(-1)!.testAccuracy ?? 0) ? k : best));
    expect(status("6.1", lastDev)).toBe("correct");
    const byTrain = (runs: Record<string, History>) => Object.keys(runs)
      .reduce((best, k) => (runs[k].epochs.at(-1)!.trainAccuracy > runs[best].epochs.at(-1)!.trainAccuracy ? k : best));
    expect(message("6.1", byTrain)).toContain("training data");
    const peak = (h: History) => Math.max(...h.epochs.map((e) => e.testAccuracy ?? 0));
    const byPeak = (runs: Record<string, History>) => Object.keys(runs).filter((k) => !runs[k].stopped)
      .reduce((best, k) => (peak(runs[k]) > peak(runs[best]) ? k : best));
    expect(status("6.1", byPeak)).toBe("wrong");
    const unguarded = (runs: Record<string, History>) => Object.keys(runs)
      .reduce((best, k) => ((runs[k].epochs.at(-1)!.testAccuracy ?? 0) > (runs[best].epochs.at(-1)!.testAccuracy ?? 0) ? k : best));
    expect(message("6.1", unguarded)).toContain("stopped");
  });
  it("6.2 counts weights and biases", () => {
    const count = (s: number[]) => s.slice(1).reduce((t, b, i) => t + s[i] * b + b, 0);
    expect(status("6.2", count)).toBe("correct");
    expect(status("6.2", (s: number[]) => s.slice(1).reduce((t, b, i) => t + s[i] * b, 0))).toBe("wrong");
  });
  it("6.3 accepts a learning rate that reaches 75 % on the dev rows and rejects the timid default", () => {
    expect(status("6.3", 0.5)).toBe("correct");
    expect(status("6.3", 0.1)).toBe("wrong");
  }, 60_000);
});

describe("chapter 7", () => {
  const momentumStep = (w: Float64Array, v: Float64Array, g: Float64Array, lr: number, beta: number) => {
    for (let i = 0; i < w.length; i++) { v[i] = beta * v[i] + g[i]; w[i] -= lr * v[i]; }
  };
  it("7.1 accepts the heavy-ball update; rejects the old velocity, the damped form and Nesterov", () => {
    expect(status("7.1", momentumStep)).toBe("correct");
    expect(status("7.1", (w: Float64Array, v: Float64Array, g: Float64Array, lr: number, beta: number) => {
      for (let i = 0; i < w.length; i++) { w[i] -= lr * v[i]; v[i] = beta * v[i] + g[i]; }
    })).toBe("wrong");
    expect(status("7.1", (w: Float64Array, v: Float64Array, g: Float64Array, lr: number, beta: number) => {
      for (let i = 0; i < w.length; i++) { v[i] = beta * v[i] + (1 - beta) * g[i]; w[i] -= lr * v[i]; }
    })).toBe("wrong");
    expect(status("7.1", (w: Float64Array, v: Float64Array, g: Float64Array, lr: number, beta: number) => {
      for (let i = 0; i < w.length; i++) { v[i] = beta * v[i] + g[i]; w[i] -= lr * (g[i] + beta * v[i]); }
    })).toBe("wrong");
  });
  it("7.2 needs the bias correction and ε; rejects α·sign(g)", () => {
    expect(status("7.2", [-0.01 * 0.5 / (0.5 + 1e-8), 0.005, -0.01 * 3 / (3 + 1e-8)])).toBe("correct");
    expect(status("7.2", [-0.01, 0.01, -0.01])).toBe("wrong");
    const noCorrection = [0.5, -1e-8, 3].map((g) => -0.01 * (0.1 * g) / (Math.sqrt(0.001 * g * g) + 1e-8));
    expect(status("7.2", noCorrection)).toBe("wrong");
  });
  it("7.3 is the cosine schedule over 10 epochs", () => {
    expect(status("7.3", (e: number, a: number) => (a * (1 + Math.cos((Math.PI * e) / 10))) / 2)).toBe("correct");
    expect(status("7.3", (e: number, a: number) => (a * (1 + Math.cos((Math.PI * e) / 9))) / 2)).toBe("wrong");
  });
});

describe("chapter 8", () => {
  type F = (a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number) => void;
  const pij: F = (a, b, c, m, k, n) => {
    c.fill(0, 0, m * n);
    for (let p = 0; p < k; p++) for (let i = 0; i < m; i++) {
      const x = a[p * m + i];
      for (let j = 0; j < n; j++) c[i * n + j] += x * b[p * n + j];
    }
  };
  const ijp: F = (a, b, c, m, k, n) => {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[p * m + i] * b[p * n + j];
      c[i * n + j] = s;
    }
  };
  it("8.1 and 8.2", () => {
    expect(status("8.1", 52363264)).toBe("correct");
    expect(status("8.1", 52363264 / 2)).toBe("wrong");
    expect(status("8.2", 4.255)).toBe("correct");
    expect(status("8.2", 10)).toBe("wrong");
  });
  it("8.3 accepts the i-p-j/p-i-j orders; rejects the cache-unfriendly i-j-p order and a result left unzeroed", () => {
    expect(status("8.3", pij)).toBe("correct");
    expect(message("8.3", ijp)).toContain("jumps across rows");
    const noZero: F = (a, b, c, m, k, n) => {
      for (let p = 0; p < k; p++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) c[i * n + j] += a[p * m + i] * b[p * n + j];
    };
    expect(status("8.3", noZero)).toBe("wrong");
  });
});
